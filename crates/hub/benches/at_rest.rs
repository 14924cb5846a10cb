//! Start-up of a hub whose embedded database is encrypted and holds 1 GB (issue 23: ≤ 2 s),
//! printed as a table (docs/performance.md).
//!
//! Builds a 1 GiB SQLCipher database (photos of 1 MiB, which are most of a hub's bytes), then
//! starts the real `doorstep-hub serve` on it five times and times each until it logs that
//! it is listening: warm (the file in the page cache) and, where this user may drop the
//! page cache (root), cold as after a reboot. `DOORSTEP_BENCH_MIB` changes the size.
//!
//! `cargo bench -p doorstep-hub --bench at_rest`

#![allow(
    clippy::print_stdout,
    reason = "a benchmark's output is its table on stdout"
)]

use std::error::Error;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use doorstep_hub::hub_key::{HubKey, KeySource};
use doorstep_hub::sqlite::SqliteStore;
use doorstep_store::connection::Cipher;

type Fallible<T> = Result<T, Box<dyn Error + Send + Sync>>;

const RUNS: usize = 5;

fn main() -> Fallible<()> {
    let mib: usize = std::env::var("DOORSTEP_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("hub.db");
    let key_file = dir.path().join("hub.key");
    HubKey::generate()?.write_new(&key_file)?;
    let key = HubKey::from_file(&key_file, KeySource::File(key_file.clone()))?;

    let started = Instant::now();
    drop(SqliteStore::open_with(&db, Some(&key))?);
    fill(&db, &key, mib)?;
    let bytes = std::fs::metadata(&db)?.len();
    println!(
        "built an encrypted hub database of {:.2} GiB in {:.1} s",
        bytes as f64 / f64::from(1u32 << 30),
        started.elapsed().as_secs_f64()
    );

    let mut warm: Vec<Duration> = (0..RUNS)
        .map(|_| start_up(&db, &key_file))
        .collect::<Fallible<_>>()?;
    warm.sort();
    let mut cold = Vec::new();
    for _ in 0..RUNS {
        if !drop_page_cache() {
            break;
        }
        cold.push(start_up(&db, &key_file)?);
    }
    cold.sort();

    println!();
    println!("| measure | figure | goal | met |");
    println!("|---|---|---|---|");
    row("start-up, warm page cache (median of 5)", &warm);
    if cold.is_empty() {
        println!(
            "| start-up, cold page cache | not measured: this user may not drop the page cache | | |"
        );
    } else {
        row("start-up, cold page cache (median of 5)", &cold);
    }
    Ok(())
}

fn row(what: &str, times: &[Duration]) {
    let median = times[times.len() / 2];
    let worst = times[times.len() - 1];
    println!(
        "| **{what}**, worst | **{:.2} s**, {:.2} s | ≤ 2 s | {} |",
        median.as_secs_f64(),
        worst.as_secs_f64(),
        if worst <= Duration::from_secs(2) {
            "yes"
        } else {
            "no"
        }
    );
}

/// Photos of 1 MiB until the file holds `mib` MiB (photos are most of a hub's bytes).
fn fill(db: &Path, key: &HubKey, mib: usize) -> Fallible<()> {
    let mut conn = doorstep_store::connection::open(db, Cipher::Key(key.database_key()), false)?;
    let mut photo = vec![0u8; 1 << 20];
    for batch in 0..mib.div_ceil(64) {
        let tx = conn.transaction()?;
        for i in 0..64.min(mib - batch * 64) {
            let n = batch * 64 + i;
            // Bytes that do not compress or repeat, as a real photo's do not.
            let mut state = u64::try_from(n)? * 0x9E37_79B9_7F4A_7C15 + 1;
            for b in &mut photo {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *b = state.to_le_bytes()[0];
            }
            tx.execute(
                "INSERT INTO attachments (sha256, bytes, size, media_type, created_at)
                 VALUES (?1, ?2, ?3, 'image/jpeg', 0)",
                rusqlite::params![format!("{n:064x}"), photo, 1i64 << 20],
            )?;
        }
        tx.commit()?;
    }
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
    Ok(())
}

/// Starts `doorstep-hub serve` on the database and waits for it to say it is listening.
fn start_up(db: &Path, key_file: &Path) -> Fallible<Duration> {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_doorstep-hub"))
        .arg("--database")
        .arg(format!("sqlite:{}", db.display()))
        .arg("--key-file")
        .arg(key_file)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "info")
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let mut listening = None;
    for line in BufReader::new(stderr).lines() {
        if line?.contains("doorstep-hub listening") {
            listening = Some(started.elapsed());
            break;
        }
    }
    child.kill()?;
    child.wait()?;
    listening.ok_or_else(|| "the hub never said it was listening".into())
}

/// Drops the kernel's page cache (root only), so the next start reads the file from disk.
fn drop_page_cache() -> bool {
    let synced = Command::new("sync").status().is_ok_and(|s| s.success());
    synced && std::fs::write("/proc/sys/vm/drop_caches", "3\n").is_ok()
}
