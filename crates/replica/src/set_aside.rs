//! The Sync screen's list of changes the hub could no longer take: each one's record,
//! what it did and who made it, in words. People see their own; a supervisor sees all.
//! Once passed on, its maker (or a supervisor) may remove one from the laptop.

use std::collections::HashMap;

use doorstep_core::sync_status::{
    FieldValueView, RecordAction, SetAsideView, field_label, record_text, sees_all_set_aside,
    value_text,
};
use doorstep_core::{Officer, OfficerId};
use doorstep_store::{SetAsideChange, Store, StoreError};
use doorstep_sync::protocol::referenced_kind;
use serde_json::Value;

use crate::error::SyncError;

/// The set-aside changes the signed-in person may see, oldest first.
pub fn set_aside_views(store: &Store) -> Result<Vec<SetAsideView>, StoreError> {
    let me = store.officer();
    let names: HashMap<_, _> = store
        .users()?
        .into_iter()
        .map(|officer| (officer.id, officer.name))
        .collect();
    Ok(store
        .set_aside_changes()?
        .into_iter()
        .filter(|c| may_see(me, c))
        .map(|c| view(c, &names))
        .collect())
}

/// Removes a set-aside change its maker (or a supervisor) has passed on; answers with the
/// list as it now is. Anyone else, or an id that is not in the list, is refused.
pub fn discard_set_aside(store: &mut Store, id: &str) -> Result<Vec<SetAsideView>, SyncError> {
    let me = store.officer().clone();
    let not_yours = || {
        SyncError::NotAllowed(
            "That change is not in your list of changes the hub could not take. Only the person who made a change, or a supervisor, can remove it.".into(),
        )
    };
    let change = store
        .set_aside_changes()?
        .into_iter()
        .find(|c| c.change_id.to_string() == id)
        .ok_or_else(not_yours)?;
    if !may_see(&me, &change) {
        return Err(not_yours());
    }
    store.discard_set_aside(change.change_id)?;
    Ok(set_aside_views(store)?)
}

/// People see the changes they made; a supervisor sees every one.
fn may_see(me: &Officer, change: &SetAsideChange) -> bool {
    sees_all_set_aside(me.role) || change.officer_id == me.id
}

/// Null, "" or [].
fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// How many of them the signed-in person may see: counted, not read, since the sync
/// status asks at every step of a sync.
pub fn set_aside_visible(store: &Store) -> Result<u32, StoreError> {
    let me = store.officer();
    let count = if sees_all_set_aside(me.role) {
        store.set_aside_count()?
    } else {
        store.set_aside_count_by(me.id)?
    };
    Ok(u32::try_from(count).unwrap_or(u32::MAX))
}

fn view(c: SetAsideChange, names: &HashMap<OfficerId, String>) -> SetAsideView {
    let action = match c.operation.as_str() {
        "create" => RecordAction::Added,
        "delete" => RecordAction::Deleted,
        _ => RecordAction::Changed,
    };
    let fields = c
        .fields
        .iter()
        // Names starting `_` are the sync's own bookkeeping, and reference fields are ids
        // the record's name already says in words; neither is what the officer typed.
        .filter(|(name, _)| !name.starts_with('_') && referenced_kind(name).is_none())
        // A new record's blank fields say nothing; a change that clears one does.
        .filter(|(_, value)| action != RecordAction::Added || !is_blank(value))
        .map(|(name, value)| FieldValueView {
            field: field_label(&c.entity, name),
            value: value_text(value),
        })
        .collect();
    SetAsideView {
        id: c.change_id.to_string(),
        record: record_text(&c.entity, c.place.as_deref(), &c.entity_id),
        action,
        fields,
        made_by: names
            .get(&c.officer_id)
            .cloned()
            .unwrap_or_else(|| "A former user of this laptop".to_owned()),
        made_at: c.made_at,
        set_aside_at: c.set_aside_at,
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use doorstep_core::Role;
    use serde_json::{Map, json};

    use super::*;

    fn change(by: OfficerId, entity: &str, operation: &str, place: Option<&str>) -> SetAsideChange {
        let mut fields = Map::new();
        fields.insert("address_line_2".into(), json!("Flat 1"));
        fields.insert("_deleted".into(), Value::Bool(false));
        fields.insert(
            "household_id".into(),
            json!("0192f3a1-0000-7000-8000-00000000000a"),
        );
        fields.insert("phone".into(), json!(""));
        SetAsideChange {
            change_id: uuid::Uuid::nil(),
            entity: entity.into(),
            entity_id: "0192f3a1-0000-7000-8000-000000000000".into(),
            operation: operation.into(),
            fields,
            officer_id: by,
            made_at: Utc.with_ymd_and_hms(2026, 11, 27, 9, 30, 0).unwrap(),
            set_aside_at: Utc.with_ymd_and_hms(2026, 11, 27, 14, 0, 0).unwrap(),
            place: place.map(str::to_owned),
        }
    }

    #[test]
    fn people_see_their_own_and_a_supervisor_sees_all() {
        let (mine, theirs) = (OfficerId::new(), OfficerId::new());
        for (role, sees_theirs) in [
            (Role::Officer, false),
            (Role::Warden, false),
            (Role::FireCrew, false),
            (Role::Supervisor, true),
        ] {
            let me = Officer {
                id: mine,
                name: "Sam Officer".into(),
                role,
            };
            assert!(
                may_see(&me, &change(mine, "household", "update", None)),
                "{role:?}"
            );
            assert_eq!(
                may_see(&me, &change(theirs, "household", "update", None)),
                sees_theirs,
                "{role:?}"
            );
        }
    }

    #[test]
    fn each_change_is_described_in_words() {
        let by = OfficerId::new();
        let names = HashMap::from([(by, "Sam Officer".to_owned())]);
        for (entity, operation, place, record, action) in [
            (
                "household",
                "update",
                Some("4 Example Row, TE1 1ST"),
                "Household for 4 Example Row, TE1 1ST",
                RecordAction::Changed,
            ),
            (
                "person",
                "create",
                None,
                "Resident 0192f3a1",
                RecordAction::Added,
            ),
            (
                "visit",
                "delete",
                Some(""),
                "Visit 0192f3a1",
                RecordAction::Deleted,
            ),
        ] {
            let v = view(change(by, entity, operation, place), &names);
            assert_eq!(v.record, record);
            assert_eq!(v.action, action);
            assert_eq!(v.made_by, "Sam Officer");
            let shown: Vec<(&str, &str)> = v
                .fields
                .iter()
                .map(|f| (f.field.as_str(), f.value.as_str()))
                .collect();
            let mut wanted = vec![("Address line 2", "Flat 1")];
            // Clearing a field is news; a new record's blank field is not.
            if action != RecordAction::Added {
                wanted.push(("Phone", "(empty)"));
            }
            assert_eq!(shown, wanted, "no bookkeeping, no ids");
        }
        let unknown = view(change(OfficerId::new(), "plan", "update", None), &names);
        assert_eq!(unknown.made_by, "A former user of this laptop");
    }
}
