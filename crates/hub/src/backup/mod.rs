//! `admin backup` and `admin restore`: one encrypted file holding a consistent copy of the
//! hub's database, whichever backend it uses.
//!
//! A backup is an [age](https://age-encryption.org) file encrypted to the council's backup
//! recipients (X25519 public keys, `age1…`): the hub can write backups without being able
//! to read them, and only whoever holds the matching identity (kept off the hub) can
//! restore. Inside, in order:
//!
//! 1. one line of JSON, the [`Header`]: the format, which hub made it, the backend, when;
//! 2. the payload: the SQLite snapshot (itself SQLCipher-encrypted under a one-off key the
//!    header carries) or PostgreSQL's `pg_dump --format=custom` output;
//! 3. a trailer: the payload's SHA-256 and length, and an end mark.
//!
//! age authenticates every 64 KiB chunk and marks the last, so an altered or truncated file
//! fails to decrypt; the trailer checks the payload as this format wrote it. Restore reads
//! the whole backup through once before it changes anything. No plain copy of the data is
//! ever written to disk on the way in or out.

pub mod postgres;
pub mod sqlite;

use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `format` a backup's header names.
pub const FORMAT: &str = "doorstep-hub-backup";
/// The version of this layout.
pub const VERSION: u32 = 1;
/// The environment variable listing backup recipients (`age1…`, separated by spaces or
/// commas), when `--recipient` is not given.
pub const RECIPIENTS_ENV: &str = "DOORSTEP_HUB_BACKUP_RECIPIENTS";

const END_MARK: &[u8; 8] = b"DSBKEND1";
const TRAILER_LEN: usize = 32 + 8 + END_MARK.len();

/// Which backend a backup holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// An SQLite snapshot.
    Sqlite,
    /// A `pg_dump --format=custom` archive.
    Postgres,
}

/// What a backup says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`VERSION`].
    pub version: u32,
    /// The hub that made it (its `hub_device_id`).
    pub hub: String,
    /// Which backend.
    pub backend: Backend,
    /// When it was made (Unix milliseconds).
    pub created_at: i64,
    /// The SQLite snapshot's one-off SQLCipher key, in hex (SQLite backups only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_key: Option<String>,
}

/// A backup or restore that could not be done. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// No recipient to encrypt to.
    #[error(
        "no backup recipient: give --recipient age1… (or {RECIPIENTS_ENV}); make a pair with `doorstep-hub admin backup-identity --out FILE` and keep the identity off the hub"
    )]
    NoRecipient,
    /// A recipient that is not an age X25519 public key.
    #[error("{0:?} is not an age recipient (age1…)")]
    BadRecipient(String),
    /// The identity file is missing or holds no identity.
    #[error("cannot use the identity file {path}: {reason}")]
    BadIdentity {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The identity does not decrypt the backup.
    #[error(
        "{0} was not made for this identity: none of its keys opens it. Use the identity whose recipient the hub backs up to"
    )]
    NotForThisIdentity(PathBuf),
    /// Not a Doorstep hub backup at all, or from a newer Doorstep.
    #[error("{path} is not a Doorstep hub backup ({reason})")]
    NotABackup {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The file ends early or was altered.
    #[error(
        "{path} is damaged or incomplete ({reason}): it cannot be restored. Use another backup"
    )]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What gave it away.
        reason: String,
    },
    /// The backup's backend is not the target's.
    #[error("{path} holds a {found:?} database, and this hub uses {wanted:?}")]
    WrongBackend {
        /// The file.
        path: PathBuf,
        /// What the backup holds.
        found: Backend,
        /// What the target is.
        wanted: Backend,
    },
    /// The target database belongs to another hub.
    #[error(
        "the backup was made by hub {backup}, but the database it would replace belongs to hub {target} and holds data: nothing was changed. Restore into an empty database (a new file or a new PostgreSQL database) to bring the other hub's data here"
    )]
    AnotherHub {
        /// The backup's hub.
        backup: String,
        /// The target's hub.
        target: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {reason}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The database refused.
    #[error(transparent)]
    Store(#[from] crate::model::StoreError),
    /// pg_dump or pg_restore failed or is missing.
    #[error("{0}")]
    Tool(String),
}

impl BackupError {
    fn io(path: &Path) -> impl Fn(io::Error) -> Self + '_ {
        move |e| Self::Io {
            path: path.to_owned(),
            reason: e.to_string(),
        }
    }
}

/// Reads recipients given on the command line, or else from [`RECIPIENTS_ENV`].
pub fn recipients(given: &[String]) -> Result<Vec<age::x25519::Recipient>, BackupError> {
    let from_env;
    let texts: Vec<&str> = if given.is_empty() {
        from_env = std::env::var(RECIPIENTS_ENV).unwrap_or_default();
        from_env
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|t| !t.is_empty())
            .collect()
    } else {
        given.iter().map(String::as_str).collect()
    };
    if texts.is_empty() {
        return Err(BackupError::NoRecipient);
    }
    texts
        .into_iter()
        .map(|text| {
            text.parse::<age::x25519::Recipient>()
                .map_err(|_| BackupError::BadRecipient(text.to_owned()))
        })
        .collect()
}

/// Reads an age identity file (`AGE-SECRET-KEY-1…` lines; `#` comments ignored).
pub fn identity(path: &Path) -> Result<age::x25519::Identity, BackupError> {
    let bad = |reason: String| BackupError::BadIdentity {
        path: path.to_owned(),
        reason,
    };
    let text = zeroize::Zeroizing::new(fs::read_to_string(path).map_err(|e| bad(e.to_string()))?);
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .find_map(|line| line.parse::<age::x25519::Identity>().ok())
        .ok_or_else(|| bad("it holds no age identity (AGE-SECRET-KEY-1…)".to_owned()))
}

/// Writes a new identity to a new file only its owner may read, and returns its recipient.
pub fn new_identity(path: &Path) -> Result<String, BackupError> {
    use age::secrecy::ExposeSecret;
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    let text = zeroize::Zeroizing::new(format!(
        "# Doorstep hub backup identity: restores backups made to {recipient}\n{}\n",
        identity.to_string().expose_secret()
    ));
    crate::secret::write_private_file(path, &text).map_err(BackupError::io(path))?;
    Ok(recipient)
}

/// Writes a backup: the header, then the payload through [`Write`], then [`Self::finish`]
/// adds the trailer and puts the file in place. Until then it is `<name>.partial`, so a
/// failed backup never leaves a file under the chosen name.
pub struct BackupWriter {
    /// Taken by [`Self::finish`].
    out: Option<age::stream::StreamWriter<io::BufWriter<fs::File>>>,
    digest: Sha256,
    length: u64,
    partial: PathBuf,
    path: PathBuf,
}

impl std::fmt::Debug for BackupWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackupWriter")
            .field("path", &self.path)
            .field("length", &self.length)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for PayloadReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PayloadReader")
            .field("path", &self.path)
            .field("length", &self.length)
            .finish_non_exhaustive()
    }
}

impl BackupWriter {
    /// Starts a backup at `path` encrypted to `recipients`.
    pub fn create(
        path: &Path,
        recipients: &[age::x25519::Recipient],
        header: &Header,
    ) -> Result<Self, BackupError> {
        let partial = crate::sqlite::cipher::sibling(path, ".partial");
        let file = fs::File::create(&partial).map_err(BackupError::io(&partial))?;
        let encryptor =
            age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
                .map_err(|e| BackupError::Io {
                    path: path.to_owned(),
                    reason: e.to_string(),
                })?;
        let mut out = encryptor
            .wrap_output(io::BufWriter::new(file))
            .map_err(BackupError::io(&partial))?;
        let line = serde_json::to_string(header).map_err(|e| BackupError::Io {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        out.write_all(line.as_bytes())
            .and_then(|()| out.write_all(b"\n"))
            .map_err(BackupError::io(&partial))?;
        Ok(Self {
            out: Some(out),
            digest: Sha256::new(),
            length: 0,
            partial,
            path: path.to_owned(),
        })
    }

    /// Copies all of `payload` in.
    pub fn copy_from(&mut self, payload: &mut impl Read) -> Result<u64, BackupError> {
        io::copy(payload, self).map_err(BackupError::io(&self.path))
    }

    /// Adds the trailer, closes the encryption and puts the file under its name. Returns
    /// its size in bytes.
    pub fn finish(mut self) -> Result<u64, BackupError> {
        let digest = std::mem::take(&mut self.digest).finalize();
        let partial = self.partial.clone();
        let mut trailer = Vec::with_capacity(TRAILER_LEN);
        trailer.extend_from_slice(&digest);
        trailer.extend_from_slice(&self.length.to_le_bytes());
        trailer.extend_from_slice(END_MARK);
        let mut out = self.out.take().ok_or_else(|| BackupError::Io {
            path: partial.clone(),
            reason: "the backup was already finished".to_owned(),
        })?;
        out.write_all(&trailer).map_err(BackupError::io(&partial))?;
        let file = out
            .finish()
            .and_then(|w| w.into_inner().map_err(io::IntoInnerError::into_error))
            .map_err(BackupError::io(&partial))?;
        file.sync_all().map_err(BackupError::io(&partial))?;
        drop(file);
        fs::rename(&partial, &self.path).map_err(BackupError::io(&self.path))?;
        fs::metadata(&self.path)
            .map(|m| m.len())
            .map_err(BackupError::io(&self.path))
    }
}

impl Write for BackupWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let out = self
            .out
            .as_mut()
            .ok_or_else(|| io::Error::other("the backup was already finished"))?;
        let n = out.write(buf)?;
        self.digest.update(&buf[..n]);
        self.length += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.as_mut().map_or(Ok(()), Write::flush)
    }
}

impl Drop for BackupWriter {
    fn drop(&mut self) {
        // Finished backups have been renamed away; anything left is a failed one.
        let _ = fs::remove_file(&self.partial);
    }
}

/// Reads a backup's payload, holding back the trailer and checking it at the end: a read
/// that reaches the end of a damaged or truncated payload fails instead of ending.
pub struct PayloadReader {
    inner: BufReader<age::stream::StreamReader<BufReader<fs::File>>>,
    /// Decrypted bytes not yet handed out, from `start`: the last TRAILER_LEN may be the
    /// trailer, so they are kept back until more arrives or the end shows what they are.
    held: Vec<u8>,
    start: usize,
    digest: Sha256,
    length: u64,
    done: bool,
    path: PathBuf,
}

/// Opens the backup at `path` with `identity`: its header, and a reader of its payload.
pub fn open(
    path: &Path,
    identity: &age::x25519::Identity,
) -> Result<(Header, PayloadReader), BackupError> {
    let file = fs::File::open(path).map_err(BackupError::io(path))?;
    let not_a_backup = |reason: String| BackupError::NotABackup {
        path: path.to_owned(),
        reason,
    };
    let decryptor = age::Decryptor::new_buffered(BufReader::new(file)).map_err(|e| match e {
        age::DecryptError::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
            BackupError::Damaged {
                path: path.to_owned(),
                reason: "it ends before its header does".to_owned(),
            }
        }
        e => not_a_backup(format!("not an age file: {e}")),
    })?;
    let reader = decryptor
        .decrypt(std::iter::once(identity as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => BackupError::NotForThisIdentity(path.to_owned()),
            e => BackupError::Damaged {
                path: path.to_owned(),
                reason: e.to_string(),
            },
        })?;
    let mut inner = BufReader::new(reader);
    let mut line = Vec::new();
    (&mut inner)
        .take(64 * 1024)
        .read_until(b'\n', &mut line)
        .map_err(|e| BackupError::Damaged {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
    let header: Header = serde_json::from_slice(line.strip_suffix(b"\n").unwrap_or(&line))
        .map_err(|e| not_a_backup(format!("its header does not read: {e}")))?;
    if header.format != FORMAT {
        return Err(not_a_backup(format!("its format is {:?}", header.format)));
    }
    if header.version > VERSION {
        return Err(not_a_backup(format!(
            "it is version {} of the format, from a newer Doorstep; this one reads version {VERSION}",
            header.version
        )));
    }
    Ok((
        header,
        PayloadReader {
            inner,
            held: Vec::with_capacity(64 * 1024 + TRAILER_LEN),
            start: 0,
            digest: Sha256::new(),
            length: 0,
            done: false,
            path: path.to_owned(),
        },
    ))
}

/// Reads the whole backup at `path` and checks it; changes nothing.
pub fn verify(path: &Path, identity: &age::x25519::Identity) -> Result<Header, BackupError> {
    let (header, mut payload) = open(path, identity)?;
    io::copy(&mut payload, &mut io::sink()).map_err(|e| damaged(path, &e))?;
    Ok(header)
}

/// A read error from a payload as the reason a backup cannot be used.
pub fn damaged(path: &Path, e: &io::Error) -> BackupError {
    BackupError::Damaged {
        path: path.to_owned(),
        reason: e.to_string(),
    }
}

impl PayloadReader {
    fn check_trailer(&self) -> io::Result<()> {
        let bad = |reason: &str| io::Error::new(io::ErrorKind::InvalidData, reason.to_owned());
        let trailer = &self.held[self.start..];
        if trailer.len() != TRAILER_LEN || !trailer.ends_with(END_MARK) {
            return Err(bad("its end is missing"));
        }
        let (digest, rest) = trailer.split_at(32);
        let mut length = [0u8; 8];
        length.copy_from_slice(&rest[..8]);
        if u64::from_le_bytes(length) != self.length {
            return Err(bad("its length does not match"));
        }
        if digest != self.digest.clone().finalize().as_slice() {
            return Err(bad("its checksum does not match"));
        }
        Ok(())
    }
}

impl Read for PayloadReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        loop {
            // Hand out what is held beyond the last TRAILER_LEN bytes, which may be the
            // trailer.
            let ready = (self.held.len() - self.start).saturating_sub(TRAILER_LEN);
            if ready > 0 {
                let n = ready.min(buf.len());
                let out = &self.held[self.start..self.start + n];
                buf[..n].copy_from_slice(out);
                self.digest.update(out);
                self.length += n as u64;
                self.start += n;
                return Ok(n);
            }
            // At most TRAILER_LEN bytes are left: move them to the front, then read on.
            self.held.drain(..self.start);
            self.start = 0;
            let filled = self.held.len();
            self.held.resize(filled + 64 * 1024, 0);
            let n = match self.inner.read(&mut self.held[filled..]) {
                Ok(n) => n,
                Err(e) => {
                    self.held.truncate(filled);
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("it cannot be decrypted to the end ({e})"),
                    ));
                }
            };
            self.held.truncate(filled + n);
            if n == 0 {
                self.check_trailer().map_err(|e| {
                    io::Error::new(e.kind(), format!("{}: {e}", self.path.display()))
                })?;
                self.done = true;
                return Ok(0);
            }
        }
    }
}

/// Copies `payload` to `out` in full, turning a damaged backup into its error.
pub fn copy_payload(
    path: &Path,
    payload: &mut PayloadReader,
    out: &mut impl Write,
) -> Result<u64, BackupError> {
    io::copy(payload, out).map_err(|e| damaged(path, &e))
}

/// The database a restore would replace: whose it is and whether it holds anything.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TargetHub {
    /// Its `hub_device_id`, when it has one.
    pub hub: Option<String>,
    /// Whether any organisation is set up in it.
    pub has_data: bool,
}

impl TargetHub {
    /// Refuses to replace another hub's data with this backup; an empty database, or the
    /// same hub's, may be replaced.
    pub fn check(&self, header: &Header) -> Result<(), BackupError> {
        match &self.hub {
            Some(target) if self.has_data && *target != header.hub => {
                Err(BackupError::AnotherHub {
                    backup: header.hub.clone(),
                    target: target.clone(),
                })
            }
            _ => Ok(()),
        }
    }
}

/// What a restore brought back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    /// The backup's header.
    pub header: Header,
}

/// Refuses a backup of the other backend.
fn expect_backend(path: &Path, header: &Header, wanted: Backend) -> Result<(), BackupError> {
    if header.backend == wanted {
        Ok(())
    } else {
        Err(BackupError::WrongBackend {
            path: path.to_owned(),
            found: header.backend,
            wanted,
        })
    }
}

/// Now, for the header.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            format: FORMAT.into(),
            version: VERSION,
            hub: "hub-1".into(),
            backend: Backend::Postgres,
            created_at: 0,
            snapshot_key: None,
        }
    }

    fn write(dir: &Path, payload: &[u8]) -> (PathBuf, age::x25519::Identity) {
        let identity = age::x25519::Identity::generate();
        let path = dir.join("hub.backup");
        let mut writer = BackupWriter::create(&path, &[identity.to_public()], &header()).unwrap();
        writer.write_all(payload).unwrap();
        writer.finish().unwrap();
        (path, identity)
    }

    #[test]
    fn a_backup_reads_back_whole_and_only_with_its_identity() {
        let dir = tempfile::tempdir().unwrap();
        let payload: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let (path, identity) = write(dir.path(), &payload);
        assert!(!crate::sqlite::cipher::sibling(&path, ".partial").exists());
        let (read_header, mut reader) = open(&path, &identity).unwrap();
        assert_eq!(read_header, header());
        let mut back = Vec::new();
        reader.read_to_end(&mut back).unwrap();
        assert_eq!(back, payload);

        let stranger = age::x25519::Identity::generate();
        assert!(matches!(
            open(&path, &stranger),
            Err(BackupError::NotForThisIdentity(_))
        ));
    }

    #[test]
    fn a_truncated_or_altered_backup_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let payload = vec![7u8; 300_000];
        let (path, identity) = write(dir.path(), &payload);
        let whole = fs::read(&path).unwrap();
        for cut in [whole.len() - 1, whole.len() - 100, whole.len() / 2, 200, 10] {
            fs::write(&path, &whole[..cut]).unwrap();
            let refused = verify(&path, &identity);
            assert!(
                matches!(
                    refused,
                    Err(BackupError::Damaged { .. } | BackupError::NotABackup { .. })
                ),
                "cut at {cut}: {refused:?}"
            );
        }
        let mut altered = whole.clone();
        let middle = altered.len() / 2;
        altered[middle] ^= 1;
        fs::write(&path, &altered).unwrap();
        assert!(matches!(
            verify(&path, &identity),
            Err(BackupError::Damaged { .. })
        ));
        fs::write(&path, b"SQLite format 3\0 and then some").unwrap();
        assert!(matches!(
            verify(&path, &identity),
            Err(BackupError::NotABackup { .. })
        ));
    }

    #[test]
    fn recipients_are_checked() {
        let recipient = age::x25519::Identity::generate().to_public().to_string();
        assert_eq!(recipients(&[recipient]).unwrap().len(), 1);
        assert!(matches!(
            recipients(&["age1notakey".into()]),
            Err(BackupError::BadRecipient(_))
        ));
    }

    #[test]
    fn a_new_identity_is_private_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("backup-identity.txt");
        let recipient = new_identity(&path).unwrap();
        assert_eq!(identity(&path).unwrap().to_public().to_string(), recipient);
        assert!(new_identity(&path).is_err(), "never overwritten");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }
}
