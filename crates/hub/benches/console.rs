//! The council console's casework under load (issue 12): with 1,000,000 households and
//! their records on PostgreSQL (100,000 on SQLite), how long the search, household
//! timeline, lists and audit pages take in-process (p50/p95/p99), as a supervisor of one
//! team and as a data protection officer (every team), then 50 console sessions at once
//! over loopback. Prints a markdown table.
//!
//! `cargo bench -p doorstep-hub --bench console` runs it on SQLite, and on PostgreSQL when
//! one is found as the tests find it (`tests/support/pg.rs`). Pushing a million households
//! through `/v1/push` would take hours, so the first 100 are pushed by a laptop through the
//! real push path, their case index rows are compared with the generator's, and the rest
//! are written straight into `records`, `case_index` and `case_words` in bulk, shaped as
//! the hub writes them (the rows come from the hub's own `casework::index::entry`).
//!
//! Environment: `DOORSTEP_BENCH_HOUSEHOLDS` (default 1,000,000 on PostgreSQL, 100,000 on
//! SQLite; a SQLite-only override is `DOORSTEP_BENCH_SQLITE_HOUSEHOLDS`),
//! `DOORSTEP_BENCH_AUDIT` (audit rows; default 1,000,000 on PostgreSQL, 100,000 on
//! SQLite), `DOORSTEP_BENCH_SAMPLES` (per measure, default 200),
//! `DOORSTEP_BENCH_BACKENDS` (`sqlite,postgres`), `DOORSTEP_BENCH_PG_DB` (the database's
//! name), `DOORSTEP_BENCH_KEEP=1` (keep that PostgreSQL database, to `EXPLAIN` its queries
//! afterwards) and `DOORSTEP_BENCH_REUSE=1` (measure a kept database again, unfilled).
//! Every address is made up: invented street and town names, `ZY` postcodes.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::too_many_lines,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    clippy::cast_possible_wrap
)] // a bench, not the hub

#[path = "../tests/support/pg.rs"]
mod pg;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, header};
use chrono::{DateTime, Duration as Days, Utc};
use doorstep_core::{DeviceId, HlcClock, OfficerId, Role};
use doorstep_hub::admin::{self, NewPerson};
use doorstep_hub::casework::{follow_up_policy, index};
use doorstep_hub::web::session::{Stage, new_session, token_hash};
use doorstep_hub::{AppState, Clock, HubConfig, SharedStore, secret};
use doorstep_sync::protocol::{Change, EntityKind as K, Operation};
use serde_json::{Map, Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

const TEAMS: usize = 10;
const TIERS: [&str; 3] = ["bronze", "silver", "gold"];
const OUTCOMES: [&str; 3] = ["visited", "no_answer", "declined"];
const REFERRAL: [&str; 2] = ["sent", "acknowledged"];
/// Households pushed by a laptop through `/v1/push` (all in the first team).
const REAL: usize = 100;
/// Households generated and written per round.
const CHUNK: usize = 5_000;
const SESSIONS: usize = 50;
const REQUESTS_PER_SESSION: usize = 20;

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
    let backends = std::env::var("DOORSTEP_BENCH_BACKENDS")
        .unwrap_or_else(|_| "sqlite,postgres".into())
        .to_lowercase();
    runtime.block_on(async {
        println!("| backend | reader | measure | p50 | p95 | p99 | n | errors |");
        println!("|---|---|---|---|---|---|---|---|");
        if backends.contains("sqlite") {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("bench.db");
            let households = env_usize("DOORSTEP_BENCH_SQLITE_HOUSEHOLDS")
                .or_else(|| env_usize("DOORSTEP_BENCH_HOUSEHOLDS"))
                .unwrap_or(100_000);
            let audit = env_usize("DOORSTEP_BENCH_AUDIT").unwrap_or(100_000);
            let url = format!("sqlite:{}", path.display());
            let db = Db::Lite(path.display().to_string());
            run("SQLite", &url, &db, households, audit).await;
        }
        if backends.contains("postgres") {
            match postgres_database().await {
                Some((url, drop)) => {
                    let households = env_usize("DOORSTEP_BENCH_HOUSEHOLDS").unwrap_or(1_000_000);
                    let audit = env_usize("DOORSTEP_BENCH_AUDIT").unwrap_or(1_000_000);
                    let db = Db::Pg(url.clone());
                    run("PostgreSQL", &url, &db, households, audit).await;
                    if std::env::var("DOORSTEP_BENCH_KEEP").is_ok() {
                        eprintln!("kept {url}");
                    } else {
                        drop.await;
                    }
                }
                None => println!("| PostgreSQL | | (not reachable: skipped) | | | | | |"),
            }
        }
    });
}

async fn postgres_database() -> Option<(String, impl std::future::Future<Output = ()>)> {
    let admin = pg::admin_url().ok()?;
    let (client, connection) = tokio_postgres::connect(admin, tokio_postgres::NoTls)
        .await
        .ok()?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let name = std::env::var("DOORSTEP_BENCH_PG_DB")
        .unwrap_or_else(|_| format!("doorstep_hub_console_bench_{}", std::process::id()));
    if std::env::var("DOORSTEP_BENCH_REUSE").is_err() {
        client
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
            .await
            .ok()?;
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .ok()?;
    }
    let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
    let url = format!("{base}/{name}");
    let drop = async move {
        let _ = client
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await;
    };
    Some((url, drop))
}

// ---------------------------------------------------------------------------------------
// The made-up households.

const FIRST: [&str; 20] = [
    "Ada", "Ben", "Cleo", "Dev", "Esme", "Finn", "Gia", "Hal", "Ines", "Jude", "Kit", "Lior",
    "Mae", "Nye", "Oona", "Pim", "Rue", "Sol", "Tam", "Vee",
];
const SURNAME_HEAD: [&str; 20] = [
    "Quen", "Marl", "Torv", "Belk", "Hask", "Ordy", "Vinn", "Calt", "Dunc", "Fenn", "Gorr", "Lemb",
    "Pell", "Rask", "Sorn", "Trel", "Wick", "Yarn", "Brom", "Ched",
];
const SURNAME_TAIL: [&str; 10] = [
    "aby", "wick", "ton", "ley", "more", "field", "shaw", "den", "ham", "ridge",
];
const STREET_HEAD: [&str; 10] = [
    "Quil", "Brin", "Zell", "Orm", "Vask", "Tull", "Kesp", "Drom", "Plov", "Gask",
];
const STREET_TAIL: [&str; 3] = ["ander", "oway", "imer"];
const SUFFIX: [&str; 10] = [
    "Road", "Street", "Lane", "Walk", "Close", "Way", "Avenue", "Drive", "Crescent", "Row",
];
const TOWNS: [&str; 20] = [
    "Quillford",
    "Brinmouth",
    "Zellbury",
    "Ormwick",
    "Vaskton",
    "Tullham",
    "Kespworth",
    "Dromley",
    "Plovmere",
    "Gaskfield",
    "Yarrowby",
    "Fennick",
    "Lembridge",
    "Raskhope",
    "Sornwell",
    "Trelby",
    "Wickdon",
    "Bromhurst",
    "Chedstow",
    "Ordmoor",
];

/// A team per two towns (blocks of 300 households): independent of the plan's status
/// band (`i % 100`), the referrals (`i % 4`) and the cocoons (`i % 20`), so every team has
/// its share of every list. The pushed households (`i < REAL`) are in the first team.
fn team_of(i: usize) -> usize {
    (i / 300) % TEAMS
}

/// The `j`th household of the first team.
fn of_first_team(j: usize) -> usize {
    (j / 300) * 300 * TEAMS + j % 300
}

fn street_of(i: usize) -> (String, &'static str) {
    let s = i % 300;
    let stem = format!("{}{}", STREET_HEAD[s % 10], STREET_TAIL[(s / 10) % 3]);
    (stem, SUFFIX[s / 30])
}

fn postcode_of(i: usize) -> String {
    let outward = (i / 7) % 60 + 1;
    let digit = (i / 420) % 10;
    let letters = (i / 4_200) % 676;
    let a = char::from(b'A' + u8::try_from(letters / 26).unwrap());
    let b = char::from(b'A' + u8::try_from(letters % 26).unwrap());
    format!("ZY{outward} {digit}{a}{b}")
}

fn uprn_of(i: usize) -> String {
    format!("{}", 100_000_000_000u64 + i as u64)
}

fn surname_of(i: usize, k: usize) -> String {
    let n = (i * 31 + k * 7) % 200;
    format!("{}{}", SURNAME_HEAD[n % 20], SURNAME_TAIL[n / 20])
}

/// An id per kind and household (and n-th of its kind), shaped as a UUID.
/// A resident's date of birth (`YYYY-MM-DD`): about 36,500 days over a century, so a day
/// is shared by some 40 residents of a million households, as birthdays are.
fn born_on(i: usize, k: usize) -> String {
    let day = ((i * 2 + k) * 7_919) % 36_500;
    (chrono::NaiveDate::from_ymd_opt(1925, 1, 1).unwrap_or_default() + Days::days(day as i64))
        .to_string()
}

/// A resident's phone: Ofcom's drama range (07700 900000-900999) only, so each number is
/// shared by some 1,500 residents at a million households: a search reads its first page.
fn phone_of(i: usize, k: usize) -> String {
    format!("07700900{:03}", (i * 2 + k) % 1_000)
}

fn id_of(kind: u8, i: usize, n: usize) -> String {
    uuid::Uuid::from_u128(
        (u128::from(kind) << 96) | ((n as u128) << 64) | 0x7000_0000_0000 | i as u128,
    )
    .to_string()
}

fn household_id(i: usize) -> String {
    id_of(1, i, 0)
}

struct Rec {
    entity: K,
    id: String,
    fields: Map<String, Value>,
}

fn rec(entity: K, id: String, fields: Value) -> Rec {
    Rec {
        entity,
        id,
        fields: fields.as_object().cloned().unwrap(),
    }
}

/// Household `i`'s records, as a laptop would push them, dated from `now`.
fn household_records(i: usize, now: DateTime<Utc>) -> Vec<Rec> {
    let time = |days: i64| (now - Days::days(days)).to_rfc3339();
    let day = |days: i64| (now - Days::days(days)).date_naive().to_string();
    let hh = household_id(i);
    let (stem, suffix) = street_of(i);
    let number = (i / 6_000) % 400 + 1;
    let mut address = json!({
        "address_line_1": format!("{number} {stem} {suffix}"),
        "town": TOWNS[(i / 300) % 20],
        "postcode": postcode_of(i),
        "uprn": uprn_of(i),
        "tenure": if i.is_multiple_of(3) { "social_rent" } else { "owner_occupied" },
    });
    if i.is_multiple_of(7) {
        address["address_line_2"] = json!(format!("Flat {}", i % 12 + 1));
    }
    let mut out = vec![rec(K::Household, hh.clone(), address)];
    for k in 0..1 + i % 2 {
        out.push(rec(
            K::Person,
            id_of(2, i, k),
            json!({"household_id": hh, "full_name": format!("{} {}", FIRST[(i + k) % 20], surname_of(i, k)),
                   "is_main_contact": k == 0, "date_of_birth": born_on(i, k), "phone": phone_of(i, k)}),
        ));
    }
    let spread = ((i * 7_919) % 730) as i64;
    let band = i % 100;
    let (status, age) = match band {
        0..2 => ("draft", spread % 30),
        2..5 => ("agreed", spread % 90),
        5..9 => ("approved", spread % 90),
        9..13 => ("ordered", spread % 120),
        13..20 => ("fitted", spread),
        20..95 => ("followed_up", spread),
        95..98 => ("refused", spread),
        _ => ("withdrawn", spread),
    };
    let survey = id_of(4, i, 0);
    out.push(rec(
        K::Visit,
        id_of(3, i, 0),
        json!({"household_id": hh, "kind": "security_survey", "visit_date": day(age + 3),
               "outcome": "completed"}),
    ));
    out.push(rec(
        K::Survey,
        survey.clone(),
        json!({"household_id": hh, "created_at": time(age + 3)}),
    ));
    let plan = id_of(5, i, 0);
    let mut history = vec![
        json!({"from": "draft", "to": "agreed", "step": {"step": "agree"},
                                  "by": {"role": "officer"}, "at": time(age + 2)}),
    ];
    if status != "draft" && status != "agreed" {
        history.push(
            json!({"from": "agreed", "to": status, "step": {"step": status},
                            "by": {"role": "supervisor"}, "at": time(age)}),
        );
    }
    if status == "draft" {
        history.clear();
    }
    out.push(rec(
        K::Plan,
        plan.clone(),
        json!({"survey_id": survey, "tier": TIERS[i % 3],
               "status": status, "created_at": time(age + 3), "history": history}),
    ));
    let firm =
        json!({"id": format!("firm{}", i % 5), "name": format!("Bench Locks {} Ltd", i % 5)});
    let order = match status {
        "ordered" => Some(["new", "accepted", "scheduled"][i % 3]),
        "fitted" | "followed_up" => Some("fitted"),
        _ => None,
    };
    if let Some(order) = order {
        out.push(rec(
            K::WorkOrder,
            id_of(6, i, 0),
            json!({"household_id": hh, "plan_id": plan, "number": format!("WO-{i:08X}-BCH"),
                   "firm": firm, "status": order, "issued_on": day(age),
                   "due_date": day(age - 28)}),
        ));
    }
    if i.is_multiple_of(4) {
        let sent = ((i / 4) % 60) as i64;
        out.push(rec(
            K::Referral,
            id_of(7, i, 0),
            json!({"household_id": hh, "agency_id": "fire-safe-and-well",
                   "status": REFERRAL[usize::from(!(i / 4).is_multiple_of(3))],
                   "sent_at": time(sent), "due_at": time(sent - 2)}),
        ));
    }
    if i.is_multiple_of(20) {
        let opened = ((i / 20) % 60) as i64;
        let cocoon = id_of(8, i, 0);
        out.push(rec(
            K::Cocoon,
            cocoon.clone(),
            json!({"household_id": hh, "opened_on": day(opened), "visit_by": day(opened - 7),
                   "closes_on": day(opened - 28)}),
        ));
        for k in 0..8 {
            let outcome = if (i / 20 + k).is_multiple_of(3) || k < 4 {
                Value::Null
            } else {
                json!(OUTCOMES[k % 3])
            };
            let outcome = if (i / 20).is_multiple_of(2) && outcome.is_null() {
                json!("visited")
            } else {
                outcome
            };
            out.push(rec(
                K::CocoonTarget,
                id_of(9, i, k),
                json!({"cocoon_id": cocoon, "outcome": outcome,
                       "address": format!("{} {stem} {suffix}", number + k + 1)}),
            ));
        }
    }
    out
}

/// A case index row: entity, id, team, household, parent kind, parent id, status, since,
/// due, until, postcode.
type IndexRow = [Option<String>; 11];
/// A case word row: word, household, entity, id, team.
type WordRow = [String; 5];

/// The case index rows of a household's records, as the hub's `write_records` makes
/// them: the hub's own [`index::entry`], the household found through the parent.
fn index_rows(recs: &[Rec], team: &str) -> (Vec<IndexRow>, Vec<WordRow>) {
    let entries: Vec<Option<index::CaseEntry>> = recs
        .iter()
        .map(|r| {
            let fields = r.fields.clone().into_iter().collect();
            index::entry(r.entity, &r.id, &fields, follow_up_policy())
        })
        .collect();
    let mut households: HashMap<(K, &str), Option<String>> = HashMap::new();
    for (r, e) in recs.iter().zip(&entries) {
        if let Some(e) = e {
            households.insert((r.entity, r.id.as_str()), e.household_id.clone());
        }
    }
    let (mut rows, mut words) = (Vec::new(), Vec::new());
    for (r, e) in recs.iter().zip(&entries) {
        let Some(e) = e else { continue };
        let household = e.household_id.clone().or_else(|| {
            e.parent
                .as_ref()
                .and_then(|(k, id)| households.get(&(*k, id.as_str())).cloned().flatten())
        });
        rows.push([
            Some(r.entity.as_str().to_owned()),
            Some(r.id.clone()),
            Some(team.to_owned()),
            household.clone(),
            e.parent.as_ref().map(|p| p.0.as_str().to_owned()),
            e.parent.as_ref().map(|p| p.1.clone()),
            e.status.clone(),
            e.since.clone(),
            e.due.clone(),
            e.until.clone(),
            e.postcode.clone(),
        ]);
        if let Some(h) = household {
            for w in &e.words {
                words.push([
                    w.clone(),
                    h.clone(),
                    r.entity.as_str().to_owned(),
                    r.id.clone(),
                    team.to_owned(),
                ]);
            }
        }
    }
    (rows, words)
}

/// A report fact row: entity, id, team, parent, last day, the fact as JSON.
type FactRow = [Option<String>; 6];

/// The report fact rows of a household's records, as the hub's `write_records` makes them
/// (`doorstep_reports::fact::from_record`).
fn fact_rows(recs: &[Rec], team: &str) -> Vec<FactRow> {
    recs.iter()
        .filter_map(|r| {
            let fields = r.fields.clone().into_iter().collect();
            let f = doorstep_reports::fact::from_record(r.entity.as_str(), &r.id, team, &fields)?;
            Some([
                Some(r.entity.as_str().to_owned()),
                Some(r.id.clone()),
                Some(team.to_owned()),
                f.parent().map(str::to_owned),
                f.last_day().map(|d| d.to_string()),
                Some(serde_json::to_string(&f).unwrap()),
            ])
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Writing in bulk, straight to the database.

enum Db {
    Pg(String),
    Lite(String),
}

/// A record row: entity, id, team, fields, field versions.
type RecordRow = [String; 5];

struct Filler {
    pg: Vec<tokio_postgres::Client>,
    lite: Option<rusqlite::Connection>,
}

impl Db {
    async fn filler(&self) -> Filler {
        match self {
            Db::Pg(url) => {
                let mut pg = Vec::new();
                for _ in 0..3 {
                    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                        .await
                        .unwrap();
                    tokio::spawn(async move {
                        let _ = connection.await;
                    });
                    client
                        .batch_execute("SET synchronous_commit = off")
                        .await
                        .unwrap();
                    pg.push(client);
                }
                Filler { pg, lite: None }
            }
            Db::Lite(path) => {
                #[allow(
                    clippy::disallowed_methods,
                    reason = "the hub's database is plain SQLite (no key), as the sync bench opens it"
                )]
                let c = rusqlite::Connection::open(path).unwrap();
                c.busy_timeout(Duration::from_secs(60)).unwrap();
                Filler {
                    pg: Vec::new(),
                    lite: Some(c),
                }
            }
        }
    }
}

impl Filler {
    /// Rows of a query, every column read as optional text.
    async fn rows(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        if let Some(c) = &self.lite {
            let mut stmt = c.prepare(sql).unwrap();
            let n = stmt.column_count();
            stmt.query_map([], |r| {
                (0..n)
                    .map(|i| r.get::<_, Option<String>>(i))
                    .collect::<Result<Vec<_>, _>>()
            })
            .unwrap()
            .map(Result::unwrap)
            .collect()
        } else {
            self.pg[0]
                .query(sql, &[])
                .await
                .unwrap()
                .iter()
                .map(|r| (0..r.len()).map(|i| r.get(i)).collect())
                .collect()
        }
    }

    async fn batch(&self, sql: &str) {
        if let Some(c) = &self.lite {
            c.execute_batch(sql).unwrap();
        } else {
            self.pg[0].batch_execute(sql).await.unwrap();
        }
    }

    async fn write(
        &mut self,
        records: &[RecordRow],
        rows: &[IndexRow],
        words: &[WordRow],
        facts: &[FactRow],
    ) {
        if let Some(c) = &mut self.lite {
            let tx = c.transaction().unwrap();
            {
                let mut r = tx
                    .prepare_cached(
                        "INSERT INTO records (entity, entity_id, team_id, fields, field_versions,
                                              tombstone, updated_seq) VALUES (?1, ?2, ?3, ?4, ?5, 0, 1)",
                    )
                    .unwrap();
                for x in records {
                    r.execute(rusqlite::params![x[0], x[1], x[2], x[3], x[4]])
                        .unwrap();
                }
                let mut c = tx
                    .prepare_cached(
                        "INSERT INTO case_index (entity, entity_id, team_id, household_id,
                             parent_kind, parent_id, status, since, due, until, postcode)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                    )
                    .unwrap();
                for x in rows {
                    c.execute(rusqlite::params_from_iter(x.iter())).unwrap();
                }
                let mut w = tx
                    .prepare_cached(
                        "INSERT INTO case_words (word, household_id, entity, entity_id, team_id)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                    )
                    .unwrap();
                for x in words {
                    w.execute(rusqlite::params_from_iter(x.iter())).unwrap();
                }
                let mut f = tx
                    .prepare_cached(
                        "INSERT INTO report_facts (entity, entity_id, team_id, parent_id,
                             last_day, fact) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    )
                    .unwrap();
                for x in facts {
                    f.execute(rusqlite::params_from_iter(x.iter())).unwrap();
                }
            }
            tx.commit().unwrap();
            return;
        }
        fn column<const N: usize, T: Clone>(rows: &[[T; N]], i: usize) -> Vec<T> {
            rows.iter().map(|r| r[i].clone()).collect()
        }
        let rc: Vec<Vec<String>> = (0..5).map(|i| column(records, i)).collect();
        let ic: Vec<Vec<Option<String>>> = (0..11).map(|i| column(rows, i)).collect();
        let wc: Vec<Vec<String>> = (0..5).map(|i| column(words, i)).collect();
        type P<'a> = &'a (dyn tokio_postgres::types::ToSql + Sync);
        let rp: Vec<P<'_>> = rc.iter().map(|c| c as P<'_>).collect();
        let ip: Vec<P<'_>> = ic.iter().map(|c| c as P<'_>).collect();
        let wp: Vec<P<'_>> = wc.iter().map(|c| c as P<'_>).collect();
        let records = self.pg[0].execute(
            "INSERT INTO records (entity, entity_id, team_id, fields, field_versions, tombstone,
                                  updated_seq)
             SELECT e, i, t, f, v, FALSE, 1
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
                  AS x (e, i, t, f, v)",
            &rp,
        );
        let index = self.pg[1].execute(
            "INSERT INTO case_index (entity, entity_id, team_id, household_id, parent_kind,
                                     parent_id, status, since, due, until, postcode)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                                  $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                                  $11::text[])",
            &ip,
        );
        let words = self.pg[2].execute(
            "INSERT INTO case_words (word, household_id, entity, entity_id, team_id)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])",
            &wp,
        );
        let fc: Vec<Vec<Option<String>>> = (0..6).map(|i| column(facts, i)).collect();
        let fp: Vec<P<'_>> = fc.iter().map(|c| c as P<'_>).collect();
        let (a, b, c) = tokio::join!(records, index, words);
        a.unwrap();
        b.unwrap();
        c.unwrap();
        self.pg[0]
            .execute(
                "INSERT INTO report_facts (entity, entity_id, team_id, parent_id, last_day, fact)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
                                      $5::text[], $6::text[])",
                &fp,
            )
            .await
            .unwrap();
    }
}

// ---------------------------------------------------------------------------------------
// HTTP on loopback, as the portal bench does it.

async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> Result<(u16, String, Vec<u8>), String> {
    let mut stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream
        .write_all(head.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    stream.write_all(body).await.map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .await
        .map_err(|e| e.to_string())?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("not HTTP")?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or("no status")?;
    Ok((status, head, raw[split + 4..].to_vec()))
}

async fn serve(state: AppState) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        doorstep_hub::serve(listener, state, std::future::pending())
            .await
            .unwrap();
    });
    (addr, task)
}

// ---------------------------------------------------------------------------------------
// Console users and their sessions.

/// A console user of `role` in `team`, set up (a password hash and, for a dpo, a TOTP
/// secret) and signed in: the session cookie, made through the store as signing in does.
async fn console_session(store: &SharedStore, name: &str, role: Role, team: &str) -> String {
    let now = Clock::system().now_ms();
    let person = NewPerson {
        team: team.to_owned(),
        name: name.to_owned(),
        role,
        email: Some(format!(
            "{}@council.example",
            name.to_lowercase().replace(' ', ".")
        )),
    };
    let added = admin::add_user(store, None, &person, 3_600, now)
        .await
        .unwrap();
    let console = store.console().unwrap();
    let hash = token_hash(&added.setup_token.unwrap().to_ascii_lowercase());
    if matches!(role, Role::Dpo | Role::Admin) {
        let totp = doorstep_hub::web::totp::new_totp_secret().unwrap();
        console
            .offer_totp_secret(&hash, &totp, now)
            .await
            .unwrap()
            .unwrap();
    }
    let password = doorstep_hub::web::password::hash_password("bench pass phrase 2026").unwrap();
    assert!(console.finish_set_up(&hash, &password, now).await.unwrap());
    let (token, session) = new_session(&added.id, Stage::Full, now).unwrap();
    console.create_session(&session, None).await.unwrap();
    format!("doorstep_console={token}")
}

// ---------------------------------------------------------------------------------------
// Figures.

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    #[allow(clippy::cast_sign_loss)]
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn row(backend: &str, reader: &str, measure: &str, mut times: Vec<Duration>, errors: usize) {
    times.sort();
    println!(
        "| {backend} | {reader} | {measure} | {} | {} | {} | {} | {errors} |",
        ms(percentile(&times, 50.0)),
        ms(percentile(&times, 95.0)),
        ms(percentile(&times, 99.0)),
        times.len()
    );
}

const LISTS: [&str; 6] = [
    "awaiting-approval",
    "approved-not-fitted",
    "work-orders-overdue",
    "follow-ups-due",
    "cocoons-behind",
    "referrals-overdue",
];

/// The path of a measure's `k`th request, over households of the first team.
type PathOf = Box<dyn Fn(usize) -> String + Send + Sync>;

fn measures(households: usize, dpo: bool) -> Vec<(&'static str, PathOf)> {
    // The households of the first team (the pushed ones among them); a whole number of
    // blocks of 300 per team.
    let per_team = (households / (300 * TEAMS)).max(1) * 300;
    let pick = move |k: usize| of_first_team((k * 7_919 + 13) % per_team);
    let mut m: Vec<(&'static str, PathOf)> = vec![
        (
            "search: a street word",
            Box::new(move |k| format!("/console/households?q={}", street_of(pick(k)).0)),
        ),
        (
            "search: two-word prefix",
            Box::new(move |k| {
                let (stem, suffix) = street_of(pick(k));
                format!(
                    "/console/households?q={}+{}",
                    &stem[..4].to_lowercase(),
                    &suffix[..2].to_lowercase()
                )
            }),
        ),
        (
            "search: postcode outward code",
            Box::new(move |k| {
                let pc = postcode_of(pick(k));
                format!("/console/households?q={}", pc.split(' ').next().unwrap())
            }),
        ),
        (
            "search: full postcode",
            Box::new(move |k| {
                format!(
                    "/console/households?q={}",
                    postcode_of(pick(k)).replace(' ', "+")
                )
            }),
        ),
        (
            "search: UPRN",
            Box::new(move |k| format!("/console/households?q={}", uprn_of(pick(k)))),
        ),
        (
            "search: a resident's surname",
            Box::new(move |k| {
                format!(
                    "/console/households?q={}",
                    surname_of(pick(k), 0).to_lowercase()
                )
            }),
        ),
        (
            "household timeline",
            Box::new(move |k| format!("/console/households/{}", household_id(pick(k)))),
        ),
        (
            "lists (six counts)",
            Box::new(|_| "/console/lists".to_owned()),
        ),
    ];
    let firsts: [&'static str; 6] = [
        "list awaiting-approval, page 1",
        "list approved-not-fitted, page 1",
        "list work-orders-overdue, page 1",
        "list follow-ups-due, page 1",
        "list cocoons-behind, page 1",
        "list referrals-overdue, page 1",
    ];
    let deeps: [&'static str; 6] = [
        "list awaiting-approval, page 40",
        "list approved-not-fitted, page 40",
        "list work-orders-overdue, page 40",
        "list follow-ups-due, page 40",
        "list cocoons-behind, page 40",
        "list referrals-overdue, page 40",
    ];
    for (n, slug) in LISTS.iter().enumerate() {
        m.push((
            firsts[n],
            Box::new(move |_| format!("/console/lists/{slug}")),
        ));
        m.push((
            deeps[n],
            Box::new(move |_| format!("/console/lists/{slug}?page=40")),
        ));
    }
    if dpo {
        m.push((
            "audit log, page 1",
            Box::new(|_| "/console/audit".to_owned()),
        ));
        // Subject access: every team's residents, each match on its own line.
        m.push((
            "person search: date of birth",
            Box::new(move |k| {
                let born = born_on(pick(k), 0);
                let d = chrono::NaiveDate::parse_from_str(&born, "%Y-%m-%d").unwrap_or_default();
                format!("/console/privacy/people?q={}", d.format("%d/%m/%Y"))
            }),
        ));
        m.push((
            "person search: phone",
            Box::new(move |k| {
                let phone = phone_of(pick(k), 0);
                format!("/console/privacy/people?q=%2B44+{}", &phone[1..])
            }),
        ));
        m.push((
            "person search: name",
            Box::new(move |k| {
                format!(
                    "/console/privacy/people?q={}+{}",
                    FIRST[pick(k) % 20].to_lowercase(),
                    surname_of(pick(k), 0).to_lowercase()
                )
            }),
        ));
    }
    m
}

// ---------------------------------------------------------------------------------------

async fn run(backend: &str, url: &str, db: &Db, households: usize, audit_rows: usize) {
    let mut config = HubConfig::default();
    config.rate_limit.burst = 1_000_000;
    config.rate_limit.per_second = 1_000_000.0;
    // A database filled by an earlier run (kept with DOORSTEP_BENCH_KEEP) is measured
    // again as it is: nothing is pushed or generated.
    let reuse = match db {
        Db::Pg(_) => std::env::var("DOORSTEP_BENCH_REUSE").is_ok(),
        Db::Lite(_) => false,
    };
    let (store, teams, households) = if reuse {
        let store = doorstep_hub::open(url).await.unwrap();
        let filler = db.filler().await;
        let team = filler
            .rows("SELECT id FROM teams WHERE name = 'Team 1'")
            .await;
        let mut teams = vec![team[0][0].clone().unwrap()];
        teams.extend((1..TEAMS).map(|t| format!("team {t}")));
        let n = filler
            .rows("SELECT CAST(count(*) AS TEXT) FROM case_index WHERE entity = 'household'")
            .await;
        let households = n[0][0].as_deref().unwrap().parse().unwrap();
        eprintln!("{backend}: measuring the {households} households already in {url}");
        (store, teams, households)
    } else {
        seed(backend, url, db, households, audit_rows, &config).await
    };
    let state = AppState::new(store.clone(), config);
    measure(backend, &store, &state, &teams, households).await;
}

/// Creates the organisation, pushes the first households, fills the rest in bulk; the
/// store, the teams' ids and the number of households.
async fn seed(
    backend: &str,
    url: &str,
    db: &Db,
    households: usize,
    audit_rows: usize,
    config: &HubConfig,
) -> (SharedStore, Vec<String>, usize) {
    let households = households.max(300 * TEAMS);
    let started = Instant::now();
    let store = doorstep_hub::open(url).await.unwrap();
    let now_ms = Clock::system().now_ms();
    store.create_org("Bench Council", now_ms).await.unwrap();
    let mut teams = Vec::new();
    for t in 0..TEAMS {
        teams.push(
            store
                .add_team("Bench Council", &format!("Team {}", t + 1), now_ms)
                .await
                .unwrap(),
        );
    }
    store
        .add_user(&teams[0], "Bench Laptop Officer", Role::Officer, now_ms)
        .await
        .unwrap();
    let code = secret::new_enrolment_code().unwrap();
    store
        .add_enrolment_code(
            "Bench Laptop Officer",
            &secret::code_digest(&code),
            now_ms,
            now_ms + 3_600_000,
        )
        .await
        .unwrap();
    let state = AppState::new(store.clone(), config.clone());
    let (addr, server) = serve(state).await;

    // The first households through the real push path.
    let body = json!({ "protocol": 1, "code": code, "device_name": "Bench laptop" });
    let (status, _, reply) = http(
        addr,
        "POST",
        "/v1/enrol",
        &[("Content-Type", "application/json".into())],
        &serde_json::to_vec(&body).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(status, 201);
    let reply: Value = serde_json::from_slice(&reply).unwrap();
    let device: DeviceId = reply["device_id"].as_str().unwrap().parse().unwrap();
    let officer: OfficerId = reply["user"]["id"].as_str().unwrap().parse().unwrap();
    let token = reply["access_token"].as_str().unwrap().to_owned();
    let mut clock = HlcClock::new(device, None);
    let now = Utc::now();
    let mut real = Vec::new();
    for i in 0..REAL {
        real.extend(household_records(i, now));
    }
    for batch in real.chunks(500) {
        let changes: Vec<Change> = batch
            .iter()
            .map(|r| Change {
                change_id: uuid::Uuid::now_v7(),
                entity: r.entity,
                entity_id: r.id.clone(),
                operation: Operation::Create,
                fields: r.fields.clone(),
                base_versions: Default::default(),
                hlc: clock.tick(Utc::now()),
                officer_id: officer,
                device_id: device,
                made_at: Utc::now(),
            })
            .collect();
        let body = json!({ "protocol": 1, "device_id": device, "changes": changes });
        let (status, _, reply) = http(
            addr,
            "POST",
            "/v1/push",
            &[
                ("Content-Type", "application/json".into()),
                ("Authorization", format!("Bearer {token}")),
            ],
            &serde_json::to_vec(&body).unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&reply));
    }

    // What the hub wrote for them is what the generator writes for the rest.
    let mut filler = db.filler().await;
    let team0 = teams[0].clone();
    let (want_rows, want_words) = index_rows(&real, &team0);
    let mut want_rows: Vec<Vec<Option<String>>> =
        want_rows.into_iter().map(|r| r.to_vec()).collect();
    want_rows.sort();
    let mut want_words: Vec<Vec<Option<String>>> = want_words
        .into_iter()
        .map(|r| r.into_iter().map(Some).collect())
        .collect();
    want_words.sort();
    let mut got_rows = filler
        .rows(
            "SELECT entity, entity_id, team_id, household_id, parent_kind, parent_id, status,
                    since, due, until, postcode FROM case_index",
        )
        .await;
    got_rows.sort();
    let mut got_words = filler
        .rows("SELECT word, household_id, entity, entity_id, team_id FROM case_words")
        .await;
    got_words.sort();
    assert_eq!(got_rows.len(), want_rows.len(), "case_index rows");
    for (g, w) in got_rows.iter().zip(&want_rows) {
        assert_eq!(g, w, "a generated case_index row differs from the hub's");
    }
    assert_eq!(got_words, want_words, "case_words differ from the hub's");
    // The pushed records' field versions, reused for the generated ones.
    let sample = filler
        .rows("SELECT field_versions FROM records WHERE entity = 'household' LIMIT 1")
        .await;
    let versions: Value = serde_json::from_str(sample[0][0].as_deref().unwrap()).unwrap();
    let hlc = versions
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap()
        .clone();
    eprintln!(
        "{backend}: {REAL} households pushed, {} index rows and {} words match the generator's",
        got_rows.len(),
        got_words.len()
    );

    // The rest, in bulk.
    let fill_started = Instant::now();
    let mut written = 0usize;
    let mut next = REAL;
    while next < households {
        let end = (next + CHUNK).min(households);
        let (mut records, mut rows, mut words, mut facts) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for i in next..end {
            let team = &teams[team_of(i)];
            let recs = household_records(i, now);
            facts.extend(fact_rows(&recs, team));
            let (r, w) = index_rows(&recs, team);
            rows.extend(r);
            words.extend(w);
            for x in recs {
                let versions: Map<String, Value> =
                    x.fields.keys().map(|k| (k.clone(), hlc.clone())).collect();
                records.push([
                    x.entity.as_str().to_owned(),
                    x.id,
                    team.clone(),
                    serde_json::to_string(&x.fields).unwrap(),
                    serde_json::to_string(&versions).unwrap(),
                ]);
            }
        }
        written += records.len();
        filler.write(&records, &rows, &words, &facts).await;
        next = end;
        if (next / CHUNK).is_multiple_of(20) {
            eprintln!(
                "{backend}: {next} households, {written} records, {:.0} s",
                fill_started.elapsed().as_secs_f64()
            );
        }
    }
    // The audit log: logins, views, pushes, spread over the last year.
    let actions = "(ARRAY['console.household-view','sync.push','console.sign-in','admin.add-user','portal.order-view'])";
    let audit_sql = match db {
        Db::Pg(_) => format!(
            "INSERT INTO audit_log (at, user_id, device_id, action, entity, entity_id, outcome)
             SELECT {now_ms} - (g::bigint * 31536000000 / {audit_rows}), 'user-' || (g % 400), NULL,
                    {actions}[1 + g % 5], 'household', 'hh-' || g, 'ok'
             FROM generate_series(1, {audit_rows}) AS g"
        ),
        Db::Lite(_) => format!(
            "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {audit_rows})
             INSERT INTO audit_log (at, user_id, device_id, action, entity, entity_id, outcome)
             SELECT {now_ms} - (n * 31536000000 / {audit_rows}), 'user-' || (n % 400), NULL,
                    CASE n % 5 WHEN 0 THEN 'console.household-view' WHEN 1 THEN 'sync.push'
                    WHEN 2 THEN 'console.sign-in' WHEN 3 THEN 'admin.add-user'
                    ELSE 'portal.order-view' END, 'household', 'hh-' || n, 'ok'
             FROM g"
        ),
    };
    filler.batch(&audit_sql).await;
    // As autovacuum leaves a live hub's tables: statistics, and PostgreSQL's visibility map
    // (without it an index-only scan still reads every row's table page).
    match db {
        Db::Pg(_) => filler.batch("VACUUM ANALYZE").await,
        Db::Lite(_) => filler.batch("ANALYZE").await,
    }
    let stats = filler
        .rows(
            "SELECT CAST((SELECT count(*) FROM records) AS TEXT),
                    CAST((SELECT count(*) FROM case_index) AS TEXT),
                    CAST((SELECT count(*) FROM case_words) AS TEXT),
                    CAST((SELECT count(*) FROM audit_log) AS TEXT)",
        )
        .await;
    eprintln!(
        "{backend}: {households} households: {:?} records/case_index/case_words/audit rows; filled in {:.0} s (all set up in {:.0} s)",
        stats[0],
        fill_started.elapsed().as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    if let Some(c) = &filler.lite {
        let _ = c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    drop(filler);
    server.abort();
    (store, teams, households)
}

/// The in-process measures, then the sessions over loopback.
async fn measure(
    backend: &str,
    store: &SharedStore,
    state: &AppState,
    teams: &[String],
    households: usize,
) {
    let (addr, server) = serve(state.clone()).await;
    let run_tag = std::process::id();

    // In-process: the router called directly, as the server calls it for each request.
    let router = doorstep_hub::router(state.clone());
    let peer: SocketAddr = "127.0.0.1:40000".parse().unwrap();
    let samples = env_usize("DOORSTEP_BENCH_SAMPLES").unwrap_or(200);
    for (reader, role) in [("supervisor", Role::Supervisor), ("dpo", Role::Dpo)] {
        let cookie =
            console_session(store, &format!("Bench {reader} {run_tag}"), role, &teams[0]).await;
        let page = |path: String| {
            let router = router.clone();
            let cookie = cookie.clone();
            async move {
                let request = Request::builder()
                    .uri(path)
                    .header(header::HOST, "127.0.0.1:7070")
                    .header(header::COOKIE, cookie)
                    .extension(ConnectInfo(peer))
                    .body(Body::empty())
                    .unwrap();
                let start = Instant::now();
                let response = router.oneshot(request).await.unwrap();
                let status = response.status().as_u16();
                let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                    .await
                    .unwrap();
                (start.elapsed(), status, bytes)
            }
        };
        for (name, path) in measures(households, role == Role::Dpo) {
            let (_, status, body) = page(path(0)).await;
            if status != 200 {
                eprintln!(
                    "{backend} {reader} {name}: {} answered {status}: {}",
                    path(0),
                    String::from_utf8_lossy(&body)
                        .chars()
                        .take(300)
                        .collect::<String>()
                );
            }
            for k in 1..5 {
                page(path(k)).await;
            }
            let mut times = Vec::with_capacity(samples);
            let mut errors = 0;
            for k in 0..samples {
                let (took, status, body) = page(path(k)).await;
                let html = String::from_utf8_lossy(&body);
                if status != 200 || (name.starts_with("search") && html.contains("No household")) {
                    errors += 1;
                }
                times.push(took);
            }
            row(backend, reader, name, times, errors);
        }
    }

    // The reports: every team's (an analyst's) and one team's (a supervisor's), the page,
    // a funder's return and the board report, each computed from the report facts.
    let report_samples = env_usize("DOORSTEP_BENCH_REPORT_SAMPLES").unwrap_or(20);
    for (reader, role) in [("analyst", Role::Analyst), ("supervisor", Role::Supervisor)] {
        let cookie = console_session(
            store,
            &format!("Reports {reader} {run_tag}"),
            role,
            &teams[0],
        )
        .await;
        for (name, path) in [
            ("reports: this quarter's dashboard", "/console/reports"),
            (
                "reports: this financial year's dashboard",
                "/console/reports?period=this-year",
            ),
            (
                "reports: the quarter's Safer Streets return (XLSX)",
                "/console/reports/returns/safer-streets-quarterly.xlsx",
            ),
            (
                "reports: the quarter's board report (PDF)",
                "/console/reports/board.pdf",
            ),
        ] {
            let path = if path.ends_with("this-year") {
                let year = doorstep_reports::period::Period::year_of(Utc::now().date_naive());
                format!("/console/reports?period={}", year.code().replace(' ', "+"))
            } else {
                path.to_owned()
            };
            let mut times = Vec::with_capacity(report_samples);
            let mut errors = 0;
            for _ in 0..report_samples + 1 {
                let request = Request::builder()
                    .uri(&path)
                    .header(header::HOST, "127.0.0.1:7070")
                    .header(header::COOKIE, cookie.clone())
                    .extension(ConnectInfo(peer))
                    .body(Body::empty())
                    .unwrap();
                let start = Instant::now();
                let response = router.clone().oneshot(request).await.unwrap();
                let status = response.status().as_u16();
                let _ = axum::body::to_bytes(response.into_body(), usize::MAX).await;
                if status != 200 {
                    errors += 1;
                }
                times.push(start.elapsed());
            }
            // The first request warms the caches; it is not counted.
            times.remove(0);
            row(backend, reader, name, times, errors);
        }
    }

    // 50 console sessions at once over loopback: supervisors of every team and a few dpos,
    // each searching, opening households and working through lists with no pause.
    let mut cookies = Vec::new();
    for s in 0..SESSIONS {
        let role = if s % 5 == 4 {
            Role::Dpo
        } else {
            Role::Supervisor
        };
        cookies.push(console_session(store, &format!("Load {s} {run_tag}"), role, &teams[0]).await);
    }
    let load_started = Instant::now();
    let mut tasks = Vec::new();
    for (s, cookie) in cookies.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            let all = measures(households, false);
            let mut times = Vec::new();
            let mut errors = 0;
            for r in 0..REQUESTS_PER_SESSION {
                let (name, path) = &all[(s * 7 + r * 3) % all.len()];
                let path = path(s * 101 + r);
                let start = Instant::now();
                match http(addr, "GET", &path, &[("Cookie", cookie.clone())], b"").await {
                    Ok((200, _, _)) => {}
                    Ok((status, _, _)) => {
                        eprintln!("session {s}: {name} {path} answered {status}");
                        errors += 1;
                    }
                    Err(e) => {
                        eprintln!("session {s}: {name} {path}: {e}");
                        errors += 1;
                    }
                }
                times.push(start.elapsed());
            }
            (times, errors)
        }));
    }
    let mut times = Vec::new();
    let mut errors = 0;
    for task in tasks {
        match task.await {
            Ok((t, e)) => {
                times.extend(t);
                errors += e;
            }
            Err(_) => errors += 1,
        }
    }
    let elapsed = load_started.elapsed();
    let requests = times.len();
    row(
        backend,
        "40 supervisors and 10 dpos",
        &format!("{SESSIONS} sessions at once, loopback, mixed pages"),
        times,
        errors,
    );
    eprintln!(
        "{backend}: {requests} requests by {SESSIONS} sessions in {:.2} s ({:.0}/s), {errors} errors",
        elapsed.as_secs_f64(),
        requests as f64 / elapsed.as_secs_f64()
    );
    server.abort();
}
