//! The one place that opens a database connection and sets its key and pragmas.

use std::fmt::Write;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::error::{Result, StoreError};
use crate::keyfile::DatabaseKey;

/// Marks a SQLite file as Doorstep's ("Door" in ASCII), so a stranger's file is refused.
pub const APPLICATION_ID: i32 = 0x446f_6f72;

/// Whether to encrypt: laptops' stores always do; see [`Cipher::Plain`] for the exceptions.
#[derive(Debug, Clone, Copy)]
pub enum Cipher<'a> {
    /// SQLCipher with this raw key.
    Key(&'a DatabaseKey),
    /// No encryption: benchmarks measuring what encryption costs, and a council hub
    /// whose operator gave it no key (it warns at every start).
    Plain,
}

/// The SQL literal for a raw SQLCipher key: x'…' in hex, so no passphrase KDF runs.
pub fn key_literal(key: &DatabaseKey) -> zeroize::Zeroizing<String> {
    let mut hex = zeroize::Zeroizing::new(String::with_capacity(67));
    hex.push_str("\"x'");
    for b in key.iter() {
        let _ = write!(hex, "{b:02x}");
    }
    hex.push_str("'\"");
    hex
}

/// Waits, once per process, until SQLCipher has finished setting itself up. SQLite marks
/// itself initialised on the first open and only then runs SQLCipher's set-up, which
/// registers its functions (`sqlcipher_export`, the codec) for every later connection; a
/// connection another thread opens in between has none of them, and a backup on it fails
/// with "no such function: sqlcipher_export" (seen in about one test run in ten).
fn sqlcipher_ready() {
    static READY: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    READY.get_or_init(|| {
        for _ in 0..400 {
            #[allow(
                clippy::disallowed_methods,
                reason = "a throw-away in-memory connection that holds no data: it only proves SQLCipher is set up"
            )]
            let Ok(probe) = Connection::open_in_memory() else {
                continue;
            };
            // Any answer but "no such function" (here: no database of that name) means the
            // function is registered.
            match probe.query_row("SELECT sqlcipher_export('no_such_database')", [], |_| Ok(())) {
                Err(e) if e.to_string().contains("no such function") => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                _ => return,
            }
        }
    });
}

/// Opens (or creates, when `create`) the database at `path` with the key and pragmas
/// every Doorstep connection needs, and proves the key reads the file.
pub fn open(path: &Path, cipher: Cipher<'_>, create: bool) -> Result<Connection> {
    sqlcipher_ready();
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(path, flags).map_err(|e| classify(path, e))?;
    if let Cipher::Key(key) = cipher {
        // Two connections keyed at the same moment (parallel tests; a backup while the app
        // opens) were seen to fail with "An error occurred with PRAGMA key": SQLCipher sets up
        // its crypto provider on first use, and that is not safe to race. Keying is once per
        // open, so one at a time costs nothing.
        static KEYING: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _one_at_a_time = KEYING
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        conn.execute_batch(&format!("PRAGMA key = {};", key_literal(key).as_str()))?;
    }
    // SQLCipher only notices a wrong key or a foreign file on the first read.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
        .map_err(|e| classify(path, e))?;
    conn.busy_timeout(Duration::from_secs(5))?;
    // Pages are decrypted as they enter the cache: a 64 MiB cache keeps the hot indexes
    // of a large store decrypted, and temp_store=MEMORY keeps sorts off the disk in plain text.
    // secure_delete zeroes what a delete frees, so an erased resident cannot be read back
    // from free pages by anyone who has the key (issue 16).
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA secure_delete = ON;
         PRAGMA cache_size = -65536;",
    )
    .map_err(|e| classify(path, e))?;
    Ok(conn)
}

fn classify(path: &Path, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => StoreError::Corrupt {
            path: path.into(),
            reason: "it is not an encrypted Doorstep database, or it is damaged".to_owned(),
        },
        Some(ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
            path: path.into(),
            reason: "the database is damaged".to_owned(),
        },
        Some(ErrorCode::CannotOpen) => StoreError::Io {
            path: path.into(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "cannot open the file"),
        },
        _ => StoreError::Database(e),
    }
}

/// Checks the file is Doorstep's: its application id is ours, or it is brand new.
pub fn check_application_id(conn: &Connection, path: &Path) -> Result<()> {
    let id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    if id == APPLICATION_ID {
        return Ok(());
    }
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
    if id == 0 && tables == 0 {
        return Ok(());
    }
    Err(StoreError::NotDoorstepData {
        path: path.into(),
        reason: "it is a database, but not Doorstep's".to_owned(),
    })
}
