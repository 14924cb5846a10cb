//! The hub's crash harness (issue 18; docs/testing-harnesses.md, "Crash"): the real
//! `doorstep-hub` binary serving a real laptop store's pushes, killed with SIGKILL at random
//! moments and started again on the same database, on each backend. The laptop's next sync
//! must complete, and at the end the hub must hold every change exactly once, at the
//! versions the laptop holds.
//!
//! `CRASH_HUB_KILLS` sets the kills per backend (10 by default, the CI form), `CRASH_SEED`
//! replays a run (the seed is printed first).

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is a failed test
#![allow(clippy::print_stdout)] // the seed and the figures, so a failure can be replayed

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use doorstep_core::security::{AnswerValue, Template, YesNo};
use doorstep_core::sync_status::SyncProgress;
use doorstep_core::{ChangeSource, Hlc, HouseholdDraft, Role};
use doorstep_replica::{Syncer, enrol};
use doorstep_store::{DataFolder, KdfParams, Store};
use doorstep_sync::{Backoff, HubClient, Secret};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use support::{Backend, TestDb};

const HUB: &str = env!("CARGO_BIN_EXE_doorstep-hub");
const PASSPHRASE: &str = "kettle harbour violet sprocket";
const TEMPLATE: &str = include_str!("../../../assets/templates/home-security-survey.toml");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_hub_killed_during_pushes_loses_and_repeats_nothing() {
    killed_during_pushes(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_hub_killed_during_pushes_loses_and_repeats_nothing() {
    killed_during_pushes(Backend::Postgres).await;
}

/// Runs `doorstep-hub` with `args` on `database` and returns what it printed.
fn admin(database: &str, args: &[&str]) -> String {
    let out = Command::new(HUB)
        .arg("--database")
        .arg(database)
        .arg("admin")
        .args(args)
        .env("RUST_LOG", "error")
        .output()
        .expect("run doorstep-hub admin");
    assert!(
        out.status.success(),
        "doorstep-hub admin {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// The hub as a child process: `doorstep-hub serve`, killed with SIGKILL when dropped.
struct HubProcess {
    child: Child,
}

impl HubProcess {
    /// Starts the hub on `addr` with the settings in `config` and waits until it takes
    /// connections.
    fn start(database: &str, config: &Path, addr: SocketAddr) -> Self {
        let child = Command::new(HUB)
            .arg("--config")
            .arg(config)
            .arg("--database")
            .arg(database)
            .arg("serve")
            .arg("--listen")
            .arg(addr.to_string())
            .env("RUST_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start doorstep-hub serve");
        let mut hub = Self { child };
        // Not a timing assertion: only a bound on waiting for a hub that will never come up.
        for _ in 0..1500 {
            if std::net::TcpStream::connect(addr).is_ok() {
                return hub;
            }
            if let Some(status) = hub.child.try_wait().unwrap() {
                panic!("doorstep-hub serve stopped at start: {status}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        hub.kill();
        panic!("doorstep-hub serve did not listen on {addr}");
    }

    /// SIGKILL (`Child::kill` on Unix): no shutdown, no flush, connections cut.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for HubProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Saves `households` households, each with a survey and one answer, on the laptop.
fn save_some(store: &Mutex<Store>, template: &Template, first: u32, households: u32) {
    let mut store = store.lock().unwrap();
    for n in first..first + households {
        let household = store
            .create_household(
                &HouseholdDraft {
                    address_line_1: format!("{n} Sampleton Row"),
                    town: "Eastwick Vale".into(),
                    postcode: "ZY5 2AB".into(),
                    ..Default::default()
                },
                ChangeSource::Ui,
            )
            .unwrap();
        let survey = store
            .start_survey(household.id, None, template, ChangeSource::Ui)
            .unwrap();
        store
            .save_answer(
                survey.id,
                template,
                "repeat_victim",
                Some(AnswerValue::YesNo(YesNo::No)),
                ChangeSource::Ui,
            )
            .unwrap();
    }
}

async fn killed_during_pushes(backend: Backend) {
    let kills: u32 = std::env::var("CRASH_HUB_KILLS")
        .ok()
        .map_or(10, |v| v.parse().expect("CRASH_HUB_KILLS is a number"));
    let seed: u64 = std::env::var("CRASH_SEED").ok().map_or_else(
        || {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64)
        },
        |v| v.parse().expect("CRASH_SEED is a number"),
    );
    println!("{backend:?} hub: {kills} kills, seed {seed} (replay with CRASH_SEED={seed})");
    let mut rng = StdRng::seed_from_u64(seed);
    let db = TestDb::new(backend).await;

    // The hub is set up with its own admin commands, as a council would.
    admin(&db.url, &["create-org", "Crashshire Council"]);
    admin(&db.url, &["add-team", "Crashshire Council", "North"]);
    admin(
        &db.url,
        &[
            "add-user",
            "--team",
            "North",
            "--name",
            "Ann Sampleton",
            "--role",
            "officer",
        ],
    );
    let code = admin(&db.url, &["enrolment-code", "--user", "Ann Sampleton"]);
    let addr = SocketAddr::from(([127, 0, 0, 1], support::pg::free_port().unwrap()));
    let dir = tempfile::tempdir().unwrap();
    // Access tokens that outlast any long form: a refresh is never due in the middle of it.
    let config = dir.path().join("hub.toml");
    std::fs::write(&config, "access_token_secs = 86400\n").unwrap();
    let mut hub = HubProcess::start(&db.url, &config, addr);

    let folder = DataFolder::open(dir.path().join("laptop")).unwrap();
    let store = Arc::new(Mutex::new(
        Store::set_up(
            &folder,
            "Ann Sampleton",
            Role::Officer,
            PASSPHRASE,
            KdfParams::INSECURE_FOR_TESTS,
        )
        .unwrap(),
    ));
    let url = format!("http://{addr}");
    let link = enrol(&*store, &url, &code, "Crash laptop").await.unwrap();
    let template = Template::from_toml(TEMPLATE).unwrap();
    // The app keeps one syncer for the session; the client retries at once (tests never
    // sleep for a backoff), so a dead hub fails the sync quickly.
    let syncer = Arc::new(tokio::sync::Mutex::new(Syncer::with_backoff(
        Backoff::immediate(2),
    )));
    let sync = |store: Arc<Mutex<Store>>, syncer: Arc<tokio::sync::Mutex<Syncer>>| async move {
        let progress = |_: SyncProgress| {};
        syncer.lock().await.sync(&*store, &progress).await
    };

    // The first sync renews the access token. Kills start after it: a refresh whose answer
    // is lost spends the laptop's refresh token, and the next refresh is then taken for a
    // stolen copy's replay (docs/testing-harnesses.md, "Crash").
    sync(store.clone(), syncer.clone()).await.unwrap();
    let (mut saved, mut cut, mut already) = (0u32, 0u32, 0usize);
    for kill in 1..=kills {
        let households = rng.random_range(5..=60);
        save_some(&store, &template, saved + 1, households);
        saved += households;
        // A push of up to 180 changes takes some tens of milliseconds: kill before, during
        // and after it.
        let delay = Duration::from_micros(rng.random_range(0..250_000));
        let pushing = tokio::spawn(sync(store.clone(), syncer.clone()));
        tokio::time::sleep(delay).await;
        hub.kill();
        if pushing.await.unwrap().is_err() {
            cut += 1;
        }
        hub = HubProcess::start(&db.url, &config, addr);
        // The laptop's retry: the next sync completes and leaves nothing to send.
        let report = sync(store.clone(), syncer.clone())
            .await
            .unwrap_or_else(|e| panic!("kill {kill} (seed {seed}): the retry failed: {e}"));
        already += report.already_on_hub;
        let pending = store.lock().unwrap().outbox_pending().unwrap();
        assert_eq!(
            pending, 0,
            "kill {kill} (seed {seed}): the retry left changes unsent"
        );
    }
    hub.kill();
    drop(hub);
    println!(
        "{backend:?} hub: {kills} kills, {cut} syncs cut off, {already} changes the hub had \
         taken before its answer was lost, {saved} households"
    );

    // What the laptop sent: every outbox row, each a distinct change.
    let (sent, records) = {
        let store = store.lock().unwrap();
        let sent = store.debug_outbox().unwrap().len() as i64;
        let problems = store.integrity_problems().unwrap();
        assert!(problems.is_empty(), "the laptop's file: {problems:?}");
        let disagreements = store.debug_outbox_disagreements().unwrap();
        assert!(
            disagreements.is_empty(),
            "the laptop's outbox and records: {disagreements:?}"
        );
        (sent, i64::from(saved) * 2)
    };
    let hub_store = doorstep_hub::open(&db.url).await.unwrap();
    let stats = hub_store.stats().await.unwrap();
    assert_eq!(
        (
            stats.applied_changes,
            stats.change_log,
            stats.counter,
            stats.records,
            stats.conflicts
        ),
        (sent, sent, sent, records, 0),
        "seed {seed}: each change applied once, logged once, numbered once, and no conflict"
    );
    drop(hub_store);

    // The log, read as another device would: each change once, and each record at the
    // versions the laptop holds.
    let hub = HubProcess::start(&db.url, &config, addr);
    let mut client = HubClient::new(&format!("{url}/")).unwrap();
    client
        .refresh(link.hub_device_id, &Secret::new(link_refresh(&store)))
        .await
        .unwrap();
    let (mut after, mut change_ids) = (0, BTreeSet::new());
    let mut versions: BTreeMap<(String, String), BTreeMap<String, Hlc>> = BTreeMap::new();
    loop {
        let page = client.pull(after, 1000).await.unwrap();
        for entry in &page.entries {
            let change = entry.change.as_ref().expect("no removals here");
            assert!(
                change_ids.insert(change.change_id),
                "seed {seed}: change {} is in the log twice",
                change.change_id
            );
            let held = versions
                .entry((change.entity.as_str().to_owned(), change.entity_id.clone()))
                .or_default();
            for field in change.fields.keys() {
                let v = held.entry(field.clone()).or_insert(change.hlc);
                *v = (*v).max(change.hlc);
            }
        }
        after = page.next;
        if !page.more {
            break;
        }
    }
    assert_eq!(
        change_ids.len() as i64,
        sent,
        "seed {seed}: every change logged"
    );
    let store = store.lock().unwrap();
    for ((entity, id), hub_versions) in &versions {
        let laptop = store
            .synced_record(entity, id)
            .unwrap()
            .unwrap_or_else(|| panic!("the laptop lost {entity} {id}"));
        assert_eq!(
            &laptop.versions, hub_versions,
            "seed {seed}: {entity} {id} at the same versions on both sides"
        );
    }
    drop(hub);
}

/// The laptop's current refresh token (each works once; the syncer keeps the newest).
fn link_refresh(store: &Mutex<Store>) -> String {
    store
        .lock()
        .unwrap()
        .hub_link()
        .unwrap()
        .expect("enrolled")
        .refresh_token
}
