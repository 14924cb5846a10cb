//! The laptop store's crash harness (issue 18; docs/testing-harnesses.md, "Crash").
//!
//! A child process saves households, surveys, survey answers and day-of-action knocks on a
//! real SQLCipher store and prints an acknowledgement line after each save returns, as the
//! app tells the officer "saved". The harness kills it with SIGKILL at a random moment,
//! reopens the store and checks that every acknowledged save is there, that SQLite and
//! SQLCipher find the file sound, and that the outbox and the records agree; then it starts
//! the next child on the same store.
//!
//! `CRASH_KILLS` sets how many kills (50 by default, the CI form; 1,000 is the long form),
//! `CRASH_SEED` replays a run (the seed is printed first). This binary is its own child: it
//! has its own `main` (`harness = false`), which runs the worker when given `--worker`.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "a failed expectation is a failed test"
)]
#![allow(
    clippy::print_stdout,
    reason = "the worker acknowledges saves on stdout; the harness reports its seed and figures"
)]

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use doorstep_core::fire::DoorOutcomeCode;
use doorstep_core::security::{AnswerValue, SurveyId, Template, YesNo};
use doorstep_core::views::{DayOfActionDraft, KnockDraft};
use doorstep_core::{ChangeSource, HouseholdDraft, Role};
use doorstep_store::{DataFolder, Store};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use support::{PASSPHRASE, TEMPLATE, import_street};

const NAME: &str = "laptop_store_survives_sigkill";
const WORKER: &str = "--worker";
/// Survey answers the worker gives, one save each, in this order.
const ANSWERS: [&str; 2] = ["survey_reason", "repeat_victim"];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(WORKER) {
        worker(Path::new(&args[1]));
        return;
    }
    // `cargo test` hands every test binary libtest's flags, and maybe a name filter.
    if args.iter().any(|a| a == "--list") {
        println!("{NAME}: test");
        return;
    }
    let takes_value = ["--test-threads", "--format", "--color", "--skip", "-Z"];
    let filter = args
        .iter()
        .enumerate()
        .find(|(i, a)| {
            !a.starts_with('-') && (*i == 0 || !takes_value.contains(&args[i - 1].as_str()))
        })
        .map(|(_, a)| a.as_str());
    if filter.is_some_and(|f| !NAME.contains(f)) {
        return;
    }
    harness();
    // libtest's own lines, so summaries that count "test result:" lines count this one.
    println!("test {NAME} ... ok");
    println!("\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out");
}

// ---------------------------------------------------------------------------- the child

/// Saves for ever, acknowledging each save once it has returned.
fn worker(dir: &Path) {
    let folder = DataFolder::open(dir).expect("folder");
    let mut store = Store::unlock(&folder, PASSPHRASE).expect("the store unlocks after a kill");
    let template = Template::from_toml(TEMPLATE).expect("template");
    let day = store.days_of_action().expect("days")[0].day.id.clone();
    let doors: Vec<String> = store
        .day_of_action_page(&day)
        .expect("day")
        .doors
        .into_iter()
        .map(|d| d.id)
        .collect();
    let mut out = std::io::stdout().lock();
    // One write per line: a pipe takes a write this small whole, so a kill never leaves
    // half a line that parses.
    let mut ack = |line: String| {
        out.write_all(format!("{line}\n").as_bytes())
            .expect("stdout");
        out.flush().expect("stdout");
    };
    ack("ready".to_owned());
    let mut n = store.household_count().expect("count");
    loop {
        n += 1;
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
            .expect("household");
        ack(format!("household {}", household.id));
        let survey = store
            .start_survey(household.id, None, &template, ChangeSource::Ui)
            .expect("survey");
        ack(format!("survey {}", survey.id));
        for (item, value) in ANSWERS.iter().zip([
            AnswerValue::Choice("resident_request".into()),
            AnswerValue::YesNo(YesNo::No),
        ]) {
            store
                .save_answer(survey.id, &template, item, Some(value), ChangeSource::Ui)
                .expect("answer");
            ack(format!("answer {} {item}", survey.id));
        }
        let door = &doors[usize::try_from(n).unwrap_or(0) % doors.len()];
        let row = store
            .record_knock(
                &day,
                door,
                &KnockDraft {
                    outcomes: vec![DoorOutcomeCode::NoAnswer],
                    alarms_fitted: 0,
                    referrals_made: 0,
                    higher_risk_people: 0,
                },
                ChangeSource::Ui,
            )
            .expect("knock");
        ack(format!("knock {door} {}", row.knocks));
    }
}

// -------------------------------------------------------------------------- the harness

/// Every save acknowledged so far, across all children.
#[derive(Debug, Default)]
struct Acked {
    households: Vec<String>,
    surveys: Vec<String>,
    /// Survey id → the items answered.
    answers: BTreeMap<String, Vec<String>>,
    /// Door id → the knocks it had after the latest acknowledged knock.
    knocks: BTreeMap<String, u32>,
    total: u64,
}

impl Acked {
    fn take(&mut self, line: &str) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["ready"] => return,
            ["household", id] => self.households.push((*id).to_owned()),
            ["survey", id] => self.surveys.push((*id).to_owned()),
            ["answer", survey, item] => self
                .answers
                .entry((*survey).to_owned())
                .or_default()
                .push((*item).to_owned()),
            ["knock", door, count] => {
                let count: u32 = count.parse().expect("a knock count");
                let known = self.knocks.entry((*door).to_owned()).or_default();
                *known = (*known).max(count);
            }
            _ => panic!("the worker printed an unknown line: {line:?}"),
        }
        self.total += 1;
    }
}

/// How one child run ended.
struct Run {
    lines: Vec<String>,
    killed: bool,
    ready: bool,
}

fn harness() {
    let kills: u32 = std::env::var("CRASH_KILLS")
        .ok()
        .map_or(50, |v| v.parse().expect("CRASH_KILLS is a number"));
    let seed: u64 = std::env::var("CRASH_SEED").ok().map_or_else(
        || {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64)
        },
        |v| v.parse().expect("CRASH_SEED is a number"),
    );
    println!("{NAME}: {kills} kills, seed {seed} (replay with CRASH_SEED={seed})");
    let mut rng = StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let day = set_up(&data);
    let exe = std::env::current_exe().expect("this test binary");

    let mut acked = Acked::default();
    // The check must be able to fail: a save nobody made is reported missing.
    let mut invented = Acked::default();
    invented.take(&format!("household {}", doorstep_core::HouseholdId::new()));
    assert!(
        check(&data, &day, &invented).is_err(),
        "the check finds a missing household"
    );
    let (mut before_ready, mut checked) = (0u32, 0u32);
    for run in 1..=kills {
        // Mostly a kill while saving; now and then one while the store is still unlocking.
        let wait_for_ready = rng.random_ratio(7, 8);
        // A save takes some milliseconds (each commit waits for the disk): up to 150 ms lands
        // kills before, inside and after the first few saves of a run.
        let delay = Duration::from_micros(rng.random_range(0..150_000));
        let outcome = run_child(&exe, &data, wait_for_ready, delay);
        if !outcome.killed {
            panic!("run {run} (seed {seed}): the worker stopped by itself; see its stderr above");
        }
        if !outcome.ready {
            before_ready += 1;
        }
        for line in &outcome.lines {
            acked.take(line);
        }
        // Most runs are checked at once; the others leave the killed child's files (a hot
        // write-ahead log) for the next child to open, as the app would after a crash.
        if run == kills || rng.random_ratio(3, 4) {
            check(&data, &day, &acked)
                .unwrap_or_else(|e| panic!("after kill {run} (seed {seed}): {e}"));
            checked += 1;
        }
        if run % 100 == 0 && run < kills {
            println!("{NAME}: {run} kills, {} saves acknowledged", acked.total);
        }
    }
    println!(
        "{NAME}: {kills} kills ({before_ready} before the store was open), {} acknowledged \
         saves ({} households), checked {checked} times: nothing lost",
        acked.total,
        acked.households.len()
    );
}

/// A store with a day of action on twelve doors from the gazetteer (UPRNs 99…).
fn set_up(data: &Path) -> String {
    let (_folder, mut store) = support::set_up(data, "Rowan Testwell", Role::FireCrew);
    import_street(&mut store, "Ember Row", 12, |_| ("ZY5 2AB", 361_000));
    let day = store
        .create_day_of_action(
            &DayOfActionDraft {
                name: "Ember Row day of action".into(),
                date: "2026-11-27".into(),
                area: "ZY5 2".into(),
                crew: vec!["Blue Watch".into()],
            },
            ChangeSource::Ui,
        )
        .expect("day");
    store
        .add_day_doors_from_gazetteer(&day.id, "ZY5 2", ChangeSource::Ui)
        .expect("doors");
    store.close().expect("close");
    day.id
}

/// Starts a worker, kills it with SIGKILL after `delay` (counted from its "ready" line, or
/// from its start), and returns every complete line it printed.
fn run_child(exe: &Path, data: &Path, wait_for_ready: bool, delay: Duration) -> Run {
    let mut child = Command::new(exe)
        .arg(WORKER)
        .arg(data)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the worker");
    let stdout = child.stdout.take().expect("its stdout");
    let (ready_tx, ready_rx) = mpsc::channel::<()>();
    let reader = std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut lines = Vec::new();
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap_or(0) > 0 {
            // A line cut short by the kill was never acknowledged.
            if let Some(done) = line.strip_suffix('\n') {
                if done == "ready" {
                    let _ = ready_tx.send(());
                }
                lines.push(done.to_owned());
            }
            line.clear();
        }
        lines
    });
    // The worker may die before it is ready (a defect): the channel then closes. The bound
    // only turns a worker that hangs while unlocking into a failure instead of a stuck run.
    let ready = if wait_for_ready {
        match ready_rx.recv_timeout(Duration::from_secs(120)) {
            Ok(()) => true,
            Err(mpsc::RecvTimeoutError::Disconnected) => false,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                panic!("the worker was not ready after two minutes: it hangs while unlocking");
            }
        }
    } else {
        false
    };
    std::thread::sleep(delay);
    // `Child::kill` is SIGKILL on Unix: no destructor, no flush, no checkpoint runs.
    let _ = child.kill();
    let status = child.wait().expect("wait for the worker");
    let lines = reader.join().expect("the reader");
    let ready = ready || lines.first().is_some_and(|l| l == "ready");
    Run {
        lines,
        killed: status.signal() == Some(9),
        ready,
    }
}

/// Opens the store as the app would after a crash and checks it against the acknowledgements.
fn check(data: &Path, day: &str, acked: &Acked) -> Result<(), String> {
    let folder = DataFolder::open(data).map_err(|e| e.to_string())?;
    let store = Store::unlock(&folder, PASSPHRASE).map_err(|e| format!("unlock: {e}"))?;
    let problems = store.integrity_problems().map_err(|e| e.to_string())?;
    if !problems.is_empty() {
        return Err(format!("the file is damaged: {problems:?}"));
    }
    let disagreements = store
        .debug_outbox_disagreements()
        .map_err(|e| e.to_string())?;
    if !disagreements.is_empty() {
        return Err(format!(
            "the outbox and the records disagree: {disagreements:?}"
        ));
    }
    for id in &acked.households {
        store
            .household(id.parse().map_err(|_| format!("bad id {id}"))?)
            .map_err(|e| format!("acknowledged household {id}: {e}"))?;
    }
    for id in &acked.surveys {
        let survey: SurveyId = id.parse().map_err(|_| format!("bad id {id}"))?;
        let survey = store
            .survey(survey)
            .map_err(|e| format!("acknowledged survey {id}: {e}"))?;
        for item in acked.answers.get(id).into_iter().flatten() {
            if !survey.answers.values.contains_key(item) {
                return Err(format!("survey {id} lost its acknowledged answer {item}"));
            }
        }
    }
    if let Some(orphan) = acked.answers.keys().find(|s| !acked.surveys.contains(s)) {
        return Err(format!(
            "an answer was acknowledged on unknown survey {orphan}"
        ));
    }
    let page = store.day_of_action_page(day).map_err(|e| e.to_string())?;
    for (door, knocks) in &acked.knocks {
        let held = page
            .doors
            .iter()
            .find(|d| &d.id == door)
            .map_or(0, |d| d.knocks);
        if held < *knocks {
            return Err(format!(
                "door {door} holds {held} knocks, {knocks} were acknowledged"
            ));
        }
    }
    Ok(())
}
