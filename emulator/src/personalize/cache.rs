//! A process-wide cache of personalized card images whose certificates were
//! issued at personalization: RSA key generation on the card costs time and
//! many tests personalize the same profile, so the cost is paid once per
//! process. Only deterministic personalizations are cached (the profile has
//! `card.keys.seed`), keyed by the profile's directory and its content.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use card_os::CardImage;
use profiles::Profile;

/// The profile file's directory (its relative paths resolve there) and the
/// profile as TOML.
type Key = (Option<PathBuf>, String);
type Slot = Arc<Mutex<Option<CardImage>>>;

fn slots() -> MutexGuard<'static, HashMap<Key, Slot>> {
    static SLOTS: OnceLock<Mutex<HashMap<Key, Slot>>> = OnceLock::new();
    SLOTS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

/// The cache key of a profile; `None` when its card cannot be cached.
fn key(profile: &Profile) -> Option<Key> {
    profile.card.keys.seed?;
    let text = profile.to_toml_string().ok()?;
    Some((profile.base_dir().map(PathBuf::from), text))
}

/// The cached image of `profile`, or `make`'s (then cached). Concurrent
/// callers for one profile wait for the first one instead of repeating the
/// work; an error is returned and not cached.
pub fn image_for<E>(
    profile: &Profile,
    make: impl FnOnce() -> Result<CardImage, E>,
) -> Result<CardImage, E> {
    let Some(key) = key(profile) else {
        return make();
    };
    let slot = Arc::clone(slots().entry(key).or_default());
    let mut cached = slot.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(image) = cached.as_ref() {
        return Ok(image.clone());
    }
    let image = make()?;
    *cached = Some(image.clone());
    Ok(image)
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::path::Path;

    use super::*;

    fn profile(description: &str) -> Profile {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../profiles/reference/minor.toml");
        let mut profile = Profile::from_file(path).unwrap_or_else(|e| panic!("{e}"));
        // A key of its own, so other tests' entries do not interfere.
        profile.description = description.to_owned();
        profile
    }

    fn image(tag: &str) -> CardImage {
        let mut image: CardImage = serde_json::from_str(
            r#"{"mf":{"fid":16128,"aid":null,"rules":{"terminate":"Never"},"children":[]},"life_cycle":"Operational","objects":{}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        image.objects.insert(tag.to_owned(), Vec::new());
        image
    }

    #[test]
    fn a_seeded_profile_is_made_once_and_an_unseeded_one_every_time() {
        let calls = Cell::new(0);
        let make = |tag: &str| {
            calls.set(calls.get() + 1);
            Ok::<_, ()>(image(tag))
        };
        let seeded = profile("cache test: seeded");
        let first = image_for(&seeded, || make("first"));
        let second = image_for(&seeded, || make("second"));
        assert_eq!(first, second);
        assert_eq!(calls.get(), 1);
        // A changed profile is another entry.
        let other = profile("cache test: other");
        assert_eq!(image_for(&other, || make("other")), Ok(image("other")));
        assert_eq!(calls.get(), 2);

        let mut unseeded = profile("cache test: unseeded");
        unseeded.card.keys.seed = None;
        assert_eq!(image_for(&unseeded, || make("a")), Ok(image("a")));
        assert_eq!(image_for(&unseeded, || make("b")), Ok(image("b")));
        assert_eq!(calls.get(), 4);
        // Errors are not cached.
        let failing = profile("cache test: failing");
        assert_eq!(image_for(&failing, || Err::<CardImage, _>(())), Err(()));
        assert_eq!(image_for(&failing, || make("after")), Ok(image("after")));
    }
}
