//! The unlocked store: set-up, unlock (as whichever person's passphrase it is),
//! passphrase change, settings, and the write path.

use std::path::PathBuf;

use doorstep_core::passphrase;
use doorstep_core::{
    Actor, ChangeSource, Device, DeviceId, Hlc, HlcClock, Officer, OfficerId, Role,
    ValidationErrors,
};
use rusqlite::{Connection, OptionalExtension, params};

use crate::connection::{self, Cipher};
use crate::error::{Result, StoreError};
use crate::folder::{DataFolder, FolderState};
use crate::keyfile::{self, DatabaseKey, KdfParams, KeyFile};
use crate::migrations;
use crate::tracking::Writer;
use crate::users;

/// Minutes without use before the app locks itself, unless the officer chooses otherwise.
pub const DEFAULT_IDLE_LOCK_MINUTES: u32 = 5;
/// The shortest idle time an officer may choose.
pub const MIN_IDLE_LOCK_MINUTES: u32 = 1;
/// The longest idle time an officer may choose.
pub const MAX_IDLE_LOCK_MINUTES: u32 = 120;
/// The settings key of the latest clock reading taken in from the hub, so the clock resumes
/// after it on unlock (the outbox alone does not hold it: records from the hub write no
/// outbox rows).
pub(crate) const CLOCK_SEEN: &str = "hlc_seen";

/// An unlocked, encrypted store. Dropping it closes the database and wipes the key.
pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) key: DatabaseKey,
    pub(crate) database_path: PathBuf,
    pub(crate) key_path: PathBuf,
    officer: Officer,
    device: Device,
    pub(crate) clock: HlcClock,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.debug_struct("Store")
            .field("database", &self.database_path)
            .field("officer", &self.officer)
            .finish()
    }
}

impl Store {
    /// First run: creates the encrypted store for `officer_name` in `role` (the laptop's
    /// first user), protected by `passphrase`. Refuses to touch a folder that already
    /// holds a database.
    pub fn set_up(
        folder: &DataFolder,
        officer_name: &str,
        role: Role,
        passphrase: &str,
        kdf: KdfParams,
    ) -> Result<Self> {
        let officer_name = officer_name.trim();
        let mut errors = ValidationErrors::default();
        if officer_name.is_empty() {
            errors.add(
                "officer_name",
                "Enter your name, as residents and colleagues know you",
            );
        } else if officer_name.chars().count() > 80 {
            errors.add("officer_name", "Use 80 characters or fewer");
        }
        users::check_laptop_role(&mut errors, role);
        let context: Vec<&str> = officer_name.split_whitespace().collect();
        let assessment = passphrase::assess(passphrase, &context);
        if !assessment.acceptable {
            errors.add(
                "passphrase",
                assessment
                    .warning
                    .unwrap_or_else(|| "Choose a stronger passphrase".to_owned()),
            );
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        if folder.state() != FolderState::Empty {
            return Err(StoreError::AlreadySetUp(folder.database_path()));
        }
        let key = keyfile::new_database_key();
        let officer = Officer {
            id: OfficerId::new(),
            name: officer_name.to_owned(),
            role,
        };
        // The key file goes first: a crash before the database exists leaves a folder
        // that set-up may safely redo; never a database nobody can open.
        keyfile::write(&folder.key_path(), &key, officer.id, passphrase, kdf)?;
        let database_path = folder.database_path();
        let result = (|| {
            let mut conn = connection::open(&database_path, Cipher::Key(&key), true)?;
            migrations::migrate(&mut conn)?;
            let device = Device {
                id: DeviceId::new(),
                name: device_name(),
            };
            let tx = conn.transaction()?;
            tx.execute(
                "INSERT INTO officers (id, name, role) VALUES (?1, ?2, ?3)",
                params![officer.id.to_string(), officer.name, officer.role.as_str()],
            )?;
            for (k, v) in [
                ("officer_id", officer.id.to_string()),
                ("device_id", device.id.to_string()),
                ("device_name", device.name.clone()),
                ("idle_lock_minutes", DEFAULT_IDLE_LOCK_MINUTES.to_string()),
            ] {
                tx.execute(
                    "INSERT INTO settings (key, value) VALUES (?1, ?2)",
                    params![k, v],
                )?;
            }
            tx.commit()?;
            Ok((conn, device))
        })();
        match result {
            Ok((conn, device)) => {
                let clock = HlcClock::new(device.id, None);
                Ok(Self::from_parts(
                    conn,
                    key,
                    database_path,
                    folder.key_path(),
                    officer,
                    device,
                    clock,
                ))
            }
            Err(e) => {
                // Nothing was saved yet: leave the folder as empty as we found it.
                for path in [folder.database_path(), folder.key_path()] {
                    let _ = std::fs::remove_file(path);
                }
                Err(e)
            }
        }
    }

    /// Unlocks the store with a passphrase and signs in whoever's key slot it opens (the
    /// device's first user stays in `settings.officer_id`). A wrong passphrase touches nothing.
    pub fn unlock(folder: &DataFolder, passphrase: &str) -> Result<Self> {
        match folder.state() {
            FolderState::Empty => return Err(StoreError::NotSetUp),
            FolderState::MissingKey => {
                return Err(StoreError::NotDoorstepData {
                    path: folder.database_path(),
                    reason: format!("its key file {} is missing", folder.key_path().display()),
                });
            }
            FolderState::Ready => {}
        }
        let database_path = folder.database_path();
        // SQLCipher takes an empty file for a new database and would write a header (and
        // then our schema) into it: an emptied or half-copied doorstep.db must be refused
        // untouched instead, as any other file that is not ours.
        let size = std::fs::metadata(&database_path)
            .map_err(StoreError::io(&database_path))?
            .len();
        if size == 0 {
            return Err(StoreError::NotDoorstepData {
                path: database_path,
                reason: "it is empty (0 bytes)".to_owned(),
            });
        }
        let (key, slot_owner) = keyfile::unwrap(&folder.key_path(), passphrase)?;
        let mut conn = connection::open(&database_path, Cipher::Key(&key), false)?;
        connection::check_application_id(&conn, &database_path)?;
        if let Some(owner) = slot_owner {
            // A slot without its officer row is what a crash while adding a person leaves
            // behind: it must not sign anyone in. Checked before migrating, so nothing is
            // written for it; `officers` has existed since the first schema.
            let known: bool = conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM officers WHERE id = ?1)",
                [owner.to_string()],
                |r| r.get(0),
            )?;
            if !known {
                return Err(StoreError::WrongPassphrase);
            }
        }
        migrations::migrate(&mut conn)?;
        let setting = |k: &str| -> Result<String> {
            conn.query_row("SELECT value FROM settings WHERE key = ?1", [k], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or_else(|| StoreError::Corrupt {
                path: database_path.clone(),
                reason: format!("setting {k} is missing"),
            })
        };
        let bad_id = |_| StoreError::Corrupt {
            path: database_path.clone(),
            reason: "a stored id is damaged".to_owned(),
        };
        let first_user: OfficerId = setting("officer_id")?.parse().map_err(bad_id)?;
        let device = Device {
            id: setting("device_id")?.parse().map_err(bad_id)?,
            name: setting("device_name")?,
        };
        // A version 1 slot names nobody: it is the first user's, from before people shared laptops.
        let officer_id = slot_owner.unwrap_or(first_user);
        let (officer_name, role): (String, String) = conn.query_row(
            "SELECT name, role FROM officers WHERE id = ?1",
            [officer_id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let role = Role::parse(&role).ok_or_else(|| StoreError::Corrupt {
            path: database_path.clone(),
            reason: format!("unknown role \"{role}\""),
        })?;
        let last: Option<String> =
            // Set-aside changes count too: they were made here, and later edits sort after them.
            conn.query_row(
                "SELECT max(hlc) FROM (SELECT hlc FROM outbox UNION ALL SELECT hlc FROM set_aside_changes)",
                [],
                |r| r.get(0),
            )?;
        let last = last.and_then(|t| t.parse::<Hlc>().ok());
        // Records from the hub write no outbox rows: the latest reading taken in from them
        // is kept apart, so local edits after a restart still sort after them.
        let seen: Option<String> = conn
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                [CLOCK_SEEN],
                |r| r.get(0),
            )
            .optional()?;
        let last = last.max(seen.and_then(|t| t.parse::<Hlc>().ok()));
        Ok(Self {
            conn,
            key,
            database_path,
            key_path: folder.key_path(),
            clock: HlcClock::new(device.id, last),
            officer: Officer {
                id: officer_id,
                name: officer_name,
                role,
            },
            device,
        })
    }

    /// Closes the store: the write-ahead log goes into the database and SQLite removes the
    /// `-wal` and `-shm` files, so a locked or quit Doorstep leaves only `doorstep.db`.
    pub fn close(self) -> Result<()> {
        // TRUNCATE waits for no reader (this is the only connection) and leaves an empty
        // log even if the close below could not delete it.
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        self.conn.close().map_err(|(_, e)| StoreError::Database(e))
    }

    /// Re-wraps the database key under a new passphrase for whoever `current` signs in,
    /// while the store is locked: only that person's key slot changes, and the database
    /// itself is not rewritten.
    pub fn change_passphrase(
        folder: &DataFolder,
        current: &str,
        new: &str,
        kdf: KdfParams,
    ) -> Result<()> {
        // Unlocking is how we learn whose slot `current` opens, and that the slot is live.
        let store = Self::unlock(folder, current)?;
        let file = KeyFile::read(&store.key_path)?;
        store.rewrap_own_slot(file, new, kdf)
    }

    /// Re-wraps the signed-in person's key slot under `new`. `current` must be their own
    /// passphrase: another person's is refused as wrong, so nobody changes a colleague's.
    pub fn change_own_passphrase(&self, current: &str, new: &str, kdf: KdfParams) -> Result<()> {
        let file = KeyFile::read(&self.key_path)?;
        let (_, owner) = file.unwrap(current)?;
        if self.resolve_owner(owner)? != self.officer.id {
            return Err(StoreError::WrongPassphrase);
        }
        self.rewrap_own_slot(file, new, kdf)
    }

    /// Checks `new` and writes it over the signed-in person's slot, leaving the others.
    fn rewrap_own_slot(&self, mut file: KeyFile, new: &str, kdf: KdfParams) -> Result<()> {
        let assessment = passphrase::assess(new, &[]);
        let mut errors = ValidationErrors::default();
        if !assessment.acceptable {
            errors.add(
                "replacement",
                assessment
                    .warning
                    .unwrap_or_else(|| "Choose a stronger passphrase".to_owned()),
            );
        } else if self.passphrase_in_use(&file, new, Some(self.officer.id))? {
            // Two people with one passphrase would make unlocking sign in the wrong one.
            errors.add("replacement", users::PASSPHRASE_IN_USE);
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        if self.first_officer_id()? == self.officer.id {
            // The first user's version 1 slot (if any) becomes one that names them.
            file.remove_slot(None);
        }
        file.set_slot(&self.key, self.officer.id, new, kdf)?;
        file.write(&self.key_path)
    }

    pub(crate) fn from_parts(
        conn: Connection,
        key: DatabaseKey,
        database_path: PathBuf,
        key_path: PathBuf,
        officer: Officer,
        device: Device,
        clock: HlcClock,
    ) -> Self {
        Self {
            conn,
            key,
            database_path,
            key_path,
            officer,
            device,
            clock,
        }
    }

    /// The person signed in: whoever's passphrase unlocked the store.
    pub fn officer(&self) -> &Officer {
        &self.officer
    }

    /// This device.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Who is writing.
    pub fn actor(&self) -> Actor {
        Actor {
            officer: self.officer.id,
            device: self.device.id,
        }
    }

    /// Minutes without use before the app locks itself.
    pub fn idle_lock_minutes(&self) -> Result<u32> {
        let v: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM settings WHERE key = 'idle_lock_minutes'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        Ok(v.and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_IDLE_LOCK_MINUTES))
    }

    /// Sets the idle lock, from `MIN_IDLE_LOCK_MINUTES` to `MAX_IDLE_LOCK_MINUTES`.
    pub fn set_idle_lock_minutes(&mut self, minutes: u32) -> Result<()> {
        if !(MIN_IDLE_LOCK_MINUTES..=MAX_IDLE_LOCK_MINUTES).contains(&minutes) {
            let mut errors = ValidationErrors::default();
            errors.add(
                "idle_lock_minutes",
                format!(
                    "Choose between {MIN_IDLE_LOCK_MINUTES} and {MAX_IDLE_LOCK_MINUTES} minutes"
                ),
            );
            return Err(errors.into());
        }
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES ('idle_lock_minutes', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [minutes.to_string()],
        )?;
        Ok(())
    }

    /// How many changes are waiting to be pushed to the hub.
    pub fn outbox_pending(&self) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM outbox WHERE pushed_at IS NULL",
            [],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// What is wrong with the database file, if anything: SQLite's `integrity_check` (the
    /// b-trees, indexes and constraints) and SQLCipher's `cipher_integrity_check` (every
    /// page's HMAC, so a torn or foreign page is found even where SQLite would not read it).
    /// Empty when the file is sound. Reads every page: for checks, not for every unlock.
    pub fn integrity_problems(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        for line in stmt.query_map([], |r| r.get::<_, String>(0))? {
            let line = line?;
            if line != "ok" {
                problems.push(line);
            }
        }
        // SQLCipher answers one row per damaged page and none when every page checks out.
        let mut stmt = self.conn.prepare("PRAGMA cipher_integrity_check")?;
        for line in stmt.query_map([], |r| r.get::<_, String>(0))? {
            problems.push(format!("cipher: {}", line?));
        }
        Ok(problems)
    }

    /// Runs `f` in one transaction as a tracked write from `source`; commits only if it succeeds.
    pub(crate) fn write<T>(
        &mut self,
        source: ChangeSource,
        f: impl FnOnce(&mut Writer<'_>) -> Result<T>,
    ) -> Result<T> {
        let actor = self.actor();
        let tx = self.conn.transaction()?;
        let value = {
            let mut writer = Writer {
                tx: &tx,
                clock: &mut self.clock,
                actor,
                source,
            };
            f(&mut writer)?
        };
        tx.commit()?;
        Ok(value)
    }

    /// Makes `id` this laptop's device id from now on (the hub's id, at enrolment); the
    /// clock carries on from its last reading under the new id.
    pub(crate) fn set_device_id(&mut self, id: DeviceId) {
        self.device.id = id;
        self.clock = HlcClock::new(id, Some(self.clock.last()));
    }

    /// The underlying connection, for read-only queries in this crate.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }
}

fn device_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|s| s.trim().to_owned())
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "This laptop".to_owned())
}

/// Test-only views of the store's internals; not for the app.
#[doc(hidden)]
impl Store {
    /// Every table's row count and a SHA-256 of its rows in rowid order, so a test can
    /// prove that a refused file changed nothing at all (not just the table it aimed at).
    pub fn debug_table_digests(&self) -> Result<std::collections::BTreeMap<String, (u64, String)>> {
        use sha2::{Digest, Sha256};
        let tables: Vec<String> = self
            .conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut digests = std::collections::BTreeMap::new();
        for table in tables {
            let quoted = table.replace('"', "\"\"");
            let mut stmt = self.conn.prepare(&format!("SELECT * FROM \"{quoted}\""))?;
            let columns = stmt.column_count();
            let mut rows = stmt.query([])?;
            let (mut count, mut hash) = (0u64, Sha256::new());
            while let Some(row) = rows.next()? {
                count += 1;
                for i in 0..columns {
                    let value: rusqlite::types::Value = row.get(i)?;
                    hash.update(format!("{value:?}\u{1f}").as_bytes());
                }
                hash.update(b"\x1e");
            }
            let hex: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
            digests.insert(table, (count, hex));
        }
        Ok(digests)
    }

    /// Every outbox row as (entity, payload, operation, source), oldest first.
    pub fn debug_outbox(&self) -> Result<Vec<(String, String, String, String)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT entity, payload, operation, source FROM outbox ORDER BY seq")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Rewrites the key file as a version 1 file opened by `passphrase`, to test old files.
    pub fn debug_write_version_1_key_file(&self, passphrase: &str, kdf: KdfParams) -> Result<()> {
        keyfile::debug_write_version_1(&self.key_path, &self.key, passphrase, kdf)
    }

    /// Deletes a person's row but not their key slot, as a crash while adding them leaves it.
    pub fn debug_remove_officer_row(&self, id: OfficerId) -> Result<()> {
        self.conn
            .execute("DELETE FROM officers WHERE id = ?1", [id.to_string()])?;
        Ok(())
    }

    /// Runs one statement as it is, to test what the schema itself refuses.
    pub fn debug_execute(&self, sql: &str) -> Result<usize> {
        Ok(self.conn.execute(sql, [])?)
    }

    /// Sets the schema version, to test refusal of newer files.
    pub fn debug_set_user_version(&self, version: i64) -> Result<()> {
        self.conn
            .execute_batch(&format!("PRAGMA user_version = {version}"))?;
        Ok(())
    }
}
