//! The embedded database under a key: telling a plain file from an encrypted one, opening
//! it with the right key (or refusing with what to do), and rewriting it under a new key
//! (`admin encrypt-database`, `admin rekey`) so that a crash at any moment loses nothing.
//!
//! A rewrite never changes the live file in place. It exports every table into a new
//! file beside it (`sqlcipher_export`, which also carries the attachments' bytes), checks
//! the copy, and renames it over the old name; rename is atomic, so the name always
//! holds either the whole old database or the whole new one. The old file's blocks are
//! then overwritten with zeros before it is deleted (best effort: a copy-on-write file
//! system or an SSD may keep old blocks, which only disk encryption protects).

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use doorstep_store::connection::{Cipher, key_literal};
use doorstep_store::keyfile::DatabaseKey;
use rusqlite::{Connection, ErrorCode};

use crate::model::StoreError;

/// The first 16 bytes of every plain SQLite file. An SQLCipher file starts with its
/// random salt instead, so it never begins so (but for a 2^-128 chance).
const PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// What is at the database's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileState {
    /// Nothing yet (or an empty file): a new database will be made.
    New,
    /// A plain SQLite database.
    Plain,
    /// Anything else: an encrypted database (or a file that is not a database at all,
    /// which opening tells apart).
    Encrypted,
}

/// Looks at the first bytes of `path`.
pub fn inspect(path: &Path) -> Result<FileState, StoreError> {
    let mut file = match fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileState::New),
        Err(e) => return Err(io_error(path, &e)),
    };
    let mut header = [0u8; 16];
    let mut read = 0;
    while read < header.len() {
        match file.read(&mut header[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(e) => return Err(io_error(path, &e)),
        }
    }
    Ok(match read {
        0 => FileState::New,
        16 if &header == PLAIN_HEADER => FileState::Plain,
        _ => FileState::Encrypted,
    })
}

/// Opens the hub's database: under `key` when one is configured, else plain. Refuses a
/// plain file when a key is configured, an encrypted one without a key, and a key that
/// does not open the file, each with what to do.
pub fn open(path: &Path, key: Option<&crate::hub_key::HubKey>) -> Result<Connection, StoreError> {
    let name = path.display();
    match (inspect(path)?, key) {
        (FileState::Plain, Some(_)) => {
            return Err(StoreError::Backend(format!(
                "the database {name} is not encrypted, but a key is configured: stop the hub and \
                 run `doorstep-hub admin encrypt-database` with the same key to encrypt it (or \
                 remove the key setting to keep running unencrypted)"
            )));
        }
        (FileState::Encrypted, None) => {
            return Err(StoreError::Backend(format!(
                "the database {name} is encrypted (or is not a database): give the hub its key \
                 with --key-file, {} or the systemd credential {}",
                crate::hub_key::KEY_FILE_ENV,
                crate::hub_key::CREDENTIAL
            )));
        }
        _ => {}
    }
    let cipher = key.map_or(Cipher::Plain, |k| Cipher::Key(k.database_key()));
    let conn = doorstep_store::connection::open(path, cipher, true).map_err(|e| match key {
        Some(key) if is_not_a_database(&e) => StoreError::Backend(format!(
            "{} does not open the database {name}: it was encrypted with another key, or it \
             is damaged. Check the hub was given its own key; nothing was changed",
            key.source()
        )),
        _ => StoreError::Backend(format!("cannot open the database {name}: {e}")),
    })?;
    if key.is_none() {
        tracing::warn!(
            "the hub's database {name} is not encrypted: anyone with a copy of the disk or a \
             backup can read it (see docs/hub.md, \"Protecting the hub's data\")"
        );
    }
    Ok(conn)
}

fn is_not_a_database(e: &doorstep_store::StoreError) -> bool {
    matches!(e, doorstep_store::StoreError::Corrupt { .. })
}

/// What a rewrite did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rewritten {
    /// The database is now under the new key.
    Done {
        /// Rows copied, over every table.
        rows: u64,
    },
    /// It already was (a rerun after a crash, or a second run): nothing to do.
    AlreadyDone,
}

/// Encrypts the plain database at `path` under `key`, in place as far as anyone using the
/// name can tell. The hub must be stopped (the conversion refuses while it holds the file).
pub fn encrypt_database(path: &Path, key: &DatabaseKey) -> Result<Rewritten, StoreError> {
    finish_interrupted(path)?;
    match inspect(path)? {
        FileState::New => Err(StoreError::Backend(format!(
            "there is no database at {}: nothing to encrypt (a new hub given a key creates its \
             database encrypted)",
            path.display()
        ))),
        FileState::Encrypted => {
            prove_key(path, key).map_err(|_| {
                StoreError::Backend(format!(
                    "{} is already encrypted, and not with this key: nothing was changed",
                    path.display()
                ))
            })?;
            Ok(Rewritten::AlreadyDone)
        }
        FileState::Plain => rewrite(path, Cipher::Plain, key),
    }
}

/// Re-encrypts the database at `path` from `old` to `new`. Run again after a crash, it
/// finishes the job or finds it done.
pub fn rekey(path: &Path, old: &DatabaseKey, new: &DatabaseKey) -> Result<Rewritten, StoreError> {
    finish_interrupted(path)?;
    match inspect(path)? {
        FileState::New => Err(StoreError::Backend(format!(
            "there is no database at {}",
            path.display()
        ))),
        FileState::Plain => Err(StoreError::Backend(format!(
            "{} is not encrypted: run `doorstep-hub admin encrypt-database` first",
            path.display()
        ))),
        FileState::Encrypted => {
            if prove_key(path, old).is_ok() {
                if old.as_slice() == new.as_slice() {
                    return Err(StoreError::Backend(
                        "the new key is the same as the current one: make a new one with \
                         `doorstep-hub admin new-key --out FILE`"
                            .into(),
                    ));
                }
                rewrite(path, Cipher::Key(old), new)
            } else if prove_key(path, new).is_ok() {
                Ok(Rewritten::AlreadyDone)
            } else {
                Err(StoreError::Backend(format!(
                    "neither the current key nor the new one opens {}: nothing was changed",
                    path.display()
                )))
            }
        }
    }
}

/// The copy being written, beside the database.
pub(crate) fn copy_path(path: &Path) -> PathBuf {
    sibling(path, ".rekeying")
}

/// The old file's second name while it is overwritten.
fn retired_path(path: &Path) -> PathBuf {
    sibling(path, ".retired")
}

pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Tidies what a crashed rewrite left: a half-written copy is deleted (it is encrypted,
/// and the database is still whole under its name); a retired old file still linked to the
/// live one is only unlinked; one that is not (the rename happened) is overwritten first.
pub(crate) fn finish_interrupted(path: &Path) -> Result<(), StoreError> {
    let copy = copy_path(path);
    if copy.exists() {
        fs::remove_file(&copy).map_err(|e| io_error(&copy, &e))?;
    }
    let retired = retired_path(path);
    if retired.exists() {
        if same_file(&retired, path) {
            fs::remove_file(&retired).map_err(|e| io_error(&retired, &e))?;
        } else {
            shred(&retired)?;
        }
    }
    Ok(())
}

/// Opens `path` under `key` just far enough to prove the key is right.
fn prove_key(path: &Path, key: &DatabaseKey) -> Result<(), doorstep_store::StoreError> {
    doorstep_store::connection::open(path, Cipher::Key(key), false).map(drop)
}

/// Exports the database at `path` (opened with `from`) into a new file under `to`, checks
/// it, and puts it in the old one's place.
fn rewrite(path: &Path, from: Cipher<'_>, to: &DatabaseKey) -> Result<Rewritten, StoreError> {
    let copy = copy_path(path);
    // With the create flag: ATTACH opens the copy with the main file's flags.
    let conn = doorstep_store::connection::open(path, from, true)
        .map_err(|e| StoreError::Backend(format!("cannot open {}: {e}", path.display())))?;
    hold_alone(&conn, path)?;
    let checked =
        export(&conn, &copy, Some(to)).and_then(|()| check_copy(&conn, &copy, Cipher::Key(to)));
    let rows = match checked {
        Ok(rows) => rows,
        Err(e) => {
            let _ = fs::remove_file(&copy);
            return Err(e);
        }
    };
    drop(conn);
    replace(path, &copy)?;
    Ok(Rewritten::Done { rows })
}

/// Takes the database for this connection alone until it closes. Leaving WAL needs the
/// only connection: a running hub makes this fail, which is the check that it is stopped.
/// It also folds the WAL into the file, so the file alone is the whole database.
pub(crate) fn hold_alone(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    conn.execute_batch("PRAGMA journal_mode = DELETE; PRAGMA locking_mode = EXCLUSIVE;")
        .and_then(|()| conn.execute_batch("BEGIN IMMEDIATE; COMMIT;"))
        .map_err(|e| match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                StoreError::Backend(format!(
                    "{} is in use: stop the hub (and any other doorstep-hub command) first",
                    path.display()
                ))
            }
            _ => StoreError::from(e),
        })
}

/// Exports every table of `conn`'s main database into a new file at `copy`, under `key`
/// (plain without one), with its schema version.
pub(crate) fn export(
    conn: &Connection,
    copy: &Path,
    key: Option<&DatabaseKey>,
) -> Result<(), StoreError> {
    let copy_text = copy.to_str().ok_or_else(|| {
        StoreError::Backend(format!("{} is not a usable file name", copy.display()))
    })?;
    let literal = key.map_or_else(|| zeroize::Zeroizing::new("''".to_owned()), key_literal);
    let exported = (|| -> Result<(), rusqlite::Error> {
        conn.execute(
            &format!("ATTACH DATABASE ?1 AS exported KEY {}", literal.as_str()),
            [copy_text],
        )?;
        // One transaction: every table is read from the same snapshot, even while the hub
        // goes on writing (a backup is taken online).
        let done = conn
            .execute_batch("BEGIN")
            .and_then(|()| conn.query_row("SELECT sqlcipher_export('exported')", [], |_| Ok(())))
            .and_then(|()| {
                let version: i64 = conn.query_row("PRAGMA main.user_version", [], |r| r.get(0))?;
                conn.execute_batch(&format!(
                    "PRAGMA exported.user_version = {version}; COMMIT;"
                ))
            })
            .inspect_err(|_| {
                let _ = conn.execute_batch("ROLLBACK");
            });
        let detached = conn.execute_batch("DETACH DATABASE exported");
        done.and(detached)
    })();
    exported.map_err(|e| {
        StoreError::Backend(format!(
            "could not write the copy {}: {e}; the database was not changed",
            copy.display()
        ))
    })
}

/// Puts the finished file `copy` in `path`'s place: synced, renamed over it (atomic), and
/// the old file's blocks overwritten. A stale `-wal` or `-shm` of the old file is removed
/// first: SQLite would otherwise replay the old file's log onto the new one.
pub(crate) fn replace(path: &Path, copy: &Path) -> Result<(), StoreError> {
    // The file's bytes, then its name, must reach the disk before the old one goes.
    sync_file(copy)?;
    for stale in [sibling(path, "-wal"), sibling(path, "-shm")] {
        if stale.exists() {
            fs::remove_file(&stale).map_err(|e| io_error(&stale, &e))?;
        }
    }
    let retired = retired_path(path);
    let had_old = path.exists();
    if had_old {
        fs::hard_link(path, &retired).map_err(|e| io_error(&retired, &e))?;
    }
    fs::rename(copy, path).map_err(|e| io_error(path, &e))?;
    sync_folder(path)?;
    if had_old {
        shred(&retired)?;
    }
    Ok(())
}

/// The copy must open under its key, pass SQLite's check, and hold as many rows in every
/// table as the original.
pub(crate) fn check_copy(
    original: &Connection,
    copy: &Path,
    cipher: Cipher<'_>,
) -> Result<u64, StoreError> {
    let reopened = doorstep_store::connection::open(copy, cipher, false)
        .map_err(|e| StoreError::Backend(format!("the copy does not open: {e}")))?;
    let check: String = reopened.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(StoreError::Backend(format!(
            "the copy failed SQLite's check ({check}); the database was not changed"
        )));
    }
    let tables: Vec<String> = {
        let mut statement = original.prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )?;
        let names = statement.query_map([], |r| r.get(0))?;
        names.collect::<Result<_, _>>()?
    };
    let mut rows = 0u64;
    for table in tables {
        let count = format!("SELECT count(*) FROM \"{}\"", table.replace('"', "\"\""));
        let before: i64 = original.query_row(&count, [], |r| r.get(0))?;
        let after: i64 = reopened.query_row(&count, [], |r| r.get(0))?;
        if before != after {
            return Err(StoreError::Backend(format!(
                "the copy of table {table} has {after} rows, not {before}; the database was not changed"
            )));
        }
        rows += u64::try_from(before).unwrap_or(0);
    }
    Ok(rows)
}

/// Overwrites a file with zeros, then deletes it.
fn shred(path: &Path) -> Result<(), StoreError> {
    let wipe = || -> std::io::Result<()> {
        let length = fs::metadata(path)?.len();
        let mut file = fs::OpenOptions::new().write(true).open(path)?;
        let zeros = vec![0u8; 1 << 20];
        let mut left = length;
        while left > 0 {
            let n = usize::try_from(left.min(zeros.len() as u64)).unwrap_or(zeros.len());
            file.write_all(&zeros[..n])?;
            left -= n as u64;
        }
        file.sync_all()
    };
    wipe().map_err(|e| io_error(path, &e))?;
    fs::remove_file(path).map_err(|e| io_error(path, &e))
}

fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (fs::metadata(a), fs::metadata(b)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        false
    }
}

fn sync_file(path: &Path) -> Result<(), StoreError> {
    fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| io_error(path, &e))
}

fn sync_folder(path: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    if let Some(folder) = path.parent() {
        let folder = if folder.as_os_str().is_empty() {
            Path::new(".")
        } else {
            folder
        };
        fs::File::open(folder)
            .and_then(|f| f.sync_all())
            .map_err(|e| io_error(folder, &e))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

pub(crate) fn io_error(path: &Path, e: &std::io::Error) -> StoreError {
    StoreError::Backend(format!("{}: {e}", path.display()))
}
