//! Records from the hub: applied in one transaction without outbox rows, and forgotten
//! wholesale when the hub says this laptop was away too long.

use std::collections::{BTreeSet, HashMap};

use doorstep_core::Hlc;
use doorstep_core::privacy::restriction;
use rusqlite::Connection;
use serde_json::{Map, Value};

use super::cascade::{
    delete_cascading, foreign_keys, forget_changes_of, forget_unnamed_attachments, hashes_below,
    missing_reference, rows_below,
};
use super::hub::{SYNC_CURSOR, set_setting};
use super::outgoing::Payload;
use super::registry::{KINDS, SyncedRecord, kind, read_record};
use super::set_aside::{place_of, set_aside_unsent};
use crate::error::{Result, StoreError};
use crate::store::{CLOCK_SEEN, Store};
use crate::synced::{Stamp, unusable};
use crate::tracking::wall_time;

/// The field a delete sets: a record whose `_deleted` is true is a tombstone.
pub const DELETED_FIELD: &str = "_deleted";

/// What to do with one record the hub sent.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordChange {
    /// Leave the local copy as it is.
    Keep,
    /// Store this full record (a tombstone, `_deleted: true`, deletes it).
    Write(SyncedRecord),
    /// Delete the local copy (the hub deleted it).
    Remove,
    /// The record moved out of this laptop's scope on the hub (to another team): delete
    /// the local copy and everything that belongs to it, and set their unsent changes
    /// aside, since the hub will no longer take them.
    MovedAway,
    /// The data protection officer erased the record on the hub: delete it, everything
    /// that belongs to it, every change of theirs in the outbox (sent or not) and among the
    /// changes set aside, the photos and signatures only they named, and their words in
    /// the search index. Nothing is kept aside.
    Erased,
}

/// Per record, the fields with local changes the hub has not acknowledged yet.
pub(super) fn pending_fields(
    conn: &Connection,
) -> Result<HashMap<(String, String), BTreeSet<String>>> {
    let mut stmt = conn.prepare_cached(
        "SELECT entity, entity_id, operation, payload FROM outbox INDEXED BY outbox_unpushed
         WHERE pushed_at IS NULL",
    )?;
    let mut rows = stmt.query([])?;
    let mut pending: HashMap<(String, String), BTreeSet<String>> = HashMap::new();
    while let Some(row) = rows.next()? {
        let payload: Payload = serde_json::from_str(&row.get::<_, String>(3)?)?;
        let fields = pending.entry((row.get(0)?, row.get(1)?)).or_default();
        fields.extend(payload.fields.into_iter().map(|(k, _)| k));
        if row.get::<_, String>(2)? == "delete" {
            fields.insert(DELETED_FIELD.to_owned());
        }
    }
    Ok(pending)
}

/// A write refused by the database (a value its column cannot hold) becomes a refusal
/// naming the record. No "one per address" rule can refuse one since migration 0007.
fn refused(entity: &str, id: &str, e: StoreError) -> StoreError {
    match e {
        StoreError::Database(db)
            if db.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) =>
        {
            unusable(
                entity,
                id,
                &format!("it clashes with a record already here ({db})"),
            )
        }
        other => other,
    }
}

impl Store {
    /// Applies records from the hub in one transaction (foreign keys checked at the end, so
    /// a record may come before the one it belongs to). For each key in order, `decide` is
    /// given the record's current local state (None if absent, including this call's earlier
    /// writes) and the names of its fields with unpushed local changes; what it returns is
    /// written without any outbox row, and every version written is taken into this laptop's
    /// clock, so later local edits sort after it. `Remove`, or a write of a tombstone, deletes
    /// the local copy and every local record that belongs to it. Returns how many records were
    /// written or removed. On any error nothing is written.
    pub fn apply_from_hub<F>(&mut self, keys: &[(String, String)], mut decide: F) -> Result<usize>
    where
        F: FnMut(usize, Option<SyncedRecord>, &BTreeSet<String>) -> RecordChange,
    {
        let pending = pending_fields(self.conn())?;
        let no_fields = BTreeSet::new();
        let now = doorstep_core::clock::now();
        let tx = self.conn.transaction()?;
        tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;
        let references = foreign_keys(&tx)?;
        let mut changed = 0;
        let mut erased_photos: BTreeSet<String> = BTreeSet::new();
        let mut erased_any = false;
        let mut written: Vec<(&'static str, &str, &str)> = Vec::new();
        let mut newest_seen: Option<Hlc> = None;
        for (index, (entity, id)) in keys.iter().enumerate() {
            let kind = kind(entity)?;
            let current = read_record(&tx, kind, id)?;
            let fields = pending
                .get(&(entity.clone(), id.clone()))
                .unwrap_or(&no_fields);
            match decide(index, current, fields) {
                RecordChange::Keep => {}
                RecordChange::Remove => {
                    if delete_cascading(&tx, &references, kind.table, id, &mut Vec::new())? {
                        changed += 1;
                    }
                }
                RecordChange::MovedAway => {
                    let place = place_of(&tx, entity, id)?;
                    let mut deleted = Vec::new();
                    if delete_cascading(&tx, &references, kind.table, id, &mut deleted)? {
                        changed += 1;
                    }
                    // The record itself even when it is not held: a local delete of it may
                    // be waiting to go.
                    deleted.push((kind.table.to_owned(), id.clone()));
                    deleted.sort_unstable();
                    deleted.dedup();
                    for (table, row) in &deleted {
                        set_aside_unsent(&tx, table, row, now, place.as_deref())?;
                    }
                }
                RecordChange::Erased => {
                    erased_photos.extend(hashes_below(&tx, &references, kind.table, id)?);
                    let mut deleted = Vec::new();
                    if delete_cascading(&tx, &references, kind.table, id, &mut deleted)? {
                        changed += 1;
                    }
                    deleted.push((kind.table.to_owned(), id.clone()));
                    for (_, row) in &deleted {
                        forget_changes_of(&tx, row)?;
                    }
                    erased_any = true;
                }
                RecordChange::Write(record) => {
                    if let Some(newest) = record.versions.values().max().copied() {
                        // A reading far ahead of this laptop's clock is still taken in: the
                        // hub holds it, and a later local edit of the field must sort after
                        // it or the hub would refuse the edit as older than its base.
                        let wall = wall_time(newest).map_or(now, |w| w.max(now));
                        let _ = self.clock.observe(newest, wall);
                        newest_seen = newest_seen.max(Some(newest));
                    }
                    if record.fields.get(DELETED_FIELD) == Some(&Value::Bool(true)) {
                        if delete_cascading(&tx, &references, kind.table, id, &mut Vec::new())? {
                            changed += 1;
                        }
                        continue;
                    }
                    let own: Map<String, Value> = record
                        .fields
                        .iter()
                        .filter(|(name, _)| !name.starts_with('_'))
                        .map(|(name, value)| (name.clone(), value.clone()))
                        .collect();
                    let versions = serde_json::to_string(&record.versions)?;
                    let stamp =
                        Stamp::synced(entity, id, &record.fields, &record.versions, &versions)?;
                    (kind.write)(&tx, id, &own, &stamp).map_err(|e| refused(entity, id, e))?;
                    if entity == "household"
                        && restriction::is_restricted(own.get(restriction::RESTRICTED_FIELD))
                    {
                        // The hub refuses any change to a restricted household's records, so
                        // edits made here before the word came could never go: they are kept
                        // apart, as for a household that moved away, and the rest can go.
                        let place = place_of(&tx, entity, id)?;
                        let mut rows = vec![(kind.table.to_owned(), id.clone())];
                        rows_below(&tx, &references, kind.table, id, &mut rows)?;
                        for (table, row) in &rows {
                            set_aside_unsent(&tx, table, row, now, place.as_deref())?;
                        }
                    }
                    written.push((kind.table, entity, id));
                    changed += 1;
                }
            }
        }
        for (table, entity, id) in written {
            if let Some(field) = missing_reference(&tx, &references, table, id)? {
                return Err(StoreError::MissingReference {
                    entity: entity.to_owned(),
                    id: id.to_owned(),
                    field,
                });
            }
        }
        if newest_seen.is_some() {
            set_setting(&tx, CLOCK_SEEN, &self.clock.last().to_string())?;
        }
        if erased_any {
            forget_unnamed_attachments(&tx, &erased_photos)?;
        }
        tx.commit()?;
        if erased_any {
            self.purge_erased_words()?;
        }
        Ok(changed)
    }

    /// After an erasure: the search index is brought up to date (residents' names leave
    /// their household's entry) and merged into one segment, which drops every deleted
    /// entry's words for good; the write-ahead log is emptied so no old page lingers in it.
    fn purge_erased_words(&self) -> Result<()> {
        self.bring_search_index_up_to_date()?;
        self.conn().execute_batch(
            "INSERT INTO household_search (household_search) VALUES ('optimize');",
        )?;
        self.conn()
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// After the hub said this laptop was away too long: forgets every synced record
    /// (households, residents, visits, surveys, photos' rows, plans, cocoons, fire records,
    /// days of action, conflicts, work orders) and sets the pull cursor back to 0, so they
    /// are received again from the start. Refused while local changes wait to be sent. Keeps
    /// people, settings, the hub link, the gazetteer and attachments' bytes.
    pub fn forget_synced_records(&mut self) -> Result<()> {
        let pending = self.outbox_pending()?;
        if pending > 0 {
            return Err(StoreError::OutboxNotEmpty { pending });
        }
        let tx = self.conn.transaction()?;
        tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;
        for kind in &KINDS {
            tx.execute(&format!("DELETE FROM \"{}\"", kind.table), [])?;
        }
        tx.execute_batch(
            "INSERT INTO household_search (household_search) VALUES ('delete-all');
             DELETE FROM household_search_pending;
             DELETE FROM settings WHERE key = 'search_indexed_upto';",
        )?;
        set_setting(&tx, SYNC_CURSOR, "0")?;
        tx.commit()?;
        Ok(())
    }
}
