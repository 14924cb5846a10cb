//! The registry of every kind of record that syncs, built from each kind's `Synced`
//! implementation, and what works on a record of any kind picked by its wire name.

use std::collections::BTreeMap;

use doorstep_core::fire::Referral;
use doorstep_core::household::HouseholdDetails;
use doorstep_core::person::PersonDetails;
use doorstep_core::security::Plan;
use doorstep_core::views::DayOfAction;
use doorstep_core::work_order::WorkOrder;
use doorstep_core::{ChangeSource, Hlc};
use rusqlite::Connection;
use serde_json::{Map, Value};

use crate::conflicts::StoredConflict;
use crate::error::{Result, StoreError};
use crate::store::Store;
use crate::synced::{self, Held, Stamp, Synced, unusable};
use crate::tracking::Writer;
use crate::{attachments, charlie, cocoons, conflicts, days, surveys, visits};

/// A synced record's full field map and each field's version, in the shape `track` writes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SyncedRecord {
    /// Field name to value.
    pub fields: BTreeMap<String, Value>,
    /// Field name to the clock reading of the change that last set it.
    pub versions: BTreeMap<String, Hlc>,
}

/// One kind of record that syncs, for code that picks it by wire name at run time.
pub(super) struct Kind {
    /// Its wire name.
    pub(super) entity: &'static str,
    /// Its table.
    pub(super) table: &'static str,
    /// [`Synced::read`].
    read: fn(&Connection, &str) -> Result<Option<Held>>,
    /// [`synced::write`].
    pub(super) write: fn(&Connection, &str, &Map<String, Value>, &Stamp<'_>) -> Result<()>,
    /// [`Synced::before_delete`].
    before_delete: fn(&Connection, &str) -> Result<()>,
}

impl Kind {
    /// The kind `T` implements.
    const fn of<T: Synced>() -> Self {
        Self {
            entity: T::ENTITY,
            table: T::TABLE,
            read: T::read,
            write: synced::write::<T>,
            before_delete: T::before_delete,
        }
    }
}

/// The registry: every kind of record that syncs.
pub(super) static KINDS: [Kind; 15] = [
    Kind::of::<HouseholdDetails>(),
    Kind::of::<PersonDetails>(),
    Kind::of::<visits::VisitFields>(),
    Kind::of::<surveys::SyncedSurvey>(),
    Kind::of::<attachments::PhotoFields>(),
    Kind::of::<Plan>(),
    Kind::of::<cocoons::CocoonFields>(),
    Kind::of::<cocoons::DoorFields>(),
    Kind::of::<charlie::ScoredCheck>(),
    Kind::of::<Referral>(),
    Kind::of::<DayOfAction>(),
    Kind::of::<days::ListedDoor>(),
    Kind::of::<days::Knock>(),
    Kind::of::<conflicts::ConflictFields>(),
    Kind::of::<WorkOrder>(),
];

/// The kind of record with this wire name.
pub(super) fn kind(entity: &str) -> Result<&'static Kind> {
    KINDS
        .iter()
        .find(|k| k.entity == entity)
        .ok_or_else(|| StoreError::UnknownEntity(entity.to_owned()))
}

/// Runs before a row of `table` is deleted: what else must change with it.
pub(super) fn before_delete(conn: &Connection, table: &str, id: &str) -> Result<()> {
    match KINDS.iter().find(|k| k.table == table) {
        Some(kind) => (kind.before_delete)(conn, id),
        None => Ok(()),
    }
}

/// A record's stored versions.
pub(super) fn parse_versions(text: &str) -> Result<BTreeMap<String, Hlc>> {
    Ok(serde_json::from_str(text)?)
}

/// A record as its kind reads it.
pub(super) fn read_record(
    conn: &Connection,
    kind: &Kind,
    id: &str,
) -> Result<Option<SyncedRecord>> {
    (kind.read)(conn, id)?
        .map(|(fields, versions)| {
            Ok(SyncedRecord {
                fields: fields.into_iter().collect(),
                versions: parse_versions(&versions)?,
            })
        })
        .transpose()
}

/// Sets one field of a record in a tracked write (a supervisor's decision on a conflict).
/// The change is based on the record's current versions, like any local edit.
fn set_field(w: &mut Writer<'_>, entity: &str, id: &str, field: &str, value: Value) -> Result<()> {
    if field.starts_with('_') {
        return Err(unusable(
            entity,
            id,
            &format!("{field} belongs to sync itself and cannot be set here"),
        ));
    }
    let kind = kind(entity)?;
    let (fields, versions) = (kind.read)(w.tx, id)?.ok_or(StoreError::NotFound {
        entity: "record the conflict is about",
    })?;
    let mut after = fields.clone();
    after.insert(field.to_owned(), value);
    let Some(t) = w.track(
        entity,
        id,
        Some((&Value::Object(fields), &versions)),
        &Value::Object(after.clone()),
    )?
    else {
        return Ok(());
    };
    (kind.write)(w.tx, id, &after, &Stamp::local(w, &t))
}

impl Store {
    /// A supervisor decides a conflict: in one tracked write, the conflict becomes decided
    /// (who, when, which value), and when `take_other` the record's field takes the other
    /// laptop's value, as an update based on the record's current versions. Both changes go
    /// to the outbox, so the decision reaches the hub and every laptop. A conflict already
    /// decided is refused and nothing changes.
    pub fn decide_conflict(
        &mut self,
        id: &str,
        take_other: bool,
        decided_by: &str,
        source: ChangeSource,
    ) -> Result<StoredConflict> {
        self.decide_conflict_with(id, take_other, decided_by, source, set_field)
    }

    /// The local state of one record (None if it is not held).
    pub fn synced_record(&self, entity: &str, id: &str) -> Result<Option<SyncedRecord>> {
        read_record(self.conn(), kind(entity)?, id)
    }
}
