//! The Conflicts screen's data: the store's conflict records in words, and a
//! supervisor's decision, which is itself an edit that syncs.

use doorstep_core::ChangeSource;
use doorstep_core::sync_status::{
    ConflictChoice, ConflictDecision, ConflictView, field_label, may_decide_conflicts, record_text,
    value_text,
};
use doorstep_store::{Store, StoreError, StoredConflict};

use crate::error::SyncError;

/// Every conflict, open ones first, in words.
pub fn conflict_views(store: &Store) -> Result<Vec<ConflictView>, SyncError> {
    refuse_unless_supervisor(store)?;
    let conflicts = store.conflicts(true)?;
    conflicts
        .into_iter()
        .map(|c| view(store, c))
        .collect::<Result<Vec<_>, StoreError>>()
        .map_err(SyncError::from)
}

/// A supervisor decides a conflict; returns the updated list.
pub fn decide_conflict(
    store: &mut Store,
    id: &str,
    choice: ConflictChoice,
) -> Result<Vec<ConflictView>, SyncError> {
    refuse_unless_supervisor(store)?;
    let by = store.officer().name.clone();
    store.decide_conflict(
        id,
        choice == ConflictChoice::TakeOther,
        &by,
        ChangeSource::Ui,
    )?;
    conflict_views(store)
}

fn refuse_unless_supervisor(store: &Store) -> Result<(), SyncError> {
    if may_decide_conflicts(store.officer().role) {
        Ok(())
    } else {
        Err(SyncError::NotAllowed(
            "Only a supervisor can see and decide sync conflicts. Ask your supervisor to sign in on this laptop.".into(),
        ))
    }
}

fn view(store: &Store, c: StoredConflict) -> Result<ConflictView, StoreError> {
    let decision = match (c.chosen.as_deref(), c.decided_by, c.decided_at) {
        (Some(chosen), Some(by), Some(at)) => Some(ConflictDecision {
            chosen: if chosen == "other" {
                ConflictChoice::TakeOther
            } else {
                ConflictChoice::Keep
            },
            by,
            at,
        }),
        _ => None,
    };
    Ok(ConflictView {
        record: record_label(store, &c.entity, &c.entity_id)?,
        field: field_label(&c.entity, &c.field),
        kept_value: value_text(&c.kept_value),
        kept_by: c.kept_by,
        kept_at: c.kept_at,
        other_value: value_text(&c.other_value),
        other_by: c.other_by,
        other_at: c.other_at,
        raised_at: c.raised_at,
        decision,
        id: c.id,
    })
}

/// "Plan for 12 Acacia Avenue, NG18 1AA": the record's kind and, when it belongs to a
/// household this laptop holds, that household's address.
fn record_label(store: &Store, entity: &str, id: &str) -> Result<String, StoreError> {
    let place = store.household_place(entity, id)?;
    Ok(record_text(entity, place.as_deref(), id))
}
