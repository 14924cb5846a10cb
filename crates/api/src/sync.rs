//! Background sync: whenever the store is unlocked and the laptop is enrolled, sync with
//! the hub every minute, backing off while the hub cannot be reached; "Sync now" runs
//! one at once. Every change of state goes to the window as a `sync-status` event.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use doorstep_core::sync_status::{HubLinkView, SyncActivity, SyncProgress, SyncStatus};
use doorstep_replica::{StoreAccess, SyncError, Syncer};
use doorstep_sync::Backoff;
use doorstep_sync::client::random_seed;

use doorstep_core::ChangeSource;
use doorstep_core::security::PlanId;

use crate::Api;
use crate::error::AppError;
use crate::events::AppEvent;
use crate::reference::ReferenceData;
use crate::session::{Session, guard};

/// How often an idle, online laptop syncs.
const EVERY: Duration = Duration::from_secs(60);

/// `DOORSTEP_SYNC_EVERY_SECS`, else [`EVERY`]: the window tests make it long, so that only
/// their "Sync now" syncs and the order of events they check is theirs.
fn every() -> Duration {
    std::env::var("DOORSTEP_SYNC_EVERY_SECS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .filter(|&secs| secs > 0)
        .map_or(EVERY, Duration::from_secs)
}

/// How often to look again while locked or not enrolled.
const NOT_READY: Duration = Duration::from_secs(15);

/// What the running sync is doing; the rest of the status is read from the store.
#[derive(Debug, Clone)]
struct Runtime {
    activity: SyncActivity,
    progress: Option<SyncProgress>,
    next_attempt_at: Option<DateTime<Utc>>,
    /// When a sync last changed local records.
    records_changed_at: Option<DateTime<Utc>>,
    /// Failed attempts in a row, for the backoff.
    failures: u32,
}

/// How one attempt ended, for the loop's next wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attempt {
    Synced,
    NotReady,
    Failed,
}

/// The app's sync: shared by the background loop and the commands.
#[derive(Debug)]
pub struct SyncService {
    runtime: Mutex<Runtime>,
    syncer: tokio::sync::Mutex<Syncer>,
    wake: tokio::sync::Notify,
    backoff: Backoff,
    /// The seed for the wait before the next try; random unless a recording fixed it.
    jitter: Option<u64>,
}

impl Default for SyncService {
    fn default() -> Self {
        Self {
            runtime: Mutex::new(Runtime {
                activity: SyncActivity::NotEnrolled,
                progress: None,
                next_attempt_at: None,
                records_changed_at: None,
                failures: 0,
            }),
            syncer: tokio::sync::Mutex::new(Syncer::new()),
            wake: tokio::sync::Notify::new(),
            // Up to five minutes between tries while offline.
            backoff: Backoff {
                initial: Duration::from_secs(5),
                factor: 2,
                max_delay: Duration::from_secs(300),
                max_attempts: u32::MAX,
            },
            jitter: None,
        }
    }
}

impl SyncService {
    /// A service whose waits are the same on every run (no jitter, no pauses between the
    /// client's retries), for the UI's fixture writer, which must record the same answers
    /// each time.
    pub fn predictable() -> Self {
        Self {
            syncer: tokio::sync::Mutex::new(Syncer::with_backoff(Backoff::immediate(2))),
            jitter: Some(0),
            ..Self::default()
        }
    }

    /// The status the indicator and the Sync screen show.
    pub fn status(&self, session: &Session) -> Result<SyncStatus, AppError> {
        let runtime = guard(&self.runtime).clone();
        let stored = session.with_store(|s| {
            Ok::<_, doorstep_store::StoreError>((
                s.hub_link()?,
                s.sync_log()?,
                s.outbox_pending()?,
                s.open_conflict_count()?,
                doorstep_replica::set_aside::set_aside_visible(s)?,
            ))
        });
        let (link, log, waiting, conflicts, set_aside) = match stored {
            Ok(found) => found,
            // Locked: the indicator is hidden then, so say only what the loop knows.
            Err(_) => {
                return Ok(SyncStatus {
                    activity: runtime.activity,
                    hub: None,
                    last_synced_at: None,
                    waiting: 0,
                    last_error: None,
                    progress: runtime.progress,
                    next_attempt_at: runtime.next_attempt_at,
                    open_conflicts: 0,
                    set_aside: 0,
                    records_changed_at: runtime.records_changed_at,
                });
            }
        };
        let activity = match (&link, runtime.activity) {
            (None, SyncActivity::Revoked) => SyncActivity::Revoked,
            (None, _) => SyncActivity::NotEnrolled,
            (Some(_), SyncActivity::NotEnrolled) => SyncActivity::Idle,
            (Some(_), other) => other,
        };
        Ok(SyncStatus {
            activity,
            hub: link.map(|l| HubLinkView {
                hub_url: l.hub_url,
                organisation: l.organisation,
                user_name: l.user_name,
                user_role: l.user_role,
                enrolled_at: l.enrolled_at,
            }),
            last_synced_at: log.last_synced_at,
            waiting: u32::try_from(waiting).unwrap_or(u32::MAX),
            last_error: log.last_error,
            progress: runtime.progress,
            next_attempt_at: runtime.next_attempt_at,
            open_conflicts: conflicts,
            set_aside,
            records_changed_at: runtime.records_changed_at,
        })
    }

    /// Asks the background loop to sync now (after unlocking or enrolling).
    pub fn nudge(&self) {
        self.wake.notify_one();
    }

    /// Runs one sync now and waits for it; a sync already running is waited for first.
    pub async fn sync_now(&self, api: &Api) -> Result<SyncStatus, AppError> {
        self.attempt(api).await;
        self.status(&api.session)
    }

    fn set(&self, api: &Api, change: impl FnOnce(&mut Runtime)) {
        change(&mut guard(&self.runtime));
        self.emit(api);
    }

    /// Sends the status to the window (also after a change it counts was made outside a sync).
    pub fn emit(&self, api: &Api) {
        match self.status(&api.session) {
            Ok(status) => api.events.send(AppEvent::SyncStatus(status)),
            Err(e) => tracing::warn!(error = %e, "could not read the sync status"),
        }
    }

    async fn attempt(&self, api: &Api) -> Attempt {
        let mut syncer = self.syncer.lock().await;
        let session = &api.session;
        if !session.is_unlocked() {
            return Attempt::NotReady;
        }
        self.set(api, |r| {
            r.activity = SyncActivity::Syncing;
            r.progress = None;
            r.next_attempt_at = None;
        });
        let progress = |p: SyncProgress| self.set(api, |r| r.progress = Some(p));
        let result = syncer.sync(session, &progress).await;
        let changed_records = match &result {
            Ok(report) => {
                settle_plans(
                    &api.reference.get(),
                    session,
                    &report.plans_with_work_order_news,
                );
                report.records_changed > 0 || report.took_hub_value > 0 || report.set_aside > 0
            }
            Err(_) => false,
        };
        let (activity, attempt) = match &result {
            Ok(_) => (SyncActivity::Idle, Attempt::Synced),
            Err(SyncError::Locked) => (SyncActivity::Idle, Attempt::NotReady),
            Err(SyncError::NotEnrolled) => (SyncActivity::NotEnrolled, Attempt::NotReady),
            Err(e) if e.must_wipe() => {
                syncer.reset();
                if let Err(erase) = session.erase_after_revocation() {
                    tracing::error!(error = %erase, "could not erase the store after revocation");
                }
                (SyncActivity::Revoked, Attempt::NotReady)
            }
            Err(e) if e.is_offline() => (SyncActivity::Offline, Attempt::Failed),
            Err(e) => {
                tracing::warn!(error = %e, "sync failed");
                (SyncActivity::Failed, Attempt::Failed)
            }
        };
        let (backoff, jitter) = (&self.backoff, self.jitter);
        self.set(api, |r| {
            r.activity = activity;
            r.progress = None;
            if changed_records {
                r.records_changed_at = Some(doorstep_core::clock::now());
            }
            if attempt == Attempt::Failed {
                r.failures = r.failures.saturating_add(1);
                let wait = backoff.delay(r.failures - 1, jitter.unwrap_or_else(random_seed));
                r.next_attempt_at = Some(
                    doorstep_core::clock::now()
                        + TimeDelta::from_std(wait).unwrap_or(TimeDelta::MAX),
                );
            } else {
                r.failures = 0;
                r.next_attempt_at = None;
            }
        });
        attempt
    }

    /// The background loop; never returns.
    pub async fn run(api: std::sync::Arc<Api>) {
        let service = &api.sync;
        loop {
            let wait = match service.attempt(&api).await {
                Attempt::Synced => every(),
                Attempt::NotReady => NOT_READY,
                Attempt::Failed => guard(&service.runtime)
                    .next_attempt_at
                    .and_then(|at| (at - doorstep_core::clock::now()).to_std().ok())
                    .unwrap_or_else(every),
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = service.wake.notified() => {}
            }
        }
    }
}

/// A contractor's progress arrived: each plan whose every item is now fitted moves to
/// fitted, and its follow-up is scheduled. A plan that cannot move (not all fitted, or the
/// person signed in may not take that step) is left for the screens to show as it is.
fn settle_plans(data: &ReferenceData, session: &Session, plans: &BTreeSet<String>) {
    if plans.is_empty() {
        return;
    }
    for plan in plans {
        let Ok(plan_id) = plan.parse::<PlanId>() else {
            continue;
        };
        // Through StoreAccess, so the background sync does not count as the officer's use.
        let settled = StoreAccess::with_store(session, |s| {
            Ok((|| -> Result<_, AppError> {
                let survey = s.survey(s.plan(plan_id)?.survey_id)?;
                let ctx = data.plan_context(&survey.answers)?;
                s.settle_plan_from_work_orders::<AppError>(plan_id, ctx, ChangeSource::Sync)
            })())
        })
        .map_err(AppError::from)
        .and_then(|r| r);
        if let Err(e) = settled {
            tracing::info!(plan = %plan_id, error = %e, "plan not settled from its work orders");
        }
    }
}
