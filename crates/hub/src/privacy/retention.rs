//! The retention schedule applied on the hub, once a day (and on demand: `doorstep-hub
//! admin retention`): every record past its date is deleted or anonymised, from the hub and
//! — through the change log, as an erasure is — from every laptop of its team.
//!
//! The run never holds the database for long. It reads the records a page at a time
//! ([`RetentionStore::scan`]), decides in memory with `core::privacy::retention`, then
//! disposes of what is due in small batches, one short transaction each, so a laptop's
//! push waits at most one batch. A record written since it was read is left for the next
//! run (its clock has just restarted). What a run did is kept as the disposal report: how
//! many records of each class went, and how, and how many a legal hold kept — never which.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Months, NaiveDate, NaiveTime};
use doorstep_core::built_in;
use doorstep_core::privacy::data_map::{DataMap, RetentionClass};
use doorstep_core::privacy::retention::{Action, Facts, Item, Schedule, anonymised, due};
use doorstep_sync::protocol::EntityKind;

use crate::clock::Clock;
use crate::conflicts::HubIdentity;
use crate::model::{AuditEntry, StoreError};
use crate::privacy::erasure::{ErasurePlan, collect_hashes, removal_entry};
use crate::push::RecordKey;
use crate::store::{SharedStore, StoredRecord};

/// How many records a page of the scan reads.
pub const SCAN_PAGE: usize = 5_000;
/// How many records one disposal transaction takes, unless the backend says otherwise:
/// small, so a push never waits long.
pub const BATCH: usize = 200;
/// How many audit lines one statement forgets.
pub const AUDIT_BATCH: i64 = 5_000;
/// Who ran a run: the hub's daily job.
pub const BY_SCHEDULE: &str = "schedule";
/// Who ran a run: `doorstep-hub admin retention`.
pub const BY_ADMIN: &str = "admin";
/// The request id erased-record rows carry when the schedule, not a person, removed them.
pub const RETENTION_REQUEST: &str = "retention";

/// What a scan reads of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scanned {
    /// Which record.
    pub key: RecordKey,
    /// The team that holds it.
    pub team_id: String,
    /// The seq of its latest change, to see whether it changed since.
    pub seq: i64,
    /// What the rule needs.
    pub facts: Facts,
}

/// A record to dispose of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disposal {
    /// Which record.
    pub key: RecordKey,
    /// The team that holds it.
    pub team_id: String,
    /// Its seq when read: a record changed since is left alone.
    pub seq: i64,
    /// Its class.
    pub class: RetentionClass,
    /// What is done.
    pub action: Action,
}

/// What one batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Disposed {
    /// Records deleted or anonymised.
    pub records: usize,
    /// Records left because they changed since they were read (the next run decides).
    pub changed: Vec<RecordKey>,
}

/// What a run did, for its report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// Records disposed of, by class and action.
    pub disposed: BTreeMap<(RetentionClass, Action), usize>,
    /// Records that would have gone but a legal hold keeps.
    pub held_back: usize,
    /// Records left because they changed during the run.
    pub changed: usize,
    /// Audit lines forgotten.
    pub audit_lines: u64,
    /// Records read.
    pub scanned: usize,
}

impl RunSummary {
    /// Every record disposed of.
    pub fn total(&self) -> usize {
        self.disposed.values().sum()
    }
}

/// One run, as the disposal report lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRow {
    /// Its id.
    pub id: String,
    /// The day the schedule was applied for.
    pub as_of: NaiveDate,
    /// Who ran it (`schedule` for the daily job).
    pub by: String,
    /// When it started and finished (Unix ms); unfinished while running or if it failed.
    pub started_at: i64,
    /// When it finished.
    pub finished_at: Option<i64>,
    /// `done`, or why it stopped.
    pub outcome: Option<String>,
    /// Records a legal hold kept.
    pub held_back: i64,
    /// Audit lines forgotten.
    pub audit_lines: i64,
    /// Records disposed of, by class and action.
    pub disposed: Vec<(RetentionClass, Action, i64)>,
}

/// The hub's side of retention, on either backend.
#[async_trait]
pub trait RetentionStore: Send + Sync + std::fmt::Debug {
    /// Up to `limit` live records after `after`, in key order, with their facts.
    async fn scan(
        &self,
        after: Option<RecordKey>,
        limit: usize,
    ) -> Result<Vec<Scanned>, StoreError>;
    /// How many records one [`RetentionStore::dispose`] should take.
    fn batch_size(&self) -> usize {
        BATCH
    }
    /// The households under a legal hold.
    async fn held(&self) -> Result<HashSet<String>, StoreError>;
    /// Disposes of `batch` in one transaction: anonymised copies kept, every trace deleted,
    /// removals for the laptops logged.
    async fn dispose(&self, batch: Vec<Disposal>, now: i64) -> Result<Disposed, StoreError>;
    /// Forgets up to `limit` audit lines older than `before` (Unix ms); how many went.
    async fn forget_audit_before(&self, before: i64, limit: i64) -> Result<u64, StoreError>;
    /// Starts a run for `as_of`; its id.
    async fn start_run(&self, as_of: NaiveDate, by: &str, now: i64) -> Result<String, StoreError>;
    /// Finishes a run with what it did (`outcome`: `done` or why it stopped) and its audit line.
    async fn finish_run(
        &self,
        id: &str,
        summary: &RunSummary,
        outcome: &str,
        audit: Vec<AuditEntry>,
        now: i64,
    ) -> Result<(), StoreError>;
    /// The newest runs, newest first.
    async fn runs(&self, limit: usize) -> Result<Vec<RunRow>, StoreError>;
    /// How many anonymised records each kind keeps for the figures.
    async fn figures(&self) -> Result<Vec<(String, i64)>, StoreError>;
}

/// The shared handle.
pub type SharedRetentionStore = Arc<dyn RetentionStore>;

static SCHEDULE: OnceLock<Schedule> = OnceLock::new();

/// Why the council's schedule could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleLoadError {
    /// The file could not be read.
    #[error("cannot read the retention schedule {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file was refused, with every problem and its line.
    #[error("the retention schedule {path} was refused: {reason}")]
    Invalid {
        /// The file.
        path: String,
        /// Every problem found, each with its line.
        reason: String,
    },
    /// A schedule was already chosen for this process.
    #[error("the retention schedule was already loaded")]
    AlreadySet,
}

/// Loads the council's schedule (`DOORSTEP_HUB_RETENTION`) for this process; a faulty file
/// is refused with its path, and each problem with its line and reason.
pub fn load_schedule(path: &std::path::Path) -> Result<(), ScheduleLoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| ScheduleLoadError::Read {
        path: path.display().to_string(),
        source,
    })?;
    let schedule = Schedule::from_toml(&text).map_err(|e| ScheduleLoadError::Invalid {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    SCHEDULE
        .set(schedule)
        .map_err(|_| ScheduleLoadError::AlreadySet)
}

/// The schedule in use: the council's when loaded, else the one built into Doorstep.
pub fn schedule() -> Option<&'static Schedule> {
    static BUILT_IN: OnceLock<Option<Schedule>> = OnceLock::new();
    SCHEDULE.get().or_else(|| {
        BUILT_IN
            .get_or_init(|| Schedule::from_toml(built_in::RETENTION.1).ok())
            .as_ref()
    })
}

/// Whether the council's own schedule is in use.
pub fn councils_own() -> bool {
    SCHEDULE.get().is_some()
}

/// The facts of a stored record of `entity`.
pub fn facts_of(entity: EntityKind, stored: &StoredRecord) -> Facts {
    doorstep_core::privacy::retention::facts(
        entity.as_str(),
        &stored.record.fields,
        doorstep_core::privacy::retention::written(stored.record.versions.values()),
    )
}

/// What one batch writes, decided before anything is: per team, the erasure-shaped plan
/// of what goes (its statements delete every trace, as an erasure's do), and the
/// anonymised copies kept, as `(key, team, fields JSON)`.
#[derive(Debug, Default)]
pub struct BatchPlan {
    /// Per team, what goes.
    pub teams: BTreeMap<String, ErasurePlan>,
    /// The anonymised copies.
    pub kept: Vec<(RecordKey, String, String)>,
    /// The counter afterwards.
    pub counter: i64,
}

/// Plans a batch: `rows` are the disposals still as they were read, with their stored
/// record.
pub fn plan_batch(
    rows: &[(&Disposal, StoredRecord)],
    map: &DataMap,
    hub: HubIdentity,
    counter: i64,
    now: i64,
) -> Result<BatchPlan, StoreError> {
    let mut plan = BatchPlan {
        counter,
        ..BatchPlan::default()
    };
    for (disposal, stored) in rows {
        let team = plan.teams.entry(disposal.team_id.clone()).or_default();
        let mut hashes = std::collections::BTreeSet::new();
        for value in stored.record.fields.values() {
            collect_hashes(value, &mut hashes);
        }
        team.attachments.extend(hashes);
        if disposal.action == Action::Anonymise {
            let kept = anonymised(map, disposal.key.0.as_str(), &stored.record.fields);
            plan.kept.push((
                disposal.key.clone(),
                disposal.team_id.clone(),
                serde_json::to_string(&kept)?,
            ));
        }
        plan.counter += 1;
        team.entries.push(removal_entry(
            &disposal.key,
            &disposal.team_id,
            hub,
            plan.counter,
            now,
        )?);
        team.keys.push(disposal.key.clone());
    }
    for team in plan.teams.values_mut() {
        team.attachments.sort_unstable();
        team.attachments.dedup();
        team.counter = plan.counter;
    }
    Ok(plan)
}

/// The first instant of `day` in UTC milliseconds: audit lines before it are older.
fn start_of(day: NaiveDate) -> i64 {
    day.and_time(NaiveTime::MIN).and_utc().timestamp_millis()
}

/// Applies the schedule to everything the hub holds, as of `today`; `by` names who asked
/// (`schedule` for the daily job, else a user's id).
pub async fn run(
    store: &dyn RetentionStore,
    schedule: &Schedule,
    map: &DataMap,
    today: NaiveDate,
    by: &str,
    now: impl Fn() -> i64,
) -> Result<RunSummary, StoreError> {
    let id = store.start_run(today, by, now()).await?;
    let result = apply(store, schedule, map, today, &now).await;
    let (summary, outcome) = match &result {
        Ok(summary) => (summary.clone(), "done".to_owned()),
        Err(e) => (RunSummary::default(), format!("stopped: {e}")),
    };
    let audit = run_audit(&id, by, &summary, now());
    store
        .finish_run(&id, &summary, &outcome, audit, now())
        .await?;
    result
}

/// The audit lines of a run: one per class disposed of, with counts, never ids.
fn run_audit(run_id: &str, by: &str, summary: &RunSummary, now: i64) -> Vec<AuditEntry> {
    let mut lines: Vec<AuditEntry> = summary
        .disposed
        .iter()
        .map(|((class, action), n)| AuditEntry {
            at: now,
            user_id: Some(by.to_owned()),
            device_id: None,
            action: "privacy.retention".into(),
            entity: Some("retention_run".into()),
            entity_id: Some(run_id.to_owned()),
            outcome: format!("{}: {n} {}", class.as_str(), action.done()),
        })
        .collect();
    if summary.held_back > 0 {
        lines.push(AuditEntry {
            at: now,
            user_id: Some(by.to_owned()),
            device_id: None,
            action: "privacy.retention".into(),
            entity: Some("retention_run".into()),
            entity_id: Some(run_id.to_owned()),
            outcome: format!("{} kept under a legal hold", summary.held_back),
        });
    }
    lines
}

async fn apply(
    store: &dyn RetentionStore,
    schedule: &Schedule,
    map: &DataMap,
    today: NaiveDate,
    now: &impl Fn() -> i64,
) -> Result<RunSummary, StoreError> {
    let mut summary = RunSummary::default();
    // An empty batch first: removals a stopped run left un-numbered go to the laptops now.
    store.dispose(Vec::new(), now()).await?;
    let mut items: Vec<Item> = Vec::new();
    let mut places: Vec<(String, i64)> = Vec::new();
    let mut kinds: Vec<EntityKind> = Vec::new();
    let mut after: Option<RecordKey> = None;
    loop {
        let page = store.scan(after.clone(), SCAN_PAGE).await?;
        let last = page.last().map(|s| s.key.clone());
        for s in page {
            items.push(Item {
                entity: s.key.0.as_str().to_owned(),
                id: s.key.1,
                facts: s.facts,
            });
            kinds.push(s.key.0);
            places.push((s.team_id, s.seq));
        }
        match last {
            Some(key) => after = Some(key),
            None => break,
        }
    }
    summary.scanned = items.len();
    let held = store.held().await?;
    let outcome = due(schedule, |e| map.class_of(e), &items, &held, today);
    summary.held_back = outcome.held_back;
    let disposals: Vec<Disposal> = outcome
        .due
        .iter()
        .map(|d| Disposal {
            key: (kinds[d.index], items[d.index].id.clone()),
            team_id: places[d.index].0.clone(),
            seq: places[d.index].1,
            class: d.class,
            action: d.action,
        })
        .collect();
    drop(items);
    for batch in disposals.chunks(store.batch_size().max(1)) {
        let done = store.dispose(batch.to_vec(), now()).await?;
        summary.changed += done.changed.len();
        for d in batch.iter().filter(|d| !done.changed.contains(&d.key)) {
            *summary.disposed.entry((d.class, d.action)).or_default() += 1;
        }
    }
    if let Some(rule) = schedule.rule(RetentionClass::AuditLog)
        && rule.action == Action::Delete
        && let Some(cutoff) = today.checked_sub_months(Months::new(rule.keep_months))
    {
        let before = start_of(cutoff);
        loop {
            let n = store.forget_audit_before(before, AUDIT_BATCH).await?;
            summary.audit_lines += n;
            if n < u64::try_from(AUDIT_BATCH).unwrap_or(u64::MAX) {
                break;
            }
        }
    }
    Ok(summary)
}

/// Runs the schedule once a UK day, from start: checks every hour whether today's run has
/// been done.
pub async fn run_daily(store: SharedStore, clock: Clock) {
    let mut every_hour = tokio::time::interval(Duration::from_secs(60 * 60));
    every_hour.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every_hour.tick().await;
        let Some(retention) = store.retention() else {
            return;
        };
        let (Some(schedule), Some(map)) = (schedule(), crate::data_map::data_map()) else {
            tracing::error!("no retention schedule or data map: retention does not run");
            return;
        };
        let now = DateTime::from_timestamp_millis(clock.now_ms()).unwrap_or_default();
        let today = doorstep_core::uk_time::today(now);
        match retention.runs(1).await {
            Ok(runs)
                if runs
                    .first()
                    .is_some_and(|r| r.as_of == today && r.finished_at.is_some()) =>
            {
                continue;
            }
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = %e, "cannot read the retention runs; trying again in an hour");
                continue;
            }
        }
        let clock = clock.clone();
        match run(
            retention.as_ref(),
            schedule,
            map,
            today,
            BY_SCHEDULE,
            || clock.now_ms(),
        )
        .await
        {
            Ok(s) => tracing::info!(
                scanned = s.scanned,
                disposed = s.total(),
                held_back = s.held_back,
                audit_lines = s.audit_lines,
                "daily retention done"
            ),
            Err(e) => {
                tracing::error!(error = %e, "daily retention failed; trying again in an hour")
            }
        }
    }
}

/// Of a batch, the disposals whose record is still as it was read (`current` holds each
/// record's seq and stored copy as it is now), and the keys of those that changed.
pub fn still_as_read<'a>(
    batch: &'a [Disposal],
    current: &HashMap<RecordKey, (i64, StoredRecord)>,
) -> (Vec<(&'a Disposal, StoredRecord)>, Vec<RecordKey>) {
    let mut rows = Vec::new();
    let mut changed = Vec::new();
    for d in batch {
        match current.get(&d.key) {
            Some((seq, stored)) if *seq == d.seq && stored.team_id == d.team_id => {
                rows.push((d, stored.clone()));
            }
            _ => changed.push(d.key.clone()),
        }
    }
    (rows, changed)
}
