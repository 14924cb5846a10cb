//! The daily retention run at county scale on PostgreSQL (docs/performance.md, issue 16):
//! 5,000,000 records (a million households, each with a resident, a visit, a survey and a
//! plan, each with its create entry in the change log; a fifth of them last helped eight
//! years ago), the run timed from start to finish,
//! while a stand-in for pushes takes the change-log counter row — the lock a push waits
//! for — every 20 ms and times each wait.
//!
//! `cargo bench -p doorstep-hub --bench retention`; `DOORSTEP_BENCH_RECORDS` sets the size
//! (a multiple of five), `DOORSTEP_BENCH_OLD_EVERY` how many households to one past its date
//! (5 by default), `DOORSTEP_TEST_PG` the server as for the tests.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::cast_precision_loss
)] // a bench, not the hub

#[path = "../tests/support/pg.rs"]
mod pg;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use doorstep_hub::Clock;
use doorstep_hub::privacy::retention::{run, schedule};

fn env_usize(name: &str) -> Option<usize> {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace(['_', ','], "").parse().ok())
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(bench());
}

async fn bench() {
    let Ok(admin) = pg::admin_url() else {
        println!("PostgreSQL not reachable: skipped");
        return;
    };
    let (client, connection) = tokio_postgres::connect(admin, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let name = format!("doorstep_hub_retention_bench_{}", std::process::id());
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
    let url = format!("{base}/{name}");
    measure(&url).await;
    let _ = client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await;
}

async fn measure(url: &str) {
    let records = env_usize("DOORSTEP_BENCH_RECORDS").unwrap_or(5_000_000);
    // One household in this many is past its date: 5 (a fifth) is the first run over years
    // of records; a day's share in steady state is about one in 2,000.
    let old_every = env_usize("DOORSTEP_BENCH_OLD_EVERY").unwrap_or(5).max(1);
    let households = records / 5;
    let store = doorstep_hub::open(url).await.unwrap();
    let now = Clock::system().now_ms();
    let org = store.create_org("Bench Council", now).await.unwrap();
    let team = store.add_team(&org, "North", now).await.unwrap();
    let (db, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let started = Instant::now();
    // Written by the server, a million rows a statement: one household in `old_every` was
    // last visited in 2018 (past every six-year period), the rest in 2026.
    let visited = format!("CASE WHEN i % {old_every} = 0 THEN '2018-03-02' ELSE '2026-03-02' END");
    for (entity, fields) in [
        (
            "household",
            "json_build_object('address_line_1', i || ' Bench Row', 'postcode', 'ZZ9 9ZZ')"
                .to_owned(),
        ),
        (
            "person",
            "json_build_object('household_id', 'h' || i, 'full_name', 'Resident ' || i)".to_owned(),
        ),
        (
            "visit",
            format!(
                "json_build_object('household_id', 'h' || i, 'visit_date', {visited}, 'kind', 'survey')"
            ),
        ),
        (
            "survey",
            "json_build_object('household_id', 'h' || i, 'visit_id', 'visit' || i)".to_owned(),
        ),
        (
            "plan",
            format!(
                "json_build_object('survey_id', 'survey' || i, 'status', 'fitted', 'tier', 'gold', \
                 'created_at', {visited} || 'T10:00:00Z')"
            ),
        ),
    ] {
        let prefix = if entity == "household" { "h" } else { entity };
        db.batch_execute(&format!(
            "INSERT INTO records (entity, entity_id, team_id, fields, field_versions, updated_seq)
             SELECT '{entity}', '{prefix}' || i, '{team}', ({fields})::text, '{{}}', 0
             FROM generate_series(1, {households}) AS i"
        ))
        .await
        .unwrap();
    }
    // Every record came through a push: its create entry is in the change log, which a
    // disposal deletes (without it the log would be empty and no plan realistic).
    db.batch_execute(
        "INSERT INTO change_log (seq, change_id, entity, entity_id, team_id, operation, change,
                                 device_id, user_id, at)
         SELECT row_number() OVER (), gen_random_uuid()::text, entity, entity_id, team_id,
                'create', fields, 'bench-device', 'bench-user', 0
         FROM records;
         UPDATE counters SET value = (SELECT count(*) FROM change_log) WHERE name = 'change_log';
         ANALYZE records; ANALYZE change_log;",
    )
    .await
    .unwrap();
    println!(
        "seeded {} records in {:.1} s",
        households * 5,
        started.elapsed().as_secs_f64()
    );

    // The stand-in for pushes: takes the counter row as a push does, every 20 ms.
    let done = Arc::new(AtomicBool::new(false));
    let waits = {
        let done = Arc::clone(&done);
        let url = url.to_owned();
        tokio::spawn(async move {
            let (mut pusher, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(async move {
                let _ = connection.await;
            });
            let mut waits = Vec::new();
            while !done.load(Ordering::Relaxed) {
                let t = Instant::now();
                let tx = pusher.transaction().await.unwrap();
                tx.query_one(
                    "SELECT value FROM counters WHERE name = 'change_log' FOR UPDATE",
                    &[],
                )
                .await
                .unwrap();
                tx.commit().await.unwrap();
                waits.push(t.elapsed());
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            waits
        })
    };

    let retention = store.retention().unwrap();
    // The read alone, page by page, as the run does it first.
    let t = Instant::now();
    let (mut after, mut read) = (None, 0);
    loop {
        let page = retention.scan(after.clone(), 5_000).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.key.clone());
        read += page.len();
    }
    println!("read {read} records in {:.1} s", t.elapsed().as_secs_f64());
    let map = doorstep_hub::data_map::data_map().unwrap();
    let today = "2026-12-07".parse().unwrap();
    let t = Instant::now();
    let summary = run(
        retention.as_ref(),
        schedule().unwrap(),
        map,
        today,
        "bench",
        || Clock::system().now_ms(),
    )
    .await
    .unwrap();
    let took = t.elapsed();
    done.store(true, Ordering::Relaxed);
    let mut waits = waits.await.unwrap();
    waits.sort();
    let at = |q: f64| waits[((waits.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "| records | disposed | run | push waits: p50 | p99 | max | n |\n|---|---|---|---|---|---|---|\n| {} | {} | {:.1} s | {:.1} ms | {:.1} ms | {:.1} ms | {} |",
        summary.scanned,
        summary.total(),
        took.as_secs_f64(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        waits.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        waits.len()
    );
}
