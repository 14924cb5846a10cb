//! Sync through the hub over loopback with the real `HubClient`, on SQLite and on
//! PostgreSQL, printed as a table (docs/performance.md, issue 6):
//!
//! a. a fresh laptop pushes 10,000 changes in batches of 500, and a second fresh laptop
//!    pulls all of them;
//! b. the hub's ingest rate, against a plain batched INSERT of the same rows into the
//!    same database in the same run;
//! c. 200 laptops at once, each pushing 100 changes and pulling them: latency per request;
//!    then the same laptops again, arriving evenly over 10 s as their own timers spread them.
//!
//! `cargo bench -p doorstep-hub --bench sync` (`DOORSTEP_BENCH_ONLY=sqlite` for the SQLite
//! rows alone, plain and encrypted). PostgreSQL rows run where the tests' do
//! (`tests/support/pg.rs`: `DOORSTEP_HUB_TEST_POSTGRES`, else 127.0.0.1:5432, else a
//! throw-away cluster of the bench's own); without any they say so and are skipped.

#![allow(
    clippy::print_stdout,
    reason = "a benchmark's output is its table on stdout"
)]

#[path = "../tests/support/pg.rs"]
mod pg;

use std::error::Error;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use doorstep_core::{DeviceId, HlcClock, OfficerId, Role};
use doorstep_hub::hub_key::HubKey;
use doorstep_hub::rate::RateLimit;
use doorstep_hub::{AppState, Clock, HubConfig, SharedStore, secret};
use doorstep_store::connection::Cipher;
use doorstep_sync::protocol::{Change, EntityKind, MAX_BATCH, Operation};
use doorstep_sync::{Backoff, HubClient, Secret};
use serde_json::json;

type Fallible<T> = Result<T, Box<dyn Error + Send + Sync>>;

/// Changes pushed and pulled in (a) and (b).
const CHANGES: usize = 10_000;
/// Laptops at once in (c), and the changes each pushes.
const DEVICES: usize = 200;
const PER_DEVICE: usize = 100;
/// How long the second round of (c) spreads the laptops' arrivals over.
const SPREAD: Duration = Duration::from_secs(10);

fn main() -> Fallible<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(run())
}

#[derive(Debug, Default)]
struct Row {
    backend: &'static str,
    push: Duration,
    pull: Duration,
    ingest_per_s: f64,
    store_per_s: f64,
    plain_per_s: f64,
    four_per_s: f64,
    solo_push: Duration,
    solo_pull: Duration,
    push_p50: Duration,
    push_p99: Duration,
    pull_p50: Duration,
    pull_p99: Duration,
    all_p50: Duration,
    all_p99: Duration,
    concurrent_wall: Duration,
    errors: usize,
    spread_p50: Duration,
    spread_p99: Duration,
    spread_errors: usize,
}

async fn run() -> Fallible<()> {
    let mut rows = Vec::new();
    let dir = tempfile::tempdir()?;
    let sqlite_path = dir.path().join("bench-hub.db");
    rows.push(
        bench(
            "SQLite",
            &format!("sqlite:{}", sqlite_path.display()),
            Plain::Sqlite(sqlite_path.clone(), None),
        )
        .await?,
    );
    // The same with the database encrypted at rest (issue 23): its plain INSERT runs on the
    // encrypted file too, so each row's baseline pays what its hub pays.
    let key = Arc::new(HubKey::generate()?);
    let encrypted_path = dir.path().join("bench-hub-encrypted.db");
    rows.push(
        bench(
            "SQLite, encrypted",
            &format!("sqlite:{}", encrypted_path.display()),
            Plain::Sqlite(encrypted_path.clone(), Some(key)),
        )
        .await?,
    );
    // `DOORSTEP_BENCH_ONLY=sqlite`: the SQLite rows alone (the encryption ratio, quickly).
    let only_sqlite = std::env::var("DOORSTEP_BENCH_ONLY").is_ok_and(|v| v == "sqlite");
    match pg::admin_url() {
        _ if only_sqlite => println!("DOORSTEP_BENCH_ONLY=sqlite: the PostgreSQL rows are skipped"),
        Ok(admin) => match pg_database(admin).await {
            Ok((url, name)) => {
                let row = bench("PostgreSQL", &url, Plain::Postgres(url.clone())).await;
                drop_pg_database(admin, &name).await;
                rows.push(row?);
            }
            Err(e) => println!("PostgreSQL at {admin} not reachable ({e}): its rows are skipped"),
        },
        Err(why) => println!("{why}: the PostgreSQL rows are skipped"),
    }
    print_table(&rows);
    Ok(())
}

/// Where the plain INSERT goes: the same database as the hub's (under its key, if any).
enum Plain {
    Sqlite(std::path::PathBuf, Option<Arc<HubKey>>),
    Postgres(String),
}

async fn bench(backend: &'static str, url: &str, plain: Plain) -> Fallible<Row> {
    let key = match &plain {
        Plain::Sqlite(_, key) => key.clone(),
        Plain::Postgres(_) => None,
    };
    let store = doorstep_hub::open_with(url, key).await?;
    let (addr, stop) = boot(store.clone()).await?;
    let now = Clock::system().now_ms();
    store.create_org("Bench Council", now).await?;
    let team = store.add_team("Bench Council", "Bench", now).await?;
    let writer = laptop(&store, addr, &team, "Writer").await?;
    let reader = laptop(&store, addr, &team, "Reader").await?;

    // (a) and (b): 10,000 changes up in batches of 500, then all of them down.
    let mut clock = HlcClock::new(writer.device, None);
    let changes: Vec<Change> = (0..CHANGES)
        .map(|i| household(&writer, &mut clock, &format!("a-{i}")))
        .collect();
    let started = Instant::now();
    for batch in changes.chunks(MAX_BATCH) {
        let answer = writer.client.push(writer.device, batch).await?;
        if answer.applied.len() != batch.len() {
            return Err(format!("{} of {} applied", answer.applied.len(), batch.len()).into());
        }
    }
    let push = started.elapsed();
    let started = Instant::now();
    let (mut after, mut pulled) = (0, 0);
    loop {
        let page = reader.client.pull(after, 1_000).await?;
        pulled += page.entries.len();
        after = page.next;
        if !page.more {
            break;
        }
    }
    let pull = started.elapsed();
    if pulled != CHANGES {
        return Err(format!("pulled {pulled} of {CHANGES}").into());
    }
    let plain_time = plain_insert(&plain, &team, &changes, Rows::One).await?;
    let four_time = plain_insert(&plain, &team, &changes, Rows::Four).await?;
    let store_time = store_only(&store, &team).await?;

    // For comparison with (c): one laptop alone pushing and pulling 100 changes.
    let solo_team = store.add_team("Bench Council", "Solo", now).await?;
    let solo = laptop(&store, addr, &solo_team, "Solo").await?;
    let mut clock = HlcClock::new(solo.device, None);
    let batch: Vec<Change> = (0..PER_DEVICE)
        .map(|i| household(&solo, &mut clock, &format!("solo-{i}")))
        .collect();
    let t = Instant::now();
    solo.client.push(solo.device, &batch).await?;
    let solo_push = t.elapsed();
    let t = Instant::now();
    solo.client.pull(0, 1_000).await?;
    let solo_pull = t.elapsed();

    // (c): 200 laptops, each in a team of its own so that it pulls back its 100 changes.
    let mut laptops = Vec::with_capacity(DEVICES);
    for d in 0..DEVICES {
        let team = store
            .add_team("Bench Council", &format!("Crew {d}"), now)
            .await?;
        laptops.push(laptop(&store, addr, &team, &format!("Crew member {d}")).await?);
    }
    let (laptops, mut burst) = round(laptops, "c", |_| Duration::ZERO).await?;
    // The same laptops again, one every SPREAD / DEVICES, as their own timers spread them.
    let gap = SPREAD / u32::try_from(DEVICES).unwrap_or(u32::MAX);
    let (_, spread) = round(laptops, "s", |d| gap * u32::try_from(d).unwrap_or(u32::MAX)).await?;
    let _ = stop.send(());
    let mut all: Vec<Duration> = burst.pushes.iter().chain(&burst.pulls).copied().collect();
    let mut spread_all: Vec<Duration> =
        spread.pushes.iter().chain(&spread.pulls).copied().collect();
    Ok(Row {
        backend,
        push,
        pull,
        ingest_per_s: CHANGES as f64 / push.as_secs_f64(),
        store_per_s: CHANGES as f64 / store_time.as_secs_f64(),
        plain_per_s: CHANGES as f64 / plain_time.as_secs_f64(),
        four_per_s: CHANGES as f64 / four_time.as_secs_f64(),
        solo_push,
        solo_pull,
        push_p50: percentile(&mut burst.pushes, 50),
        push_p99: percentile(&mut burst.pushes, 99),
        pull_p50: percentile(&mut burst.pulls, 50),
        pull_p99: percentile(&mut burst.pulls, 99),
        all_p50: percentile(&mut all, 50),
        all_p99: percentile(&mut all, 99),
        concurrent_wall: burst.wall,
        errors: burst.errors,
        spread_p50: percentile(&mut spread_all, 50),
        spread_p99: percentile(&mut spread_all, 99),
        spread_errors: spread.errors,
    })
}

/// Latencies of one round of the laptops.
struct Round {
    pushes: Vec<Duration>,
    pulls: Vec<Duration>,
    errors: usize,
    wall: Duration,
}

/// Each laptop pushes PER_DEVICE new households and pulls them back, starting
/// `start(d)` after the round begins (all batches are made before it does).
async fn round(
    laptops: Vec<Laptop>,
    tag: &'static str,
    start: impl Fn(usize) -> Duration,
) -> Fallible<(Vec<Laptop>, Round)> {
    let gate = Arc::new(tokio::sync::Barrier::new(laptops.len()));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(laptops.len());
    for (d, mut l) in laptops.into_iter().enumerate() {
        let gate = Arc::clone(&gate);
        let delay = start(d);
        tasks.push(tokio::spawn(async move {
            let mut clock = HlcClock::new(l.device, None);
            let batch: Vec<Change> = (0..PER_DEVICE)
                .map(|i| household(&l, &mut clock, &format!("{tag}-{d}-{i}")))
                .collect();
            gate.wait().await;
            tokio::time::sleep(delay).await;
            let t = Instant::now();
            let pushed = l.client.push(l.device, &batch).await;
            let push = (
                t.elapsed(),
                pushed.is_ok_and(|p| p.applied.len() == PER_DEVICE),
            );
            let t = Instant::now();
            let pulled = l.client.pull(l.cursor, 1_000).await;
            let pull_time = t.elapsed();
            let pull_ok = match pulled {
                Ok(page) if page.entries.len() == PER_DEVICE => {
                    l.cursor = page.next;
                    true
                }
                _ => false,
            };
            (l, push, (pull_time, pull_ok))
        }));
    }
    let (mut laptops, mut pushes, mut pulls, mut errors) = (Vec::new(), Vec::new(), Vec::new(), 0);
    for task in tasks {
        let (l, (push_time, push_ok), (pull_time, pull_ok)) = task.await?;
        laptops.push(l);
        pushes.push(push_time);
        pulls.push(pull_time);
        errors += usize::from(!push_ok) + usize::from(!pull_ok);
    }
    let wall = started.elapsed();
    Ok((
        laptops,
        Round {
            pushes,
            pulls,
            errors,
            wall,
        },
    ))
}

/// The hub on a loopback port, with the rate limit raised out of the way.
async fn boot(store: SharedStore) -> Fallible<(SocketAddr, tokio::sync::oneshot::Sender<()>)> {
    let config = HubConfig {
        rate_limit: RateLimit {
            burst: 1_000_000,
            per_second: 1_000_000.0,
        },
        ..HubConfig::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let state = AppState::new(store, config);
    tokio::spawn(doorstep_hub::serve(listener, state, async {
        let _ = stopped.await;
    }));
    Ok((addr, stop))
}

struct Laptop {
    client: HubClient,
    device: DeviceId,
    officer: OfficerId,
    /// Where its next pull starts.
    cursor: u64,
}

/// A user in `team` and their laptop, enrolled through the client.
async fn laptop(store: &SharedStore, addr: SocketAddr, team: &str, name: &str) -> Fallible<Laptop> {
    let now = Clock::system().now_ms();
    let user = store.add_user(team, name, Role::Officer, now).await?;
    let code = secret::new_enrolment_code()?;
    store
        .add_enrolment_code(&user, &secret::code_digest(&code), now, now + 3_600_000)
        .await?;
    let mut client =
        HubClient::new(&format!("http://{addr}/"))?.with_backoff(Backoff::immediate(1));
    let enrolled = client.enrol(&Secret::new(code), name).await?;
    Ok(Laptop {
        client,
        device: enrolled.device_id,
        officer: enrolled.user.id,
        cursor: 0,
    })
}

/// A new household as the app sends one.
fn household(laptop: &Laptop, clock: &mut HlcClock, id: &str) -> Change {
    let fields = json!({
        "uprn": null,
        "address_line_1": format!("{id} Benchmark Road"),
        "address_line_2": null,
        "address_line_3": null,
        "town": "Mansfield",
        "postcode": "NG18 1AA",
        "coordinates": { "latitude": 53.14, "longitude": -1.19 },
    });
    Change {
        change_id: uuid::Uuid::now_v7(),
        entity: EntityKind::Household,
        entity_id: id.to_owned(),
        operation: Operation::Create,
        fields: fields.as_object().cloned().unwrap_or_default(),
        base_versions: Default::default(),
        hlc: clock.tick(Utc::now()),
        officer_id: laptop.officer,
        device_id: laptop.device,
        made_at: Utc::now(),
    }
}

/// Where the time goes: the same 10,000 changes (another laptop's) through `Store::push`
/// directly, without HTTP or JSON on the wire.
async fn store_only(store: &SharedStore, team: &str) -> Fallible<Duration> {
    let now = Clock::system().now_ms();
    let user = store.add_user(team, "Direct", Role::Officer, now).await?;
    let code = secret::new_enrolment_code()?;
    store
        .add_enrolment_code(&user, &secret::code_digest(&code), now, now + 3_600_000)
        .await?;
    let device = DeviceId::new();
    let tokens = doorstep_hub::model::TokenDigests {
        access: secret::digest("direct-access"),
        access_expires_at: now + 3_600_000,
        refresh: secret::digest("direct-refresh"),
        refresh_expires_at: now + 3_600_000,
    };
    let who = store
        .enrol(
            &secret::code_digest(&code),
            &device.to_string(),
            "Direct",
            &tokens,
            now,
        )
        .await?;
    let laptop = Laptop {
        client: HubClient::new("http://127.0.0.1:9/")?,
        device,
        officer: who.user_id,
        cursor: 0,
    };
    let mut clock = HlcClock::new(device, None);
    let changes: Vec<Change> = (0..CHANGES)
        .map(|i| household(&laptop, &mut clock, &format!("direct-{i}")))
        .collect();
    let started = Instant::now();
    for batch in changes.chunks(MAX_BATCH) {
        store.push(&who, batch, now).await?;
    }
    Ok(started.elapsed())
}

/// What the plain INSERT writes per change: one row shaped like the hub's `records`, or
/// the four rows the hub itself writes (the record, its change-log entry, its applied
/// change id and its audit line) into tables with the same keys and indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rows {
    One,
    Four,
}

/// One change's rows as text, made before the clock starts: the database's cost alone.
struct PlainRow {
    id: String,
    change_id: String,
    fields: String,
    versions: String,
    change: String,
}

const SQLITE_PLAIN: &str = "
    CREATE TABLE {p}records (entity TEXT NOT NULL, entity_id TEXT NOT NULL,
        team_id TEXT NOT NULL, fields TEXT NOT NULL, field_versions TEXT NOT NULL,
        tombstone INTEGER NOT NULL, updated_seq INTEGER NOT NULL,
        PRIMARY KEY (entity, entity_id));
    CREATE TABLE {p}log (seq INTEGER PRIMARY KEY, change_id TEXT NOT NULL,
        entity TEXT NOT NULL, entity_id TEXT NOT NULL, team_id TEXT NOT NULL,
        operation TEXT NOT NULL, change TEXT NOT NULL, device_id TEXT NOT NULL,
        user_id TEXT NOT NULL, at INTEGER NOT NULL);
    CREATE INDEX {p}log_team_seq ON {p}log (team_id, seq);
    CREATE TABLE {p}applied (change_id TEXT PRIMARY KEY, device_id TEXT NOT NULL,
        seq INTEGER, applied_at INTEGER NOT NULL);
    CREATE TABLE {p}audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,
        user_id TEXT, device_id TEXT, action TEXT NOT NULL, entity TEXT, entity_id TEXT,
        outcome TEXT NOT NULL);";

const PG_PLAIN: &str = "
    CREATE TABLE {p}records (entity TEXT NOT NULL, entity_id TEXT NOT NULL,
        team_id TEXT NOT NULL, fields TEXT NOT NULL, field_versions TEXT NOT NULL,
        tombstone BOOLEAN NOT NULL, updated_seq BIGINT NOT NULL,
        PRIMARY KEY (entity, entity_id));
    CREATE TABLE {p}log (seq BIGINT PRIMARY KEY, change_id TEXT NOT NULL,
        entity TEXT NOT NULL, entity_id TEXT NOT NULL, team_id TEXT NOT NULL,
        operation TEXT NOT NULL, change TEXT NOT NULL, device_id TEXT NOT NULL,
        user_id TEXT NOT NULL, at BIGINT NOT NULL);
    CREATE INDEX {p}log_team_seq ON {p}log (team_id, seq);
    CREATE TABLE {p}applied (change_id TEXT PRIMARY KEY, device_id TEXT NOT NULL,
        seq BIGINT, applied_at BIGINT NOT NULL);
    CREATE TABLE {p}audit (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at BIGINT NOT NULL, user_id TEXT, device_id TEXT, action TEXT NOT NULL,
        entity TEXT, entity_id TEXT, outcome TEXT NOT NULL);";

/// The same changes' rows inserted plainly, 500 changes to a transaction.
async fn plain_insert(
    plain: &Plain,
    team: &str,
    changes: &[Change],
    rows: Rows,
) -> Fallible<Duration> {
    let data: Vec<PlainRow> = changes
        .iter()
        .map(|c| {
            let versions: serde_json::Map<String, serde_json::Value> = c
                .fields
                .keys()
                .map(|k| (k.clone(), json!(c.hlc.to_string())))
                .collect();
            Ok(PlainRow {
                id: c.entity_id.clone(),
                change_id: c.change_id.to_string(),
                fields: serde_json::to_string(&c.fields)?,
                versions: serde_json::to_string(&versions)?,
                change: serde_json::to_string(c)?,
            })
        })
        .collect::<Result<_, serde_json::Error>>()?;
    let prefix = match rows {
        Rows::One => "one_",
        Rows::Four => "four_",
    };
    match plain {
        Plain::Sqlite(path, key) => {
            let (path, key) = (path.clone(), key.clone());
            let team = team.to_owned();
            tokio::task::spawn_blocking(move || {
                sqlite_plain(&path, key.as_deref(), &team, &data, rows, prefix)
            })
            .await?
        }
        Plain::Postgres(url) => {
            let (mut client, connection) =
                tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
            tokio::spawn(connection);
            client
                .batch_execute(&PG_PLAIN.replace("{p}", prefix))
                .await?;
            let started = Instant::now();
            for (n, chunk) in data.chunks(MAX_BATCH).enumerate() {
                let ids: Vec<&str> = chunk.iter().map(|r| r.id.as_str()).collect();
                let fields: Vec<&str> = chunk.iter().map(|r| r.fields.as_str()).collect();
                let versions: Vec<&str> = chunk.iter().map(|r| r.versions.as_str()).collect();
                let first = i64::try_from(n * MAX_BATCH)?;
                let tx = client.transaction().await?;
                tx.execute(
                    &format!(
                        "INSERT INTO {prefix}records
                         SELECT 'household', i, $4, f, v, FALSE, $5 + ordinality
                         FROM unnest($1::TEXT[], $2::TEXT[], $3::TEXT[])
                              WITH ORDINALITY AS t (i, f, v)"
                    ),
                    &[&ids, &fields, &versions, &team, &first],
                )
                .await?;
                if rows == Rows::Four {
                    let change_ids: Vec<&str> =
                        chunk.iter().map(|r| r.change_id.as_str()).collect();
                    let bodies: Vec<&str> = chunk.iter().map(|r| r.change.as_str()).collect();
                    tx.execute(
                        &format!(
                            "INSERT INTO {prefix}log
                             SELECT $5 + ordinality, c, 'household', i, $4, 'create', b,
                                    'device', 'user', 0
                             FROM unnest($1::TEXT[], $2::TEXT[], $3::TEXT[])
                                  WITH ORDINALITY AS t (c, i, b)"
                        ),
                        &[&change_ids, &ids, &bodies, &team, &first],
                    )
                    .await?;
                    tx.execute(
                        &format!(
                            "INSERT INTO {prefix}applied
                             SELECT c, 'device', $2 + ordinality, 0
                             FROM unnest($1::TEXT[]) WITH ORDINALITY AS t (c)"
                        ),
                        &[&change_ids, &first],
                    )
                    .await?;
                    tx.execute(
                        &format!(
                            "INSERT INTO {prefix}audit (at, user_id, device_id, action, entity,
                                                        entity_id, outcome)
                             SELECT 0, 'user', 'device', 'write', 'household', i, 'applied'
                             FROM unnest($1::TEXT[]) AS t (i)"
                        ),
                        &[&ids],
                    )
                    .await?;
                }
                tx.commit().await?;
            }
            Ok(started.elapsed())
        }
    }
}

fn sqlite_plain(
    path: &std::path::Path,
    key: Option<&HubKey>,
    team: &str,
    data: &[PlainRow],
    rows: Rows,
    prefix: &str,
) -> Fallible<Duration> {
    // Opened as the hub opens its file: the same pragmas, and the key when it has one.
    let cipher = key.map_or(Cipher::Plain, |k| Cipher::Key(k.database_key()));
    let mut conn = doorstep_store::connection::open(path, cipher, false)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.execute_batch(&SQLITE_PLAIN.replace("{p}", prefix))?;
    let started = Instant::now();
    let mut seq = 0i64;
    for chunk in data.chunks(MAX_BATCH) {
        let tx = conn.transaction()?;
        {
            let mut record = tx.prepare_cached(&format!(
                "INSERT INTO {prefix}records VALUES ('household', ?1, ?2, ?3, ?4, 0, ?5)"
            ))?;
            let mut log = tx.prepare_cached(&format!(
                "INSERT INTO {prefix}log VALUES (?1, ?2, 'household', ?3, ?4, 'create', ?5,
                     'device', 'user', 0)"
            ))?;
            let mut applied = tx.prepare_cached(&format!(
                "INSERT INTO {prefix}applied VALUES (?1, 'device', ?2, 0)"
            ))?;
            let mut audit = tx.prepare_cached(&format!(
                "INSERT INTO {prefix}audit (at, user_id, device_id, action, entity, entity_id,
                                            outcome)
                 VALUES (0, 'user', 'device', 'write', 'household', ?1, 'applied')"
            ))?;
            for row in chunk {
                seq += 1;
                record.execute(rusqlite::params![
                    row.id,
                    team,
                    row.fields,
                    row.versions,
                    seq
                ])?;
                if rows == Rows::Four {
                    log.execute(rusqlite::params![
                        seq,
                        row.change_id,
                        row.id,
                        team,
                        row.change
                    ])?;
                    applied.execute(rusqlite::params![row.change_id, seq])?;
                    audit.execute([&row.id])?;
                }
            }
        }
        tx.commit()?;
    }
    Ok(started.elapsed())
}

async fn pg_database(admin: &str) -> Fallible<(String, String)> {
    let (client, connection) = tokio_postgres::connect(admin, tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    let name = format!("doorstep_hub_bench_{}", std::process::id());
    // Two statements: CREATE DATABASE may not run inside the implicit transaction of one.
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .await?;
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await?;
    let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
    Ok((format!("{base}/{name}"), name))
}

async fn drop_pg_database(admin: &str, name: &str) {
    if let Ok((client, connection)) = tokio_postgres::connect(admin, tokio_postgres::NoTls).await {
        tokio::spawn(connection);
        let _ = client
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await;
    }
}

fn percentile(times: &mut [Duration], p: usize) -> Duration {
    times.sort_unstable();
    if times.is_empty() {
        return Duration::ZERO;
    }
    let rank = (times.len() * p).div_ceil(100).clamp(1, times.len());
    times[rank - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn yes(met: bool) -> &'static str {
    if met { "yes" } else { "no" }
}

fn print_table(rows: &[Row]) {
    println!();
    println!("| backend | measure | figure | goal | met |");
    println!("|---|---|---|---|---|");
    for r in rows {
        let b = r.backend;
        let total = r.push + r.pull;
        println!(
            "| {b} | (a) push {CHANGES} changes, batches of {MAX_BATCH} | {:.2} s | | |",
            r.push.as_secs_f64()
        );
        println!(
            "| {b} | (a) a fresh laptop pulls them all | {:.2} s | | |",
            r.pull.as_secs_f64()
        );
        println!(
            "| {b} | **(a) push + pull** | **{:.2} s** | ≤ 5 s | {} |",
            total.as_secs_f64(),
            yes(total <= Duration::from_secs(5))
        );
        println!(
            "| {b} | (b) hub ingest | {:.0} changes/s | | |",
            r.ingest_per_s
        );
        println!(
            "| {b} | (b) plain batched INSERT, one `records` row per change | {:.0} changes/s | | |",
            r.plain_per_s
        );
        println!(
            "| {b} | (b) plain batched INSERT of the four rows the hub writes per change | {:.0} changes/s | | |",
            r.four_per_s
        );
        println!(
            "| {b} | (b) the same through `Store::push` alone (no HTTP) | {:.0} changes/s | | |",
            r.store_per_s
        );
        // The goal's "same rows" are the rows the hub writes for a change (ADR 014).
        let ratio = r.ingest_per_s / r.four_per_s;
        println!(
            "| {b} | **(b) ingest / plain INSERT of the same four rows** | **{ratio:.2}×** | ≥ 0.3× | {} |",
            yes(ratio >= 0.3)
        );
        println!(
            "| {b} | (b) ingest / plain INSERT of the `records` row alone | {:.2}× | | |",
            r.ingest_per_s / r.plain_per_s
        );
        println!(
            "| {b} | one laptop alone: push of {PER_DEVICE} / pull of {PER_DEVICE} | {} / {} | | |",
            ms(r.solo_push),
            ms(r.solo_pull)
        );
        println!(
            "| {b} | (c) {DEVICES} laptops at once: push of {PER_DEVICE}, p50 / p99 | {} / {} | | |",
            ms(r.push_p50),
            ms(r.push_p99)
        );
        println!(
            "| {b} | (c) pull of {PER_DEVICE}, p50 / p99 | {} / {} | | |",
            ms(r.pull_p50),
            ms(r.pull_p99)
        );
        println!(
            "| {b} | **(c) every request, p50 / p99** | {} / **{}** | p99 ≤ 100 ms | {} |",
            ms(r.all_p50),
            ms(r.all_p99),
            yes(r.all_p99 <= Duration::from_millis(100))
        );
        println!(
            "| {b} | (c) all {DEVICES} laptops done (wall) | {} | | |",
            ms(r.concurrent_wall)
        );
        // No hub, however lean, answers the burst's last push before its rows are written.
        let floor = Duration::from_secs_f64((DEVICES * PER_DEVICE) as f64 / r.four_per_s);
        println!(
            "| {b} | (c) floor: plain INSERT of the burst's {} changes' four rows, no HTTP, merge or reads | {} | | |",
            DEVICES * PER_DEVICE,
            ms(floor)
        );
        println!(
            "| {b} | **(c) errors** | **{}** | 0 | {} |",
            r.errors,
            yes(r.errors == 0)
        );
        println!(
            "| {b} | (c) the same {DEVICES} laptops again, arriving evenly over {} s: every request, p50 / p99 | {} / {} | | |",
            SPREAD.as_secs(),
            ms(r.spread_p50),
            ms(r.spread_p99)
        );
        println!(
            "| {b} | (c) errors in that round | {} | | |",
            r.spread_errors
        );
    }
    // Issue 23: what encrypting the embedded database at rest costs the hub's ingest.
    if let (Some(plain), Some(encrypted)) = (
        rows.iter().find(|r| r.backend == "SQLite"),
        rows.iter().find(|r| r.backend == "SQLite, encrypted"),
    ) {
        let ratio = encrypted.ingest_per_s / plain.ingest_per_s;
        println!(
            "| SQLite | **(b) ingest encrypted / ingest plain** | **{ratio:.2}×** | ≥ 0.8× | {} |",
            yes(ratio >= 0.8)
        );
    }
}
