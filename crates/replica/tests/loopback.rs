//! Laptops and a real hub over loopback: real SQLCipher stores on each side, the real
//! hub (embedded SQLite) on port 0, and the real HTTP client in between.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is a failed test

mod support;
use support::{enrolment_code, household_draft, laptop_store};

use std::sync::Mutex;

use doorstep_core::security::{AnswerValue, Template, YesNo};
use doorstep_core::sync_status::{ConflictChoice, SyncProgress};
use doorstep_core::{ChangeSource, HouseholdDraft, PersonDraft, Role};
use doorstep_hub::{AppState, Clock, HubConfig, SharedStore};
use doorstep_replica::conflicts::{conflict_views, decide_conflict};
use doorstep_replica::set_aside;
use doorstep_replica::{StoreAccess, SyncError, Syncer, enrol};
use doorstep_store::{DataFolder, Store, SyncedRecord};
use doorstep_sync::Backoff;
use tempfile::TempDir;
use tokio::net::TcpListener;

const TEMPLATE: &str = include_str!("../../../assets/templates/home-security-survey.toml");

/// A hub on a loopback port, on an embedded SQLite file.
struct Hub {
    url: String,
    store: SharedStore,
    team: String,
    _dir: TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Hub {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("hub.db").display());
        let store = doorstep_hub::open(&url).await.unwrap();
        let now = Clock::system().now_ms();
        store.create_org("Testshire Council", now).await.unwrap();
        let team = store
            .add_team("Testshire Council", "North", now)
            .await
            .unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = AppState::new(store.clone(), HubConfig::default());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            doorstep_hub::serve(listener, state, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Self {
            url: format!("http://{addr}"),
            store,
            team,
            _dir: dir,
            shutdown: Some(tx),
        }
    }

    /// A hub user in the first team and a one-time code for them.
    async fn code_for(&self, name: &str, role: Role) -> String {
        self.code_in_team(&self.team, name, role).await
    }

    /// A hub user in `team` and a one-time code for them.
    async fn code_in_team(&self, team: &str, name: &str, role: Role) -> String {
        enrolment_code(&self.store, team, name, role, Clock::system().now_ms()).await
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// One laptop: its own encrypted store, enrolled with the hub.
struct Laptop {
    store: Mutex<Store>,
    syncer: tokio::sync::Mutex<Syncer>,
    _folder: DataFolder,
    _dir: TempDir,
}

impl Laptop {
    async fn enrolled(hub: &Hub, name: &str, role: Role) -> Self {
        let code = hub.code_for(name, role).await;
        Self::enrolled_with(hub, &code, name, role).await
    }

    async fn enrolled_with(hub: &Hub, code: &str, name: &str, role: Role) -> Self {
        let local = laptop_store(name, role);
        let laptop = Self {
            store: Mutex::new(local.store),
            syncer: tokio::sync::Mutex::new(Syncer::with_backoff(Backoff::immediate(2))),
            _folder: local.folder,
            _dir: local.dir,
        };
        let link = enrol(&laptop.store, &hub.url, code, "Test laptop")
            .await
            .unwrap();
        assert_eq!(link.user_name, name);
        laptop
    }

    async fn sync(&self) -> doorstep_replica::SyncReport {
        self.try_sync().await.unwrap()
    }

    async fn try_sync(&self) -> Result<doorstep_replica::SyncReport, SyncError> {
        let progress = |_: SyncProgress| {};
        self.syncer.lock().await.sync(&self.store, &progress).await
    }

    fn with<R>(&self, f: impl FnOnce(&mut Store) -> R) -> R {
        f(&mut self.store.lock().unwrap())
    }

    fn record(&self, entity: &str, id: &str) -> Option<SyncedRecord> {
        self.with(|s| s.synced_record(entity, id).unwrap())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_laptops_edit_one_household_offline_and_everyone_converges() {
    let hub = Hub::start().await;
    let ann = Laptop::enrolled(&hub, "Ann Testwell", Role::Officer).await;
    let bob = Laptop::enrolled(&hub, "Bob Samplefield", Role::Officer).await;
    let sam = Laptop::enrolled(&hub, "Sam Checkley", Role::Supervisor).await;
    let template = Template::from_toml(TEMPLATE).unwrap();

    // Ann records a household and starts its survey; everyone receives it.
    let (household, survey) = ann.with(|s| {
        let h = s
            .create_household(&household_draft("1 Example Row", ""), ChangeSource::Ui)
            .unwrap();
        let survey = s
            .start_survey(h.id, None, &template, ChangeSource::Ui)
            .unwrap();
        (h, survey)
    });
    let sent = ann.sync().await;
    assert!(sent.sent >= 2, "{sent:?}");
    bob.sync().await;
    assert_eq!(
        bob.record("household", &household.id.to_string()),
        ann.record("household", &household.id.to_string()),
        "Bob holds Ann's household exactly"
    );

    // Offline, both edit it: different ordinary fields, and the same guarded answer
    // (the domestic abuse flag) differently.
    let edited = |line_2: Option<&str>, town: &str| HouseholdDraft {
        address_line_2: line_2.unwrap_or_default().to_owned(),
        town: town.into(),
        ..household_draft("1 Example Row", "")
    };
    ann.with(|s| {
        s.update_household(
            household.id,
            &edited(Some("Flat 2"), "Testbury"),
            ChangeSource::Ui,
        )
        .unwrap();
        s.save_answer(
            survey.id,
            &template,
            "da_concern",
            Some(AnswerValue::YesNo(YesNo::Yes)),
            ChangeSource::Ui,
        )
        .unwrap();
    });
    bob.with(|s| {
        s.update_household(
            household.id,
            &edited(None, "Testbury Vale"),
            ChangeSource::Ui,
        )
        .unwrap();
        s.save_answer(
            survey.id,
            &template,
            "da_concern",
            Some(AnswerValue::YesNo(YesNo::No)),
            ChangeSource::Ui,
        )
        .unwrap();
    });

    // Both sync (Bob twice: a retried sync changes nothing), then everyone again.
    ann.sync().await;
    bob.sync().await;
    bob.sync().await;
    for laptop in [&ann, &bob, &sam] {
        laptop.sync().await;
    }

    // Ordinary fields merged; the guarded answer is the hub's (Ann's, first to arrive).
    let h_id = household.id.to_string();
    let s_id = survey.id.to_string();
    let reference = ann.record("household", &h_id).unwrap();
    assert_eq!(reference.fields["address_line_2"], "Flat 2");
    assert_eq!(reference.fields["town"], "Testbury Vale");
    for laptop in [&bob, &sam] {
        assert_eq!(laptop.record("household", &h_id).as_ref(), Some(&reference));
        assert_eq!(laptop.record("survey", &s_id), ann.record("survey", &s_id));
    }
    let kept = ann.record("survey", &s_id).unwrap();
    assert_eq!(
        kept.fields["answers.da_concern"],
        serde_json::json!({"type": "yes_no", "value": "yes"})
    );

    // The supervisor sees the conflict exactly once, with both values and who set them.
    let conflicts = sam.with(|s| conflict_views(s).unwrap());
    assert_eq!(conflicts.len(), 1, "{conflicts:#?}");
    let conflict = &conflicts[0];
    assert_eq!(conflict.field, "Domestic abuse concern");
    assert_eq!(conflict.kept_by, "Ann Testwell");
    assert_eq!(conflict.other_by, "Bob Samplefield");
    assert!(
        conflict.record.contains("1 Example Row"),
        "{}",
        conflict.record
    );
    assert!(conflict.decision.is_none());

    // An officer may not see or decide it.
    assert!(matches!(
        ann.with(|s| conflict_views(s)),
        Err(SyncError::NotAllowed(_))
    ));

    // Sam takes Bob's answer; the decision is an edit that syncs to everyone.
    let after = sam.with(|s| decide_conflict(s, &conflict.id, ConflictChoice::TakeOther).unwrap());
    assert!(after[0].decision.is_some());
    sam.sync().await;
    for laptop in [&ann, &bob, &sam] {
        laptop.sync().await;
    }
    for laptop in [&ann, &bob, &sam] {
        let survey = laptop.record("survey", &s_id).unwrap();
        assert_eq!(
            survey.fields["answers.da_concern"],
            serde_json::json!({"type": "yes_no", "value": "no"})
        );
        assert_eq!(laptop.with(|s| s.outbox_pending().unwrap()), 0);
    }
    // Only a supervisor's laptop ever holds both values of a guarded field.
    for officer in [&ann, &bob] {
        assert_eq!(officer.record("conflict", &conflict.id), None);
    }
    let decided = sam.record("conflict", &conflict.id).unwrap();
    assert_eq!(decided.fields["status"], "decided");
    // Still exactly one conflict, now decided, after all that syncing.
    let conflicts = sam.with(|s| conflict_views(s).unwrap());
    assert_eq!(conflicts.len(), 1);
    assert_eq!(
        conflicts[0].decision.as_ref().map(|d| d.chosen),
        Some(ConflictChoice::TakeOther)
    );
}

/// The hub's `open` audit lines, oldest first.
async fn open_lines(hub: &Hub) -> Vec<doorstep_hub::model::AuditEntry> {
    hub.store
        .audit(10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "open")
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_household_opened_on_the_laptop_reaches_the_hubs_audit_log_once() {
    let hub = Hub::start().await;
    let ann = Laptop::enrolled(&hub, "Ann Testwell", Role::Officer).await;
    let device = ann.with(|s| s.hub_link().unwrap().unwrap().hub_device_id);
    let household = ann.with(|s| {
        s.create_household(&household_draft("4 Example Row", ""), ChangeSource::Ui)
            .unwrap()
            .id
    });
    let opened_at = chrono::Utc::now();
    ann.with(|s| s.open_household_page(household, opened_at).unwrap());

    let report = ann.sync().await;
    assert_eq!(report.sent, 1, "the household itself went");
    assert_eq!(report.openings_sent, 1, "and who opened it");
    let lines = open_lines(&hub).await;
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    assert_eq!(line.entity.as_deref(), Some("household"));
    assert_eq!(line.entity_id, Some(household.to_string()));
    assert_eq!(line.device_id, Some(device.to_string()), "this laptop");
    let enrolled = hub
        .store
        .audit(10_000)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.action == "enrol")
        .unwrap();
    assert_eq!(line.user_id, enrolled.user_id, "the laptop's hub user");
    assert_eq!(line.at, opened_at.timestamp_millis());
    assert!(
        line.outcome.starts_with("opened by Ann Testwell at "),
        "the person signed in on the laptop: {}",
        line.outcome
    );
    assert_eq!(
        ann.with(|s| s.unsent_household_opening_count().unwrap()),
        0,
        "marked sent"
    );

    // A second sync sends nothing and adds nothing.
    let report = ann.sync().await;
    assert_eq!(report.openings_sent, 0);
    assert_eq!(open_lines(&hub).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openings_the_hub_refuses_wait_and_the_records_still_sync() {
    let hub = Hub::start().await;
    let ann = Laptop::enrolled(&hub, "Ann Testwell", Role::Officer).await;
    let household = ann.with(|s| {
        s.create_household(&household_draft("5 Example Row", ""), ChangeSource::Ui)
            .unwrap()
            .id
    });
    // The laptop's clock ran an hour ahead when the page was opened: the hub refuses the
    // opening until that time has come.
    let ahead = chrono::Utc::now() + chrono::TimeDelta::hours(1);
    ann.with(|s| s.record_household_opening(household, ahead).unwrap());

    let report = ann.sync().await;
    assert_eq!(report.sent, 1, "the records are not held up");
    assert_eq!(report.openings_sent, 0);
    assert!(open_lines(&hub).await.is_empty());
    assert_eq!(
        ann.with(|s| s.unsent_household_opening_count().unwrap()),
        1,
        "kept for the next sync"
    );
    let log = ann.with(|s| s.sync_log().unwrap());
    assert!(log.last_error.is_none(), "the sync succeeded: {log:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_laptop_is_told_to_wipe_and_a_spent_code_is_refused() {
    let hub = Hub::start().await;
    let ann = Laptop::enrolled(&hub, "Ann Testwell", Role::Officer).await;
    ann.with(|s| {
        s.create_household(&household_draft("2 Example Row", ""), ChangeSource::Ui)
            .unwrap()
    });
    ann.sync().await;

    // The same code again: refused, and nothing about the hub is stored.
    let cat = laptop_store("Cat Example", Role::Officer);
    let other = Mutex::new(cat.store);
    let err = enrol(&other, &hub.url, "AAAAA-BBBBB-CCCCC", "Test laptop")
        .await
        .unwrap_err();
    assert!(!err.is_offline(), "{err}");
    assert!(other.with_store(|s| s.hub_link()).unwrap().is_none());
    let err = enrol(&other, "ftp://hub.example", "AAAAA-BBBBB-CCCCC", "x")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            SyncError::BadInput {
                field: "hub_url",
                ..
            }
        ),
        "{err:?}"
    );

    let devices = hub.store.devices().await.unwrap();
    let device = devices.first().unwrap();
    hub.store
        .revoke_device(&device.id, Clock::system().now_ms())
        .await
        .unwrap();
    // A new syncer has no access token: its refresh is refused with the wipe instruction.
    let fresh = Syncer::with_backoff(Backoff::immediate(2));
    *ann.syncer.lock().await = fresh;
    let err = ann.try_sync().await.unwrap_err();
    assert!(err.must_wipe(), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_hub_is_offline_and_the_outbox_waits() {
    let hub = Hub::start().await;
    let ann = Laptop::enrolled(&hub, "Ann Testwell", Role::Officer).await;
    ann.with(|s| {
        s.create_household(&household_draft("3 Example Row", ""), ChangeSource::Ui)
            .unwrap()
    });
    let url = hub.url.clone();
    drop(hub);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let err = ann.try_sync().await.unwrap_err();
    assert!(err.is_offline(), "{err:?} (hub was {url})");
    assert_eq!(ann.with(|s| s.outbox_pending().unwrap()), 1);
    let log = ann.with(|s| s.sync_log().unwrap());
    assert!(
        log.last_error
            .is_some_and(|e| e.contains("cannot be reached")),
        "the sync log says why, in words"
    );
    assert!(log.last_synced_at.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_to_a_household_moved_to_another_team_are_set_aside_and_sync_goes_on() {
    let hub = Hub::start().await;
    let now = Clock::system().now_ms();
    let south = hub
        .store
        .add_team("Testshire Council", "South", now)
        .await
        .unwrap();
    let ann = Laptop::enrolled(&hub, "Ann Testwell", Role::Officer).await;
    let code = hub.code_in_team(&south, "Bea Southby", Role::Officer).await;
    let bea = Laptop::enrolled_with(&hub, &code, "Bea Southby", Role::Officer).await;

    let household = ann.with(|s| {
        s.create_household(&household_draft("4 Example Row", ""), ChangeSource::Ui)
            .unwrap()
    });
    ann.sync().await;
    let id = household.id.to_string();

    // Offline, Ann corrects it and records another; meanwhile it moves to South.
    ann.with(|s| {
        s.update_household(
            household.id,
            &HouseholdDraft {
                address_line_2: "Flat 1".into(),
                ..household_draft("4 Example Row", "")
            },
            ChangeSource::Ui,
        )
        .unwrap();
        s.add_person(
            &PersonDraft::named(household.id, "Noor Kindlewood"),
            chrono::Utc::now().date_naive(),
            ChangeSource::Ui,
        )
        .unwrap();
        s.create_household(&household_draft("5 Example Row", ""), ChangeSource::Ui)
            .unwrap();
    });
    let moved = hub
        .store
        .transfer_household(&id, &south, Clock::system().now_ms())
        .await
        .unwrap();
    assert_eq!(moved.moved.len(), 1);

    // Sync does not stall: the moved household leaves Ann's laptop, her edit of it and
    // the resident she added are kept aside, and her other household reaches the hub.
    let report = ann.sync().await;
    assert_eq!(report.set_aside, 2, "{report:?}");
    assert_eq!(ann.record("household", &id), None);
    assert_eq!(ann.with(|s| s.outbox_pending().unwrap()), 0);
    let kept = ann.with(|s| s.set_aside_changes().unwrap());
    let kinds: Vec<&str> = kept.iter().map(|c| c.entity.as_str()).collect();
    assert_eq!(kinds, ["household", "person"]);
    assert_eq!(kept[0].entity_id, id);
    assert_eq!(
        kept[1].fields.get("full_name"),
        Some(&serde_json::json!("Noor Kindlewood"))
    );
    assert_eq!(
        kept[0].fields.get("address_line_2"),
        Some(&serde_json::json!("Flat 1"))
    );
    let log = ann.with(|s| s.sync_log().unwrap());
    assert_eq!(log.last_error, None);
    let views = ann.with(|s| set_aside::set_aside_views(s).unwrap());
    let records: Vec<&str> = views.iter().map(|v| v.record.as_str()).collect();
    assert_eq!(
        records,
        [
            "Household for 4 Example Row, TE1 1ST",
            "Resident for 4 Example Row, TE1 1ST"
        ]
    );
    assert!(views.iter().all(|v| v.made_by == "Ann Testwell"));
    assert_eq!(ann.with(|s| set_aside::set_aside_visible(s).unwrap()), 2);

    // South's laptop holds the household as the hub has it, without the refused edit;
    // Ann's other household stays in North.
    bea.sync().await;
    let held = bea.record("household", &id).expect("South holds it");
    assert_eq!(
        held.fields.get("address_line_2"),
        Some(&serde_json::Value::Null)
    );
    assert_eq!(bea.with(|s| s.household_count().unwrap()), 1);

    // The next sync is quiet, and the set-aside edit is still there.
    let again = ann.sync().await;
    assert_eq!((again.sent, again.set_aside), (0, 0), "{again:?}");
    assert_eq!(ann.with(|s| s.set_aside_count().unwrap()), 2);

    // Once Ann has passed the household's edit on, she removes it; an unknown id is
    // refused and removes nothing.
    let household_change = kept[0].change_id.to_string();
    let left = ann.with(|s| set_aside::discard_set_aside(s, &household_change).unwrap());
    let records: Vec<&str> = left.iter().map(|v| v.record.as_str()).collect();
    assert_eq!(records, ["Resident for 4 Example Row, TE1 1ST"]);
    let refused = ann.with(|s| set_aside::discard_set_aside(s, &household_change));
    assert!(
        matches!(refused, Err(SyncError::NotAllowed(_))),
        "{refused:?}"
    );
    assert_eq!(ann.with(|s| s.set_aside_count().unwrap()), 1);
}

/// An answer as the survey form sends it.
fn answer(kind: &str, value: serde_json::Value) -> doorstep_core::security::AnswerValue {
    serde_json::from_value(serde_json::json!({ "type": kind, "value": value })).unwrap()
}

/// Why the test's plan edit failed.
#[derive(Debug)]
#[expect(dead_code, reason = "read through Debug when the test fails")]
enum PlanFailure {
    Store(doorstep_store::StoreError),
    Step(doorstep_core::security::TransitionError),
}

impl From<doorstep_store::StoreError> for PlanFailure {
    fn from(e: doorstep_store::StoreError) -> Self {
        Self::Store(e)
    }
}

impl From<doorstep_core::security::TransitionError> for PlanFailure {
    fn from(e: doorstep_core::security::TransitionError) -> Self {
        Self::Step(e)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_approved_in_the_console_reaches_the_officers_laptop_with_its_work_orders() {
    use base64::Engine as _;
    use doorstep_core::built_in;
    use doorstep_core::security::plan::propose_plan;
    use doorstep_core::security::{
        Catalogue, PlanActor, PlanContext, PlanStatus, PlanStep, Policy,
    };
    use doorstep_hub::casework::decide::{Approver, Decision};
    use doorstep_hub::casework::{PlanDecisionRequest, Scope};
    use serde_json::json;

    let hub = Hub::start().await;
    let officer = Laptop::enrolled(&hub, "Olive Officer", Role::Officer).await;
    let supervisor = hub
        .store
        .add_user(
            &hub.team,
            "Sue Super",
            Role::Supervisor,
            Clock::system().now_ms(),
        )
        .await
        .unwrap();
    let template = Template::from_toml(TEMPLATE).unwrap();
    let policy = Policy::from_toml(built_in::POLICY.1).unwrap();
    let catalogue = Catalogue::from_toml(built_in::CATALOGUE.1).unwrap();
    let choice = |v: &str| json!({"type": "choice", "value": v});
    let yes_no = |v: &str| json!({"type": "yes_no", "value": v});
    let given = vec![
        ("survey_reason", answer("choice", json!("burglary_victim"))),
        ("repeat_victim", answer("yes_no", json!("no"))),
        (
            "doors",
            answer(
                "group",
                json!([{
                    "door_position": choice("back"), "door_material": choice("upvc"),
                    "door_condition": choice("sound"), "door_multipoint": choice("working"),
                    "door_cylinder": choice("unmarked"), "door_cylinder_projects": yes_no("yes"),
                    "door_glazing": choice("none"),
                }]),
            ),
        ),
        (
            "windows",
            answer(
                "group",
                json!([{
                    "window_location": choice("ground_rear"), "window_escape": yes_no("no"),
                    "window_key_lock": choice("none"),
                }]),
            ),
        ),
        ("side_gate", answer("choice", json!("none_open_access"))),
        ("front_light", answer("choice", json!("pir"))),
        ("rear_light", answer("choice", json!("none"))),
        ("lives_alone", answer("yes_no", json!("yes"))),
        ("tenure", answer("choice", json!("owner"))),
        ("da_concern", answer("yes_no", json!("no"))),
        ("feel_safe", answer("number", json!(2))),
    ];
    let signature = base64::engine::general_purpose::STANDARD
        .decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
        .unwrap();
    // The officer surveys, drafts a plan and the resident agrees it, on the laptop.
    let plan_id = officer.with(|s| {
        let household = s
            .create_household(
                &HouseholdDraft {
                    postcode: "ZY5 2AB".into(),
                    ..household_draft("14 Lantern Walk", "")
                },
                ChangeSource::Ui,
            )
            .unwrap();
        s.add_person(
            &PersonDraft::named(household.id, "Ada Example"),
            chrono::Utc::now().date_naive(),
            ChangeSource::Ui,
        )
        .unwrap();
        let survey = s
            .start_survey(household.id, None, &template, ChangeSource::Ui)
            .unwrap();
        for (item, value) in &given {
            s.save_answer(
                survey.id,
                &template,
                item,
                Some(value.clone()),
                ChangeSource::Ui,
            )
            .unwrap();
        }
        let survey = s.survey(survey.id).unwrap();
        let ctx = PlanContext {
            template: &template,
            answers: &survey.answers,
            policy: &policy,
            catalogue: &catalogue,
        };
        let by = PlanActor {
            officer_id: s.officer().id,
            role: Role::Officer,
        };
        let plan = propose_plan(&ctx, survey.id, by, chrono::Utc::now()).unwrap();
        let plan = s.save_new_plan(&plan, ChangeSource::Ui).unwrap();
        let signature_ref = s
            .add_image(&signature, 64 * 1024, "signature", ChangeSource::Ui)
            .unwrap();
        s.change_plan(plan.id, ChangeSource::Ui, |p| -> Result<(), PlanFailure> {
            Ok(p.apply(
                &ctx,
                PlanStep::Agree {
                    resident_name: "Ada Example".into(),
                    signature_ref,
                    disclaimer_version: policy.disclaimer_version.clone(),
                },
                by,
                chrono::Utc::now(),
            )?)
        })
        .unwrap();
        plan.id
    });
    officer.sync().await;

    // The team's supervisor approves it in the console (the function its form calls).
    let casework = hub.store.casework().unwrap();
    let scope = Scope::of(Role::Supervisor, &hub.team).unwrap();
    let held = casework
        .plan(&scope, &plan_id.to_string())
        .await
        .unwrap()
        .expect("the hub holds the agreed plan");
    let approved = casework
        .decide_plan(
            &scope,
            PlanDecisionRequest {
                plan_id: plan_id.to_string(),
                seen_seq: held.updated_seq,
                approver: Approver {
                    user: supervisor.parse().unwrap(),
                    role: Role::Supervisor,
                    hub_device: hub.store.hub_identity().device_id,
                },
                decision: Decision::Approve {
                    over_cap_reason: Some("The panel agreed the extra spend".into()),
                },
                now: Clock::system().now_ms(),
            },
        )
        .await
        .unwrap()
        .expect("the supervisor may approve it");
    assert!(!approved.orders.is_empty());

    // The laptop's next sync brings the approval and the work orders the hub raised.
    officer.sync().await;
    officer.with(|s| {
        let plan = s.plan(plan_id).unwrap();
        assert_eq!(plan.status, PlanStatus::Ordered);
        let approval = plan.approval.expect("the approval is recorded");
        assert_eq!(approval.by.officer_id.to_string(), supervisor);
        let orders = s.work_orders_for_plan(plan_id).unwrap();
        let numbers: Vec<&str> = orders.iter().map(|o| o.number.as_str()).collect();
        let raised: Vec<&str> = approved.orders.iter().map(|o| o.number.as_str()).collect();
        assert_eq!(numbers, raised);
        assert!(orders.iter().all(|o| o.contact_name == "Ada Example"));
    });
    // And nothing more is waiting either way.
    let again = officer.sync().await;
    assert_eq!(again.sent, 0, "{again:?}");
}

/// Every text the plaintext copy of a laptop's store holds: its SQLCipher file decrypted
/// with `sqlcipher_export` into a plain database, read as bytes.
fn decrypted_bytes(laptop: &Laptop, dir: &std::path::Path, name: &str) -> Vec<u8> {
    let path = dir.join(format!("{name}.plain.db"));
    laptop.with(|s| {
        let conn = s.connection_for_benchmarks();
        conn.execute(
            "ATTACH DATABASE ?1 AS plain KEY ''",
            [path.to_str().unwrap()],
        )
        .unwrap();
        conn.query_row("SELECT sqlcipher_export('plain')", [], |_| Ok(()))
            .unwrap();
        conn.execute_batch("DETACH DATABASE plain").unwrap();
    });
    std::fs::read(&path).unwrap()
}

/// The hub's database file and its write-ahead log, as bytes.
fn hub_file_bytes(hub: &Hub) -> Vec<u8> {
    let db = hub._dir.path().join("hub.db");
    let mut bytes = std::fs::read(&db).unwrap();
    if let Ok(wal) = std::fs::read(db.with_extension("db-wal")) {
        bytes.extend(wal);
    }
    bytes
}

fn holds(bytes: &[u8], marker: &str) -> bool {
    bytes.windows(marker.len()).any(|w| w == marker.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erased_household_leaves_no_trace_on_the_hub_or_either_laptop() {
    use base64::Engine as _;
    use doorstep_core::privacy::request::{RequestDates, RequestKind};
    use doorstep_hub::privacy::NewRequest;

    // Markers of the person to erase, and of a neighbour who stays.
    const NAME: &str = "Marla Quenby-Erasetest";
    const PHONE: &str = "07700 900471";
    const STREET: &str = "17 Forgetme Row";
    const PHOTO: &str = "PHOTO-MARKER-ERASE-7731";
    const EDITED: &str = "Marla Offline-Edit";
    const KEPT: &str = "Kept Lindqvist-Staytest";

    let hub = Hub::start().await;
    let ann = Laptop::enrolled(&hub, "Ann Officer", Role::Officer).await;
    let bob = Laptop::enrolled(&hub, "Bob Officer", Role::Officer).await;
    let template = Template::from_toml(TEMPLATE).unwrap();
    // A photo whose bytes carry a marker in a text chunk before IEND.
    let png = base64::engine::general_purpose::STANDARD
        .decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
        .unwrap();
    let (image, end) = png.split_at(png.len() - 12);
    let mut photo = image.to_vec();
    photo.extend(u32::try_from(PHOTO.len()).unwrap().to_be_bytes());
    photo.extend(b"tEXt");
    photo.extend(PHOTO.as_bytes());
    photo.extend([0; 4]);
    photo.extend(end);

    let (household, person) = ann.with(|s| {
        let h = s
            .create_household(&household_draft(STREET, ""), ChangeSource::Ui)
            .unwrap();
        let p = s
            .add_person(
                &PersonDraft {
                    phone: PHONE.into(),
                    ..PersonDraft::named(h.id, NAME)
                },
                chrono::Utc::now().date_naive(),
                ChangeSource::Ui,
            )
            .unwrap();
        let survey = s
            .start_survey(h.id, None, &template, ChangeSource::Ui)
            .unwrap();
        s.add_survey_photo(
            survey.id,
            "doors",
            "door.png",
            &photo,
            1 << 20,
            ChangeSource::Ui,
        )
        .unwrap();
        let kept = s
            .create_household(&household_draft("19 Staying Row", ""), ChangeSource::Ui)
            .unwrap();
        s.add_person(
            &PersonDraft::named(kept.id, KEPT),
            chrono::Utc::now().date_naive(),
            ChangeSource::Ui,
        )
        .unwrap();
        (h, p)
    });
    ann.sync().await;
    bob.sync().await;
    assert!(bob.record("person", &person.id.to_string()).is_some());

    // Offline, Bob corrects the resident's name: a change the hub will only get after it
    // has erased her.
    bob.with(|s| {
        s.update_person(
            person.id,
            &PersonDraft {
                phone: PHONE.into(),
                ..PersonDraft::named(household.id, EDITED)
            },
            chrono::Utc::now().date_naive(),
            ChangeSource::Ui,
        )
        .unwrap();
    });

    // The DPO records the request; a legal hold refuses the erasure, and lifting it lets
    // the erasure go ahead.
    let privacy = hub.store.privacy().unwrap();
    let dpo = hub
        .store
        .add_user(&hub.team, "Dee Pio", Role::Dpo, Clock::system().now_ms())
        .await
        .unwrap();
    let now = Clock::system().now_ms();
    let today = chrono::Utc::now().date_naive();
    let audit = |action: &str| doorstep_hub::model::AuditEntry {
        at: now,
        user_id: Some(dpo.clone()),
        device_id: None,
        action: action.into(),
        entity: None,
        entity_id: None,
        outcome: "ok".into(),
    };
    let request = privacy
        .add_request(
            NewRequest {
                kind: RequestKind::Erasure,
                reference: "ER-2026-001".into(),
                household_id: household.id.to_string(),
                person_id: None,
                dates: RequestDates::new(today, today).unwrap(),
                created_by: dpo.clone(),
                created_at: now,
            },
            audit("console.privacy-request"),
        )
        .await
        .unwrap();
    privacy
        .place_hold(
            doorstep_hub::privacy::Hold {
                household_id: household.id.to_string(),
                reason: "claim 2026/14".into(),
                placed_by: dpo.clone(),
                placed_at: now,
            },
            audit("console.privacy-hold"),
        )
        .await
        .unwrap();
    let held = privacy.erase(&request, &dpo, now).await.unwrap_err();
    assert!(
        held.to_string().contains("legal hold (claim 2026/14)"),
        "{held}"
    );
    assert!(
        holds(&hub_file_bytes(&hub), NAME),
        "nothing was erased while held"
    );
    privacy
        .lift_hold(&household.id.to_string(), audit("console.privacy-hold"))
        .await
        .unwrap();
    let erased = privacy.erase(&request, &dpo, now).await.unwrap();
    assert_eq!(
        erased.records, 4,
        "household, resident, survey and photo: {erased:?}"
    );
    assert!(erased.attachments >= 1, "{erased:?}");

    // Bob's offline edit is taken in and thrown away; both laptops drop the household.
    let bob_report = bob.sync().await;
    assert_eq!(
        bob.with(|s| s.outbox_pending().unwrap()),
        0,
        "Bob's outbox empties: {bob_report:?}"
    );
    ann.sync().await;
    for laptop in [&ann, &bob] {
        assert!(
            laptop
                .record("household", &household.id.to_string())
                .is_none()
        );
        assert!(laptop.record("person", &person.id.to_string()).is_none());
    }

    // Nothing of her is left in any file: the hub's, and both laptops' stores decrypted.
    let scratch = tempfile::tempdir().unwrap();
    let files = [
        ("hub", hub_file_bytes(&hub)),
        ("ann", decrypted_bytes(&ann, scratch.path(), "ann")),
        ("bob", decrypted_bytes(&bob, scratch.path(), "bob")),
    ];
    for (name, bytes) in &files {
        for marker in [NAME, PHONE, STREET, PHOTO, EDITED] {
            assert!(!holds(bytes, marker), "{name} still holds {marker:?}");
        }
        assert!(
            holds(bytes, KEPT),
            "{name}: the scan reads the file (the neighbour stays)"
        );
    }

    // The audit log holds the erasure, naming records by id, without what they held.
    let log = hub.store.audit(10_000).await.unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == "privacy.erasure" && e.entity_id.as_deref() == Some(&request)),
        "the erasure is audited"
    );
    assert!(log.iter().any(|e| e.action == "privacy.erase"
        && e.entity_id.as_deref() == Some(person.id.to_string().as_str())));
    assert!(
        log.iter()
            .any(|e| e.action == "write" && e.outcome == "erased")
    );
    for entry in &log {
        let line = format!("{entry:?}");
        for marker in [NAME, PHONE, STREET, PHOTO, EDITED] {
            assert!(
                !line.contains(marker),
                "audit line holds {marker:?}: {line}"
            );
        }
    }
    let decided = privacy.request(&request).await.unwrap().unwrap();
    assert_eq!(decided.erased, Some(4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restricted_household_is_read_only_on_the_laptop_and_offline_edits_are_set_aside() {
    use doorstep_core::privacy::request::{Decision, RequestDates, RequestKind};
    use doorstep_core::privacy::restriction::RESTRICTED_SENTENCE;
    use doorstep_hub::privacy::NewRequest;
    use doorstep_store::StoreError;

    let hub = Hub::start().await;
    let ann = Laptop::enrolled(&hub, "Ann Testwell", Role::Officer).await;
    let (household, person) = ann.with(|s| {
        let h = s
            .create_household(&household_draft("8 Example Row", ""), ChangeSource::Ui)
            .unwrap();
        let p = s
            .add_person(
                &PersonDraft::named(h.id, "Rae Restrictwell"),
                chrono::Utc::now().date_naive(),
                ChangeSource::Ui,
            )
            .unwrap();
        (h, p)
    });
    ann.sync().await;
    let id = household.id.to_string();

    // Offline, Ann corrects the resident and adds another household; meanwhile the DPO
    // restricts the first one at the resident's request.
    ann.with(|s| {
        s.update_person(
            person.id,
            &PersonDraft {
                phone: "07700 900555".into(),
                ..PersonDraft::named(household.id, "Rae Restrictwell")
            },
            chrono::Utc::now().date_naive(),
            ChangeSource::Ui,
        )
        .unwrap();
        s.create_household(&household_draft("9 Example Row", ""), ChangeSource::Ui)
            .unwrap();
    });
    let privacy = hub.store.privacy().unwrap();
    let dpo = hub
        .store
        .add_user(&hub.team, "Dee Pio", Role::Dpo, Clock::system().now_ms())
        .await
        .unwrap();
    let now = Clock::system().now_ms();
    let today = chrono::Utc::now().date_naive();
    let audit = doorstep_hub::model::AuditEntry {
        at: now,
        user_id: Some(dpo.clone()),
        device_id: None,
        action: "console.privacy-request".into(),
        entity: None,
        entity_id: None,
        outcome: "ok".into(),
    };
    let request = privacy
        .add_request(
            NewRequest {
                kind: RequestKind::Restriction,
                reference: "RS-2026-009".into(),
                household_id: id.clone(),
                person_id: None,
                dates: RequestDates::new(today, today).unwrap(),
                created_by: dpo.clone(),
                created_at: now,
            },
            audit.clone(),
        )
        .await
        .unwrap();
    privacy
        .decide(&request, &Decision::Granted, &dpo, now, audit)
        .await
        .unwrap();
    privacy.restrict(&request, true, &dpo, now).await.unwrap();

    // Sync does not stall: the hub refuses the batch with the resident's edit, the laptop
    // takes the restriction in, keeps the edit aside, and the other household goes.
    let report = ann.sync().await;
    assert_eq!(report.set_aside, 1, "{report:?}");
    assert_eq!(ann.with(|s| s.outbox_pending().unwrap()), 0);
    assert_eq!(ann.with(|s| s.sync_log().unwrap()).last_error, None);
    let page = ann.with(|s| s.household_page(household.id).unwrap());
    assert!(page.restricted);
    assert_eq!(
        page.restriction_notice.as_deref(),
        Some(RESTRICTED_SENTENCE)
    );
    assert_eq!(
        hub.store
            .privacy()
            .unwrap()
            .subject(&id, None)
            .await
            .unwrap()
            .residents
            .len(),
        1,
        "the hub still holds the household"
    );

    // On the laptop nothing of it may change; the refusal says what to do.
    let refused = ann.with(|s| {
        s.add_person(
            &PersonDraft::named(household.id, "Someone New"),
            chrono::Utc::now().date_naive(),
            ChangeSource::Ui,
        )
    });
    assert!(
        matches!(&refused, Err(StoreError::Restricted(r)) if r.household_id == id),
        "{refused:?}"
    );
    let quiet = ann.sync().await;
    assert_eq!((quiet.sent, quiet.set_aside), (0, 0), "{quiet:?}");

    // Lifted: the laptop hears of it and may change the household again.
    privacy
        .restrict(&request, false, &dpo, Clock::system().now_ms())
        .await
        .unwrap();
    ann.sync().await;
    assert!(
        !ann.with(|s| s.household_page(household.id).unwrap())
            .restricted
    );
    ann.with(|s| {
        s.add_person(
            &PersonDraft::named(household.id, "Someone New"),
            chrono::Utc::now().date_naive(),
            ChangeSource::Ui,
        )
        .unwrap();
    });
    let report = ann.sync().await;
    assert_eq!(report.sent, 1, "{report:?}");
}
