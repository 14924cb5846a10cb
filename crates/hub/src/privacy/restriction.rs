//! Restricting a household's processing (UK GDPR Art. 18) and lifting it again, planned in
//! memory for both backends: the household's synced field `restricted`, set as a change the
//! hub makes itself so the team's laptops pull it, the ids of every record of the household
//! (`restricted_records`, which the push and the hub's own changes check), and the audit
//! line, ids only. The rule and the sentence people read are core's
//! [`doorstep_core::privacy::restriction`].

use doorstep_core::Hlc;
use doorstep_core::privacy::restriction::{RESTRICTED_FIELD, check_step, is_restricted};
use doorstep_sync::merge::Record;
use doorstep_sync::protocol::{Change, EntityKind};
use serde_json::{Map, Value};

use crate::conflicts::HubIdentity;
use crate::hub_change::{self, HubActor};
use crate::model::{AuditEntry, Refusal, StoreError};
use crate::privacy::RequestRow;
use crate::push::RecordKey;
use crate::store::StoredRecord;
use crate::transfer::records_belonging_to;

/// What restricting or lifting writes.
#[derive(Debug, Clone, PartialEq)]
pub struct RestrictionPlan {
    /// The household after the change, and the change as logged.
    pub household: (StoredRecord, Change),
    /// Restricting: every record of the household (itself included), to remember. Lifting:
    /// empty (the household's rows are forgotten).
    pub records: Vec<RecordKey>,
    /// The audit line: ids and counts, never content.
    pub audit: AuditEntry,
}

/// Whether the hub's copy of a household says it is restricted.
pub fn household_restricted(household: &Record) -> bool {
    is_restricted(household.fields.get(RESTRICTED_FIELD))
}

/// Plans restricting (`restrict`) or lifting the restriction of the household of
/// `request`, held as `household` among its team's `records`, by the DPO `by`.
#[allow(
    clippy::too_many_arguments,
    reason = "the request and its records, the step, and the three things that stamp the change"
)]
pub fn plan_restriction(
    request: &RequestRow,
    household: &StoredRecord,
    records: &[(RecordKey, &Record)],
    restrict: bool,
    by: &str,
    hub: HubIdentity,
    hub_last: Option<Hlc>,
    now: i64,
) -> Result<RestrictionPlan, StoreError> {
    check_step(
        request.kind,
        request.decision.as_ref(),
        household_restricted(&household.record),
        restrict,
    )
    .map_err(|e| Refusal::Invalid(e.to_string()))?;
    let mut after = Map::new();
    after.insert(RESTRICTED_FIELD.to_owned(), Value::Bool(restrict));
    let actor = HubActor {
        user: hub.officer_id,
        hub_device: hub.device_id,
    };
    let applied = hub_change::update(
        EntityKind::Household,
        &request.household_id,
        &household.record,
        &after,
        None,
        actor,
        hub_last,
        crate::push::time_of(now),
    )
    .map_err(|e| Refusal::Invalid(format!("The hub cannot change this household: {e}")))?
    .ok_or_else(|| Refusal::Invalid("Nothing to change.".into()))?;
    let root = (EntityKind::Household, request.household_id.clone());
    let keys = if restrict {
        records_belonging_to(&root, records)
    } else {
        Vec::new()
    };
    let audit = AuditEntry {
        at: now,
        user_id: Some(by.to_owned()),
        device_id: None,
        action: "privacy.restriction".into(),
        entity: Some("household".into()),
        entity_id: Some(request.household_id.clone()),
        outcome: if restrict {
            format!(
                "restricted under request {}: {} records",
                request.id,
                keys.len()
            )
        } else {
            format!("restriction lifted under request {}", request.id)
        },
    };
    Ok(RestrictionPlan {
        household: (
            StoredRecord {
                record: applied.record,
                ..household.clone()
            },
            applied.change,
        ),
        records: keys,
        audit,
    })
}

/// Refuses a change the hub would make to a record of a restricted household (a plan
/// decision, an agency's or a contractor's step): `restricted_household` is the household
/// `restricted_records` names for its record, if any.
pub fn check_hub_change(
    change: &Change,
    restricted_household: Option<&str>,
) -> Result<(), StoreError> {
    // The household's own restriction and its lifting are the one change allowed.
    let is_the_marking = change.entity == EntityKind::Household
        && change.fields.len() == 1
        && change.fields.contains_key(RESTRICTED_FIELD);
    match restricted_household {
        Some(household) if !is_the_marking => Err(Refusal::Restricted(
            doorstep_core::privacy::restriction::Restricted {
                household_id: household.to_owned(),
            },
        )
        .into()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use doorstep_core::privacy::request::{Decision, RequestDates, RequestKind};
    use doorstep_core::{DeviceId, OfficerId};
    use std::collections::BTreeMap;

    fn request(kind: RequestKind, decision: Option<Decision>) -> RequestRow {
        RequestRow {
            id: "r1".into(),
            kind,
            reference: "REF".into(),
            household_id: "h1".into(),
            person_id: None,
            dates: RequestDates {
                received: chrono::NaiveDate::default(),
                paused_days: 0,
                paused_since: None,
                extended_months: 0,
            },
            decision,
            decided_by: None,
            decided_at: None,
            erased: None,
            created_at: 0,
        }
    }

    fn hub() -> HubIdentity {
        HubIdentity {
            device_id: DeviceId::new(),
            officer_id: OfficerId::new(),
        }
    }

    fn record(fields: serde_json::Value) -> Record {
        let fields: BTreeMap<String, Value> = serde_json::from_value(fields).unwrap_or_default();
        let versions = fields
            .keys()
            .map(|k| {
                (
                    k.clone(),
                    Hlc {
                        wall_ms: 1_000,
                        counter: 0,
                        device: DeviceId::new(),
                    },
                )
            })
            .collect();
        Record::new(fields, versions)
    }

    #[test]
    fn restricting_marks_the_household_and_remembers_every_record_of_it_by_id() {
        let household = StoredRecord {
            team_id: "t1".into(),
            record: record(serde_json::json!({"town": "Eastwick Vale"})),
            tombstoned_at: None,
        };
        let person = record(serde_json::json!({"household_id": "h1", "full_name": "Morgan"}));
        let visit = record(serde_json::json!({"household_id": "h9"}));
        let records = vec![
            ((EntityKind::Household, "h1".to_owned()), &household.record),
            ((EntityKind::Person, "p1".to_owned()), &person),
            ((EntityKind::Visit, "v9".to_owned()), &visit),
        ];
        let granted = request(RequestKind::Restriction, Some(Decision::Granted));
        let plan = plan_restriction(&granted, &household, &records, true, "dpo", hub(), None, 5)
            .expect("restricts");
        assert!(household_restricted(&plan.household.0.record));
        assert_eq!(
            plan.household.1.fields.keys().collect::<Vec<_>>(),
            ["restricted"],
            "the change carries the field alone"
        );
        assert_eq!(
            plan.records,
            [
                (EntityKind::Household, "h1".to_owned()),
                (EntityKind::Person, "p1".to_owned())
            ],
            "the household and what belongs to it, nothing else"
        );
        assert!(
            !plan.audit.outcome.contains("Morgan") && plan.audit.outcome.contains("r1"),
            "ids, never content"
        );
        // Restricting twice, or with a request not granted, is refused.
        let restricted = plan.household.0.clone();
        assert!(
            plan_restriction(&granted, &restricted, &records, true, "dpo", hub(), None, 6).is_err()
        );
        let open = request(RequestKind::Restriction, None);
        assert!(
            plan_restriction(&open, &household, &records, true, "dpo", hub(), None, 6).is_err()
        );
        // Lifting sets it false and remembers nothing.
        let lifted = plan_restriction(
            &granted,
            &restricted,
            &records,
            false,
            "dpo",
            hub(),
            None,
            7,
        )
        .expect("lifts");
        assert!(!household_restricted(&lifted.household.0.record));
        assert!(lifted.records.is_empty());
    }

    #[test]
    fn the_hub_changes_nothing_of_a_restricted_household_but_the_marking() {
        let change = |entity: EntityKind, field: &str| Change {
            change_id: uuid::Uuid::now_v7(),
            entity,
            entity_id: "x".into(),
            operation: doorstep_sync::protocol::Operation::Update,
            fields: [(field.to_owned(), Value::Bool(true))]
                .into_iter()
                .collect(),
            base_versions: BTreeMap::new(),
            hlc: Hlc {
                wall_ms: 1,
                counter: 0,
                device: DeviceId::new(),
            },
            officer_id: OfficerId::new(),
            device_id: DeviceId::new(),
            made_at: chrono::DateTime::default(),
        };
        assert!(check_hub_change(&change(EntityKind::Plan, "status"), Some("h1")).is_err());
        assert!(check_hub_change(&change(EntityKind::Plan, "status"), None).is_ok());
        assert!(
            check_hub_change(&change(EntityKind::Household, RESTRICTED_FIELD), Some("h1")).is_ok()
        );
    }
}
