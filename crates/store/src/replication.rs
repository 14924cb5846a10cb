//! The store's side of sync with the council hub, in plain types (the store does not know
//! the wire protocol; the app's sync engine turns these into its `Change`s and `Record`s):
//!
//! - [`Store::outbox_batch`] and [`Store::mark_pushed`]: local changes on their way out;
//! - [`Store::apply_from_hub`]: records from the hub written in one transaction, without
//!   outbox rows, through the same column mapping the repositories use for local edits;
//! - [`Store::forget_synced_records`]: start again after a long absence;
//! - the hub link, the pull cursor and the sync log, kept inside the encrypted store;
//! - attachments sent and fetched by SHA-256.
//!
//! Every kind of record is reached through one registry (`KINDS`), built from each kind's
//! `Synced` implementation in its repository: replication sits above the repositories and
//! they never reach up to it.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;

use chrono::{DateTime, Utc};
use doorstep_core::attachment::check_image;
use doorstep_core::fire::Referral;
use doorstep_core::household::HouseholdDetails;
use doorstep_core::person::PersonDetails;
use doorstep_core::security::Plan;
use doorstep_core::views::DayOfAction;
use doorstep_core::work_order::WorkOrder;
use doorstep_core::{ChangeSource, DeviceId, Hlc, OfficerId, Role};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::conflicts::StoredConflict;
use crate::error::{Result, StoreError};
use crate::store::Store;
use crate::synced::{self, Held, Stamp, Synced, unusable};
use crate::tracking::{Writer, wall_time};
use crate::{attachments, charlie, cocoons, conflicts, days, surveys, visits};

/// The field a delete sets: a record whose `_deleted` is true is a tombstone.
pub const DELETED_FIELD: &str = "_deleted";

pub use crate::synced::SOMEONE_ELSE;

/// The settings keys of the sync bookkeeping.
const HUB_LINK: &str = "hub_link";
const SYNC_CURSOR: &str = "sync_cursor";
const SYNC_LOG: &str = "sync_log";

/// A synced record's full field map and each field's version, in the shape `track` writes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SyncedRecord {
    /// Field name to value.
    pub fields: BTreeMap<String, Value>,
    /// Field name to the clock reading of the change that last set it.
    pub versions: BTreeMap<String, Hlc>,
}

/// One unpushed outbox row, ready to become a wire `Change`.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingChange {
    /// Its place in the outbox.
    pub seq: i64,
    /// The change's own id; the hub applies it once.
    pub change_id: uuid::Uuid,
    /// The kind of record.
    pub entity: String,
    /// The record's id.
    pub entity_id: String,
    /// `create`, `update` or `delete`.
    pub operation: String,
    /// The fields that changed, with their new values.
    pub fields: Map<String, Value>,
    /// Each changed field's version before the change.
    pub base_versions: BTreeMap<String, Option<Hlc>>,
    /// The change's clock reading.
    pub hlc: Hlc,
    /// Who made it.
    pub officer_id: OfficerId,
    /// On which laptop.
    pub device_id: DeviceId,
    /// When, by this laptop's clock.
    pub made_at: DateTime<Utc>,
}

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
}

/// A local change the hub could no longer take, kept apart from the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct SetAsideChange {
    /// The change's own id.
    pub change_id: uuid::Uuid,
    /// The kind of record.
    pub entity: String,
    /// The record's id.
    pub entity_id: String,
    /// `create`, `update` or `delete`.
    pub operation: String,
    /// The fields it set, with their values.
    pub fields: Map<String, Value>,
    /// Who made it.
    pub officer_id: OfficerId,
    /// When it was made, by this laptop's clock.
    pub made_at: DateTime<Utc>,
    /// When the hub's word that the record had moved arrived.
    pub set_aside_at: DateTime<Utc>,
    /// The address of the household it belonged to, when this laptop held it.
    pub place: Option<String>,
}

/// The hub this laptop is enrolled with. The refresh token is a secret: Debug never shows it.
#[derive(Clone, PartialEq)]
pub struct HubLink {
    /// The hub's address.
    pub hub_url: String,
    /// The id the hub gave this laptop; its clock and changes carry it.
    pub hub_device_id: DeviceId,
    /// The council running the hub.
    pub organisation: String,
    /// The enrolled user's name.
    pub user_name: String,
    /// The enrolled user's role.
    pub user_role: Role,
    /// The token that renews access; each works once.
    pub refresh_token: String,
    /// When this laptop enrolled.
    pub enrolled_at: DateTime<Utc>,
}

impl fmt::Debug for HubLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HubLink")
            .field("hub_url", &self.hub_url)
            .field("hub_device_id", &self.hub_device_id)
            .field("organisation", &self.organisation)
            .field("user_name", &self.user_name)
            .field("user_role", &self.user_role)
            .field("refresh_token", &"<redacted>")
            .field("enrolled_at", &self.enrolled_at)
            .finish()
    }
}

/// How the hub link is kept in `settings`. A type of its own, so [`HubLink`] has no
/// `Serialize` that could carry its token somewhere by accident.
#[derive(Serialize, Deserialize)]
struct StoredHubLink {
    hub_url: String,
    hub_device_id: DeviceId,
    organisation: String,
    user_name: String,
    user_role: Role,
    refresh_token: String,
    enrolled_at: DateTime<Utc>,
}

/// When sync last worked and what last went wrong, in plain words.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SyncLog {
    /// The last sync that finished.
    pub last_synced_at: Option<DateTime<Utc>>,
    /// What went wrong last time, if the last attempt failed.
    pub last_error: Option<String>,
    /// The last attempt, whatever came of it.
    pub last_attempt_at: Option<DateTime<Utc>>,
}

/// One kind of record that syncs, for code that picks it by wire name at run time.
struct Kind {
    /// Its wire name.
    entity: &'static str,
    /// Its table.
    table: &'static str,
    /// [`Synced::read`].
    read: fn(&Connection, &str) -> Result<Option<Held>>,
    /// [`synced::write`].
    write: fn(&Connection, &str, &Map<String, Value>, &Stamp<'_>) -> Result<()>,
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
static KINDS: [Kind; 15] = [
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
fn kind(entity: &str) -> Result<&'static Kind> {
    KINDS
        .iter()
        .find(|k| k.entity == entity)
        .ok_or_else(|| StoreError::UnknownEntity(entity.to_owned()))
}

/// Runs before a row of `table` is deleted: what else must change with it.
fn before_delete(conn: &Connection, table: &str, id: &str) -> Result<()> {
    match KINDS.iter().find(|k| k.table == table) {
        Some(kind) => (kind.before_delete)(conn, id),
        None => Ok(()),
    }
}

/// One foreign key of the schema: `child.column` refers to `parent.parent_column`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct ForeignKey {
    child: String,
    column: String,
    parent: String,
    parent_column: String,
}

/// Every foreign key, read from the schema itself, so a table added later (work orders)
/// is cascaded and checked without being listed here.
fn foreign_keys(conn: &Connection) -> Result<Vec<ForeignKey>> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.name, p.\"from\", p.\"table\", p.\"to\"
         FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) p
         WHERE m.type = 'table' AND p.\"to\" IS NOT NULL
         ORDER BY m.name, p.\"from\"",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(ForeignKey {
            child: r.get(0)?,
            column: r.get(1)?,
            parent: r.get(2)?,
            parent_column: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Deletes a row and, first, every row that refers to it (a record cannot be shown without
/// what it belongs to, and the hub removes a household's records with it). Returns whether
/// the row was there.
/// Deletes a row and every row that refers to it, depth first; each row deleted is added
/// to `deleted` as (table, id). Returns whether the row itself was there.
fn delete_cascading(
    conn: &Connection,
    keys: &[ForeignKey],
    table: &str,
    id: &str,
    deleted: &mut Vec<(String, String)>,
) -> Result<bool> {
    for key in keys.iter().filter(|k| k.parent == table) {
        let children: Vec<String> = conn
            .prepare_cached(&format!(
                "SELECT id FROM \"{}\" WHERE \"{}\" = (SELECT \"{}\" FROM \"{table}\" WHERE id = ?1)",
                key.child, key.column, key.parent_column
            ))?
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for child in children {
            delete_cascading(conn, keys, &key.child, &child, deleted)?;
        }
    }
    before_delete(conn, table, id)?;
    let found = conn
        .prepare_cached(&format!("DELETE FROM \"{table}\" WHERE id = ?1"))?
        .execute([id])?
        > 0;
    if found {
        deleted.push((table.to_owned(), id.to_owned()));
    }
    Ok(found)
}

/// Moves the unsent changes of the record `id` in `table` from the outbox to
/// `set_aside_changes`. Returns how many moved.
fn set_aside_unsent(
    conn: &Connection,
    table: &str,
    id: &str,
    at: DateTime<Utc>,
    place: Option<&str>,
) -> Result<usize> {
    let rows: Vec<(i64, String)> = conn
        .prepare_cached(
            "SELECT seq, entity FROM outbox INDEXED BY outbox_unpushed_by_id
             WHERE entity_id = ?1 AND pushed_at IS NULL",
        )?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut moved = 0;
    for (seq, entity) in rows {
        // Ids are unique per table, not across tables: match the row's kind too.
        if kind(&entity).is_ok_and(|k| k.table == table) {
            conn.prepare_cached(
                "INSERT INTO set_aside_changes (seq, change_id, entity, entity_id, operation,
                     payload, source, hlc, officer_id, device_id, created_at, set_aside_at, place)
                 SELECT seq, change_id, entity, entity_id, operation, payload, source, hlc,
                        officer_id, device_id, created_at, ?2, ?3
                 FROM outbox WHERE seq = ?1",
            )?
            .execute(params![seq, at, place])?;
            conn.prepare_cached("DELETE FROM outbox WHERE seq = ?1")?
                .execute([seq])?;
            moved += 1;
        }
    }
    Ok(moved)
}

/// "4 Example Row, TE1 1ST": the address of the household a record is or belongs to, when
/// this laptop holds it.
fn place_of(conn: &Connection, entity: &str, id: &str) -> Result<Option<String>> {
    let household_id = if entity == "household" {
        Some(id.to_owned())
    } else {
        read_record(conn, kind(entity)?, id)?.and_then(|r| {
            r.fields
                .get("household_id")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
    };
    let Some(household_id) = household_id else {
        return Ok(None);
    };
    Ok(
        read_record(conn, kind("household")?, &household_id)?.and_then(|h| {
            let parts: Vec<&str> = ["address_line_1", "postcode"]
                .iter()
                .filter_map(|k| h.fields.get(*k).and_then(Value::as_str))
                .filter(|s| !s.is_empty())
                .collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        }),
    )
}

/// The first reference from a written row to a row that is not there.
fn missing_reference(
    conn: &Connection,
    keys: &[ForeignKey],
    table: &str,
    id: &str,
) -> Result<Option<String>> {
    for key in keys.iter().filter(|k| k.child == table) {
        let dangling: bool = conn
            .prepare_cached(&format!(
                "SELECT EXISTS (SELECT 1 FROM \"{table}\" c WHERE c.id = ?1 AND c.\"{col}\" IS NOT NULL
                     AND NOT EXISTS (SELECT 1 FROM \"{parent}\" p WHERE p.\"{to}\" = c.\"{col}\"))",
                col = key.column,
                parent = key.parent,
                to = key.parent_column,
            ))?
            .query_row([id], |r| r.get(0))?;
        if dangling {
            return Ok(Some(key.column.clone()));
        }
    }
    Ok(None)
}

/// A record's stored versions.
fn parse_versions(text: &str) -> Result<BTreeMap<String, Hlc>> {
    Ok(serde_json::from_str(text)?)
}

/// A record as its kind reads it.
fn read_record(conn: &Connection, kind: &Kind, id: &str) -> Result<Option<SyncedRecord>> {
    (kind.read)(conn, id)?
        .map(|(fields, versions)| {
            Ok(SyncedRecord {
                fields: fields.into_iter().collect(),
                versions: parse_versions(&versions)?,
            })
        })
        .transpose()
}

/// An outbox row's payload, as `tracking` writes it.
#[derive(Deserialize)]
struct Payload {
    fields: Map<String, Value>,
    #[serde(default)]
    base_versions: BTreeMap<String, Option<Hlc>>,
}

/// Per record, the fields with local changes the hub has not acknowledged yet.
fn pending_fields(conn: &Connection) -> Result<HashMap<(String, String), BTreeSet<String>>> {
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

/// Sets one field of a record in a tracked write (a supervisor's decision on a conflict).
/// The change is based on the record's current versions, like any local edit.
pub(crate) fn set_field(
    w: &mut Writer<'_>,
    entity: &str,
    id: &str,
    field: &str,
    value: Value,
) -> Result<()> {
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
}

/// A SHA-256 as the hub names it: 64 lower-case hex digits, whether or not the caller wrote
/// the store's `sha256:` prefix.
fn bare_sha(sha256: &str) -> String {
    sha256
        .strip_prefix("sha256:")
        .unwrap_or(sha256)
        .to_ascii_lowercase()
}

/// The store's reference for a SHA-256: `sha256:` and the hex digest.
fn reference(sha256: &str) -> String {
    format!("sha256:{}", bare_sha(sha256))
}

fn setting(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

fn set_setting(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![key, value])?;
    Ok(())
}

impl Store {
    /// Unpushed outbox rows, oldest first, at most `limit`.
    pub fn outbox_batch(&self, limit: usize) -> Result<Vec<OutgoingChange>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT seq, change_id, entity, entity_id, operation, payload, hlc, officer_id, device_id, created_at
             FROM outbox INDEXED BY outbox_unpushed WHERE pushed_at IS NULL ORDER BY seq LIMIT ?1",
        )?;
        let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                crate::rows::parsed::<uuid::Uuid>(r, 1, "bad change id")?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                crate::rows::parsed::<Hlc>(r, 6, "bad clock reading")?,
                crate::rows::parsed::<OfficerId>(r, 7, "bad officer id")?,
                crate::rows::parsed::<DeviceId>(r, 8, "bad device id")?,
                r.get::<_, DateTime<Utc>>(9)?,
            ))
        })?;
        let mut batch = Vec::new();
        for row in rows {
            let (
                seq,
                change_id,
                entity,
                entity_id,
                operation,
                payload,
                hlc,
                officer_id,
                device_id,
                made_at,
            ) = row?;
            let payload: Payload = serde_json::from_str(&payload)?;
            batch.push(OutgoingChange {
                seq,
                change_id,
                entity,
                entity_id,
                operation,
                fields: payload.fields,
                base_versions: payload.base_versions,
                hlc,
                officer_id,
                device_id,
                made_at,
            });
        }
        Ok(batch)
    }

    /// Marks these changes as accepted by the hub (sets `pushed_at`); unknown ids, and ids
    /// already marked, are ignored.
    pub fn mark_pushed(&mut self, change_ids: &[uuid::Uuid], at: DateTime<Utc>) -> Result<()> {
        if change_ids.is_empty() {
            return Ok(());
        }
        let wanted: HashSet<String> = change_ids.iter().map(ToString::to_string).collect();
        let tx = self.conn.transaction()?;
        {
            // The unpushed rows are few and indexed; `change_id` is not, so match them here.
            let unpushed: Vec<(i64, String)> = tx
                .prepare_cached(
                    "SELECT seq, change_id FROM outbox INDEXED BY outbox_unpushed WHERE pushed_at IS NULL",
                )?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let mut mark = tx.prepare_cached("UPDATE outbox SET pushed_at = ?2 WHERE seq = ?1")?;
            for (seq, change_id) in unpushed {
                if wanted.contains(&change_id) {
                    mark.execute(params![seq, at])?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

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
        let now = Utc::now();
        let tx = self.conn.transaction()?;
        tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;
        let references = foreign_keys(&tx)?;
        let mut changed = 0;
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
            set_setting(
                &tx,
                crate::store::CLOCK_SEEN,
                &self.clock.last().to_string(),
            )?;
        }
        tx.commit()?;
        Ok(changed)
    }

    /// How many local changes were set aside because their record moved to another team.
    pub fn set_aside_count(&self) -> Result<u64> {
        let n: i64 = self
            .conn()
            .query_row("SELECT count(*) FROM set_aside_changes", [], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// How many of them `officer` made.
    pub fn set_aside_count_by(&self, officer: OfficerId) -> Result<u64> {
        let n: i64 = self.conn().query_row(
            "SELECT count(*) FROM set_aside_changes WHERE officer_id = ?1",
            [officer.to_string()],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Removes one set-aside change for good (its maker passed it on); false if there is
    /// no such change.
    pub fn discard_set_aside(&mut self, change_id: uuid::Uuid) -> Result<bool> {
        Ok(self.conn().execute(
            "DELETE FROM set_aside_changes WHERE change_id = ?1",
            [change_id.to_string()],
        )? > 0)
    }

    /// The changes set aside, in the order they were made.
    pub fn set_aside_changes(&self) -> Result<Vec<SetAsideChange>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT change_id, entity, entity_id, operation, payload, officer_id, created_at,
                    set_aside_at, place
             FROM set_aside_changes ORDER BY seq",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                (
                    crate::rows::parsed::<uuid::Uuid>(r, 0, "bad change id")?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ),
                (
                    crate::rows::parsed::<OfficerId>(r, 5, "bad officer id")?,
                    r.get::<_, DateTime<Utc>>(6)?,
                    r.get::<_, DateTime<Utc>>(7)?,
                    r.get::<_, Option<String>>(8)?,
                ),
            ))
        })?;
        let mut changes = Vec::new();
        for row in rows {
            let (
                (change_id, entity, entity_id, operation, payload),
                (officer_id, made_at, set_aside_at, place),
            ) = row?;
            let payload: Payload = serde_json::from_str(&payload)?;
            changes.push(SetAsideChange {
                change_id,
                entity,
                entity_id,
                operation,
                fields: payload.fields,
                officer_id,
                made_at,
                set_aside_at,
                place,
            });
        }
        Ok(changes)
    }

    /// "4 Example Row, TE1 1ST": the address of the household a record is or belongs to,
    /// when this laptop holds it.
    pub fn household_place(&self, entity: &str, id: &str) -> Result<Option<String>> {
        place_of(self.conn(), entity, id)
    }

    /// The local state of one record (None if it is not held).
    pub fn synced_record(&self, entity: &str, id: &str) -> Result<Option<SyncedRecord>> {
        read_record(self.conn(), kind(entity)?, id)
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

    /// The hub this laptop is enrolled with, if any.
    pub fn hub_link(&self) -> Result<Option<HubLink>> {
        let Some(text) = setting(self.conn(), HUB_LINK)? else {
            return Ok(None);
        };
        let s: StoredHubLink = serde_json::from_str(&text)?;
        Ok(Some(HubLink {
            hub_url: s.hub_url,
            hub_device_id: s.hub_device_id,
            organisation: s.organisation,
            user_name: s.user_name,
            user_role: s.user_role,
            refresh_token: s.refresh_token,
            enrolled_at: s.enrolled_at,
        }))
    }

    /// Replaces the hub link. The hub's device id becomes this laptop's: its clock and every
    /// change from now on carry it, and local changes not yet sent are re-stamped with it
    /// (their versions included), because the hub accepts only changes from the pushing device.
    pub fn set_hub_link(&mut self, link: &HubLink) -> Result<()> {
        let stored = serde_json::to_string(&StoredHubLink {
            hub_url: link.hub_url.clone(),
            hub_device_id: link.hub_device_id,
            organisation: link.organisation.clone(),
            user_name: link.user_name.clone(),
            user_role: link.user_role,
            refresh_token: link.refresh_token.clone(),
            enrolled_at: link.enrolled_at,
        })?;
        let old = self.device().id;
        let new = link.hub_device_id;
        let tx = self.conn.transaction()?;
        set_setting(&tx, HUB_LINK, &stored)?;
        if old != new {
            restamp_unpushed(&tx, old, new)?;
            set_setting(&tx, "device_id", &new.to_string())?;
        }
        tx.commit()?;
        if old != new {
            self.set_device_id(new);
        }
        Ok(())
    }

    /// The last hub log position applied here (0: none).
    pub fn sync_cursor(&self) -> Result<u64> {
        Ok(setting(self.conn(), SYNC_CURSOR)?
            .and_then(|c| c.parse().ok())
            .unwrap_or(0))
    }

    /// Records the last hub log position applied here.
    pub fn set_sync_cursor(&mut self, cursor: u64) -> Result<()> {
        set_setting(self.conn(), SYNC_CURSOR, &cursor.to_string())
    }

    /// When sync last worked and what last went wrong.
    pub fn sync_log(&self) -> Result<SyncLog> {
        match setting(self.conn(), SYNC_LOG)? {
            Some(text) => Ok(serde_json::from_str(&text)?),
            None => Ok(SyncLog::default()),
        }
    }

    /// Replaces the sync log.
    pub fn set_sync_log(&mut self, log: &SyncLog) -> Result<()> {
        set_setting(self.conn(), SYNC_LOG, &serde_json::to_string(log)?)
    }

    /// Attachments the hub does not hold yet, as bare SHA-256 hex, at most `limit`.
    pub fn attachments_to_upload(&self, limit: usize) -> Result<Vec<String>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT a.sha256 FROM attachments a
             WHERE NOT EXISTS (SELECT 1 FROM attachments_on_hub h WHERE h.sha256 = a.sha256)
             ORDER BY a.sha256 LIMIT ?1",
        )?;
        let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            r.get::<_, String>(0)
        })?;
        Ok(rows
            .map(|r| r.map(|sha| bare_sha(&sha)))
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Records that the hub holds this attachment (bare hex or `sha256:` reference).
    pub fn mark_attachment_uploaded(&mut self, sha256: &str) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO attachments_on_hub (sha256, since) VALUES (?1, ?2) ON CONFLICT (sha256) DO NOTHING",
            )?
            .execute(params![reference(sha256), Utc::now()])?;
        Ok(())
    }

    /// Attachments that synced records refer to but whose bytes are not here (survey photos,
    /// and the signatures on plans and referral consents), as bare SHA-256 hex, at most `limit`.
    pub fn missing_attachments(&self, limit: usize) -> Result<Vec<String>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT sha FROM (
                 SELECT sha256 AS sha FROM survey_photos
                 UNION SELECT json_extract(body, '$.agreement.signature_ref') FROM plans
                 UNION SELECT json_extract(body, '$.consent.signature_ref') FROM referrals
                 UNION SELECT json_extract(item.value, '$.photo_sha256')
                       FROM work_orders, json_each(work_orders.body, '$.items') AS item
             )
             WHERE sha LIKE 'sha256:%'
               AND NOT EXISTS (SELECT 1 FROM attachments a WHERE a.sha256 = sha)
             ORDER BY sha LIMIT ?1",
        )?;
        let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            r.get::<_, String>(0)
        })?;
        Ok(rows
            .map(|r| r.map(|sha| bare_sha(&sha)))
            .collect::<rusqlite::Result<_>>()?)
    }

    /// An attachment's bytes (bare hex or `sha256:` reference).
    pub fn attachment_bytes(&self, sha256: &str) -> Result<Vec<u8>> {
        Ok(self.attachment(&reference(sha256))?.1)
    }

    /// Stores bytes fetched from the hub, refusing them unless their SHA-256 is `sha256` and
    /// they are an image. The hub holds them, so they are not sent back.
    pub fn store_downloaded_attachment(&mut self, sha256: &str, bytes: &[u8]) -> Result<()> {
        let expected = bare_sha(sha256);
        let actual = bare_sha(&attachments::reference(bytes));
        if expected != actual {
            return Err(StoreError::AttachmentDigestMismatch { expected, actual });
        }
        let image = check_image(bytes, u64::MAX, "attachment")?;
        let sha = reference(&actual);
        let tx = self.conn.transaction()?;
        attachments::insert_bytes(&tx, &sha, bytes, &image, &SOMEONE_ELSE.to_string())?;
        tx.prepare_cached(
            "INSERT INTO attachments_on_hub (sha256, since) VALUES (?1, ?2) ON CONFLICT (sha256) DO NOTHING",
        )?
        .execute(params![sha, Utc::now()])?;
        tx.commit()?;
        Ok(())
    }
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

/// Gives this laptop's unpushed changes the hub's device id: their clock readings, and the
/// versions they left on records and on later unpushed changes. Readings the hub already
/// holds (pushed changes, records from the hub) are left as they are.
fn restamp_unpushed(conn: &Connection, old: DeviceId, new: DeviceId) -> Result<()> {
    let rows: Vec<(i64, String, String)> = conn
        .prepare_cached(
            "SELECT seq, hlc, payload FROM outbox INDEXED BY outbox_unpushed
             WHERE pushed_at IS NULL AND device_id = ?1",
        )?
        .query_map([old.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if rows.is_empty() {
        return Ok(());
    }
    let mut renamed: HashMap<Hlc, Hlc> = HashMap::new();
    for (_, hlc, _) in &rows {
        let hlc: Hlc = hlc.parse().map_err(|_| {
            StoreError::Json(serde::de::Error::custom(
                "a damaged clock reading in the outbox",
            ))
        })?;
        renamed.insert(hlc, Hlc { device: new, ..hlc });
    }
    let rename = |h: Hlc| renamed.get(&h).copied().unwrap_or(h);
    for (seq, hlc, payload) in &rows {
        let mut payload: Value = serde_json::from_str(payload)?;
        if let Some(base) = payload
            .get_mut("base_versions")
            .and_then(Value::as_object_mut)
        {
            for version in base.values_mut() {
                if let Some(h) = version.as_str().and_then(|t| t.parse::<Hlc>().ok()) {
                    *version = Value::String(rename(h).to_string());
                }
            }
        }
        let hlc: Hlc = hlc.parse().map_err(|_| {
            StoreError::Json(serde::de::Error::custom(
                "a damaged clock reading in the outbox",
            ))
        })?;
        conn.prepare_cached(
            "UPDATE outbox SET hlc = ?2, device_id = ?3, payload = ?4 WHERE seq = ?1",
        )?
        .execute(params![
            seq,
            rename(hlc).to_string(),
            new.to_string(),
            serde_json::to_string(&payload)?
        ])?;
    }
    for Kind { table, .. } in &KINDS {
        let records: Vec<(String, String, String)> = conn
            .prepare(&format!(
                "SELECT id, hlc, field_versions FROM \"{table}\" WHERE field_versions LIKE '%' || ?1 || '%'"
            ))?
            .query_map([old.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (id, hlc, versions) in records {
            let mut versions = parse_versions(&versions)?;
            for version in versions.values_mut() {
                *version = rename(*version);
            }
            let hlc = hlc.parse::<Hlc>().map(rename).ok();
            conn.prepare(&format!(
                "UPDATE \"{table}\" SET field_versions = ?2,
                     hlc = coalesce(?3, hlc),
                     device_id = CASE WHEN ?3 IS NOT NULL AND hlc <> ?3 THEN ?4 ELSE device_id END
                 WHERE id = ?1"
            ))?
            .execute(params![
                id,
                serde_json::to_string(&versions)?,
                hlc.map(|h| h.to_string()),
                new.to_string(),
            ])?;
        }
    }
    Ok(())
}

/// Test-only views of the store's internals; not for the app.
#[doc(hidden)]
impl Store {
    /// Where records and the outbox disagree, one line each; empty when they agree. They
    /// agree when every outbox row names a record that is at least as new as the row (a
    /// row written without its record, or a record rolled back under its row, shows), and
    /// every record this device wrote last has the outbox row of that write (a record
    /// written without its row shows). Records the hub removed leave their pushed rows
    /// behind, so this is for stores that were never told to remove a record.
    pub fn debug_outbox_disagreements(&self) -> Result<Vec<String>> {
        let conn = self.conn();
        let device = self.device().id.to_string();
        let mut found = Vec::new();
        for Kind { entity, table, .. } in &KINDS {
            let mut rows = conn.prepare(&format!(
                "SELECT o.seq, o.entity_id, o.hlc, t.hlc FROM outbox o
                 LEFT JOIN \"{table}\" t ON t.id = o.entity_id
                 WHERE o.entity = ?1 AND (t.id IS NULL OR t.hlc < o.hlc)"
            ))?;
            let rows = rows.query_map([entity], |r| {
                Ok(format!(
                    "outbox row {} ({entity} {} at {}) has {}",
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    match r.get::<_, Option<String>>(3)? {
                        Some(hlc) => format!("an older record, at {hlc}"),
                        None => "no record".to_owned(),
                    }
                ))
            })?;
            found.extend(rows.collect::<rusqlite::Result<Vec<_>>>()?);
            // A reading's device is its last 36 characters (the fixed-width format). The
            // outbox has no index on (entity_id, hlc): a list SQLite builds once beats a
            // correlated lookup that would scan the outbox for every record.
            let mut rows = conn.prepare(&format!(
                "SELECT t.id, t.hlc FROM \"{table}\" t
                 WHERE substr(t.hlc, -36) = ?2
                   AND (t.id, t.hlc) NOT IN (SELECT entity_id, hlc FROM outbox WHERE entity = ?1)"
            ))?;
            let rows = rows.query_map(params![entity, device], |r| {
                Ok(format!(
                    "{entity} {} was written here at {} without its outbox row",
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?
                ))
            })?;
            found.extend(rows.collect::<rusqlite::Result<Vec<_>>>()?);
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_names_each_kind_and_table_once() {
        let entities: HashSet<&str> = KINDS.iter().map(|k| k.entity).collect();
        let tables: HashSet<&str> = KINDS.iter().map(|k| k.table).collect();
        assert_eq!((entities.len(), tables.len()), (KINDS.len(), KINDS.len()));
        for k in &KINDS {
            assert_eq!(kind(k.entity).map(|found| found.table).ok(), Some(k.table));
        }
        assert!(matches!(
            kind("gazetteer"),
            Err(StoreError::UnknownEntity(_))
        ));
    }

    #[test]
    fn a_shas_prefix_and_case_do_not_matter() {
        let hex = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD";
        assert_eq!(bare_sha(hex), hex.to_ascii_lowercase());
        assert_eq!(bare_sha(&format!("sha256:{hex}")), hex.to_ascii_lowercase());
        assert_eq!(
            reference(hex),
            format!("sha256:{}", hex.to_ascii_lowercase())
        );
    }

    #[test]
    fn the_hub_links_debug_hides_the_token() {
        let link = HubLink {
            hub_url: "https://hub.example".into(),
            hub_device_id: DeviceId::new(),
            organisation: "Sampleton Borough Council".into(),
            user_name: "Pat Sampleton".into(),
            user_role: Role::Officer,
            refresh_token: "very-secret-token".into(),
            enrolled_at: Utc::now(),
        };
        let shown = format!("{link:?}");
        assert!(!shown.contains("very-secret-token"), "{shown}");
        assert!(shown.contains("Pat Sampleton"));
    }

    #[test]
    fn the_outbox_check_finds_a_record_without_its_row_and_a_row_without_its_record() {
        let dir = tempfile::tempdir().expect("temp dir");
        let folder = crate::DataFolder::open(dir.path()).expect("folder");
        let mut store = Store::set_up(
            &folder,
            "Rowan Testwell",
            Role::Officer,
            "kettle harbour violet sprocket",
            crate::KdfParams::INSECURE_FOR_TESTS,
        )
        .expect("set up");
        let draft = doorstep_core::HouseholdDraft {
            address_line_1: "1 Sampleton Row".into(),
            town: "Eastwick Vale".into(),
            postcode: "ZY5 2AB".into(),
            ..Default::default()
        };
        let h = store
            .create_household(&draft, doorstep_core::ChangeSource::Ui)
            .expect("household");
        assert_eq!(
            store.debug_outbox_disagreements().expect("check"),
            Vec::<String>::new(),
            "a save writes its record and its row together"
        );
        store
            .conn
            .execute(
                "UPDATE outbox SET entity_id = 'nobody' WHERE entity_id = ?1",
                [h.id.to_string()],
            )
            .expect("tamper");
        let found = store.debug_outbox_disagreements().expect("check");
        assert_eq!(found.len(), 2, "both halves are reported: {found:?}");
        assert!(found[0].contains("no record"), "{found:?}");
        assert!(found[1].contains("without its outbox row"), "{found:?}");
        assert!(
            store.integrity_problems().expect("check").is_empty(),
            "the file itself is sound"
        );
    }
}
