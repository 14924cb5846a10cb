//! The embedded database's backup: an online snapshot taken in one read transaction while
//! the hub runs (WAL lets it go on writing), and its restore.
//!
//! The snapshot is written beside the backup as an SQLCipher file under a one-off key, so
//! even the moment between snapshot and backup leaves nothing readable on disk; the key
//! travels inside the (age-encrypted) backup. A restore decrypts the snapshot to a file
//! beside the database, still under that one-off key, re-encrypts it under the hub's own
//! key, and puts it in place as `encrypt-database` does.

use std::fs;
use std::path::Path;

use doorstep_store::connection::Cipher;
use rusqlite::Connection;
use zeroize::Zeroizing;

use super::{Backend, BackupError, BackupWriter, Header, Restored, TargetHub};
use crate::hub_key::HubKey;
use crate::model::StoreError;
use crate::sqlite::cipher::{self, FileState};

/// Writes a backup of the SQLite database at `db` (under `key`, if the hub has one) to `to`.
/// Returns the backup's size in bytes.
pub fn backup(
    db: &Path,
    key: Option<&HubKey>,
    to: &Path,
    recipients: &[age::x25519::Recipient],
) -> Result<u64, BackupError> {
    if cipher::inspect(db)? == FileState::New {
        return Err(BackupError::Io {
            path: db.to_owned(),
            reason: "there is no database here to back up".to_owned(),
        });
    }
    let conn = cipher::open(db, key)?;
    let target = read_target(&conn)?;
    let hub = target.hub.ok_or_else(|| BackupError::Io {
        path: db.to_owned(),
        reason: "it is not a Doorstep hub database (it has no hub identity)".to_owned(),
    })?;
    let snapshot_key = Zeroizing::new(
        crate::secret::random_bytes::<32>().map_err(|e| StoreError::Backend(e.to_string()))?,
    );
    let snapshot = cipher::sibling(to, ".snapshot");
    let _ = fs::remove_file(&snapshot);
    let written = (|| {
        cipher::export(&conn, &snapshot, Some(&snapshot_key))?;
        let header = Header {
            format: super::FORMAT.to_owned(),
            version: super::VERSION,
            hub,
            backend: Backend::Sqlite,
            created_at: super::now_ms(),
            snapshot_key: Some(crate::secret::hex(snapshot_key.as_slice())),
        };
        let mut writer = BackupWriter::create(to, recipients, &header)?;
        let mut file = fs::File::open(&snapshot).map_err(BackupError::io(&snapshot))?;
        writer.copy_from(&mut file)?;
        writer.finish()
    })();
    let _ = fs::remove_file(&snapshot);
    written
}

/// Restores the backup at `from` (opened with `identity`) into the SQLite database at `db`,
/// under `key` when the hub has one. The hub must be stopped.
pub fn restore(
    db: &Path,
    key: Option<&HubKey>,
    from: &Path,
    identity: &age::x25519::Identity,
) -> Result<Restored, BackupError> {
    // The whole backup is read and checked before anything here is touched.
    let header = super::verify(from, identity)?;
    super::expect_backend(from, &header, Backend::Sqlite)?;
    let snapshot_key = header
        .snapshot_key
        .as_deref()
        .and_then(|hex| HubKey::from_text(hex, crate::hub_key::KeySource::Backup).ok())
        .ok_or_else(|| BackupError::NotABackup {
            path: from.to_owned(),
            reason: "its header carries no usable snapshot key".to_owned(),
        })?;
    cipher::finish_interrupted(db)?;
    // The database it would replace: refused if it is another hub's, or cannot be read
    // (it might be the only copy of something); held, so no hub opens it meanwhile.
    let held = match cipher::inspect(db)? {
        FileState::New => None,
        _ => {
            let conn = cipher::open(db, key).map_err(|e| BackupError::Io {
                path: db.to_owned(),
                reason: format!(
                    "the database the backup would replace cannot be opened ({e}): move it aside, then restore into the empty place"
                ),
            })?;
            read_target(&conn)?.check(&header)?;
            cipher::hold_alone(&conn, db)?;
            Some(conn)
        }
    };
    let restoring = cipher::sibling(db, ".restoring");
    let copy = cipher::copy_path(db);
    let result = (|| {
        let (_, mut payload) = super::open(from, identity)?;
        let mut file = fs::File::create(&restoring).map_err(BackupError::io(&restoring))?;
        super::copy_payload(from, &mut payload, &mut file)?;
        file.sync_all().map_err(BackupError::io(&restoring))?;
        drop(file);
        let snapshot = doorstep_store::connection::open(
            &restoring,
            Cipher::Key(snapshot_key.database_key()),
            true,
        )
        .map_err(|e| BackupError::Damaged {
            path: from.to_owned(),
            reason: format!("its database does not open: {e}"),
        })?;
        let target_key = key.map(HubKey::database_key);
        cipher::export(&snapshot, &copy, target_key)?;
        let cipher = target_key.map_or(Cipher::Plain, Cipher::Key);
        cipher::check_copy(&snapshot, &copy, cipher)?;
        // Every laptop's cursor counts a log the restore replaced: each starts again from
        // the beginning at its next pull.
        let restored = doorstep_store::connection::open(&copy, cipher, false)
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        restored
            .execute_batch(
                "UPDATE device_cursors SET resync_needed = 1; PRAGMA journal_mode = DELETE;",
            )
            .map_err(StoreError::from)?;
        Ok::<_, BackupError>(())
    })();
    let _ = fs::remove_file(&restoring);
    for stray in [
        cipher::sibling(&restoring, "-wal"),
        cipher::sibling(&restoring, "-shm"),
    ] {
        let _ = fs::remove_file(stray);
    }
    if let Err(e) = result {
        let _ = fs::remove_file(&copy);
        return Err(e);
    }
    drop(held);
    cipher::replace(db, &copy)?;
    Ok(Restored { header })
}

/// The hub a database belongs to and whether it has data; a table that does not exist yet
/// means neither.
fn read_target(conn: &Connection) -> Result<TargetHub, StoreError> {
    let exists = |table: &str| -> Result<bool, StoreError> {
        Ok(conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
            [table],
            |r| r.get(0),
        )?)
    };
    let hub = if exists("hub_settings")? {
        conn.query_row(
            "SELECT value FROM hub_settings WHERE name = 'hub_device_id'",
            [],
            |r| r.get(0),
        )
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })?
    } else {
        None
    };
    let has_data = exists("organisations")?
        && conn.query_row("SELECT EXISTS (SELECT 1 FROM organisations)", [], |r| {
            r.get(0)
        })?;
    Ok(TargetHub { hub, has_data })
}
