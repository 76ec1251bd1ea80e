//! A personalization profile: one TOML file describing one card, and its
//! loader. Loading checks syntax and types (a date that is not a date, an
//! unknown field, an unknown code); [`Profile::check`](crate::check) checks
//! the rules across fields.

use core::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::card::CardConfig;
use crate::holder::Holder;

/// The profile format this crate reads and writes.
pub const FORMAT_VERSION: i64 = 1;

/// One card's personalization profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Always [`FORMAT_VERSION`] once loaded.
    pub format_version: i64,
    /// Short name, e.g. `"adult"` (the reference holder's `key`).
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub card: CardConfig,
    pub holder: Holder,
    /// Directory of the file the profile was read from, for relative paths.
    #[serde(skip)]
    base_dir: Option<PathBuf>,
}

/// Where in a profile something went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The profile file, when loaded from one.
    pub file: Option<PathBuf>,
    /// 1-based line and column (column in characters).
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{}:{}:{}", file.display(), self.line, self.column),
            None => write!(f, "line {}, column {}", self.line, self.column),
        }
    }
}

/// Why a profile could not be loaded. Every message is one line.
#[derive(Debug, Error)]
pub enum ProfileError {
    #[error("cannot read profile {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The text is not TOML.
    #[error("{location}: TOML syntax error: {message}")]
    Syntax { location: Location, message: String },
    /// TOML, but not a profile: unknown or missing field, wrong type, bad
    /// date or code. `field` is the dotted path (`holder.date_of_birth`).
    #[error("{location}: {field}: {message}")]
    Field {
        location: Location,
        field: String,
        message: String,
    },
    /// Same as `Field` when the TOML library gave no position.
    #[error("{}{field}: {message}", file_prefix(.file))]
    FieldWithoutPosition {
        file: Option<PathBuf>,
        field: String,
        message: String,
    },
    #[error("{}format_version: {found} is not supported (this neid reads format_version {FORMAT_VERSION})", file_prefix(.file))]
    FormatVersion {
        file: Option<PathBuf>,
        found: String,
    },
}

fn file_prefix(file: &Option<PathBuf>) -> String {
    file.as_ref()
        .map(|f| format!("{}: ", f.display()))
        .unwrap_or_default()
}

impl Profile {
    /// Reads and parses a profile file. Relative paths inside it (e.g.
    /// `card.keys.pki`) resolve against the file's directory.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Profile, ProfileError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Io {
            path: path.to_owned(),
            source,
        })?;
        let mut profile = parse(&text, Some(path))?;
        profile.base_dir = Some(path.parent().map(Path::to_owned).unwrap_or_default());
        Ok(profile)
    }

    /// Parses a profile from TOML text. Relative paths resolve against the
    /// current directory.
    pub fn from_toml_str(text: &str) -> Result<Profile, ProfileError> {
        parse(text, None)
    }

    /// The same profile with its relative paths (`card.keys.pki`,
    /// `card.keys.issuer_keys`) resolving against `dir`, as if it had been
    /// read from a file there (e.g. a profile edited in memory).
    pub fn with_base_dir(mut self, dir: impl Into<PathBuf>) -> Profile {
        self.base_dir = Some(dir.into());
        self
    }

    /// The profile as TOML (e.g. to write a generated profile).
    pub fn to_toml_string(&self) -> Result<String, toml::ser::Error> {
        toml::to_string(self)
    }

    /// Directory the profile was read from (`None` for `from_toml_str`).
    pub fn base_dir(&self) -> Option<&Path> {
        self.base_dir.as_deref()
    }

    /// `card.keys.pki` resolved against the profile's directory.
    pub fn pki_dir(&self) -> Option<PathBuf> {
        self.card.keys.pki.as_deref().map(|pki| self.resolve(pki))
    }

    /// `card.keys.issuer_keys` resolved against the profile's directory.
    pub fn issuer_keys_path(&self) -> Option<PathBuf> {
        self.card.keys.issuer_keys.as_deref().map(|path| self.resolve(path))
    }

    /// The issuer master keys of `card.keys.issuer_keys`, read and parsed;
    /// `None` when the profile names no key file.
    pub fn issuer_keys(&self) -> Result<Option<crate::IssuerKeys>, crate::IssuerKeysError> {
        self.issuer_keys_path()
            .map(crate::IssuerKeys::from_file)
            .transpose()
    }

    /// A path from the profile, relative to the profile file's directory.
    fn resolve(&self, path: &Path) -> PathBuf {
        match &self.base_dir {
            Some(base) if path.is_relative() => base.join(path),
            _ => path.to_owned(),
        }
    }
}

fn parse(text: &str, file: Option<&Path>) -> Result<Profile, ProfileError> {
    let file_owned = || file.map(Path::to_owned);

    // Pass 1: syntax only, so a syntax error is reported as such.
    let table: toml::Table = toml::from_str(text).map_err(|e| ProfileError::Syntax {
        location: location(text, file, e.span()),
        message: one_line(e.message()),
    })?;

    // Pass 2: the version, before the schema, so a newer file is refused
    // with a clear message rather than "unknown field".
    match table.get("format_version") {
        Some(toml::Value::Integer(FORMAT_VERSION)) | None => {}
        Some(other) => {
            return Err(ProfileError::FormatVersion {
                file: file_owned(),
                found: other.to_string(),
            });
        }
    }

    // Pass 3: the schema, from the text so errors carry positions.
    toml::from_str::<Profile>(text).map_err(|e| field_error(text, file, e))
}

fn field_error(text: &str, file: Option<&Path>, mut error: toml::de::Error) -> ProfileError {
    let message = one_line(error.message());
    let mut path = error_key_path(&mut error);
    // serde names the offending key in the message, not in the path.
    if let Some(key) =
        backquoted_key(&message, "unknown field `").or(backquoted_key(&message, "missing field `"))
    {
        path.push(key.to_owned());
    }
    let field = if path.is_empty() {
        "(top level)".to_owned()
    } else {
        path.join(".")
    };
    match error.span() {
        Some(span) => ProfileError::Field {
            location: location(text, file, Some(span)),
            field,
            message,
        },
        None => ProfileError::FieldWithoutPosition {
            file: file.map(Path::to_owned),
            field,
            message,
        },
    }
}

/// The dotted key path of a deserialization error.
///
/// toml 0.9 keeps the path private and prints it (as "in `a.b`") only when
/// the error has no source text attached; so detach the text and read it
/// back from the rendering.
fn error_key_path(error: &mut toml::de::Error) -> Vec<String> {
    error.set_input(None);
    let rendered = error.to_string();
    rendered
        .lines()
        .rev()
        .find_map(|line| {
            line.strip_prefix("in `")
                .and_then(|rest| rest.strip_suffix('`'))
        })
        .map(|path| path.split('.').map(str::to_owned).collect())
        .unwrap_or_default()
}

fn backquoted_key<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = message.strip_prefix(prefix)?;
    rest.split('`').next()
}

fn location(text: &str, file: Option<&Path>, span: Option<core::ops::Range<usize>>) -> Location {
    let offset = span.map(|s| s.start).unwrap_or(0).min(text.len());
    // The span comes from the parser, on a char boundary; fall back to the
    // line start if not.
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = before
        .get(line_start..)
        .map(|s| s.chars().count())
        .unwrap_or(0)
        + 1;
    Location {
        file: file.map(Path::to_owned),
        line,
        column,
    }
}

fn one_line(message: &str) -> String {
    message
        .trim()
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("; ")
}
