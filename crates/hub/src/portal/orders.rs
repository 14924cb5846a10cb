//! Work orders as the portal sees them: read from the hub's `work_order` records, narrowed
//! to the core [`WorkOrder`] (so no other field of a record can reach a page), and moved on
//! by the core's contractor steps as changes the hub makes itself, merged and logged like a
//! push so the officer's laptop pulls them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use doorstep_core::work_order::{ContractorStep, WorkOrder, WorkOrderError, WorkOrderStatus};
use doorstep_core::{DeviceId, Hlc, HlcClock, OfficerId};
use doorstep_sync::merge::{Record, merge_into};
use doorstep_sync::protocol::{Change, EntityKind, Operation};
use serde_json::{Map, Value};

use crate::model::{AuditEntry, StoreError};
use crate::portal::store::{OrderRow, Photo, StepRequest, firm_order};
use crate::store::StoredRecord;

/// The fields of a work order a contractor's step may change; nothing else is ever written.
pub const CONTRACTOR_FIELDS: &[&str] = &["status", "decline_reason", "appointment_date", "items"];

/// The fields of a record that make up a [`WorkOrder`]: everything else is dropped unread.
const ORDER_FIELDS: &[&str] = &[
    "id",
    "number",
    "plan_id",
    "household_id",
    "firm",
    "address_lines",
    "postcode",
    "contact_name",
    "contact_phone",
    "access_notes",
    "items",
    "issued_on",
    "due_date",
    "status",
    "decline_reason",
    "appointment_date",
];

/// A work order record as the hub holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredOrder {
    /// The order's id (the record's entity id).
    pub id: String,
    /// The team that holds the record: the change log entry goes to it.
    pub team_id: String,
    /// The merged fields and their versions.
    pub record: Record,
    /// The change-log position of the last change to it: a form carries it, so a form
    /// sent twice, or after someone else changed the order, is refused.
    pub updated_seq: i64,
}

/// Why a contractor's step on an order was not taken; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepRefusal {
    /// No such order for this firm (another firm's, deleted, or not a work order at all).
    #[error("There is no such work order for your firm")]
    NotFound,
    /// The order changed after the form was shown (a double submission, or another
    /// person's change).
    #[error(
        "This work order has changed since you opened the page, perhaps because the form was sent twice: check it and try again"
    )]
    Stale,
    /// The record is not a readable work order.
    #[error("This work order cannot be read: ask the council to send it again")]
    Unreadable,
    /// The step would not take effect: a field it sets holds a version the hub's clock
    /// cannot pass (stamped by a clock far ahead, before the hub bounded readings).
    #[error(
        "This work order holds a change dated in the future, so it cannot be changed: ask the council's home security team"
    )]
    NotApplied,
    /// The core rules refused the step.
    #[error(transparent)]
    Step(#[from] WorkOrderError),
}

/// Reads a record's fields as a work order, keeping only a work order's own fields.
pub fn read_order(id: &str, fields: &BTreeMap<String, Value>) -> Result<WorkOrder, StepRefusal> {
    let mut kept: Map<String, Value> = ORDER_FIELDS
        .iter()
        .filter_map(|k| fields.get(*k).map(|v| ((*k).to_owned(), v.clone())))
        .collect();
    kept.entry("id")
        .or_insert_with(|| Value::String(id.to_owned()));
    serde_json::from_value(Value::Object(kept)).map_err(|_| StepRefusal::Unreadable)
}

/// Reads a record's fields from their stored JSON text.
pub fn read_order_json(id: &str, fields: &str) -> Result<WorkOrder, StepRefusal> {
    let fields: BTreeMap<String, Value> =
        serde_json::from_str(fields).map_err(|_| StepRefusal::Unreadable)?;
    read_order(id, &fields)
}

/// Who takes a step, and the hub identity the change is made under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    /// The firm user (their id is the change's officer id).
    pub user: OfficerId,
    /// The hub's own device id: the change's device and its clock readings carry it.
    pub hub_device: DeviceId,
}

/// A step ready to be written: the record after it and the change as logged.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedStep {
    /// The record after the change.
    pub record: Record,
    /// The change as applied, for the change log.
    pub change: Change,
    /// The order after the step, for the page and the audit.
    pub order: WorkOrder,
}

impl PlannedStep {
    /// The order's record as stored after the step, still held by the same team (a firm's
    /// step never deletes an order, so it is never a tombstone).
    pub fn stored_record(&self, order: &StoredOrder) -> StoredRecord {
        StoredRecord {
            team_id: order.team_id.clone(),
            record: self.record.clone(),
            tombstoned_at: None,
        }
    }
}

/// Takes `step` on the stored order for `firm_id` at `now`: None when the step changes
/// nothing (booking the same day again), else the merged record and the change to log.
///
/// The change sets only the contractor's fields that changed, based on the versions the
/// hub holds, at a reading of the hub's clock (which last read `hub_last`) later than
/// every version in the record, so [`merge_into`] applies it like any clean push and the
/// laptops take it in order.
pub fn plan_step(
    stored: &StoredOrder,
    firm_id: &str,
    step: ContractorStep,
    actor: Actor,
    hub_last: Option<Hlc>,
    now: DateTime<Utc>,
) -> Result<Option<PlannedStep>, StepRefusal> {
    if stored.record.is_deleted() {
        return Err(StepRefusal::NotFound);
    }
    let mut order = read_order(&stored.id, &stored.record.fields)?;
    if order.firm.id != firm_id {
        return Err(StepRefusal::NotFound);
    }
    order.apply(step, now)?;
    let after = match serde_json::to_value(&order) {
        Ok(Value::Object(map)) => map,
        _ => return Err(StepRefusal::Unreadable),
    };
    let fields: Map<String, Value> = CONTRACTOR_FIELDS
        .iter()
        .filter_map(|k| {
            let new = after.get(*k).cloned().unwrap_or(Value::Null);
            let old = stored.record.fields.get(*k).unwrap_or(&Value::Null);
            (*old != new).then(|| ((*k).to_owned(), new))
        })
        .collect();
    if fields.is_empty() {
        return Ok(None);
    }
    let mut clock = HlcClock::new(actor.hub_device, stored.record.version().max(hub_last));
    let hlc = clock.tick(now);
    let change = Change {
        change_id: uuid::Uuid::now_v7(),
        entity: EntityKind::WorkOrder,
        entity_id: stored.id.clone(),
        operation: Operation::Update,
        base_versions: fields
            .keys()
            .map(|k| (k.clone(), stored.record.versions.get(k).copied()))
            .collect(),
        fields,
        hlc,
        officer_id: actor.user,
        device_id: actor.hub_device,
        made_at: now,
    };
    let mut record = stored.record.clone();
    let outcome = merge_into(&mut record, &change);
    // Based on the hub's own versions at a later reading, every field applies, unless a
    // version is one no later reading can pass: then the step did not happen, and saying
    // it did would be untrue, so nothing is written and the contractor is told.
    if !outcome.fields.values().all(|field| field.applied()) {
        return Err(StepRefusal::NotApplied);
    }
    let Some(change) = outcome.logged_change(&change) else {
        return Err(StepRefusal::NotApplied);
    };
    Ok(Some(PlannedStep {
        record,
        change,
        order,
    }))
}

/// What a backend does with a contractor's step, judged from the order's row it read in
/// the step's transaction.
#[derive(Debug)]
pub enum StepVerdict {
    /// Refused; nothing is written.
    Refuse(StepRefusal),
    /// The order already says so: only this audit entry is written.
    Unchanged(AuditEntry),
    /// Write the record, its change-log entry, the photo and the audit entry.
    Write(Box<StepWrite>),
}

/// A step to write, as [`judge_step`] decided it.
#[derive(Debug)]
pub struct StepWrite {
    /// The order.
    pub order_id: String,
    /// The team that holds it: the change-log entry and the photo go to it.
    pub team_id: String,
    /// The record after the step.
    pub record: StoredRecord,
    /// The change as logged.
    pub change: Change,
    /// A photo to keep with the order.
    pub photo: Option<Photo>,
    /// The audit entry, its outcome marked `applied: `.
    pub audit: AuditEntry,
    /// Now (Unix ms).
    pub now: i64,
}

/// Judges `request` against the order's row (None: no such record) and the hub clock's
/// last reading: another firm's or a deleted order is not found, a form made from an
/// older version is stale, and otherwise the request's plan decides.
pub fn judge_step(
    request: StepRequest,
    row: Option<OrderRow>,
    hub_last: Option<Hlc>,
) -> Result<StepVerdict, StoreError> {
    let StepRequest {
        firm_id,
        order_id,
        seen_seq,
        plan,
        photo,
        mut audit,
        now,
    } = request;
    let Some(row) = row else {
        return Ok(StepVerdict::Refuse(StepRefusal::NotFound));
    };
    let Some(stored) = firm_order(&order_id, &firm_id, row)? else {
        return Ok(StepVerdict::Refuse(StepRefusal::NotFound));
    };
    if stored.updated_seq != seen_seq {
        return Ok(StepVerdict::Refuse(StepRefusal::Stale));
    }
    Ok(match plan(&stored, hub_last) {
        Ok(Some(planned)) => {
            audit.outcome = format!("applied: {}", audit.outcome);
            StepVerdict::Write(Box::new(StepWrite {
                order_id,
                team_id: stored.team_id.clone(),
                record: planned.stored_record(&stored),
                change: planned.change,
                photo,
                audit,
                now,
            }))
        }
        Ok(None) => {
            audit.outcome = format!("unchanged: {}", audit.outcome);
            StepVerdict::Unchanged(audit)
        }
        Err(refusal) => StepVerdict::Refuse(refusal),
    })
}

/// A status tab of the orders list: one status, or every order.
pub fn parse_status(text: Option<&str>) -> Option<WorkOrderStatus> {
    text.and_then(WorkOrderStatus::parse)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::portal::store::StepPlanner;
    use chrono::{NaiveDate, TimeZone};
    use doorstep_core::HouseholdId;
    use doorstep_core::security::ids::PlanId;
    use doorstep_core::work_order::{FirmRef, ItemStatus, WorkOrderId, WorkOrderItem};
    use doorstep_sync::merge::apply_from_hub;
    use proptest::prelude::*;
    use serde_json::json;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, 10, 0, 0)
            .single()
            .unwrap()
    }

    fn item(id: &str) -> WorkOrderItem {
        WorkOrderItem {
            measure_id: id.into(),
            name: format!("Item {id}"),
            specification: "To BS 3621".into(),
            location: None,
            quantity: 1,
            status: ItemStatus::Pending,
            fitted_at: None,
            product_standard: None,
            not_fitted_reason: None,
            photo_sha256: None,
        }
    }

    fn order() -> WorkOrder {
        WorkOrder {
            id: WorkOrderId::new(),
            number: "WO-1A2B3C4D-QLK".into(),
            plan_id: PlanId::new(),
            household_id: HouseholdId::new(),
            firm: FirmRef {
                id: "quillon_locks".into(),
                name: "Quillon Locks Ltd".into(),
            },
            address_lines: vec!["1 Test Street".into(), "Testville".into()],
            postcode: "ZY1 1AA".into(),
            contact_name: "Sam Example".into(),
            contact_phone: Some("01632 960000".into()),
            access_notes: vec!["Key safe by the door".into()],
            items: vec![item("door_chain"), item("letterbox_guard")],
            issued_on: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            due_date: NaiveDate::from_ymd_opt(2026, 11, 29).unwrap(),
            status: WorkOrderStatus::New,
            decline_reason: None,
            appointment_date: None,
        }
    }

    /// The record a laptop's first push leaves on the hub.
    fn stored(order: &WorkOrder, extra: &[(&str, Value)]) -> StoredOrder {
        let laptop = DeviceId::new();
        let hlc = Hlc {
            wall_ms: 1_800_000_000_000,
            counter: 0,
            device: laptop,
        };
        let Value::Object(mut fields) = serde_json::to_value(order).unwrap() else {
            panic!("an order is an object");
        };
        for (k, v) in extra {
            fields.insert((*k).to_owned(), v.clone());
        }
        let fields: BTreeMap<String, Value> = fields.into_iter().collect();
        let versions = fields.keys().map(|k| (k.clone(), hlc)).collect();
        StoredOrder {
            id: order.id.to_string(),
            team_id: "team".into(),
            record: Record::new(fields, versions),
            updated_seq: 1,
        }
    }

    fn actor() -> Actor {
        Actor {
            user: OfficerId::new(),
            hub_device: DeviceId::new(),
        }
    }

    /// The row of `order` as a backend reads it, at seq 1.
    fn row(order: &WorkOrder) -> OrderRow {
        let s = stored(order, &[]);
        OrderRow {
            team_id: s.team_id,
            fields: serde_json::to_string(&s.record.fields).unwrap(),
            versions: serde_json::to_string(&s.record.versions).unwrap(),
            tombstone: false,
            updated_seq: s.updated_seq,
        }
    }

    /// A request to accept `order` as `firm`, made from the form of seq `seen_seq`.
    fn request(order: &WorkOrder, firm: &str, seen_seq: i64, plan: StepPlanner) -> StepRequest {
        StepRequest {
            firm_id: firm.into(),
            order_id: order.id.to_string(),
            seen_seq,
            plan,
            photo: None,
            audit: AuditEntry::request(0, None, "portal.write", "accept"),
            now: 5,
        }
    }

    fn accept(firm: &'static str) -> StepPlanner {
        Box::new(move |stored, last| {
            plan_step(stored, firm, ContractorStep::Accept, actor(), last, at(2))
        })
    }

    /// What a verdict comes to, to compare: the refusal, or the audit outcome written.
    fn outcome(verdict: StepVerdict) -> Result<String, StepRefusal> {
        match verdict {
            StepVerdict::Refuse(refusal) => Err(refusal),
            StepVerdict::Unchanged(audit) => Ok(audit.outcome),
            StepVerdict::Write(write) => Ok(write.audit.outcome),
        }
    }

    #[test]
    fn a_step_is_judged_against_the_row_read() {
        let o = order();
        let firm = "quillon_locks";
        let judge = |request, row| outcome(judge_step(request, row, None).unwrap());
        assert_eq!(
            judge(request(&o, firm, 1, accept(firm)), None),
            Err(StepRefusal::NotFound),
            "no such record"
        );
        let mut deleted = row(&o);
        deleted.tombstone = true;
        assert_eq!(
            judge(request(&o, firm, 1, accept(firm)), Some(deleted)),
            Err(StepRefusal::NotFound),
            "a tombstone"
        );
        assert_eq!(
            judge(
                request(&o, "eastwick", 1, accept("eastwick")),
                Some(row(&o))
            ),
            Err(StepRefusal::NotFound),
            "another firm's order"
        );
        assert_eq!(
            judge(request(&o, firm, 0, accept(firm)), Some(row(&o))),
            Err(StepRefusal::Stale),
            "a form made from an older version"
        );
        let refused: StepPlanner = Box::new(|_, _| Err(StepRefusal::Unreadable));
        assert_eq!(
            judge(request(&o, firm, 1, refused), Some(row(&o))),
            Err(StepRefusal::Unreadable),
            "the plan's refusal"
        );
        let nothing: StepPlanner = Box::new(|_, _| Ok(None));
        assert_eq!(
            judge(request(&o, firm, 1, nothing), Some(row(&o))),
            Ok("unchanged: accept".into())
        );
        let StepVerdict::Write(write) =
            judge_step(request(&o, firm, 1, accept(firm)), Some(row(&o)), None).unwrap()
        else {
            panic!("an accepted order is written");
        };
        assert_eq!(write.audit.outcome, "applied: accept");
        assert_eq!((write.team_id.as_str(), write.now), ("team", 5));
        assert_eq!(write.record.record.fields["status"], json!("accepted"));
    }

    #[test]
    fn a_record_is_read_without_the_fields_a_contractor_must_not_see() {
        let o = order();
        let s = stored(
            &o,
            &[
                ("crime_notes", json!("SECRET-BURGLARY")),
                ("health", json!("x")),
            ],
        );
        let read = read_order(&s.id, &s.record.fields).unwrap();
        assert_eq!(read, o);
        let text = serde_json::to_string(&read).unwrap();
        assert!(!text.contains("SECRET-BURGLARY"));
        assert_eq!(
            read_order("x", &BTreeMap::new()),
            Err(StepRefusal::Unreadable),
            "a record that is not an order"
        );
    }

    #[test]
    fn accepting_changes_only_the_status_based_on_the_hubs_version() {
        let o = order();
        let s = stored(&o, &[]);
        let a = actor();
        let planned = plan_step(&s, "quillon_locks", ContractorStep::Accept, a, None, at(2))
            .unwrap()
            .unwrap();
        let change = &planned.change;
        assert_eq!(change.fields.keys().collect::<Vec<_>>(), ["status"]);
        assert_eq!(change.fields["status"], "accepted");
        assert_eq!(
            change.base_versions["status"],
            s.record.versions.get("status").copied()
        );
        assert!(change.hlc > s.record.version().unwrap());
        assert_eq!(
            (change.officer_id, change.device_id),
            (a.user, a.hub_device)
        );
        assert_eq!(planned.record.fields["status"], "accepted");
        assert_eq!(planned.record.versions["status"], change.hlc);
    }

    #[test]
    fn another_firm_a_deleted_order_and_a_refused_step_change_nothing() {
        let o = order();
        let s = stored(&o, &[]);
        assert_eq!(
            plan_step(
                &s,
                "other_firm",
                ContractorStep::Accept,
                actor(),
                None,
                at(2)
            ),
            Err(StepRefusal::NotFound)
        );
        let gone = stored(&o, &[("_deleted", json!(true))]);
        assert_eq!(
            plan_step(
                &gone,
                "quillon_locks",
                ContractorStep::Accept,
                actor(),
                None,
                at(2)
            ),
            Err(StepRefusal::NotFound)
        );
        let fitted = ContractorStep::MarkFitted {
            measure_id: "door_chain".into(),
            product_standard: "PAS 24".into(),
            photo_sha256: None,
        };
        assert!(matches!(
            plan_step(&s, "quillon_locks", fitted, actor(), None, at(2)),
            Err(StepRefusal::Step(WorkOrderError::NotFromStatus { .. }))
        ));
    }

    #[test]
    fn booking_the_same_day_again_changes_nothing() {
        let mut o = order();
        o.status = WorkOrderStatus::Scheduled;
        o.appointment_date = NaiveDate::from_ymd_opt(2026, 11, 20);
        let s = stored(&o, &[]);
        let step = ContractorStep::Schedule {
            date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        };
        assert_eq!(
            plan_step(&s, "quillon_locks", step, actor(), None, at(2)),
            Ok(None)
        );
    }

    fn any_step() -> impl Strategy<Value = ContractorStep> {
        let measure = prop_oneof![Just("door_chain"), Just("letterbox_guard"), Just("nope")];
        prop_oneof![
            Just(ContractorStep::Accept),
            "[a-z ]{0,12}".prop_map(|reason| ContractorStep::Decline { reason }),
            (1u32..30).prop_map(|d| ContractorStep::Schedule {
                date: NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
            }),
            (measure.clone(), "[A-Z0-9 ]{0,8}").prop_map(|(m, s)| ContractorStep::MarkFitted {
                measure_id: m.into(),
                product_standard: s,
                photo_sha256: None,
            }),
            (measure, "[a-z ]{0,12}").prop_map(|(m, reason)| ContractorStep::MarkNotFitted {
                measure_id: m.into(),
                reason,
            }),
        ]
    }

    proptest! {
        /// Whatever steps a contractor takes, the hub's record ends as the core rules say,
        /// and a laptop replaying the logged changes ends with the same record.
        #[test]
        fn the_hubs_record_and_a_laptops_replay_follow_the_core_rules(
            steps in proptest::collection::vec(any_step(), 1..12),
        ) {
            let o = order();
            let mut s = stored(&o, &[]);
            let mut laptop = s.record.clone();
            let mut expected = o.clone();
            let a = actor();
            for (i, step) in steps.into_iter().enumerate() {
                let now = at(10) + chrono::Duration::minutes(i64::try_from(i).unwrap());
                let core = expected.clone().apply(step.clone(), now);
                match plan_step(&s, "quillon_locks", step.clone(), a, None, now) {
                    Ok(Some(planned)) => {
                        prop_assert!(core.is_ok());
                        expected.apply(step, now).unwrap();
                        prop_assert_eq!(&planned.order, &expected);
                        let outcome = apply_from_hub(&mut laptop, &planned.change, |_| false);
                        prop_assert!(outcome.changed());
                        s.record = planned.record;
                        s.updated_seq += 1;
                    }
                    Ok(None) => {
                        prop_assert!(core.is_ok());
                        expected.apply(step, now).unwrap();
                    }
                    Err(StepRefusal::Step(e)) => prop_assert_eq!(core, Err(e)),
                    Err(other) => prop_assert!(false, "unexpected refusal {other:?}"),
                }
                let hub_order = read_order(&s.id, &s.record.fields).unwrap();
                prop_assert_eq!(&hub_order, &expected);
                prop_assert_eq!(&laptop, &s.record);
            }
        }
    }
}
