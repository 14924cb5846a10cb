//! Drives the real commands through `dispatch` and records each call as the UI's scripted
//! stub replays it: `{command, args, result | error}`, with ids, paths and times made
//! the same on every run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration, TimeZone, Utc};
use doorstep_api::events::{AppEvent, EventSink};
use doorstep_api::sync::SyncService;
use doorstep_api::{Api, AppError, dispatch};
use doorstep_core::clock::pinned;
use doorstep_store::KdfParams;
use serde_json::{Map, Value, json};

/// Every recording starts at 09:00 UTC on this Thursday; each call is one minute after the
/// one before, so history lists read in order and every run gives the same times.
pub fn anchor() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 5, 9, 0, 0)
        .single()
        .expect("the anchor is a valid time")
}

/// Where the recordings say the data folder is, whatever temporary folder held it.
pub const DATA_DIR: &str = "/home/officer/.local/share/doorstep";
/// Where the recordings say documents were saved.
pub const DOCUMENTS_DIR: &str = "/home/officer/Documents";

/// One recorded call.
#[derive(Debug, Clone)]
pub struct Call {
    command: String,
    args: Value,
    outcome: Result<Value, Value>,
    mark: Option<String>,
    /// The events the call sent the window (sync progress), `{event, payload}`.
    events: Vec<Value>,
}

/// Keeps the events the app sends, so a call's own (a sync's progress) go in its recording.
#[derive(Debug, Clone, Default)]
struct Captured(Arc<Mutex<Vec<Value>>>);

impl Captured {
    fn take(&self) -> Vec<Value> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl EventSink for Captured {
    fn send(&self, event: AppEvent) {
        let payload = event.payload().expect("an event serialises");
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(json!({ "event": event.name(), "payload": payload }));
    }
}

/// A branch's calls, and the temporary paths its copy of the data used.
#[derive(Debug)]
pub struct Branch {
    name: String,
    calls: Vec<Call>,
    paths: Vec<(String, String)>,
}

/// A scenario as written to `ui/src/test/fixtures/<name>.json`.
#[derive(Debug)]
pub struct Recording {
    pub name: &'static str,
    pub about: &'static str,
    pub calls: Vec<Call>,
    pub branches: Vec<(String, Vec<Call>)>,
    /// Real temporary paths and what the recording calls them.
    paths: Vec<(String, String)>,
}

/// A running app on a temporary data folder, recording what it is asked.
#[derive(Debug)]
pub struct Recorder {
    api: Option<Arc<Api>>,
    root: tempfile::TempDir,
    data: PathBuf,
    /// Minutes after the anchor: the clock for the next call.
    minute: i64,
    calls: Vec<Call>,
    mark: Option<String>,
    paths: Vec<(String, String)>,
    events: Captured,
}

fn open(data: &Path, events: &Captured) -> Arc<Api> {
    let mut api = Api::open(
        data,
        KdfParams::INSECURE_FOR_TESTS,
        Box::new(events.clone()),
    )
    .expect("the api opens on a temporary folder");
    api.sync = SyncService::predictable();
    Arc::new(api)
}

fn error_json(e: &AppError) -> Value {
    serde_json::to_value(e).expect("an AppError serialises")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the copy's folder");
    for entry in std::fs::read_dir(from).expect("read the data folder") {
        let entry = entry.expect("a folder entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a data file");
        }
    }
}

impl Recorder {
    /// A first-run app on an empty temporary folder.
    pub fn new() -> Self {
        let root = tempfile::tempdir().expect("temp dir");
        let data = root.path().join("data");
        let documents = root.path().join("documents");
        std::fs::create_dir_all(&documents).expect("documents folder");
        let paths = vec![
            (data.display().to_string(), DATA_DIR.to_owned()),
            (documents.display().to_string(), DOCUMENTS_DIR.to_owned()),
        ];
        pinned::set(Some(anchor()));
        let events = Captured::default();
        let api = open(&data, &events);
        Self {
            api: Some(api),
            root,
            data,
            minute: 0,
            calls: Vec::new(),
            mark: None,
            paths,
            events,
        }
    }

    /// Quits the app and starts it again on the same data folder, as the officer's next
    /// start would.
    pub fn restart(&mut self) {
        self.api.take();
        self.api = Some(open(&self.data, &self.events));
    }

    /// Shows `real` (a loopback hub's address, a random code) as `shown` in the recording.
    pub fn hide(&mut self, real: &str, shown: &str) {
        self.paths.push((real.to_owned(), shown.to_owned()));
    }

    fn api(&self) -> &Arc<Api> {
        self.api.as_ref().expect("the recorder's app is open")
    }

    /// A file path in the documents folder, as the save dialog would answer.
    pub fn document(&self, name: &str) -> String {
        self.root
            .path()
            .join("documents")
            .join(name)
            .display()
            .to_string()
    }

    /// The data folder this app runs on, to change a file between two calls.
    pub fn data_dir(&self) -> &Path {
        &self.data
    }

    /// Moves the clock on by whole days (a follow-up months later, an overdue referral).
    pub fn days_pass(&mut self, days: i64) {
        self.minute += days * 24 * 60;
    }

    /// Names the state from the next call on, so a test can start there.
    pub fn mark(&mut self, name: &str) {
        self.mark = Some(name.to_owned());
    }

    async fn run(&mut self, command: &str, args: &Value) -> Result<Value, AppError> {
        self.minute += 1;
        pinned::set(Some(anchor() + Duration::minutes(self.minute)));
        dispatch::dispatch(self.api(), command, args.clone()).await
    }

    /// What the hub does to a referral while the laptop is away (delivers it, or brings the
    /// agency's answer), pulled in at the next minute as a sync would, unrecorded: the
    /// screens only see it in what the commands answer afterwards.
    pub fn hub(&mut self, referral: &str, change: impl FnOnce(&mut doorstep_core::fire::Referral)) {
        self.minute += 1;
        pinned::set(Some(anchor() + Duration::minutes(self.minute)));
        crate::support::pull_from_hub(self.api(), referral, change);
    }

    /// Runs a command without recording it: a step the screens never see.
    pub async fn quietly(&mut self, command: &str, args: Value) -> Value {
        self.run(command, &args)
            .await
            .unwrap_or_else(|e| panic!("{command} should succeed: {e:?}"))
    }

    /// Runs and records a command, whatever it answers.
    pub async fn call(&mut self, command: &str, args: Value) -> Result<Value, AppError> {
        self.events.take();
        let outcome = self.run(command, &args).await;
        self.calls.push(Call {
            command: command.to_owned(),
            args,
            outcome: outcome.clone().map_err(|e| error_json(&e)),
            mark: self.mark.take(),
            events: self.events.take(),
        });
        outcome
    }

    /// Runs and records a command that must succeed.
    pub async fn ok(&mut self, command: &str, args: Value) -> Value {
        self.call(command, args)
            .await
            .unwrap_or_else(|e| panic!("{command} should succeed: {e:?}"))
    }

    /// Runs and records a saving command that must succeed, with its answer's `bytes` recorded
    /// as 0: a document that prints a full id compresses to a different size on every run.
    pub async fn ok_saved(&mut self, command: &str, args: Value) -> Value {
        let answer = self.ok(command, args).await;
        if let Some(Call {
            outcome: Ok(recorded),
            ..
        }) = self.calls.last_mut()
            && let Some(bytes) = recorded.get_mut("bytes")
        {
            *bytes = json!(0);
        }
        answer
    }

    /// Runs and records a command that must be refused.
    pub async fn refused(&mut self, command: &str, args: Value) -> AppError {
        match self.call(command, args.clone()).await {
            Ok(_) => panic!("{command} {args} should be refused, but was done"),
            Err(e) => e,
        }
    }

    /// A copy of this app's data, unlocked with `passphrase`, that records a branch from
    /// here: tests of one screen start from the same state and each take their own path.
    pub async fn branch(&mut self, passphrase: &str) -> Recorder {
        self.branch_with(passphrase, |_| {}).await
    }

    /// A branch whose copy of the data folder `prepare` changes before the app opens it
    /// (say, a council's own reference file in `reference/`).
    pub async fn branch_with(&mut self, passphrase: &str, prepare: impl FnOnce(&Path)) -> Recorder {
        // The store is closed while its files are copied, so the copy is whole.
        self.quietly("lock", json!({})).await;
        let root = tempfile::tempdir().expect("temp dir");
        let data = root.path().join("data");
        copy_dir(&self.data, &data);
        prepare(&data);
        let documents = root.path().join("documents");
        std::fs::create_dir_all(&documents).expect("documents folder");
        self.quietly("unlock", json!({ "passphrase": passphrase }))
            .await;
        let mut paths = self.paths.clone();
        paths.push((data.display().to_string(), DATA_DIR.to_owned()));
        paths.push((documents.display().to_string(), DOCUMENTS_DIR.to_owned()));
        let events = Captured::default();
        let mut branch = Recorder {
            api: Some(open(&data, &events)),
            root,
            data,
            minute: self.minute,
            calls: Vec::new(),
            mark: None,
            paths,
            events,
        };
        branch
            .quietly("unlock", json!({ "passphrase": passphrase }))
            .await;
        branch
    }

    /// Ends the branch: its calls, and the paths to hide.
    pub fn into_branch(mut self, name: &str) -> Branch {
        self.api.take();
        Branch {
            name: name.to_owned(),
            calls: std::mem::take(&mut self.calls),
            paths: self.paths.clone(),
        }
    }

    /// Ends the scenario with its branches.
    pub fn finish(
        mut self,
        name: &'static str,
        about: &'static str,
        branches: Vec<Branch>,
    ) -> Recording {
        self.api.take();
        let mut paths = self.paths.clone();
        let mut kept = Vec::new();
        for branch in branches {
            paths.extend(branch.paths);
            kept.push((branch.name, branch.calls));
        }
        Recording {
            name,
            about,
            calls: std::mem::take(&mut self.calls),
            branches: kept,
            paths,
        }
    }
}

/// Placeholders for the random parts: ids (UUIDs) by order of first appearance, and the
/// real temporary paths.
#[derive(Debug, Default)]
struct Placeholders {
    ids: BTreeMap<String, String>,
    paths: Vec<(String, String)>,
}

const UUID_LEN: usize = 36;
const NIL_UUID: &str = "00000000-0000-0000-0000-000000000000";

fn is_uuid(s: &[u8]) -> bool {
    s.len() == UUID_LEN
        && s.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(&c),
        })
}

/// Every UUID in `s`, in order.
fn uuids(s: &str) -> Vec<&str> {
    let bytes = s.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i + UUID_LEN <= bytes.len() {
        if is_uuid(&bytes[i..i + UUID_LEN]) {
            found.push(&s[i..i + UUID_LEN]);
            i += UUID_LEN;
        } else {
            i += 1;
        }
    }
    found
}

/// The plan's short reference that order numbers and file names quote: the last eight hex
/// digits, upper case (`doorstep_core::work_order::plan_short_ref`).
fn short_ref(uuid: &str) -> String {
    uuid[UUID_LEN - 8..].to_ascii_uppercase()
}

impl Placeholders {
    fn collect(&mut self, value: &Value) {
        match value {
            Value::String(s) => self.collect_str(s),
            Value::Array(items) => items.iter().for_each(|v| self.collect(v)),
            Value::Object(map) => {
                for (k, v) in map {
                    self.collect_str(k);
                    self.collect(v);
                }
            }
            _ => {}
        }
    }

    fn collect_str(&mut self, s: &str) {
        // The nil id is no random part: the UI sends it as a stand-in Rust replaces (who
        // recorded a consent), so the recording must keep it as the screen sends it.
        for id in uuids(s).into_iter().filter(|id| *id != NIL_UUID) {
            let next = self.ids.len() + 1;
            self.ids
                .entry(id.to_owned())
                .or_insert_with(|| format!("00000000-0000-7000-8000-{next:012}"));
        }
    }

    fn rewrite_str(&self, s: &str) -> String {
        let mut out = s.to_owned();
        for (real, shown) in &self.paths {
            out = out.replace(real, shown);
        }
        for id in uuids(s) {
            if let Some(shown) = self.ids.get(id) {
                out = out.replace(id, shown);
            }
        }
        // Short references appear without their id (in order numbers and file names).
        if out.len() >= 8 {
            for (real, shown) in &self.ids {
                let real_ref = short_ref(real);
                if out.contains(&real_ref) {
                    out = out.replace(&real_ref, &short_ref(shown));
                }
            }
        }
        out
    }

    /// The value with placeholders, and every object's keys sorted (some answers are hash
    /// maps, whose order changes from run to run).
    fn rewrite(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.rewrite_str(s)),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.rewrite(v)).collect()),
            Value::Object(map) => {
                let sorted: BTreeMap<String, Value> = map
                    .iter()
                    .map(|(k, v)| (self.rewrite_str(k), self.rewrite(v)))
                    .collect();
                Value::Object(sorted.into_iter().collect::<Map<_, _>>())
            }
            other => other.clone(),
        }
    }
}

fn calls_json(calls: &[Call], p: &Placeholders) -> Value {
    Value::Array(
        calls
            .iter()
            .map(|c| {
                let mut o = Map::new();
                if let Some(mark) = &c.mark {
                    o.insert("mark".into(), json!(mark));
                }
                o.insert("command".into(), json!(c.command));
                o.insert("args".into(), p.rewrite(&c.args));
                match &c.outcome {
                    Ok(v) => o.insert("result".into(), p.rewrite(v)),
                    Err(e) => o.insert("error".into(), p.rewrite(e)),
                };
                if !c.events.is_empty() {
                    o.insert("events".into(), p.rewrite(&json!(c.events)));
                }
                Value::Object(o)
            })
            .collect(),
    )
}

impl Recording {
    /// The fixture file's text: stable JSON, two-space indented, ending in a newline.
    pub fn to_json(&self) -> String {
        let mut p = Placeholders {
            paths: self.paths.clone(),
            ..Placeholders::default()
        };
        // Longest first, so a path is never cut by a shorter one it starts with.
        p.paths
            .sort_by_key(|(real, _)| std::cmp::Reverse(real.len()));
        let all = self
            .calls
            .iter()
            .chain(self.branches.iter().flat_map(|(_, calls)| calls));
        for c in all {
            p.collect(&c.args);
            match &c.outcome {
                Ok(v) | Err(v) => p.collect(v),
            }
            c.events.iter().for_each(|e| p.collect(e));
        }
        let mut out = Map::new();
        out.insert("scenario".into(), json!(self.name));
        out.insert("about".into(), json!(self.about));
        out.insert(
            "regenerate".into(),
            json!("UPDATE_FIXTURES=1 cargo test -p doorstep-api --test ui_fixtures"),
        );
        out.insert("anchor".into(), json!(anchor()));
        out.insert("calls".into(), calls_json(&self.calls, &p));
        let branches: Map<String, Value> = self
            .branches
            .iter()
            .map(|(name, calls)| (name.clone(), calls_json(calls, &p)))
            .collect();
        out.insert("branches".into(), Value::Object(branches));
        let mut text =
            serde_json::to_string_pretty(&Value::Object(out)).expect("a recording serialises");
        text.push('\n');
        text
    }
}
