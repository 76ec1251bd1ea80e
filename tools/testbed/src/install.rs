//! What must be installed, where it lives on Debian 12, and which package
//! provides it, so a missing piece fails with the `apt-get install` line.

use std::path::{Path, PathBuf};

use crate::error::TestbedError;

/// A file the testbed needs, with the places it may live.
#[derive(Debug, Clone, Copy)]
pub struct Requirement {
    pub what: &'static str,
    pub candidates: &'static [&'static str],
    pub package: &'static str,
}

impl Requirement {
    /// The first candidate that exists, else [`TestbedError::NotInstalled`].
    pub fn locate(&self) -> Result<PathBuf, TestbedError> {
        self.candidates
            .iter()
            .map(Path::new)
            .find(|path| path.exists())
            .map(Path::to_path_buf)
            .ok_or_else(|| TestbedError::NotInstalled {
                what: self.what,
                looked_at: self.candidates.join(", "),
                package: self.package,
            })
    }
}

pub const PCSCD: Requirement = Requirement {
    what: "the pcscd daemon",
    candidates: &["/usr/sbin/pcscd", "/usr/bin/pcscd"],
    package: "pcscd",
};

/// vsmartcard's reader driver, loaded by pcscd.
pub const VPCD_DRIVER: Requirement = Requirement {
    what: "the vpcd reader driver",
    candidates: &["/usr/lib/pcsc/drivers/serial/libifdvpcd.so"],
    package: "vsmartcard-vpcd",
};

/// The reader.conf entry that makes pcscd load vpcd as the TCP server
/// (`DEVICENAME /dev/null:0x8C7B`).
pub const VPCD_CONFIG: Requirement = Requirement {
    what: "the vpcd reader configuration",
    candidates: &["/etc/reader.conf.d/vpcd"],
    package: "vsmartcard-vpcd",
};

pub const VICC: Requirement = Requirement {
    what: "vsmartcard's card emulator vicc",
    candidates: &["/usr/bin/vicc"],
    package: "vsmartcard-vpicc",
};

/// Debian installs vicc's Python package outside `sys.path`.
pub const VICC_PYTHON_PACKAGE: Requirement = Requirement {
    what: "vicc's Python package virtualsmartcard",
    candidates: &["/usr/lib/python3/site-packages/virtualsmartcard"],
    package: "vsmartcard-vpicc",
};

/// vicc imports `Crypto`; Debian's pycryptodome provides it as `Cryptodome`.
pub const CRYPTODOME: Requirement = Requirement {
    what: "the Python package Cryptodome",
    candidates: &["/usr/lib/python3/dist-packages/Cryptodome"],
    package: "python3-pycryptodome",
};

pub const PYTHON3: Requirement = Requirement {
    what: "the Python 3 interpreter",
    candidates: &["/usr/bin/python3"],
    package: "python3",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_names_the_debian_package() {
        let missing = Requirement {
            what: "a daemon",
            candidates: &["/nonexistent/a", "/nonexistent/b"],
            package: "some-package",
        };
        let message = missing.locate().unwrap_err().to_string();
        assert!(
            message.contains("apt-get install some-package"),
            "{message}"
        );
        assert!(
            message.contains("/nonexistent/a, /nonexistent/b"),
            "{message}"
        );
        assert!(message.contains("a daemon"), "{message}");
    }

    #[test]
    fn first_existing_candidate_wins() {
        let present = Requirement {
            what: "a shell",
            candidates: &["/nonexistent/sh", "/bin/sh"],
            package: "dash",
        };
        assert_eq!(present.locate().unwrap(), Path::new("/bin/sh"));
    }
}
