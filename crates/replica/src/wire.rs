//! Between the store's plain sync types and the protocol's: an outbox row becomes a
//! [`Change`], a stored record becomes a merge [`Record`] and back, a household opening an
//! [`Opening`].

use doorstep_store::{HouseholdOpening, OutgoingChange, SyncedRecord};
use doorstep_sync::protocol::MAX_OPENED_BY_LEN;
use doorstep_sync::{Change, EntityKind, Opening, Operation, Record};

use crate::error::SyncError;

/// An outbox row as the hub receives it. A row naming a kind or an operation the
/// protocol does not know is a bug in this app, reported rather than sent.
pub fn change_from_outbox(row: OutgoingChange) -> Result<Change, SyncError> {
    let entity: EntityKind = row
        .entity
        .parse()
        .map_err(|_| SyncError::Unreadable(format!("a local {} change", row.entity)))?;
    let operation = match row.operation.as_str() {
        "create" => Operation::Create,
        "update" => Operation::Update,
        "delete" => Operation::Delete,
        other => {
            return Err(SyncError::Unreadable(format!(
                "a local change with operation {other}"
            )));
        }
    };
    Ok(Change {
        change_id: row.change_id,
        entity,
        entity_id: row.entity_id,
        operation,
        fields: row.fields,
        base_versions: row.base_versions,
        hlc: row.hlc,
        officer_id: row.officer_id,
        device_id: row.device_id,
        made_at: row.made_at,
    })
}

/// A household opening as the hub's audit log receives it. The name is made to fit what
/// the hub accepts (no control characters, at most [`MAX_OPENED_BY_LEN`] characters, not
/// blank): one the hub refused would hold up every opening after it, for ever.
pub fn opening_to_hub(opening: HouseholdOpening) -> Opening {
    let name: String = opening
        .opened_by
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_OPENED_BY_LEN)
        .collect();
    let name = name.trim();
    Opening {
        id: opening.id,
        household_id: opening.household_id,
        opened_by: if name.is_empty() {
            "someone on this laptop (no name)".to_owned()
        } else {
            name.to_owned()
        },
        opened_at: opening.opened_at,
    }
}

/// The store's record as the merge function sees it.
pub fn record_from_store(record: SyncedRecord) -> Record {
    Record::new(record.fields, record.versions)
}

/// The merged record, to store.
pub fn record_to_store(record: Record) -> SyncedRecord {
    SyncedRecord {
        fields: record.fields,
        versions: record.versions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use doorstep_core::{DeviceId, Hlc, OfficerId};
    use serde_json::{Map, json};
    use std::collections::BTreeMap;

    fn row(entity: &str, operation: &str) -> OutgoingChange {
        let mut fields = Map::new();
        fields.insert("town".into(), json!("Testbury"));
        OutgoingChange {
            seq: 1,
            change_id: uuid::Uuid::now_v7(),
            entity: entity.into(),
            entity_id: "h1".into(),
            operation: operation.into(),
            fields,
            base_versions: BTreeMap::from([("town".to_owned(), None)]),
            hlc: Hlc::zero(DeviceId::new()),
            officer_id: OfficerId::new(),
            device_id: DeviceId::new(),
            made_at: Utc::now(),
        }
    }

    #[test]
    fn every_operation_and_known_kind_crosses() {
        for (op, expected) in [
            ("create", Operation::Create),
            ("update", Operation::Update),
            ("delete", Operation::Delete),
        ] {
            let change = change_from_outbox(row("household", op)).expect("known");
            assert_eq!(change.operation, expected);
            assert_eq!(change.entity, EntityKind::Household);
            assert_eq!(change.fields["town"], json!("Testbury"));
        }
    }

    #[test]
    fn unknown_kinds_and_operations_are_reported_not_sent() {
        assert!(matches!(
            change_from_outbox(row("spaceship", "create")),
            Err(SyncError::Unreadable(_))
        ));
        assert!(matches!(
            change_from_outbox(row("household", "explode")),
            Err(SyncError::Unreadable(_))
        ));
    }

    #[test]
    fn a_name_is_sent_as_the_hub_accepts_it() {
        let sent = |name: &str| {
            let opening = opening_to_hub(HouseholdOpening {
                id: uuid::Uuid::now_v7(),
                household_id: "h-1".into(),
                opened_by: name.into(),
                opened_at: chrono::Utc::now(),
            });
            assert!(
                opening.check().is_ok(),
                "{name:?} as {:?}",
                opening.opened_by
            );
            opening.opened_by
        };
        assert_eq!(sent("Rowan Testwell"), "Rowan Testwell");
        assert_eq!(sent("Rowan\tTestwell\n"), "Rowan Testwell");
        assert_eq!(sent(&"é".repeat(250)).chars().count(), MAX_OPENED_BY_LEN);
        assert_eq!(sent(" \u{7} "), "someone on this laptop (no name)");
    }
}
