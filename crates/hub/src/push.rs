//! A push, planned in memory: the backend reads what the batch touches (change ids seen
//! before, the records, the counter), [`PushPlan`] merges every change and decides every
//! row to write, and the backend writes those rows in the same transaction. Both backends
//! therefore write exactly the same thing, and each does a handful of statements per batch
//! rather than several per change.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use doorstep_core::{Hlc, HlcClock};
use doorstep_sync::merge::{Record, hub_values, is_guarded, merge_into};
use doorstep_sync::protocol::{
    Change, Conflict, DELETED_FIELD, EntityKind, Operation, PushResponse,
};
use uuid::Uuid;

use crate::access;
use crate::conflicts::{self, HUB_NAME, HubIdentity, Sides};
use crate::model::{AuditEntry, Principal, Refusal, StoreError};
use crate::store::{StoredRecord, operation_str};

/// A record's key: its kind and id.
pub type RecordKey = (EntityKind, String);

/// What a backend reads, inside the push transaction, before planning it.
#[derive(Debug, Default)]
pub struct PushInputs {
    /// For each change id of the batch the hub has taken in before, the device that sent it.
    pub seen: HashMap<Uuid, String>,
    /// The hub's copy of every record the batch touches that exists.
    pub records: HashMap<RecordKey, StoredRecord>,
    /// The change-log counter (locked by the transaction).
    pub counter: i64,
    /// Which of the ids the batch names were erased ([`crate::privacy::erasure`]).
    pub erased: HashSet<String>,
    /// Which of the ids the batch names belong to a restricted household, and which
    /// household ([`crate::privacy::restriction`]).
    pub restricted: HashMap<String, String>,
}

/// What a change-log entry carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A change as applied.
    Change,
    /// A record left the team's scope: devices drop their copy.
    Remove,
}

impl EntryKind {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Change => "change",
            Self::Remove => "remove",
        }
    }
}

/// A change-log row to append.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEntry {
    /// Its number, from the counter.
    pub seq: i64,
    /// The change's id (a removal's own id).
    pub change_id: String,
    /// The kind of record.
    pub entity: EntityKind,
    /// The record's id.
    pub entity_id: String,
    /// The team whose devices pull it.
    pub team_id: String,
    /// Change or removal.
    pub kind: EntryKind,
    /// `create`, `update`, `delete` or `remove`.
    pub operation: &'static str,
    /// The change as applied, or the removal, as JSON.
    pub body: String,
    /// The device that made it (the hub's own for the hub's changes).
    pub device_id: String,
    /// The user who made it (the hub's officer id for the hub's changes).
    pub user_id: String,
    /// When (Unix ms).
    pub at: i64,
}

impl NewEntry {
    /// The log entry of a change the hub made itself (a conflict record, a contractor's
    /// step), for the team that holds the record.
    pub fn of_hub_change(
        seq: i64,
        change: &Change,
        team_id: &str,
        at: i64,
    ) -> Result<Self, StoreError> {
        Ok(Self {
            seq,
            change_id: change.change_id.to_string(),
            entity: change.entity,
            entity_id: change.entity_id.clone(),
            team_id: team_id.to_owned(),
            kind: EntryKind::Change,
            operation: operation_str(change.operation),
            body: serde_json::to_string(change)?,
            device_id: change.device_id.to_string(),
            user_id: change.officer_id.to_string(),
            at,
        })
    }
}

/// A row of `applied_changes`: a change id taken in, with its log entry if it made one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedRow {
    /// The change id.
    pub change_id: String,
    /// Its change-log entry, when a field took effect.
    pub seq: Option<i64>,
}

/// A row of the `conflicts` table (kept for the audit trail beside the conflict record).
#[derive(Debug, Clone, PartialEq)]
pub struct ConflictRow {
    /// The change that raised it.
    pub change_id: String,
    /// The kind of record.
    pub entity: &'static str,
    /// The record's id.
    pub entity_id: String,
    /// The guarded field.
    pub field: String,
    /// The conflict as JSON.
    pub body: String,
}

/// Everything one push does, decided before anything is written.
#[derive(Debug)]
pub struct PushPlan {
    who: Principal,
    device_id: String,
    user_id: String,
    now: i64,
    records: HashMap<RecordKey, StoredRecord>,
    erased: HashSet<String>,
    restricted: HashMap<String, String>,
    written: BTreeMap<RecordKey, i64>,
    /// Change-log rows to append, in seq order.
    pub entries: Vec<NewEntry>,
    /// Change ids taken in now.
    pub applied: Vec<AppliedRow>,
    /// Conflicts raised now.
    pub conflict_rows: Vec<ConflictRow>,
    raised: Vec<(Conflict, String)>,
    counter: i64,
    response: PushResponse,
    audit: Vec<AuditEntry>,
}

/// Whether `change` sets a guarded field, so the answer must carry the hub's value of it.
pub fn sets_guarded_field(change: &Change) -> bool {
    match change.operation {
        Operation::Delete => is_guarded(change.entity, DELETED_FIELD),
        Operation::Create | Operation::Update => {
            change.fields.keys().any(|f| is_guarded(change.entity, f))
        }
    }
}

/// The distinct records a batch touches or refers to, for the backend to read.
pub fn keys_of(changes: &[Change]) -> Vec<RecordKey> {
    let mut seen = HashSet::new();
    changes
        .iter()
        .flat_map(|c| std::iter::once((c.entity, c.entity_id.clone())).chain(c.references()))
        .filter(|k| seen.insert(k.clone()))
        .collect()
}

/// The referrals a batch of changes touches, each once, for the hub to deliver those now
/// waiting to go.
pub fn referral_ids(changes: &[Change]) -> Vec<String> {
    let mut ids: Vec<String> = changes
        .iter()
        .filter(|c| c.entity == EntityKind::Referral)
        .map(|c| c.entity_id.clone())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Unix milliseconds as a time (the epoch for a value out of range).
pub fn time_of(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

impl PushPlan {
    /// Merges every change of the batch, in order: each change id once (a retry or a
    /// repeat within the batch is `already_applied`), a change id another device sent
    /// refuses the batch, a record of another team refuses the batch, and a change to a
    /// conflict record must be a decision ([`conflicts::check_decision`]).
    pub fn new(
        who: &Principal,
        changes: &[Change],
        inputs: PushInputs,
        now: i64,
    ) -> Result<Self, StoreError> {
        let PushInputs {
            mut seen,
            records,
            counter,
            erased,
            restricted,
        } = inputs;
        let mut plan = Self {
            who: who.clone(),
            device_id: who.device_id.to_string(),
            user_id: who.user_id.to_string(),
            now,
            records,
            erased,
            restricted,
            written: BTreeMap::new(),
            entries: Vec::new(),
            applied: Vec::new(),
            conflict_rows: Vec::new(),
            raised: Vec::new(),
            counter,
            response: PushResponse::default(),
            audit: Vec::with_capacity(changes.len() + 1),
        };
        for change in changes {
            if let Some(by) = seen.get(&change.change_id) {
                if *by != plan.device_id {
                    return Err(Refusal::ChangeIdTaken(change.change_id.to_string()).into());
                }
                plan.response.already_applied.push(change.change_id);
                plan.audit_write(change.entity, &change.entity_id, "already_applied");
                continue;
            }
            plan.apply(change)?;
            seen.insert(change.change_id, plan.device_id.clone());
        }
        Ok(plan)
    }

    fn audit_write(&mut self, entity: EntityKind, entity_id: &str, outcome: &str) {
        self.audit.push(AuditEntry {
            at: self.now,
            user_id: Some(self.user_id.clone()),
            device_id: Some(self.device_id.clone()),
            action: "write".into(),
            entity: Some(entity.as_str().to_owned()),
            entity_id: Some(entity_id.to_owned()),
            outcome: outcome.into(),
        });
    }

    fn apply(&mut self, change: &Change) -> Result<(), StoreError> {
        // A laptop that edited an erased record offline must be able to empty its outbox,
        // and the record must not come back: taken in, thrown away, audited.
        if crate::privacy::erasure::is_erased(change, &self.erased) {
            self.applied.push(AppliedRow {
                change_id: change.change_id.to_string(),
                seq: None,
            });
            self.audit_write(change.entity, &change.entity_id, "erased");
            self.response.applied.push(change.change_id);
            return Ok(());
        }
        // A restricted household's records are kept but not used: no change to one, and no
        // new record referring to one, is taken (Art. 18). The batch is refused with core's
        // sentence and changes nothing; the laptop pulls the restriction and sets it aside.
        if let Some(household) = std::iter::once(change.entity_id.clone())
            .chain(change.references().into_iter().map(|(_, id)| id))
            .find_map(|id| self.restricted.get(&id))
        {
            return Err(
                Refusal::Restricted(doorstep_core::privacy::restriction::Restricted {
                    household_id: household.clone(),
                })
                .into(),
            );
        }
        // Only the hub restricts a household or lifts it.
        if change.entity == EntityKind::Household
            && change
                .fields
                .contains_key(doorstep_core::privacy::restriction::RESTRICTED_FIELD)
        {
            return Err(Refusal::Invalid(format!(
                "change {}: only the data protection officer restricts a household, on the hub",
                change.change_id
            ))
            .into());
        }
        let out_of_scope = || Refusal::OutOfScope {
            entity: change.entity.as_str().to_owned(),
            entity_id: change.entity_id.clone(),
        };
        // A record belongs with what it refers to: a resident added offline to a household
        // since moved to another team would otherwise stay behind, in no team's view of it.
        for reference in change.references() {
            if self
                .records
                .get(&reference)
                .is_some_and(|parent| parent.team_id != self.who.team_id)
            {
                return Err(out_of_scope().into());
            }
        }
        let key = (change.entity, change.entity_id.clone());
        let stored = match self.records.get_mut(&key) {
            Some(current) if current.team_id != self.who.team_id => {
                return Err(out_of_scope().into());
            }
            Some(current) => current,
            None => {
                if change.entity == EntityKind::Conflict {
                    conflicts::check_decision(change, false)?;
                }
                self.records.entry(key.clone()).or_insert(StoredRecord {
                    team_id: self.who.team_id.clone(),
                    record: Record::default(),
                    tombstoned_at: None,
                })
            }
        };
        if change.entity == EntityKind::Conflict {
            conflicts::check_decision(change, true)?;
        }
        let outcome = merge_into(&mut stored.record, change);
        let team_id = stored.team_id.clone();
        // Usually every field took effect: then the change is logged as it came, without
        // the copy that narrowing it would take.
        let body = if outcome.fields.values().all(|o| o.applied()) {
            Some(serde_json::to_string(change)?)
        } else {
            outcome
                .logged_change(change)
                .map(|logged| serde_json::to_string(&logged))
                .transpose()?
        };
        let seq = match body {
            Some(body) => {
                stored.tombstoned_at = match (stored.record.is_deleted(), stored.tombstoned_at) {
                    (true, at) => at.or(Some(self.now)),
                    (false, _) => None,
                };
                self.counter += 1;
                let seq = self.counter;
                self.entries.push(NewEntry {
                    seq,
                    change_id: change.change_id.to_string(),
                    entity: change.entity,
                    entity_id: change.entity_id.clone(),
                    team_id: team_id.clone(),
                    kind: EntryKind::Change,
                    operation: operation_str(change.operation),
                    body,
                    device_id: self.device_id.clone(),
                    user_id: self.user_id.clone(),
                    at: self.now,
                });
                self.written.insert(key, seq);
                Some(seq)
            }
            None => None,
        };
        self.applied.push(AppliedRow {
            change_id: change.change_id.to_string(),
            seq,
        });
        for c in &outcome.conflicts {
            self.conflict_rows.push(ConflictRow {
                change_id: change.change_id.to_string(),
                entity: change.entity.as_str(),
                entity_id: change.entity_id.clone(),
                field: c.field.clone(),
                body: serde_json::to_string(c)?,
            });
            self.raised.push((c.clone(), team_id.clone()));
        }
        let result = if outcome.conflicts.is_empty() {
            "applied"
        } else {
            "conflict"
        };
        self.audit_write(change.entity, &change.entity_id, result);
        self.response.applied.push(change.change_id);
        self.response.conflicts.extend(outcome.conflicts);
        Ok(())
    }

    /// The devices that wrote the values the hub kept in this push's conflicts: the
    /// backend looks up their users' names for [`PushPlan::raise_conflict_records`].
    pub fn kept_devices(&self) -> Vec<String> {
        let mut devices: Vec<String> = self
            .raised
            .iter()
            .map(|(c, _)| c.hub_hlc.device.to_string())
            .collect();
        devices.sort_unstable();
        devices.dedup();
        devices
    }

    /// Whether this push raised conflicts, so the hub must make conflict records.
    pub fn raised_conflicts(&self) -> bool {
        !self.raised.is_empty()
    }

    /// Adds the hub's conflict record (and its log entry, in the conflicted record's
    /// team) for each conflict raised, on the hub's clock resumed after `last`; `names`
    /// maps device ids to their users' names. Returns the clock's last reading to store.
    pub fn raise_conflict_records(
        &mut self,
        hub: HubIdentity,
        last: Option<Hlc>,
        names: &HashMap<String, String>,
    ) -> Result<Option<Hlc>, StoreError> {
        if self.raised.is_empty() {
            return Ok(None);
        }
        let mut clock = HlcClock::new(hub.device_id, last);
        let now = time_of(self.now);
        for (conflict, team_id) in std::mem::take(&mut self.raised) {
            let kept_device = conflict.hub_hlc.device;
            let kept_by = if kept_device == hub.device_id {
                HUB_NAME.to_owned()
            } else {
                names
                    .get(&kept_device.to_string())
                    .cloned()
                    .unwrap_or_else(|| "an unknown user".to_owned())
            };
            let sides = Sides {
                kept_by,
                other_by: self.who.user_name.clone(),
            };
            let change = conflicts::conflict_record(&conflict, &sides, hub, clock.tick(now), now);
            let key = (EntityKind::Conflict, change.entity_id.clone());
            if self.records.contains_key(&key) {
                continue;
            }
            let mut record = Record::default();
            merge_into(&mut record, &change);
            self.counter += 1;
            let seq = self.counter;
            self.entries
                .push(NewEntry::of_hub_change(seq, &change, &team_id, self.now)?);
            self.audit_write(EntityKind::Conflict, &change.entity_id, "raised");
            self.records.insert(
                key.clone(),
                StoredRecord {
                    team_id,
                    record,
                    tombstoned_at: None,
                },
            );
            self.written.insert(key, seq);
        }
        Ok(Some(clock.last()))
    }

    /// The records to write (insert or update), each with the seq of its latest entry.
    pub fn records_to_write(&self) -> Vec<(&RecordKey, &StoredRecord, i64)> {
        self.written
            .iter()
            .filter_map(|(key, seq)| self.records.get(key).map(|r| (key, r, *seq)))
            .collect()
    }

    /// The change-log counter after this push.
    pub fn counter(&self) -> i64 {
        self.counter
    }

    /// The answer and the audit entries: `hub_values` for every change of the batch that
    /// sets a guarded field (already-applied ones too), from the records as they are after
    /// the whole batch; conflicts and hub values narrowed to what the user may read.
    pub fn finish(mut self, changes: &[Change]) -> (PushResponse, Vec<AuditEntry>) {
        for change in changes.iter().filter(|c| sets_guarded_field(c)) {
            if let Some(stored) = self.records.get(&(change.entity, change.entity_id.clone())) {
                self.response
                    .hub_values
                    .extend(hub_values(&stored.record, change));
            }
        }
        let role = self.who.role;
        access::redact_answer(
            role,
            &mut self.response.conflicts,
            &mut self.response.hub_values,
        );
        self.response.cursor = u64::try_from(self.counter).unwrap_or(0);
        let outcome = format!(
            "ok: {} applied, {} already applied, {} conflicts",
            self.response.applied.len(),
            self.response.already_applied.len(),
            self.conflict_rows.len()
        );
        self.audit.push(AuditEntry::request(
            self.now,
            Some(&self.who),
            "push",
            outcome,
        ));
        (self.response, self.audit)
    }
}
