//! Issue 23, item 1: the embedded database encrypted at rest. After a sync of records
//! carrying marker strings (a name, a domestic abuse note, a crime reference, a photo), no
//! file in the hub's data folder holds any of them; a plain database is refused once a key
//! is configured and `encrypt-database` converts it, surviving a kill at any moment; a
//! wrong or missing key changes nothing.

use std::path::Path;
use std::process::Command;

use doorstep_hub::hub_key::{HubKey, KeySource};
use doorstep_hub::sqlite::SqliteStore;
use doorstep_hub::sqlite::cipher::{self, Rewritten};
use doorstep_store::connection::Cipher;
use sha2::{Digest, Sha256};
use support::photo::{png_with_text, sha256_hex};

use super::*;

/// Strings that must never be readable in the hub's files once it has a key.
pub const MARKERS: [&str; 4] = [
    "Zephyrine Quillfeather-Marker",
    "DA-MARKER-7f3e controlling former partner",
    "CRIME-REF-MARKER-4471",
    "PHOTO-MARKER-9b1c",
];

/// Syncs records carrying every marker through a hub on `store`: a household naming a
/// resident, a visit with a domestic abuse note and a crime reference, and a photo.
pub async fn sync_markers(store: &SharedStore) {
    let org = org(store).await;
    let code = user_with_code(store, &org.north, "Ann", Role::Officer).await;
    let hub = boot(store).await;
    let mut laptop = enrol(&hub, &code).await;
    let changes = [
        laptop.create(
            EntityKind::Household,
            "h-marker",
            json!({"address_line_1": "1 Cipher Close", "postcode": "ZZ9 9ZZ",
                   "residents": [{"name": MARKERS[0]}]}),
        ),
        laptop.create(
            EntityKind::Visit,
            "v-marker",
            json!({"household_id": "h-marker", "visit_date": "2026-11-02", "kind": "survey",
                   "notes": MARKERS[1], "crime_reference": MARKERS[2]}),
        ),
    ];
    assert_eq!(laptop.push(&hub, &changes).await.status, 200);
    let photo = png_with_text(MARKERS[3].as_bytes());
    let path = format!("/v1/attachments/{}", sha256_hex(&photo));
    assert_eq!(
        hub.put_raw(&path, Some(&laptop.access), &photo)
            .await
            .status,
        201
    );
    hub.stop().await;
}

/// The markers found in any file of `folder`.
pub fn markers_in(folder: &Path) -> Vec<(String, &'static str)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if !path.is_file() {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        for marker in MARKERS {
            if bytes.windows(marker.len()).any(|w| w == marker.as_bytes()) {
                found.push((path.display().to_string(), marker));
            }
        }
    }
    found
}

/// A digest of every file in `folder`, to show something changed nothing.
fn folder_digest(folder: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let digest = Sha256::digest(std::fs::read(&p).unwrap()).to_vec();
            (p.display().to_string(), digest)
        })
        .collect();
    files.sort();
    files
}

/// Drops a store a hub has served and waits until its file is closed: the hub's tasks let
/// go of their clones a moment after it stops, and SQLite removes the WAL when the last
/// connection closes (checkpointing it into the file first).
async fn close(store: SharedStore, path: &Path) {
    drop(store);
    let wal = std::path::PathBuf::from(format!("{}-wal", path.display()));
    for _ in 0..200 {
        if !wal.exists() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the store at {} was never closed", path.display());
}

fn key() -> HubKey {
    let key = HubKey::generate().unwrap();
    let text = doorstep_hub::secret::hex(key.database_key().as_slice());
    HubKey::from_text(&text, KeySource::Environment).unwrap()
}

fn open(path: &Path, key: Option<&HubKey>) -> Result<SharedStore, String> {
    SqliteStore::open_with(path, key)
        .map(|s| Arc::new(s) as SharedStore)
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn an_encrypted_hub_keeps_no_marker_in_its_folder_and_refuses_a_wrong_key() {
    // The scan itself is proved on a plain hub first: there, every marker is found.
    let plain_dir = tempfile::tempdir().unwrap();
    let plain = open(&plain_dir.path().join("hub.db"), None).unwrap();
    assert_eq!(plain.at_rest(), doorstep_hub::store::AtRest::Plain);
    sync_markers(&plain).await;
    close(plain, &plain_dir.path().join("hub.db")).await;
    // Rewritten compactly first, so no marker is split across pages by chance.
    doorstep_store::connection::open(&plain_dir.path().join("hub.db"), Cipher::Plain, false)
        .unwrap()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE); VACUUM;")
        .unwrap();
    let seen: Vec<_> = markers_in(plain_dir.path())
        .into_iter()
        .map(|(_, m)| m)
        .collect();
    for marker in MARKERS {
        assert!(
            seen.contains(&marker),
            "the scan misses {marker} in a plain hub"
        );
    }

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hub.db");
    let key = key();
    let store = open(&path, Some(&key)).unwrap();
    assert_eq!(store.at_rest(), doorstep_hub::store::AtRest::Encrypted);
    sync_markers(&store).await;
    // While the hub runs (pages in the WAL) and after it stops.
    assert_eq!(markers_in(dir.path()), vec![]);
    let before = stats(&store).await;
    close(store, &path).await;
    assert_eq!(markers_in(dir.path()), vec![]);

    let unchanged = folder_digest(dir.path());
    let err = open(&path, None).unwrap_err();
    assert!(
        err.contains("is encrypted") && err.contains("--key-file"),
        "{err}"
    );
    let err = open(&path, Some(&self::key())).unwrap_err();
    assert!(
        err.contains("does not open the database") && err.contains("nothing was changed"),
        "{err}"
    );
    assert_eq!(
        folder_digest(dir.path()),
        unchanged,
        "a refused open changed a file"
    );

    let reopened = open(&path, Some(&key)).unwrap();
    assert_eq!(stats(&reopened).await, before);
}

#[tokio::test]
async fn a_plain_database_is_refused_under_a_key_then_encrypted_and_rekeyed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hub.db");
    let store = open(&path, None).unwrap();
    sync_markers(&store).await;
    let before = stats(&store).await;
    close(store, &path).await;

    let key = key();
    let unchanged = folder_digest(dir.path());
    let err = open(&path, Some(&key)).unwrap_err();
    assert!(
        err.contains("is not encrypted") && err.contains("admin encrypt-database"),
        "{err}"
    );
    assert_eq!(folder_digest(dir.path()), unchanged);

    let done = cipher::encrypt_database(&path, key.database_key()).unwrap();
    assert!(
        matches!(done, Rewritten::Done { rows } if rows > 0),
        "{done:?}"
    );
    assert_eq!(markers_in(dir.path()), vec![], "the plain file is gone");
    assert_eq!(
        cipher::encrypt_database(&path, key.database_key()).unwrap(),
        Rewritten::AlreadyDone
    );
    let encrypted = open(&path, Some(&key)).unwrap();
    assert_eq!(stats(&encrypted).await, before);
    drop(encrypted);

    let other = self::key();
    let err = cipher::encrypt_database(&path, other.database_key()).unwrap_err();
    assert!(err.to_string().contains("not with this key"), "{err}");

    let new = self::key();
    assert!(matches!(
        cipher::rekey(&path, key.database_key(), new.database_key()).unwrap(),
        Rewritten::Done { .. }
    ));
    assert_eq!(
        cipher::rekey(&path, key.database_key(), new.database_key()).unwrap(),
        Rewritten::AlreadyDone,
        "a rerun finds the job done"
    );
    assert!(
        open(&path, Some(&key)).is_err(),
        "the old key no longer opens it"
    );
    let rekeyed = open(&path, Some(&new)).unwrap();
    assert_eq!(stats(&rekeyed).await, before);
    assert_eq!(markers_in(dir.path()), vec![]);
}

/// Every row of every table, hashed: two databases with the same fingerprint hold the same
/// records, attachments and audit lines.
fn fingerprint(path: &Path, key: Option<&HubKey>) -> Vec<(String, Vec<u8>)> {
    let cipher = key.map_or(Cipher::Plain, |k| Cipher::Key(k.database_key()));
    let conn = doorstep_store::connection::open(path, cipher, false).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .filter(|name: &String| !name.starts_with("sqlite_"))
        .collect();
    tables
        .into_iter()
        .map(|table| {
            let mut digest = Sha256::new();
            let mut statement = conn
                .prepare(&format!("SELECT * FROM \"{table}\" ORDER BY rowid"))
                .or_else(|_| conn.prepare(&format!("SELECT * FROM \"{table}\"")))
                .unwrap();
            let columns = statement.column_count();
            let mut rows = statement.query([]).unwrap();
            while let Some(row) = rows.next().unwrap() {
                for i in 0..columns {
                    let value: rusqlite::types::Value = row.get(i).unwrap();
                    digest.update(format!("{value:?}\u{1f}"));
                }
            }
            (table, digest.finalize().to_vec())
        })
        .collect()
}

/// Adds `n` photos of `size` bytes straight into the attachments table, so the export has
/// enough to do for a kill to land in the middle of it.
fn add_bulk(path: &Path, n: usize, size: usize) {
    let conn = doorstep_store::connection::open(path, Cipher::Plain, false).unwrap();
    for i in 0..n {
        let mut bytes = vec![0u8; size];
        for (j, b) in bytes.iter_mut().enumerate() {
            *b = u8::try_from((i * 31 + j * 7) % 251).unwrap();
        }
        conn.execute(
            "INSERT INTO attachments (sha256, bytes, size, media_type, created_at)
             VALUES (?1, ?2, ?3, 'image/png', 0)",
            rusqlite::params![sha256_hex(&bytes), bytes, i64::try_from(size).unwrap()],
        )
        .unwrap();
    }
}

fn encrypt_command(path: &Path, key_file: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_doorstep-hub"));
    command
        .arg("--database")
        .arg(format!("sqlite:{}", path.display()))
        .arg("--key-file")
        .arg(key_file)
        .args(["admin", "encrypt-database"])
        .env("RUST_LOG", "error")
        .env_remove("DATABASE_URL")
        .env_remove("DOORSTEP_HUB_KEY")
        .env_remove("DOORSTEP_HUB_CONFIG")
        .env_remove("CREDENTIALS_DIRECTORY");
    command
}

#[tokio::test]
async fn encrypt_database_killed_at_any_moment_and_rerun_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("original.db");
    let store = open(&original, None).unwrap();
    sync_markers(&store).await;
    close(store, &original).await;
    add_bulk(&original, 16, 1 << 18);
    let key_file = dir.path().join("hub.key");
    let key = key();
    key.write_new(&key_file).unwrap();

    // How long one uninterrupted run takes on this machine: the kills are spread over it.
    let timed = dir.path().join("timed.db");
    std::fs::copy(&original, &timed).unwrap();
    let started = std::time::Instant::now();
    let status = encrypt_command(&timed, &key_file).status().unwrap();
    assert!(status.success());
    let whole = started.elapsed();
    let expected = fingerprint(&original, None);
    assert_eq!(fingerprint(&timed, Some(&key)), expected);

    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let path = work.join("hub.db");
    for tenth in (0..=12u32).step_by(2) {
        for name in [
            "hub.db",
            "hub.db-wal",
            "hub.db-shm",
            "hub.db.rekeying",
            "hub.db.retired",
        ] {
            let _ = std::fs::remove_file(work.join(name));
        }
        std::fs::copy(&original, &path).unwrap();
        let mut child = encrypt_command(&path, &key_file)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(whole * tenth / 10);
        let _ = child.kill();
        let _ = child.wait();
        let rerun = encrypt_command(&path, &key_file).output().unwrap();
        assert!(
            rerun.status.success(),
            "rerun after a kill at {tenth}/10: {}",
            String::from_utf8_lossy(&rerun.stderr)
        );
        assert_eq!(
            fingerprint(&path, Some(&key)),
            expected,
            "after a kill at {tenth}/10 of a run"
        );
        assert_eq!(markers_in(&work), vec![], "after a kill at {tenth}/10");
    }
}

/// Issue 23, item 4: backups. A backup taken while the hub runs holds none of the markers,
/// restores every record (into an empty place or over the same hub), and is refused when
/// truncated, opened with another identity, or aimed at another hub's data, changing
/// nothing.
#[tokio::test]
async fn an_sqlite_backup_is_encrypted_restores_whole_and_refuses_bad_input() {
    use doorstep_hub::backup::{self, BackupError};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hub.db");
    let key = key();
    let store = open(&path, Some(&key)).unwrap();
    sync_markers(&store).await;
    let before = stats(&store).await;

    let keys = tempfile::tempdir().unwrap();
    let identity_file = keys.path().join("backup-identity.txt");
    let recipient = backup::new_identity(&identity_file).unwrap();
    let identity = backup::identity(&identity_file).unwrap();
    let recipients = backup::recipients(&[recipient]).unwrap();
    let backups = tempfile::tempdir().unwrap();
    let file = backups.path().join("hub.backup");
    // Online: the hub's store is open (and could be writing) while the backup is taken.
    backup::sqlite::backup(&path, Some(&key), &file, &recipients).unwrap();
    assert_eq!(markers_in(backups.path()), vec![], "the backup folder");
    close(store, &path).await;

    // Into an empty place on a new machine, under that machine's own key.
    let elsewhere = tempfile::tempdir().unwrap();
    let new_path = elsewhere.path().join("hub.db");
    let new_key = self::key();
    backup::sqlite::restore(&new_path, Some(&new_key), &file, &identity).unwrap();
    let restored = open(&new_path, Some(&new_key)).unwrap();
    assert_eq!(stats(&restored).await, before);
    drop(restored);
    assert_eq!(markers_in(elsewhere.path()), vec![]);

    // Over the same hub's database.
    backup::sqlite::restore(&path, Some(&key), &file, &identity).unwrap();
    assert_eq!(stats(&open(&path, Some(&key)).unwrap()).await, before);
    let conn =
        doorstep_store::connection::open(&path, Cipher::Key(key.database_key()), false).unwrap();
    let not_flagged: i64 = conn
        .query_row(
            "SELECT count(*) FROM device_cursors WHERE resync_needed = 0",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(not_flagged, 0, "every laptop starts again after a restore");
    drop(conn);

    // Bad input: each refused, the database untouched.
    let unchanged = folder_digest(dir.path());
    let whole = std::fs::read(&file).unwrap();
    let truncated = backups.path().join("truncated.backup");
    std::fs::write(&truncated, &whole[..whole.len() - 300]).unwrap();
    let err = backup::sqlite::restore(&path, Some(&key), &truncated, &identity).unwrap_err();
    assert!(matches!(err, BackupError::Damaged { .. }), "{err}");
    assert!(err.to_string().contains("damaged or incomplete"), "{err}");
    let stranger = age::x25519::Identity::generate();
    let err = backup::sqlite::restore(&path, Some(&key), &file, &stranger).unwrap_err();
    assert!(matches!(err, BackupError::NotForThisIdentity(_)), "{err}");

    let other_dir = tempfile::tempdir().unwrap();
    let other_path = other_dir.path().join("hub.db");
    let other = open(&other_path, Some(&key)).unwrap();
    org(&other).await;
    close(other, &other_path).await;
    let other_file = backups.path().join("other.backup");
    backup::sqlite::backup(&other_path, Some(&key), &other_file, &recipients).unwrap();
    let err = backup::sqlite::restore(&path, Some(&key), &other_file, &identity).unwrap_err();
    assert!(matches!(err, BackupError::AnotherHub { .. }), "{err}");
    assert_eq!(
        folder_digest(dir.path()),
        unchanged,
        "a refused restore changed a file"
    );
    assert_eq!(stats(&open(&path, Some(&key)).unwrap()).await, before);
}

#[tokio::test]
async fn a_postgres_backup_is_encrypted_restores_into_an_empty_database_and_refuses_another_hubs() {
    use doorstep_hub::backup::{self, BackupError};
    let source = TestDb::new(Backend::Postgres).await;
    let store = doorstep_hub::open(&source.url).await.unwrap();
    sync_markers(&store).await;
    let before = stats(&store).await;

    let keys = tempfile::tempdir().unwrap();
    let identity_file = keys.path().join("backup-identity.txt");
    let recipients = backup::recipients(&[backup::new_identity(&identity_file).unwrap()]).unwrap();
    let identity = backup::identity(&identity_file).unwrap();
    let backups = tempfile::tempdir().unwrap();
    let file = backups.path().join("hub.backup");
    backup::postgres::backup(&source.url, &file, &recipients)
        .await
        .unwrap();
    assert_eq!(markers_in(backups.path()), vec![]);
    drop(store);

    // A new, empty database: the disaster-recovery case.
    let target = TestDb::new(Backend::Postgres).await;
    backup::postgres::restore(&target.url, &file, &identity)
        .await
        .unwrap();
    let restored = doorstep_hub::open(&target.url).await.unwrap();
    assert_eq!(stats(&restored).await, before);
    assert_eq!(
        restored.hub_identity(),
        doorstep_hub::open(&source.url)
            .await
            .unwrap()
            .hub_identity()
    );

    // Another hub's database holding data: refused, unchanged.
    let another = TestDb::new(Backend::Postgres).await;
    let another_store = doorstep_hub::open(&another.url).await.unwrap();
    org(&another_store).await;
    let another_before = stats(&another_store).await;
    let err = backup::postgres::restore(&another.url, &file, &identity)
        .await
        .unwrap_err();
    assert!(matches!(err, BackupError::AnotherHub { .. }), "{err}");
    assert_eq!(stats(&another_store).await, another_before);

    // A truncated backup never reaches pg_restore.
    let whole = std::fs::read(&file).unwrap();
    let truncated = backups.path().join("truncated.backup");
    std::fs::write(&truncated, &whole[..whole.len() / 2]).unwrap();
    let err = backup::postgres::restore(&target.url, &truncated, &identity)
        .await
        .unwrap_err();
    assert!(matches!(err, BackupError::Damaged { .. }), "{err}");
    assert_eq!(stats(&restored).await, before);
    // A SQLite backup is not restored into PostgreSQL.
    let sqlite_dir = tempfile::tempdir().unwrap();
    let sqlite_path = sqlite_dir.path().join("hub.db");
    org(&open(&sqlite_path, None).unwrap()).await;
    let sqlite_file = backups.path().join("sqlite.backup");
    backup::sqlite::backup(&sqlite_path, None, &sqlite_file, &recipients).unwrap();
    let err = backup::postgres::restore(&target.url, &sqlite_file, &identity)
        .await
        .unwrap_err();
    assert!(matches!(err, BackupError::WrongBackend { .. }), "{err}");
}

/// The real binary's answers to a key it cannot use: a missing key file, a file that is
/// not a key, and a key file others may read (used, with a warning); none creates or
/// changes a database.
#[test]
fn the_binary_names_what_is_wrong_with_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let run = |key_file: &Path| {
        Command::new(env!("CARGO_BIN_EXE_doorstep-hub"))
            .arg("--database")
            .arg(format!("sqlite:{}", db.display()))
            .arg("--key-file")
            .arg(key_file)
            .args(["admin", "devices"])
            .env("RUST_LOG", "warn")
            .env_remove("DATABASE_URL")
            .env_remove("DOORSTEP_HUB_KEY")
            .env_remove("CREDENTIALS_DIRECTORY")
            .output()
            .unwrap()
    };
    let missing = run(&dir.path().join("no-such.key"));
    let said = String::from_utf8_lossy(&missing.stderr);
    assert!(!missing.status.success());
    assert!(
        said.contains("cannot read the key file") && said.contains("there is no such file"),
        "{said}"
    );
    let not_a_key = dir.path().join("passphrase.txt");
    std::fs::write(&not_a_key, "correct horse battery staple\n").unwrap();
    let said = String::from_utf8_lossy(&run(&not_a_key).stderr).into_owned();
    assert!(said.contains("does not hold a key"), "{said}");
    assert!(!db.exists(), "a refused key created the database");

    let shared = dir.path().join("shared.key");
    key().write_new(&shared).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o644)).unwrap();
        let used = run(&shared);
        let said = String::from_utf8_lossy(&used.stderr);
        assert!(used.status.success(), "{said}");
        assert!(said.contains("can be read by other users"), "{said}");
        assert_eq!(cipher::inspect(&db).unwrap(), cipher::FileState::Encrypted);
    }
}
