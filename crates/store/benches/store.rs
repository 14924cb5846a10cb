//! Store benchmarks on a realistic store: 100,000 households, 150,000 residents and
//! 300,000 visits. Run: `cargo bench -p doorstep-store --features benchmarks`.
//! Figures go in docs/performance.md. Set DOORSTEP_BENCH_SCALE=0.1 for a quick run.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stdout)]

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use criterion::{BatchSize, Criterion};
use doorstep_core::{ChangeSource, HouseholdDraft, Role};
use doorstep_store::{DataFolder, KdfParams, Store};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).expect("date")
}

fn scale() -> f64 {
    std::env::var("DOORSTEP_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0)
}

fn seeded(store: &mut Store) {
    let s = scale();
    let started = Instant::now();
    store
        .seed_for_benchmarks(
            (100_000.0 * s) as usize,
            (150_000.0 * s) as usize,
            (300_000.0 * s) as usize,
            today(),
        )
        .expect("seed");
    println!("seeded in {:.1} s", started.elapsed().as_secs_f64());
}

fn household(i: usize) -> HouseholdDraft {
    HouseholdDraft {
        address_line_1: format!("{i} Benchmark Terrace"),
        town: "Eastwick Vale".into(),
        postcode: "ZY10 4AB".into(),
        ..Default::default()
    }
}

/// Median and 95th percentile of `n` runs of `f`.
fn percentiles(n: usize, mut f: impl FnMut(usize)) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..n)
        .map(|i| {
            let t = Instant::now();
            f(i);
            t.elapsed()
        })
        .collect();
    times.sort();
    (times[n / 2], times[(n * 95) / 100])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = DataFolder::open(dir.path().join("encrypted")).expect("folder");
    let mut encrypted = Store::set_up(
        &folder,
        "Bench Officer",
        Role::Officer,
        "kettle harbour violet sprocket",
        KdfParams::RECOMMENDED,
    )
    .expect("set up");
    seeded(&mut encrypted);
    let mut plain =
        Store::open_unencrypted_for_benchmarks(&dir.path().join("plain.db")).expect("plain");
    seeded(&mut plain);
    for store in [&encrypted, &plain] {
        store
            .connection_for_benchmarks()
            .execute_batch(
                "CREATE TABLE IF NOT EXISTS bare (id INTEGER PRIMARY KEY, v TEXT NOT NULL)",
            )
            .expect("bare table");
    }

    // Criterion's own reports (HTML and change detection) for the hot paths.
    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(30)
        .measurement_time(Duration::from_secs(5));
    let mut i = 0usize;
    c.bench_function("save household + outbox (encrypted)", |b| {
        b.iter_batched(
            || {
                i += 1;
                household(i)
            },
            |d| {
                encrypted
                    .create_household(&d, ChangeSource::Ui)
                    .expect("save")
            },
            BatchSize::SmallInput,
        )
    });
    c.bench_function("search postcode prefix 'ZY4 7'", |b| {
        b.iter(|| encrypted.search("ZY4 7").expect("search"))
    });
    c.bench_function("search street fragment 'junip'", |b| {
        b.iter(|| encrypted.search("junip").expect("search"))
    });
    c.final_summary();

    // Ratios measured side by side: the four operations are interleaved, so machine
    // noise (other processes, disk flushes) falls on all of them alike.
    let n = 400;
    let mut samples: [Vec<Duration>; 4] = Default::default();
    let timed = |f: &mut dyn FnMut()| {
        let t = Instant::now();
        f();
        t.elapsed()
    };
    let bare_insert = |store: &Store, j: usize| {
        let conn = store.connection_for_benchmarks();
        let tx = conn.unchecked_transaction().expect("tx");
        tx.execute("INSERT INTO bare (v) VALUES (?1)", [format!("row {j}")])
            .expect("insert");
        tx.commit().expect("commit");
    };
    for j in 0..n {
        let k = 1_000_000 + j;
        samples[0].push(timed(&mut || {
            drop(
                encrypted
                    .create_household(&household(k), ChangeSource::Ui)
                    .expect("save"),
            )
        }));
        samples[1].push(timed(&mut || bare_insert(&encrypted, j)));
        samples[2].push(timed(&mut || {
            drop(
                plain
                    .create_household(&household(k), ChangeSource::Ui)
                    .expect("save"),
            )
        }));
        samples[3].push(timed(&mut || bare_insert(&plain, j)));
    }
    let [save_encrypted, bare_encrypted, save_plain, bare_plain] = samples.map(|mut s| {
        s.sort();
        s[s.len() / 2]
    });
    let mut m = 2_000_000usize;
    let (save_then_search, _) = percentiles(100, |_| {
        m += 1;
        encrypted
            .create_household(&household(m), ChangeSource::Ui)
            .expect("save");
        drop(encrypted.search("benchmark terrace").expect("search"));
    });
    // Autosaving one survey answer (with its outbox row), answers alternating.
    let template = doorstep_core::security::Template::from_toml(include_str!(
        "../../../assets/templates/home-security-survey.toml"
    ))
    .expect("template");
    let surveyed = encrypted
        .create_household(&household(3_000_000), ChangeSource::Ui)
        .expect("household");
    let survey = encrypted
        .start_survey(surveyed.id, None, &template, ChangeSource::Ui)
        .expect("survey");
    let (autosave_p50, autosave_p95) = percentiles(300, |j| {
        let value = doorstep_core::security::AnswerValue::Number(f64::from(1 + (j % 5) as u32));
        encrypted
            .save_answer(
                survey.id,
                &template,
                "feel_safe",
                Some(value),
                ChangeSource::Ui,
            )
            .expect("autosave");
    });
    let queries = [
        "ZY4 7",
        "zy47",
        "ZY1",
        "lantern",
        "junip",
        "bramble road 4",
        "sampleton",
        "12 kestrel",
    ];
    let (search_p50, search_p95) = percentiles(400, |j| {
        drop(
            encrypted
                .search(queries[j % queries.len()])
                .expect("search"),
        )
    });

    // Import 100,000 gazetteer rows into the encrypted store.
    let rows = (100_000.0 * scale()) as usize;
    let mut csv = String::from(
        "uprn,address_line_1,address_line_2,address_line_3,town,postcode,easting,northing\n",
    );
    for r in 0..rows {
        csv.push_str(&format!(
            "{},{} Gazetteer Street {},,,Eastwick Vale,ZY{} {}AB,{},{}\n",
            970_000_000_000u64 + r as u64,
            r % 300 + 1,
            r / 300,
            1 + r % 9,
            r % 10,
            // Terraced streets: doors 10 m apart, streets 20 m apart.
            450_000 + (r % 300) * 10,
            360_000 + (r / 300) * 20
        ));
    }
    let started = Instant::now();
    let report = encrypted
        .import_gazetteer(csv.as_bytes(), csv.len() as u64, |_| {})
        .expect("import");
    let import = started.elapsed();
    assert_eq!(report.imported as usize, rows);

    // A cocoon around a home in the middle of that gazetteer.
    let middle = 970_000_000_000u64 + (rows as u64) / 2 + 150;
    let victim = encrypted
        .create_household_from_gazetteer(
            &doorstep_core::Uprn::parse(&middle.to_string()).expect("uprn"),
            ChangeSource::Ui,
        )
        .expect("victim");
    let policy = doorstep_core::cocoon::CocoonPolicy::default();
    let mut cocoon_size = 0;
    let (cocoon_p50, cocoon_p95) = percentiles(100, |_| {
        cocoon_size = encrypted
            .cocoon_targets(victim.id, &policy)
            .expect("cocoon")
            .len();
    });

    println!("\n| measure | figure | goal |");
    println!("|---|---|---|");
    println!(
        "| save household + outbox, encrypted, median | {:.3} ms | |",
        ms(save_encrypted)
    );
    println!(
        "| bare one-row INSERT+COMMIT, encrypted, median | {:.3} ms | |",
        ms(bare_encrypted)
    );
    println!(
        "| ratio save / bare (encrypted) | {:.2}x | <= 1.5x |",
        ms(save_encrypted) / ms(bare_encrypted)
    );
    println!(
        "| save household + outbox, plain SQLite, median | {:.3} ms | |",
        ms(save_plain)
    );
    println!(
        "| bare one-row INSERT+COMMIT, plain SQLite, median | {:.3} ms | |",
        ms(bare_plain)
    );
    println!(
        "| encryption overhead (save encrypted / save plain) | {:.2}x | <= 1.25x |",
        ms(save_encrypted) / ms(save_plain)
    );
    println!(
        "| autosave one survey answer + outbox, encrypted, p50 / p95 | {:.3} / {:.3} ms | <= 5 ms p95 |",
        ms(autosave_p50),
        ms(autosave_p95)
    );
    println!(
        "| search (postcode prefix / street fragment), p50 | {:.2} ms | |",
        ms(search_p50)
    );
    println!(
        "| search (postcode prefix / street fragment), p95 | {:.2} ms | <= 10 ms |",
        ms(search_p95)
    );
    println!(
        "| save, then the next search (which indexes that save), median | {:.2} ms | |",
        ms(save_then_search)
    );
    println!(
        "| cocoon targets from the {rows}-address gazetteer ({cocoon_size} targets), p50 / p95 | {:.2} / {:.2} ms | <= 20 ms |",
        ms(cocoon_p50),
        ms(cocoon_p95)
    );
    println!(
        "| import {rows} gazetteer rows | {:.2} s | <= 5 s |",
        import.as_secs_f64()
    );
}
