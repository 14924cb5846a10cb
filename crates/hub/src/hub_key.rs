//! The key the embedded (SQLite) database is encrypted under, and where the hub reads it.
//!
//! A key is 32 random bytes written as 64 hexadecimal characters. The hub reads it at
//! start from exactly one place: a key file named by `--key-file` or
//! `DOORSTEP_HUB_KEY_FILE`, a systemd credential called `doorstep-hub-key`, or the
//! environment variable `DOORSTEP_HUB_KEY`. Never from the configuration file, which sits
//! beside the database and is copied with it; never into a log.

use std::path::{Path, PathBuf};

use doorstep_store::keyfile::DatabaseKey;
use zeroize::Zeroizing;

/// The environment variable naming the key file.
pub const KEY_FILE_ENV: &str = "DOORSTEP_HUB_KEY_FILE";
/// The environment variable holding the key itself (for containers that inject secrets so).
pub const KEY_ENV: &str = "DOORSTEP_HUB_KEY";
/// The name of the systemd credential (`LoadCredential=doorstep-hub-key:/etc/…`).
pub const CREDENTIAL: &str = "doorstep-hub-key";

/// Where a key came from: named in messages, so an operator knows which one to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A key file.
    File(PathBuf),
    /// A systemd credential (a file in `$CREDENTIALS_DIRECTORY`).
    Credential(PathBuf),
    /// The `DOORSTEP_HUB_KEY` environment variable.
    Environment,
    /// Made just now (`admin new-key`).
    New,
    /// A backup's one-off snapshot key, from its header.
    Backup,
}

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(path) => write!(f, "the key file {}", path.display()),
            Self::Credential(path) => write!(f, "the systemd credential {}", path.display()),
            Self::Environment => write!(f, "{KEY_ENV}"),
            Self::New => write!(f, "the new key"),
            Self::Backup => write!(f, "the backup's snapshot key"),
        }
    }
}

/// The hub's database key and where it came from. Its bytes are wiped when dropped and
/// never printed.
pub struct HubKey {
    key: DatabaseKey,
    source: KeySource,
}

impl std::fmt::Debug for HubKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubKey")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

/// A key that could not be read or is not a key. Nothing was opened.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key file (or credential) is missing or unreadable.
    #[error(
        "cannot read {source_name}: {reason}. Check the path, or make a key with `doorstep-hub admin new-key --out FILE`"
    )]
    Unreadable {
        /// Where it was looked for.
        source_name: KeySource,
        /// Why it could not be read.
        reason: String,
    },
    /// The text is not 64 hexadecimal characters.
    #[error(
        "{source_name} does not hold a key: {reason}. A key is 64 hexadecimal characters, as `doorstep-hub admin new-key` writes"
    )]
    Malformed {
        /// Where it came from.
        source_name: KeySource,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// More than one place holds a key: which is meant is not for the hub to guess.
    #[error("a key is given in two places ({0} and {1}): keep one")]
    TwoSources(KeySource, KeySource),
    /// `new-key` would overwrite a file.
    #[error(
        "{0} already exists: a key file is never overwritten (the database it opens would be lost); choose another name"
    )]
    Exists(PathBuf),
    /// Writing a new key file failed.
    #[error("cannot write the key file {path}: {reason}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

impl HubKey {
    /// The raw key, for SQLCipher.
    pub fn database_key(&self) -> &DatabaseKey {
        &self.key
    }

    /// Where it came from.
    pub fn source(&self) -> &KeySource {
        &self.source
    }

    /// A key from its text form (64 hex characters, surrounding white space ignored).
    pub fn from_text(text: &str, source: KeySource) -> Result<Self, KeyError> {
        let malformed = |reason| KeyError::Malformed {
            source_name: source.clone(),
            reason,
        };
        let text = text.trim();
        if text.is_empty() {
            return Err(malformed("it is empty"));
        }
        if text.len() != 64 {
            return Err(malformed("it is not 64 characters long"));
        }
        let mut key = Zeroizing::new([0u8; 32]);
        for (byte, pair) in key.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
            let high = hex_digit(pair[0])
                .ok_or_else(|| malformed("it has a character that is not 0-9 or a-f"))?;
            let low = hex_digit(pair[1])
                .ok_or_else(|| malformed("it has a character that is not 0-9 or a-f"))?;
            *byte = (high << 4) | low;
        }
        if key.iter().all(|b| *b == 0) {
            return Err(malformed("it is all zeros"));
        }
        Ok(Self { key, source })
    }

    /// Reads a key file (or credential), warning when others on the machine may read it.
    pub fn from_file(path: &Path, source: KeySource) -> Result<Self, KeyError> {
        let text =
            Zeroizing::new(
                std::fs::read_to_string(path).map_err(|e| KeyError::Unreadable {
                    source_name: source.clone(),
                    reason: io_reason(&e),
                })?,
            );
        warn_if_shared(path, &source);
        Self::from_text(&text, source)
    }

    /// A new random key.
    pub fn generate() -> Result<Self, crate::secret::RandomError> {
        let key = Zeroizing::new(crate::secret::random_bytes::<32>()?);
        Ok(Self {
            key,
            source: KeySource::New,
        })
    }

    /// Writes this key to a new file only its owner may read (never over an existing one).
    pub fn write_new(&self, path: &Path) -> Result<(), KeyError> {
        let text = Zeroizing::new(format!("{}\n", crate::secret::hex(self.key.as_slice())));
        crate::secret::write_private_file(path, &text).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                KeyError::Exists(path.to_owned())
            } else {
                KeyError::Write {
                    path: path.to_owned(),
                    reason: io_reason(&e),
                }
            }
        })
    }
}

/// The key the hub was given, if any: from `key_file` (the `--key-file` option or
/// `DOORSTEP_HUB_KEY_FILE`), the systemd credential, or `DOORSTEP_HUB_KEY`; more than one
/// is refused.
pub fn load(key_file: Option<&Path>) -> Result<Option<HubKey>, KeyError> {
    let credential = std::env::var_os("CREDENTIALS_DIRECTORY")
        .map(|dir| PathBuf::from(dir).join(CREDENTIAL))
        .filter(|path| path.is_file());
    let in_environment = std::env::var(KEY_ENV)
        .ok()
        .filter(|text| !text.trim().is_empty())
        .map(Zeroizing::new);
    let mut found: Vec<KeySource> = Vec::new();
    if let Some(path) = key_file {
        found.push(KeySource::File(path.to_owned()));
    }
    if let Some(path) = &credential {
        found.push(KeySource::Credential(path.clone()));
    }
    if in_environment.is_some() {
        found.push(KeySource::Environment);
    }
    match found.as_slice() {
        [] => Ok(None),
        [one] => match one {
            KeySource::File(path) | KeySource::Credential(path) => {
                HubKey::from_file(path, one.clone()).map(Some)
            }
            KeySource::Environment | KeySource::New | KeySource::Backup => {
                let text = in_environment.as_deref().map_or("", String::as_str);
                HubKey::from_text(text, KeySource::Environment).map(Some)
            }
        },
        [first, second, ..] => Err(KeyError::TwoSources(first.clone(), second.clone())),
    }
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "there is no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "this user may not read it".to_owned(),
        _ => e.to_string(),
    }
}

/// A key anyone else on the machine can read protects nothing from them: say so at once
/// (a warning, not a refusal: some deployments hand keys over through a group).
fn warn_if_shared(path: &Path, source: &KeySource) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                "{source} can be read by other users of this machine: make it readable by the hub's user only (chmod 600 {})",
                path.display()
            );
        }
    }
    #[cfg(not(unix))]
    let _ = (path, source);
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    #[rstest::rstest]
    #[case::good(GOOD, None)]
    #[case::upper_case_and_a_newline(&format!("{}\n", GOOD.to_uppercase()), None)]
    #[case::empty("  \n", Some("it is empty"))]
    #[case::short("0011", Some("it is not 64 characters long"))]
    #[case::a_passphrase_of_the_right_length(
        "correct-horse-battery-staple-correct-horse-battery-staple-correc",
        Some("it has a character that is not 0-9 or a-f")
    )]
    #[case::zeros(&"0".repeat(64), Some("it is all zeros"))]
    fn a_key_is_64_hex_characters(#[case] text: &str, #[case] refused: Option<&str>) {
        match (HubKey::from_text(text, KeySource::Environment), refused) {
            (Ok(key), None) => assert_eq!(key.database_key()[1], 0x11),
            (Err(KeyError::Malformed { reason, .. }), Some(expected)) => {
                assert_eq!(reason, expected);
            }
            (other, _) => panic!("{text:?}: {other:?}"),
        }
    }

    #[test]
    fn a_new_key_file_is_private_never_overwritten_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hub.key");
        let key = HubKey::generate().unwrap();
        key.write_new(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let read = HubKey::from_file(&path, KeySource::File(path.clone())).unwrap();
        assert_eq!(
            read.database_key().as_slice(),
            key.database_key().as_slice()
        );
        assert!(matches!(key.write_new(&path), Err(KeyError::Exists(_))));
        let missing = dir.path().join("missing.key");
        let err = HubKey::from_file(&missing, KeySource::File(missing.clone())).unwrap_err();
        assert!(err.to_string().contains("there is no such file"), "{err}");
    }

    #[test]
    fn the_key_never_appears_in_debug_output() {
        let key = HubKey::from_text(GOOD, KeySource::Environment).unwrap();
        let shown = format!("{key:?}");
        assert!(!shown.contains("0011") && !shown.contains("17"), "{shown}");
    }
}
