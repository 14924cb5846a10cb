//! The merge rule, case by case, then its properties over random histories of three devices.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is a failed test

mod support;
use support::{field_change, instant};

use std::collections::{BTreeMap, BTreeSet};

use doorstep_core::{DeviceId, Hlc, HlcClock, OfficerId};
use doorstep_sync::merge::{
    FieldOutcome, Record, apply_from_hub, hub_values, is_guarded, merge, merge_into,
};
use doorstep_sync::protocol::{Change, DELETED_FIELD, EntityKind, HubValue, Operation};
use proptest::prelude::*;
use rstest::rstest;
use serde_json::{Value, json};
use uuid::Uuid;

/// Two devices with A < B, so HLC ties between them are predictable.
fn devices() -> (DeviceId, DeviceId) {
    let (x, y) = (DeviceId::new(), DeviceId::new());
    if x < y { (x, y) } else { (y, x) }
}

fn at(wall_ms: u64, device: DeviceId) -> Hlc {
    Hlc {
        wall_ms,
        counter: 0,
        device,
    }
}

fn change(
    entity: EntityKind,
    field: &str,
    value: Value,
    base: Option<Hlc>,
    hlc: Hlc,
    operation: Operation,
) -> Change {
    field_change(
        entity,
        "0190a4b2-0000-7000-8000-000000000001",
        operation,
        field,
        value,
        base,
        hlc,
    )
}

fn record(field: &str, value: Value, version: Hlc) -> Record {
    Record::new(
        BTreeMap::from([(field.to_owned(), value)]),
        BTreeMap::from([(field.to_owned(), version)]),
    )
}

/// Which device a clock reading in a case belongs to.
#[derive(Debug, Clone, Copy)]
enum Dev {
    A,
    B,
}

fn dev(d: Dev) -> DeviceId {
    let (a, b) = devices_fixed();
    match d {
        Dev::A => a,
        Dev::B => b,
    }
}

/// The same two devices for every case in a run.
fn devices_fixed() -> (DeviceId, DeviceId) {
    static PAIR: std::sync::OnceLock<(DeviceId, DeviceId)> = std::sync::OnceLock::new();
    *PAIR.get_or_init(devices)
}

#[rstest]
// Ordinary fields.
#[case::new_field_applies(EntityKind::Plan, "tier", None, None, ("gold", 20, Dev::B), FieldOutcome::Applied, "gold")]
#[case::based_on_current_applies(EntityKind::Plan, "tier", Some(("silver", 10, Dev::A)), Some((10, Dev::A)), ("gold", 20, Dev::B), FieldOutcome::Applied, "gold")]
#[case::concurrent_later_wins(EntityKind::Plan, "tier", Some(("silver", 20, Dev::A)), Some((10, Dev::A)), ("gold", 30, Dev::B), FieldOutcome::Won, "gold")]
#[case::concurrent_earlier_loses(EntityKind::Plan, "tier", Some(("silver", 30, Dev::A)), Some((10, Dev::A)), ("gold", 20, Dev::B), FieldOutcome::Lost, "silver")]
#[case::tie_goes_to_the_higher_device(EntityKind::Plan, "tier", Some(("silver", 20, Dev::A)), Some((10, Dev::A)), ("gold", 20, Dev::B), FieldOutcome::Won, "gold")]
#[case::tie_lost_by_the_lower_device(EntityKind::Plan, "tier", Some(("silver", 20, Dev::B)), Some((10, Dev::A)), ("gold", 20, Dev::A), FieldOutcome::Lost, "silver")]
#[case::create_of_an_existing_record_merges(EntityKind::Household, "notes", Some(("a", 10, Dev::A)), None, ("b", 20, Dev::B), FieldOutcome::Won, "b")]
#[case::based_on_a_version_never_seen_here(EntityKind::Household, "notes", None, Some((10, Dev::A)), ("b", 20, Dev::B), FieldOutcome::Won, "b")]
#[case::same_version_again_is_a_duplicate(EntityKind::Plan, "tier", Some(("gold", 20, Dev::B)), Some((10, Dev::A)), ("gold", 20, Dev::B), FieldOutcome::Duplicate, "gold")]
#[case::older_than_its_own_base_cannot_claim_a_clean_apply(EntityKind::Plan, "tier", Some(("silver", 30, Dev::A)), Some((30, Dev::A)), ("gold", 20, Dev::B), FieldOutcome::Lost, "silver")]
#[case::an_ordinary_survey_answer(EntityKind::Survey, "answers.door_viewer", Some(("yes", 20, Dev::A)), Some((10, Dev::A)), ("no", 30, Dev::B), FieldOutcome::Won, "no")]
// Guarded fields.
#[case::guarded_based_on_current_applies(EntityKind::Plan, "status", Some(("draft", 10, Dev::A)), Some((10, Dev::A)), ("approved", 20, Dev::B), FieldOutcome::Applied, "approved")]
#[case::guarded_new_field_applies(EntityKind::Referral, "consent", None, None, ("given", 20, Dev::B), FieldOutcome::Applied, "given")]
#[case::guarded_nothing_stored_applies(EntityKind::Referral, "consent", None, Some((10, Dev::A)), ("given", 20, Dev::B), FieldOutcome::Won, "given")]
#[case::guarded_concurrent_later_conflicts(EntityKind::Plan, "status", Some(("approved", 20, Dev::A)), Some((10, Dev::A)), ("declined", 30, Dev::B), FieldOutcome::Conflict, "approved")]
#[case::guarded_concurrent_earlier_conflicts(EntityKind::Plan, "status", Some(("approved", 30, Dev::A)), Some((10, Dev::A)), ("declined", 20, Dev::B), FieldOutcome::Conflict, "approved")]
#[case::guarded_same_value_agrees(EntityKind::Plan, "approval", Some(("ok", 20, Dev::A)), Some((10, Dev::A)), ("ok", 30, Dev::B), FieldOutcome::Agreed, "ok")]
#[case::guarded_duplicate_is_not_a_conflict(EntityKind::Plan, "status", Some(("declined", 20, Dev::B)), Some((10, Dev::A)), ("declined", 20, Dev::B), FieldOutcome::Duplicate, "declined")]
#[case::guarded_create_of_existing_conflicts(EntityKind::CharlieCheck, "smoker", Some(("yes", 10, Dev::A)), None, ("no", 20, Dev::B), FieldOutcome::Conflict, "yes")]
#[case::referral_outcome(EntityKind::Referral, "status", Some(("sent", 20, Dev::A)), Some((10, Dev::A)), ("closed", 30, Dev::B), FieldOutcome::Conflict, "sent")]
#[case::lawful_basis(EntityKind::Referral, "lawful_basis", Some(("vital_interests", 20, Dev::A)), Some((10, Dev::A)), ("public_task", 30, Dev::B), FieldOutcome::Conflict, "vital_interests")]
#[case::agreement(EntityKind::Plan, "agreement", Some(("signed", 20, Dev::A)), Some((10, Dev::A)), ("refused", 30, Dev::B), FieldOutcome::Conflict, "signed")]
#[case::da_flag(EntityKind::Survey, "answers.da_concern", Some(("yes", 20, Dev::A)), Some((10, Dev::A)), ("no", 30, Dev::B), FieldOutcome::Conflict, "yes")]
#[case::person_health(EntityKind::Person, "health_notes", Some(("a", 20, Dev::A)), Some((10, Dev::A)), ("b", 30, Dev::B), FieldOutcome::Conflict, "a")]
fn one_field(
    #[case] entity: EntityKind,
    #[case] field: &str,
    #[case] stored: Option<(&str, u64, Dev)>,
    #[case] base: Option<(u64, Dev)>,
    #[case] incoming: (&str, u64, Dev),
    #[case] expected: FieldOutcome,
    #[case] kept: &str,
) {
    let stored_record = stored
        .map(|(v, wall, d)| record(field, json!(v), at(wall, dev(d))))
        .unwrap_or_default();
    let (value, wall, d) = incoming;
    let c = change(
        entity,
        field,
        json!(value),
        base.map(|(w, d)| at(w, dev(d))),
        at(wall, dev(d)),
        Operation::Update,
    );
    let merged = merge(&stored_record, &c);
    assert_eq!(merged.outcome.fields.get(field), Some(&expected));
    assert_eq!(merged.record.fields.get(field), Some(&json!(kept)));
    let expected_version = if expected.applied() {
        c.hlc
    } else {
        stored_record.versions[field]
    };
    assert_eq!(merged.record.versions.get(field), Some(&expected_version));
    assert_eq!(
        merged.outcome.conflicts.len(),
        usize::from(expected == FieldOutcome::Conflict)
    );
    assert_eq!(merged.outcome.changed(), expected.applied());

    // Merging it again changes nothing.
    let again = merge(&merged.record, &c);
    assert_eq!(again.record, merged.record);
    assert!(!again.outcome.changed());
}

#[rstest]
#[case(EntityKind::Plan, "status", true)]
#[case(EntityKind::Plan, "approval", true)]
#[case(EntityKind::Plan, "agreement", true)]
#[case(EntityKind::Plan, "landlord_consent", true)]
#[case(EntityKind::Plan, "da_service_decision", true)]
#[case(EntityKind::Plan, "tier", false)]
#[case(EntityKind::Plan, "items", false)]
#[case(EntityKind::Referral, "status", true)]
#[case(EntityKind::Referral, "consent", true)]
#[case(EntityKind::Referral, "lawful_basis", true)]
#[case(EntityKind::Referral, "urgency", false)]
#[case(EntityKind::CharlieCheck, "anything_at_all", true)]
#[case(EntityKind::CharlieCheck, DELETED_FIELD, true)]
#[case(EntityKind::Survey, "answers.da_concern", true)]
#[case(EntityKind::Survey, "answers.disability_or_mobility", true)]
#[case(EntityKind::Survey, "answers.door_viewer", false)]
#[case(EntityKind::Survey, "status", false)]
#[case(EntityKind::Person, "health", true)]
#[case(EntityKind::Person, "health.conditions", true)]
#[case(EntityKind::Person, "full_name", false)]
#[case(EntityKind::Household, "status", false)]
#[case(EntityKind::Visit, "consent", false)]
fn guarded_table(#[case] entity: EntityKind, #[case] field: &str, #[case] guarded: bool) {
    assert_eq!(is_guarded(entity, field), guarded);
}

#[test]
fn every_guarded_rule_says_why() {
    let rules = doorstep_sync::merge::guarded_fields();
    assert!(rules.len() >= 10);
    assert!(
        rules
            .iter()
            .all(|(_, pattern, why)| !pattern.is_empty() && why.len() > 20)
    );
}

#[test]
fn a_conflict_shows_both_values_who_and_when() {
    let (a, b) = devices();
    let stored = record("status", json!("approved"), at(20, a));
    let c = change(
        EntityKind::Plan,
        "status",
        json!("declined"),
        Some(at(10, a)),
        at(30, b),
        Operation::Update,
    );
    let merged = merge(&stored, &c);
    let [conflict] = merged.outcome.conflicts.as_slice() else {
        panic!("one conflict expected, got {:?}", merged.outcome.conflicts);
    };
    assert_eq!(conflict.entity, EntityKind::Plan);
    assert_eq!(conflict.entity_id, c.entity_id);
    assert_eq!(conflict.field, "status");
    assert_eq!(conflict.hub_value, json!("approved"));
    assert_eq!(conflict.hub_hlc, at(20, a));
    assert_eq!(conflict.device_value, json!("declined"));
    assert_eq!(conflict.device_hlc, c.hlc);
    assert_eq!(conflict.change_id, c.change_id);
    assert_eq!(conflict.device_id, b);
    assert_eq!(conflict.officer_id, c.officer_id);
    // Nothing took effect, so the hub logs nothing.
    assert_eq!(merged.outcome.logged_change(&c), None);
}

#[test]
fn a_change_merges_field_by_field_and_logs_only_what_took_effect() {
    let (a, b) = devices();
    let mut stored = Record::default();
    stored.fields.insert("status".into(), json!("approved"));
    stored.versions.insert("status".into(), at(20, a));
    stored.fields.insert("tier".into(), json!("silver"));
    stored.versions.insert("tier".into(), at(20, a));
    let mut c = change(
        EntityKind::Plan,
        "status",
        json!("declined"),
        Some(at(10, a)),
        at(30, b),
        Operation::Update,
    );
    c.fields.insert("tier".into(), json!("gold"));
    c.base_versions.insert("tier".into(), Some(at(10, a)));
    c.fields
        .insert("tier_reason".into(), json!("resident is 90"));
    c.base_versions.insert("tier_reason".into(), None);

    let merged = merge(&stored, &c);
    assert_eq!(merged.outcome.fields["status"], FieldOutcome::Conflict);
    assert_eq!(merged.outcome.fields["tier"], FieldOutcome::Won);
    assert_eq!(merged.outcome.fields["tier_reason"], FieldOutcome::Applied);
    assert_eq!(merged.record.fields["status"], json!("approved"));
    assert_eq!(merged.record.fields["tier"], json!("gold"));
    let logged = merged
        .outcome
        .logged_change(&c)
        .expect("two fields took effect");
    assert_eq!(
        logged.fields.keys().collect::<Vec<_>>(),
        ["tier", "tier_reason"]
    );
    assert_eq!(
        logged.base_versions.keys().collect::<Vec<_>>(),
        ["tier", "tier_reason"]
    );
    assert_eq!(logged.change_id, c.change_id);
    assert_eq!(merged.record.version(), Some(at(30, b)));
}

#[test]
fn a_delete_is_a_tombstone_that_a_concurrent_update_does_not_undo() {
    let (a, b) = devices();
    let stored = record("notes", json!("x"), at(10, a));
    let mut delete = change(
        EntityKind::Household,
        "unused",
        Value::Null,
        None,
        at(30, b),
        Operation::Delete,
    );
    delete.fields.clear();
    delete.base_versions.clear();
    assert_eq!(delete.check(), Ok(()));
    let deleted = merge(&stored, &delete);
    assert!(deleted.record.is_deleted());
    assert_eq!(deleted.outcome.fields[DELETED_FIELD], FieldOutcome::Applied);
    assert_eq!(deleted.outcome.logged_change(&delete), Some(delete.clone()));

    let update = change(
        EntityKind::Household,
        "notes",
        json!("y"),
        Some(at(10, a)),
        at(20, a),
        Operation::Update,
    );
    let after = merge(&deleted.record, &update);
    assert!(after.record.is_deleted(), "an update does not resurrect");
    assert!(merge(&after.record, &delete).record.is_deleted());
}

#[test]
fn deleting_a_charlie_check_someone_else_changed_needs_a_person() {
    let (a, b) = devices();
    let mut stored = Record::default();
    stored.fields.insert(DELETED_FIELD.into(), json!(false));
    stored.versions.insert(DELETED_FIELD.into(), at(20, a));
    let mut delete = change(
        EntityKind::CharlieCheck,
        "x",
        Value::Null,
        None,
        at(30, b),
        Operation::Delete,
    );
    delete.fields.clear();
    delete.base_versions = BTreeMap::from([(DELETED_FIELD.to_owned(), Some(at(10, a)))]);
    let merged = merge(&stored, &delete);
    assert!(!merged.record.is_deleted());
    assert_eq!(merged.outcome.conflicts.len(), 1);
}

#[test]
fn the_hubs_log_overwrites_fields_the_laptop_has_not_changed() {
    let (a, b) = devices();
    // The laptop's own value lost a guarded conflict at the hub: the hub's entry is older.
    let mut local = record("status", json!("declined"), at(30, b));
    let entry = change(
        EntityKind::Plan,
        "status",
        json!("approved"),
        Some(at(10, a)),
        at(20, a),
        Operation::Update,
    );
    let outcome = apply_from_hub(&mut local, &entry, |_| false);
    assert_eq!(outcome.fields["status"], FieldOutcome::Applied);
    assert_eq!(local.fields["status"], json!("approved"));
    assert_eq!(local.versions["status"], at(20, a));
    let again = apply_from_hub(&mut local, &entry, |_| false);
    assert_eq!(again.fields["status"], FieldOutcome::Duplicate);
}

#[test]
fn an_unpushed_local_change_meets_the_hubs_log_by_the_merge_rule() {
    let (a, b) = devices();
    let mut local = Record::default();
    local.fields.insert("status".into(), json!("declined"));
    local.versions.insert("status".into(), at(30, b));
    local.fields.insert("tier".into(), json!("silver"));
    local.versions.insert("tier".into(), at(30, b));
    let mut entry = change(
        EntityKind::Plan,
        "status",
        json!("approved"),
        Some(at(10, a)),
        at(40, a),
        Operation::Update,
    );
    entry.fields.insert("tier".into(), json!("gold"));
    entry.base_versions.insert("tier".into(), Some(at(10, a)));
    let outcome = apply_from_hub(&mut local, &entry, |_| true);
    assert_eq!(outcome.fields["status"], FieldOutcome::Pending);
    assert_eq!(outcome.fields["tier"], FieldOutcome::Won);
    assert_eq!(
        local.fields["status"],
        json!("declined"),
        "the hub decides at push"
    );
    assert_eq!(local.fields["tier"], json!("gold"));
    assert!(
        outcome.conflicts.is_empty(),
        "conflicts are raised by the hub only"
    );
}

#[test]
fn after_a_push_the_laptop_adopts_the_hubs_value_unless_it_changed_the_field_again() {
    let (a, b) = devices();
    let mut hub = record("status", json!("approved"), at(20, a));
    let mine = change(
        EntityKind::Plan,
        "status",
        json!("declined"),
        Some(at(10, a)),
        at(30, b),
        Operation::Update,
    );
    merge_into(&mut hub, &mine);
    let [kept] = hub_values(&hub, &mine).try_into().expect("one kept field");
    assert_eq!(
        (kept.field.as_str(), &kept.value),
        ("status", &json!("approved"))
    );
    assert_eq!((kept.hlc, kept.change_hlc), (at(20, a), mine.hlc));

    let mut local = record("status", json!("declined"), at(30, b));
    assert!(local.adopt(&kept));
    assert_eq!(local, hub);

    let mut edited_again = record("status", json!("closed"), at(40, b));
    assert!(!edited_again.adopt(&kept));
    assert_eq!(edited_again.fields["status"], json!("closed"));
}

#[test]
fn the_push_answer_names_only_guarded_fields_the_hub_holds_otherwise() {
    let (a, b) = devices();
    let mut hub = Record::default();
    let mut mine = change(
        EntityKind::Plan,
        "status",
        json!("approved"),
        None,
        at(30, b),
        Operation::Create,
    );
    mine.fields.insert("tier".into(), json!("gold"));
    mine.base_versions.insert("tier".into(), None);
    merge_into(&mut hub, &mine);
    assert!(
        hub_values(&hub, &mine).is_empty(),
        "applied: nothing to adopt"
    );

    // Someone else agreed to the same status first: an agreement, not a conflict, but the
    // laptop still takes the hub's version so its next edit is based on it.
    let mut hub = record("status", json!("approved"), at(20, a));
    hub.fields.insert("tier".into(), json!("silver"));
    hub.versions.insert("tier".into(), at(40, a));
    let outcome = merge_into(&mut hub, &mine);
    assert_eq!(outcome.fields["status"], FieldOutcome::Agreed);
    assert!(outcome.conflicts.is_empty());
    let kept = hub_values(&hub, &mine);
    assert_eq!(
        kept.len(),
        1,
        "an ordinary field that lost reaches the laptop by pull"
    );
    assert_eq!(kept[0].hlc, at(20, a));
}

// ---------------------------------------------------------------------------------------
// Properties over random histories.

const ORDINARY: &[&str] = &["tier", "items", "tier_reason"];
const GUARDED: &[&str] = &["status", "approval"];
const FIELDS: &[&str] = &["tier", "items", "tier_reason", "status", "approval"];

/// One device in a simulation: its replica of the record, its clock, its unpushed changes.
struct Device {
    id: DeviceId,
    officer: OfficerId,
    clock: HlcClock,
    record: Record,
    outbox: Vec<Change>,
    cursor: usize,
}

impl Device {
    fn new() -> Self {
        let id = DeviceId::new();
        Self {
            id,
            officer: OfficerId::new(),
            clock: HlcClock::new(id, None),
            record: Record::default(),
            outbox: Vec::new(),
            cursor: 0,
        }
    }

    /// A local edit, as the store's tracked write makes it: nothing when the value is the same.
    fn edit(&mut self, field: &str, value: Value, now_ms: u64) -> Option<Change> {
        if self.record.fields.get(field) == Some(&value) {
            return None;
        }
        let hlc = self.clock.tick(instant(now_ms));
        let base = self.record.versions.get(field).copied();
        let operation = if self.record.fields.is_empty() {
            Operation::Create
        } else {
            Operation::Update
        };
        let c = Change {
            officer_id: self.officer,
            device_id: self.id,
            made_at: instant(now_ms),
            ..field_change(
                EntityKind::Plan,
                "plan-1",
                operation,
                field,
                value.clone(),
                base,
                hlc,
            )
        };
        self.record.fields.insert(field.to_owned(), value);
        self.record.versions.insert(field.to_owned(), hlc);
        self.outbox.push(c.clone());
        Some(c)
    }

    fn observe(&mut self, hlc: Hlc, now_ms: u64) {
        // Clocks in the simulation are never far apart.
        let _ = self.clock.observe(hlc, instant(now_ms));
    }

    fn pending(&self, field: &str) -> bool {
        self.outbox.iter().any(|c| c.fields.contains_key(field))
    }
}

/// One step of a peer-to-peer history: an edit, or a device merging another's change.
#[derive(Debug, Clone)]
enum Step {
    Edit {
        device: usize,
        field: usize,
        value: u8,
    },
    Receive {
        device: usize,
        change: usize,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0..3usize, 0..FIELDS.len(), 0..4u8)
            .prop_map(|(device, field, value)| Step::Edit { device, field, value }),
        2 => (0..3usize, any::<usize>()).prop_map(|(device, change)| Step::Receive { device, change }),
    ]
}

/// Runs a history in which devices edit on top of what they have merged so far; returns
/// every change made, each causally later than what its device had seen.
fn history(steps: &[Step]) -> Vec<Change> {
    let mut devices: Vec<Device> = (0..3).map(|_| Device::new()).collect();
    let mut changes: Vec<Change> = Vec::new();
    for (n, s) in (0u64..).zip(steps) {
        // Several steps share a millisecond, so clock ties between devices happen.
        let now = 1_000 + n / 3;
        match *s {
            Step::Edit {
                device,
                field,
                value,
            } => {
                if let Some(c) = devices[device].edit(FIELDS[field], json!(value), now) {
                    changes.push(c);
                }
            }
            Step::Receive { device, change } if !changes.is_empty() => {
                let c = &changes[change % changes.len()];
                devices[device].observe(c.hlc, now);
                merge_into(&mut devices[device].record, c);
            }
            Step::Receive { .. } => {}
        }
    }
    changes
}

/// A permutation of `0..n` drawn from `keys`.
fn order(n: usize, keys: &[u64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by_key(|&i| (keys.get(i).copied().unwrap_or(0), i));
    idx
}

fn ordinary_part(r: &Record) -> (BTreeMap<String, Value>, BTreeMap<String, Hlc>) {
    let keep = |k: &String| ORDINARY.contains(&k.as_str());
    (
        r.fields
            .iter()
            .filter(|(k, _)| keep(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        r.versions
            .iter()
            .filter(|(k, _)| keep(k))
            .map(|(k, v)| (k.clone(), *v))
            .collect(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Ordinary fields end the same on every replica, whatever order the changes arrive in,
    /// and equal the value with the latest clock reading.
    #[test]
    fn ordinary_fields_converge_in_any_order(
        steps in prop::collection::vec(step(), 1..60),
        orders in prop::collection::vec(prop::collection::vec(any::<u64>(), 60), 3),
    ) {
        let changes = history(&steps);
        for c in &changes {
            prop_assert_eq!(c.check(), Ok(()));
        }
        let mut expected: BTreeMap<String, (Hlc, Value)> = BTreeMap::new();
        for c in &changes {
            for (field, value) in &c.fields {
                if ORDINARY.contains(&field.as_str())
                    && expected.get(field).is_none_or(|(h, _)| c.hlc > *h)
                {
                    expected.insert(field.clone(), (c.hlc, value.clone()));
                }
            }
        }
        let mut replicas = Vec::new();
        for keys in &orders {
            let mut r = Record::default();
            for i in order(changes.len(), keys) {
                merge_into(&mut r, &changes[i]);
            }
            replicas.push(ordinary_part(&r));
        }
        for r in &replicas {
            prop_assert_eq!(r, &replicas[0]);
        }
        let (fields, versions) = &replicas[0];
        for (field, (hlc, value)) in &expected {
            prop_assert_eq!(fields.get(field), Some(value));
            prop_assert_eq!(versions.get(field), Some(hlc));
        }
        prop_assert_eq!(fields.len(), expected.len());
    }

    /// Merging a change a second time changes nothing and reports the same conflicts.
    #[test]
    fn merging_twice_changes_nothing(
        steps in prop::collection::vec(step(), 1..60),
        keys in prop::collection::vec(any::<u64>(), 60),
    ) {
        let changes = history(&steps);
        let mut r = Record::default();
        for i in order(changes.len(), &keys) {
            let first = merge_into(&mut r, &changes[i]);
            let before = r.clone();
            let second = merge_into(&mut r, &changes[i]);
            prop_assert_eq!(&r, &before);
            prop_assert!(!second.changed());
            prop_assert_eq!(&second.conflicts, &first.conflicts);
        }
    }

    /// A guarded field, once set, changes only through a change based on its current
    /// version; a concurrent change with another value raises a conflict instead.
    #[test]
    fn guarded_fields_change_only_from_their_current_version(
        steps in prop::collection::vec(step(), 1..60),
        keys in prop::collection::vec(any::<u64>(), 60),
    ) {
        let changes = history(&steps);
        let mut r = Record::default();
        for i in order(changes.len(), &keys) {
            let c = &changes[i];
            let before = r.clone();
            let outcome = merge_into(&mut r, c);
            for field in GUARDED {
                let Some(value) = c.fields.get(*field) else { continue };
                let Some(stored) = before.versions.get(*field) else { continue };
                let clean = c.base_version(field) == Some(*stored) && c.hlc > *stored;
                if clean || c.hlc == *stored {
                    continue;
                }
                prop_assert_eq!(r.fields.get(*field), before.fields.get(*field));
                prop_assert_eq!(r.versions.get(*field), Some(stored));
                let raised = outcome.conflicts.iter().filter(|k| k.field == *field).count();
                prop_assert_eq!(raised, usize::from(before.fields.get(*field) != Some(value)));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// A hub and three laptops: push, pull, lost answers, repeated pushes.

/// The hub in miniature: the record, the log, the changes applied, the conflicts raised.
#[derive(Default)]
struct Hub {
    record: Record,
    log: Vec<Change>,
    applied: BTreeMap<Uuid, Vec<doorstep_sync::Conflict>>,
}

impl Hub {
    /// Applies a batch (a change seen before is not applied again) and answers with the
    /// hub's values of the guarded fields its changes set.
    fn push(&mut self, batch: &[Change]) -> Vec<HubValue> {
        for c in batch {
            if self.applied.contains_key(&c.change_id) {
                continue;
            }
            let outcome = merge_into(&mut self.record, c);
            if let Some(logged) = outcome.logged_change(c) {
                self.log.push(logged);
            }
            self.applied.insert(c.change_id, outcome.conflicts);
        }
        batch
            .iter()
            .flat_map(|c| hub_values(&self.record, c))
            .collect()
    }
}

#[derive(Debug, Clone)]
enum Op {
    Edit {
        device: usize,
        field: usize,
        value: u8,
    },
    Push {
        device: usize,
        count: usize,
        answer_lost: bool,
    },
    Pull {
        device: usize,
        limit: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..3usize, 0..FIELDS.len(), 0..3u8)
            .prop_map(|(device, field, value)| Op::Edit { device, field, value }),
        2 => (0..3usize, 1..4usize, prop::bool::weighted(0.2))
            .prop_map(|(device, count, answer_lost)| Op::Push { device, count, answer_lost }),
        2 => (0..3usize, 1..4usize).prop_map(|(device, limit)| Op::Pull { device, limit }),
    ]
}

fn push(hub: &mut Hub, d: &mut Device, count: usize, answer_lost: bool, now: u64) {
    let n = count.min(d.outbox.len());
    let batch: Vec<Change> = d.outbox[..n].to_vec();
    let kept = hub.push(&batch);
    if answer_lost {
        return;
    }
    for c in d.outbox.drain(..n) {
        assert!(
            hub.applied.contains_key(&c.change_id),
            "acknowledged but not applied"
        );
    }
    for k in &kept {
        d.observe(k.hlc, now);
        d.record.adopt(k);
    }
}

fn pull(hub: &Hub, d: &mut Device, limit: usize, now: u64) {
    let end = d.cursor.saturating_add(limit).min(hub.log.len());
    for entry in &hub.log[d.cursor..end] {
        d.observe(entry.hlc, now);
        let mut record = std::mem::take(&mut d.record);
        apply_from_hub(&mut record, entry, |f| d.pending(f));
        d.record = record;
    }
    d.cursor = end;
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever the interleaving (lost answers and re-sent batches included), once every
    /// laptop has pushed and pulled everything all replicas hold the hub's record, values
    /// and versions, and a conflict is raised only for a guarded field.
    #[test]
    fn laptops_and_hub_converge(ops in prop::collection::vec(op(), 1..80)) {
        let mut hub = Hub::default();
        let mut devices: Vec<Device> = (0..3).map(|_| Device::new()).collect();
        let mut now = 1_000u64;
        for o in &ops {
            now += 1;
            match *o {
                Op::Edit { device, field, value } => {
                    devices[device].edit(FIELDS[field], json!(value), now);
                }
                Op::Push { device, count, answer_lost } => {
                    push(&mut hub, &mut devices[device], count, answer_lost, now);
                }
                Op::Pull { device, limit } => pull(&hub, &mut devices[device], limit, now),
            }
        }
        for _round in 0..2 {
            for d in &mut devices {
                now += 1;
                push(&mut hub, d, usize::MAX, false, now);
                pull(&hub, d, usize::MAX, now);
            }
        }
        for d in &devices {
            prop_assert!(d.outbox.is_empty());
            prop_assert_eq!(&d.record, &hub.record);
        }
        // Replaying every change once more changes nothing.
        let before = hub.record.clone();
        let log_len = hub.log.len();
        let all: Vec<Change> = hub.log.clone();
        hub.push(&all);
        for c in &all {
            prop_assert!(!merge_into(&mut hub.record.clone(), c).changed());
        }
        prop_assert_eq!(&hub.record, &before);
        prop_assert_eq!(hub.log.len(), log_len);
        let conflicted: BTreeSet<&str> = hub
            .applied
            .values()
            .flatten()
            .map(|k| k.field.as_str())
            .collect();
        prop_assert!(conflicted.iter().all(|f| GUARDED.contains(f)));
    }
}
