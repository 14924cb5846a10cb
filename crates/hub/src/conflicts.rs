//! Conflicts as synced records. When a push raises a guarded-field conflict, the hub
//! writes a `conflict` record in the same transaction, as a change of its own (its own
//! device id, officer id and clock), so the conflict reaches the team's supervisors by
//! pull like any other record. A supervisor decides by changing the record's decision
//! fields, which is the only change to it a push may make.

use chrono::{DateTime, SecondsFormat, Utc};
use doorstep_core::{DeviceId, Hlc, OfficerId};
use doorstep_sync::protocol::{Change, Conflict, EntityKind, Operation};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::model::Refusal;

/// The fields of a conflict record a supervisor's decision may change; the hub sets the rest.
pub const DECISION_FIELDS: &[&str] = &["status", "chosen", "decided_by", "decided_at"];

/// The name shown as "who" for values the hub itself wrote (a record moved between teams).
pub const HUB_NAME: &str = "the hub";

/// The identity the hub's own changes carry, kept in the database so it never changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HubIdentity {
    /// The device id of every change the hub makes (its clock readings carry it too).
    pub device_id: DeviceId,
    /// The officer id of every change the hub makes.
    pub officer_id: OfficerId,
}

/// A UUID (version 8) from the SHA-256 of `parts`: the same parts, the same id, so a
/// retried push or command never makes a second record.
pub fn derived_id(parts: &[&str]) -> Uuid {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part.as_bytes());
        // A separator that cannot occur in ids or field names keeps ("ab","c") ≠ ("a","bc").
        hash.update([0u8]);
    }
    let digest = hash.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// The conflict record's id: from the change that raised it and the field.
pub fn conflict_record_id(change_id: Uuid, field: &str) -> String {
    derived_id(&["conflict", &change_id.to_string(), field]).to_string()
}

/// Who pushed each side, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sides {
    /// The user who pushed the value the hub kept.
    pub kept_by: String,
    /// The user whose value was not applied.
    pub other_by: String,
}

/// The hub's change creating the conflict record for `conflict`.
pub fn conflict_record(
    conflict: &Conflict,
    sides: &Sides,
    hub: HubIdentity,
    hlc: Hlc,
    now: DateTime<Utc>,
) -> Change {
    let id = conflict_record_id(conflict.change_id, &conflict.field);
    let fields = json!({
        "entity": conflict.entity.as_str(),
        "entity_id": conflict.entity_id,
        "field": conflict.field,
        "kept_value": conflict.hub_value,
        "kept_hlc": conflict.hub_hlc.to_string(),
        "kept_by": sides.kept_by,
        "other_value": conflict.device_value,
        "other_hlc": conflict.device_hlc.to_string(),
        "other_by": sides.other_by,
        "change_id": conflict.change_id.to_string(),
        "raised_at": now.to_rfc3339_opts(SecondsFormat::Millis, true),
        "status": "open",
        "chosen": null,
        "decided_by": null,
        "decided_at": null,
    });
    let fields: Map<String, Value> = match fields {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    Change {
        change_id: derived_id(&["conflict-record", &id]),
        entity: EntityKind::Conflict,
        entity_id: id,
        operation: Operation::Create,
        base_versions: fields.keys().map(|k| (k.clone(), None)).collect(),
        fields,
        hlc,
        officer_id: hub.officer_id,
        device_id: hub.device_id,
        made_at: now,
    }
}

/// Refuses a pushed change to a conflict record unless it is a decision: an update of
/// an existing record (`exists`) touching only [`DECISION_FIELDS`], with sensible values.
pub fn check_decision(change: &Change, exists: bool) -> Result<(), Refusal> {
    let id = &change.entity_id;
    if !exists {
        return Err(Refusal::NotADecision(format!(
            "Conflict {id} is not one the hub raised: only the hub raises conflicts"
        )));
    }
    if change.operation == Operation::Delete {
        return Err(Refusal::NotADecision(format!(
            "Conflict {id} cannot be deleted: decide it instead"
        )));
    }
    if let Some(other) = change
        .fields
        .keys()
        .find(|f| !DECISION_FIELDS.contains(&f.as_str()))
    {
        return Err(Refusal::NotADecision(format!(
            "Only a conflict's decision may change ({}), not {other}",
            DECISION_FIELDS.join(", ")
        )));
    }
    for (field, value) in &change.fields {
        let ok = match field.as_str() {
            "status" => matches!(value.as_str(), Some("open" | "decided")),
            "chosen" => value.is_null() || matches!(value.as_str(), Some("kept" | "other")),
            "decided_by" => value.is_null() || value.as_str().is_some_and(|s| !s.trim().is_empty()),
            "decided_at" => {
                value.is_null()
                    || value
                        .as_str()
                        .is_some_and(|s| DateTime::parse_from_rfc3339(s).is_ok())
            }
            _ => false,
        };
        if !ok {
            return Err(Refusal::Invalid(format!(
                "Conflict {id}: {value} is not a possible value of {field}"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn hub() -> HubIdentity {
        HubIdentity {
            device_id: DeviceId::new(),
            officer_id: OfficerId::new(),
        }
    }

    fn conflict() -> Conflict {
        let (a, b) = (DeviceId::new(), DeviceId::new());
        Conflict {
            entity: EntityKind::Plan,
            entity_id: "p1".into(),
            field: "status".into(),
            hub_value: json!("agreed"),
            hub_hlc: Hlc {
                wall_ms: 10,
                counter: 0,
                device: a,
            },
            device_value: json!("approved"),
            device_hlc: Hlc {
                wall_ms: 11,
                counter: 0,
                device: b,
            },
            change_id: Uuid::now_v7(),
            device_id: b,
            officer_id: OfficerId::new(),
        }
    }

    #[test]
    fn the_same_conflict_always_gets_the_same_record() {
        let c = conflict();
        let id = conflict_record_id(c.change_id, "status");
        assert_eq!(id, conflict_record_id(c.change_id, "status"));
        assert_ne!(id, conflict_record_id(c.change_id, "approval"));
        assert_ne!(id, conflict_record_id(Uuid::now_v7(), "status"));
        assert_eq!(id.parse::<Uuid>().unwrap().get_version_num(), 8);
        assert_ne!(derived_id(&["ab", "c"]), derived_id(&["a", "bc"]));
    }

    #[test]
    fn the_record_carries_both_sides_and_is_the_hubs_change() {
        let (c, hub) = (conflict(), hub());
        let hlc = Hlc {
            wall_ms: 20,
            counter: 0,
            device: hub.device_id,
        };
        let sides = Sides {
            kept_by: "Ann".into(),
            other_by: "Bob".into(),
        };
        let change = conflict_record(&c, &sides, hub, hlc, Utc::now());
        assert!(change.check().is_ok(), "{:?}", change.check());
        assert_eq!(change.device_id, hub.device_id);
        assert_eq!(change.officer_id, hub.officer_id);
        let f = &change.fields;
        assert_eq!(f["entity"], "plan");
        assert_eq!(f["kept_value"], "agreed");
        assert_eq!(f["kept_by"], "Ann");
        assert_eq!(f["other_value"], "approved");
        assert_eq!(f["other_by"], "Bob");
        assert_eq!(f["kept_hlc"], c.hub_hlc.to_string());
        assert_eq!(f["status"], "open");
        assert!(f["chosen"].is_null() && f["decided_by"].is_null() && f["decided_at"].is_null());
        assert!(DateTime::parse_from_rfc3339(f["raised_at"].as_str().unwrap()).is_ok());
        assert_eq!(f.len(), 15);
    }

    fn decision(fields: Value, operation: Operation) -> Change {
        let c = conflict();
        let mut change = conflict_record(
            &c,
            &Sides {
                kept_by: "a".into(),
                other_by: "b".into(),
            },
            hub(),
            c.device_hlc,
            Utc::now(),
        );
        change.operation = operation;
        change.fields = fields.as_object().cloned().unwrap_or_default();
        change
    }

    #[rstest]
    #[case::decided(json!({"status": "decided", "chosen": "other", "decided_by": "Sam", "decided_at": "2026-03-01T10:00:00Z"}), true)]
    #[case::reopened(json!({"status": "open", "chosen": null, "decided_by": null, "decided_at": null}), true)]
    #[case::bad_status(json!({"status": "maybe"}), false)]
    #[case::bad_choice(json!({"chosen": "both"}), false)]
    #[case::bad_time(json!({"decided_at": "yesterday"}), false)]
    #[case::blank_name(json!({"decided_by": " "}), false)]
    fn decision_values(#[case] fields: Value, #[case] ok: bool) {
        let result = check_decision(&decision(fields, Operation::Update), true);
        assert_eq!(result.is_ok(), ok, "{result:?}");
        if !ok {
            assert!(matches!(result, Err(Refusal::Invalid(_))));
        }
    }

    #[test]
    fn only_a_decision_of_an_existing_conflict() {
        let ok = json!({ "status": "decided" });
        assert!(matches!(
            check_decision(&decision(ok.clone(), Operation::Update), false),
            Err(Refusal::NotADecision(m)) if m.contains("only the hub raises")
        ));
        assert!(matches!(
            check_decision(&decision(json!({}), Operation::Delete), true),
            Err(Refusal::NotADecision(_))
        ));
        assert!(matches!(
            check_decision(&decision(json!({"kept_value": "mine"}), Operation::Update), true),
            Err(Refusal::NotADecision(m)) if m.contains("kept_value")
        ));
        assert!(check_decision(&decision(ok, Operation::Create), true).is_ok());
    }
}
