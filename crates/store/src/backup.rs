//! Backups: an encrypted copy of the database made with `sqlcipher_export` (the SQLite
//! backup API cannot copy an encrypted file), plus a copy of its wrapped key.

use std::fs;
use std::path::{Path, PathBuf};

use doorstep_core::views::BackupReport;

use crate::connection::{APPLICATION_ID, key_literal};
use crate::error::{Result, StoreError};
use crate::migrations;
use crate::store::Store;

/// Where the key file of a backup at `path` goes: beside it, with ".key" added.
pub fn backup_key_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".key");
    PathBuf::from(name)
}

impl Store {
    /// Writes an encrypted backup to `path` (same key, so the same passphrase opens it)
    /// and its key file beside it. The copy is written to a temporary file and renamed,
    /// so a failed backup never leaves a half-written file under the chosen name.
    pub fn backup_to(&self, path: &Path) -> Result<BackupReport> {
        // A backup inside the data folder could replace the live files, and would be
        // lost with the laptop anyway.
        let data_folder = self
            .database_path
            .parent()
            .and_then(|p| p.canonicalize().ok());
        let target_folder = path.parent().and_then(|p| p.canonicalize().ok());
        if data_folder.is_some() && data_folder == target_folder {
            return Err(StoreError::Io {
                path: path.into(),
                source: std::io::Error::other(
                    "choose a folder outside Doorstep's data folder, such as a USB drive",
                ),
            });
        }
        let tmp = path.with_extension("partial");
        let _ = fs::remove_file(&tmp);
        let tmp_text = tmp.to_str().ok_or_else(|| StoreError::Io {
            path: path.into(),
            source: std::io::Error::other("the folder name has characters this system cannot use"),
        })?;
        let export = || -> Result<()> {
            self.conn.execute(
                &format!(
                    "ATTACH DATABASE ?1 AS backup KEY {}",
                    key_literal(&self.key).as_str()
                ),
                [tmp_text],
            )?;
            let exported = self
                .conn
                .query_row("SELECT sqlcipher_export('backup')", [], |_| Ok(()))
                .and_then(|()| {
                    self.conn.execute_batch(&format!(
                        "PRAGMA backup.user_version = {}; PRAGMA backup.application_id = {APPLICATION_ID};",
                        migrations::latest()
                    ))
                });
            let detached = self.conn.execute_batch("DETACH DATABASE backup");
            exported?;
            detached?;
            Ok(())
        };
        if let Err(e) = export() {
            let _ = fs::remove_file(&tmp);
            return Err(match e {
                StoreError::Database(db) => StoreError::Io {
                    path: path.into(),
                    source: std::io::Error::other(db.to_string()),
                },
                other => other,
            });
        }
        fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(StoreError::io(&tmp))?;
        fs::rename(&tmp, path).map_err(StoreError::io(path))?;
        let key_path = backup_key_path(path);
        fs::copy(&self.key_path, &key_path).map_err(StoreError::io(&key_path))?;
        let bytes = fs::metadata(path).map_err(StoreError::io(path))?.len();
        Ok(BackupReport {
            path: path.display().to_string(),
            key_path: key_path.display().to_string(),
            bytes: u32::try_from(bytes).unwrap_or(u32::MAX),
        })
    }
}
