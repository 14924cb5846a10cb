//! A model of the whole sync: one hub and five laptops in two teams, driven through random
//! edits, syncs, lost requests and answers, duplicated pushes, crashes and pushes outside
//! the team, with the real merge (`merge_into`), push answer (`hub_values`), adoption
//! (`Record::adopt`) and replay (`apply_from_hub`), and every request and answer going
//! through its JSON form as on the wire.
//!
//! After every step: no laptop holds another team's record or has lost an edit it has
//! not pushed yet, each conflict is stored once with one conflict record, and a push of
//! changes the hub already applied changes nothing. After everyone syncs
//! until quiet: every laptop holds exactly the hub's records of its team (values and
//! versions), every change any laptop made reached the hub and is reflected there, and
//! replaying every push the hub ever took changes nothing.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is a failed test

mod support;
use support::{field_change, instant};

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, Utc};
use doorstep_core::{DeviceId, Hlc, HlcClock, OfficerId};
use doorstep_sync::merge::{
    FieldOutcome, Record, apply_from_hub, hub_values, is_guarded, merge_into,
};
use doorstep_sync::protocol::{
    Change, Conflict, DELETED_FIELD, EntityKind, ErrorBody, ErrorCode, LogEntry, MAX_BATCH,
    MAX_PULL_LIMIT, Operation, PROTOCOL_VERSION, PullRequest, PullResponse, PushRequest,
    PushResponse, decode_request,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use serde_json::{Map, Value, json};
use uuid::Uuid;

type Check = Result<(), TestCaseError>;

/// A record's identity, as the hub and the laptops key it.
type Key = (EntityKind, String);

/// The teams of the five laptops: three in one team, two in the other, so both teams
/// have concurrent edits and a three-way guarded conflict can happen.
const TEAMS: [&str; 5] = ["north", "north", "north", "south", "south"];

/// How far each laptop's wall clock runs ahead, in ms (a step takes half a millisecond,
/// so laptops 1 and 4 run about fifty steps ahead): laptops' clocks never agree, and a
/// clock ahead of another's must not let either lose an edit or make a refused one.
const SKEW_MS: [u64; 5] = [0, 25, 3, 0, 20];

/// The kinds of record the model edits, with the fields it sets: ordinary and guarded
/// plan and referral fields, a CHARLIE check (every field guarded, its delete too) and a
/// household (nothing guarded).
const KINDS: &[(EntityKind, &[&str])] = &[
    (EntityKind::Plan, &["tier", "items", "status", "approval"]),
    (EntityKind::Referral, &["urgency", "consent", "status"]),
    (EntityKind::CharlieCheck, &["smoker", "lives_alone"]),
    (EntityKind::Household, &["notes", "phone"]),
];

/// The values a field is set to (None clears it): few, so guarded edits often agree.
const VALUES: [Option<&str>; 4] = [Some("a"), Some("b"), Some("c"), None];

/// Records per kind per team: few, so laptops keep meeting on the same record.
const SLOTS: u8 = 2;

// ---------------------------------------------------------------------------------------
// Steps.

/// One of a team's records: its kind and number (the id adds the team).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Slot {
    entity: EntityKind,
    n: u8,
}

impl fmt::Debug for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.entity, self.n)
    }
}

/// What goes wrong with one request of a sync (the `at`-th: push batches first, then
/// pull pages). Pull pages cannot arrive out of order: each is a request and its answer.
#[derive(Debug, Clone, Copy)]
enum Fault {
    /// The request never reaches the hub: nothing happens; the next sync sends it again.
    RequestLost { at: usize },
    /// The hub did it but the answer is lost: the outbox rows stay unmarked, or the
    /// cursor stays where it was.
    AnswerLost { at: usize },
    /// The request reaches the hub twice (a proxy retried it); the laptop reads the first
    /// or the second answer.
    Duplicated { at: usize, second_answer: bool },
    /// The laptop dies once the hub has answered, before writing anything: the outbox
    /// rows stay unmarked, a pulled page's records are written but not the cursor, and
    /// the clock restarts from what the store keeps.
    Crash { at: usize },
}

impl Fault {
    fn at(self) -> usize {
        match self {
            Self::RequestLost { at }
            | Self::AnswerLost { at }
            | Self::Duplicated { at, .. }
            | Self::Crash { at } => at,
        }
    }
}

/// One step of a history.
#[derive(Debug, Clone)]
enum Step {
    /// A laptop sets some fields of a record of its team (creating it if it has none).
    Edit {
        device: usize,
        record: Slot,
        set: Vec<(&'static str, Option<&'static str>)>,
    },
    /// A laptop deletes a record it holds (a tombstone).
    Delete { device: usize, record: Slot },
    /// A laptop syncs as the app does: pushes its outbox in batches, then pulls pages.
    Sync {
        device: usize,
        batch: usize,
        page: u32,
        fault: Option<Fault>,
    },
    /// A laptop pulls a few pages only (the sync was cut short after them).
    Pull {
        device: usize,
        page: u32,
        pages: usize,
    },
    /// A laptop's push names another team's record along with the head of its outbox (a
    /// tampered or broken client): the hub must refuse the whole batch.
    Trespass {
        device: usize,
        target: usize,
        outbox_head: usize,
    },
    /// The app is closed or crashes while idle: the clock restarts from the store.
    Restart { device: usize },
}

fn device() -> impl Strategy<Value = usize> {
    0..TEAMS.len()
}

fn slot() -> impl Strategy<Value = (usize, u8)> {
    (0..KINDS.len(), 0..SLOTS)
}

fn fault() -> impl Strategy<Value = Option<Fault>> {
    let at = 0..4usize;
    prop_oneof![
        4 => Just(None),
        1 => at.clone().prop_map(|at| Some(Fault::RequestLost { at })),
        1 => at.clone().prop_map(|at| Some(Fault::AnswerLost { at })),
        1 => (at.clone(), any::<bool>())
            .prop_map(|(at, second_answer)| Some(Fault::Duplicated { at, second_answer })),
        1 => at.prop_map(|at| Some(Fault::Crash { at })),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (device(), slot(), prop::collection::vec((0..4usize, 0..VALUES.len()), 1..=2))
            .prop_map(|(device, (kind, n), set)| {
                let (entity, fields) = KINDS[kind];
                Step::Edit {
                    device,
                    record: Slot { entity, n },
                    set: set
                        .into_iter()
                        .map(|(f, v)| (fields[f % fields.len()], VALUES[v]))
                        .collect(),
                }
            }),
        1 => (device(), slot()).prop_map(|(device, (kind, n))| Step::Delete {
            device,
            record: Slot { entity: KINDS[kind].0, n },
        }),
        4 => (device(), 1..=4usize, 1..=4u32, fault())
            .prop_map(|(device, batch, page, fault)| Step::Sync { device, batch, page, fault }),
        1 => (device(), 1..=3u32, 1..=2usize)
            .prop_map(|(device, page, pages)| Step::Pull { device, page, pages }),
        1 => (device(), 0..8usize, 0..3usize).prop_map(|(device, target, outbox_head)| {
            Step::Trespass { device, target, outbox_head }
        }),
        1 => device().prop_map(|device| Step::Restart { device }),
    ]
}

// ---------------------------------------------------------------------------------------
// The hub.

/// The hub's copy of a record and the team that holds it.
#[derive(Debug, Clone, PartialEq)]
struct Held {
    team: &'static str,
    record: Record,
}

/// One change-log row: the change as applied, as JSON (as the hub stores it).
#[derive(Debug, Clone, PartialEq)]
struct Logged {
    seq: u64,
    team: &'static str,
    change: String,
}

/// A change id the hub took in.
#[derive(Debug, Clone, PartialEq)]
struct Applied {
    device: DeviceId,
    /// The log entry it made, if any field took effect.
    seq: Option<u64>,
}

/// Why the hub did not answer a request with 200.
#[derive(Debug, Clone, PartialEq)]
enum HubError {
    /// A 4xx, as the hub answers it.
    Refused(ErrorBody),
    /// The transaction failed (a 500): a unique constraint would have been broken.
    Failed(String),
}

impl From<ErrorBody> for HubError {
    fn from(e: ErrorBody) -> Self {
        Self::Refused(e)
    }
}

/// Who is calling: the device of the bearer token and its user's team.
#[derive(Debug, Clone, Copy)]
struct Who {
    device: DeviceId,
    team: &'static str,
}

/// The hub as `crates/hub` keeps it (records with their team, change log and its
/// counter, applied change ids, conflicts unique by change and field, each with a
/// conflict record its team syncs, made on the hub's own clock), plus what the model
/// notes for its checks (`agreed`).
#[derive(Debug, Clone, PartialEq, Default)]
struct Hub {
    records: BTreeMap<Key, Held>,
    log: Vec<Logged>,
    counter: u64,
    applied: BTreeMap<Uuid, Applied>,
    conflicts: Vec<Conflict>,
    /// The last reading of the hub's own clock, kept so it never goes backwards.
    clock: Option<Hlc>,
    /// Guarded fields of applied changes that the hub kept without a conflict because it
    /// already held the same value (model bookkeeping, not the hub's).
    agreed: BTreeSet<(Uuid, String)>,
}

/// Whether the push answer must carry the hub's values for this change (the hub's
/// `store::sets_guarded_field`).
fn sets_guarded_field(change: &Change) -> bool {
    match change.operation {
        Operation::Delete => is_guarded(change.entity, DELETED_FIELD),
        Operation::Create | Operation::Update => {
            change.fields.keys().any(|f| is_guarded(change.entity, f))
        }
    }
}

/// The fields a change sets, the tombstone for a delete.
fn effective_fields(change: &Change) -> Map<String, Value> {
    match change.operation {
        Operation::Delete => Map::from_iter([(DELETED_FIELD.to_owned(), Value::Bool(true))]),
        Operation::Create | Operation::Update => change.fields.clone(),
    }
}

/// The device and officer of the changes the hub makes itself (conflict records).
const HUB_DEVICE: DeviceId = DeviceId(Uuid::from_u128(0x0b));
const HUB_OFFICER: OfficerId = OfficerId(Uuid::from_u128(0x0b));

/// The conflict record's id: one per change and field, so a conflict is raised once.
fn conflict_record_id(change_id: Uuid, field: &str) -> String {
    format!("conflict-{change_id}-{field}")
}

fn key_of(change: &Change) -> Key {
    (change.entity, change.entity_id.clone())
}

impl Hub {
    /// `POST /v1/push`: decodes the body, then in one transaction (a copy kept only if
    /// everything succeeds) applies each change once and raises a conflict record per
    /// conflict, as the hub's push plan does.
    fn push(&mut self, who: Who, body: &[u8], now: DateTime<Utc>) -> Result<Vec<u8>, HubError> {
        let request: PushRequest = decode_request(body)?;
        if request.device_id != who.device {
            return Err(ErrorBody::of(ErrorCode::Unauthorised).into());
        }
        let mut tx = self.clone();
        let mut response = PushResponse::default();
        let mut raised = Vec::new();
        for change in &request.changes {
            if let Some(seen) = tx.applied.get(&change.change_id) {
                if seen.device != who.device {
                    return Err(ErrorBody::of(ErrorCode::Conflict).into());
                }
                response.already_applied.push(change.change_id);
                continue;
            }
            let key = key_of(change);
            let mut held = match tx.records.get(&key) {
                Some(held) if held.team != who.team => {
                    return Err(ErrorBody::of(ErrorCode::OutOfScope).into());
                }
                Some(held) => held.clone(),
                None => Held {
                    team: who.team,
                    record: Record::default(),
                },
            };
            let before = held.record.clone();
            let outcome = merge_into(&mut held.record, change);
            for c in &outcome.conflicts {
                if tx
                    .conflicts
                    .iter()
                    .any(|k| k.change_id == c.change_id && k.field == c.field)
                {
                    return Err(HubError::Failed(format!(
                        "UNIQUE (change_id, field) broken by {} {}",
                        c.change_id, c.field
                    )));
                }
                tx.conflicts.push(c.clone());
            }
            for (field, value) in effective_fields(change) {
                let kept = !outcome.fields.get(&field).is_some_and(|o| o.applied());
                let raised = outcome.conflicts.iter().any(|c| c.field == field);
                if kept && !raised && is_guarded(change.entity, &field) {
                    if before.fields.get(&field).unwrap_or(&Value::Null) != &value {
                        return Err(HubError::Failed(format!(
                            "guarded {field} of change {} dropped without a conflict",
                            change.change_id
                        )));
                    }
                    tx.agreed.insert((change.change_id, field));
                }
            }
            let team = held.team;
            let seq = match outcome.logged_change(change) {
                Some(logged) => {
                    tx.counter += 1;
                    tx.log.push(Logged {
                        seq: tx.counter,
                        team: held.team,
                        change: serde_json::to_string(&logged).unwrap(),
                    });
                    tx.records.insert(key, held);
                    Some(tx.counter)
                }
                None => None,
            };
            tx.applied.insert(
                change.change_id,
                Applied {
                    device: who.device,
                    seq,
                },
            );
            raised.extend(outcome.conflicts.iter().map(|c| (c.clone(), team)));
            response.applied.push(change.change_id);
            response.conflicts.extend(outcome.conflicts);
        }
        let mut clock = HlcClock::new(HUB_DEVICE, tx.clock);
        for (conflict, team) in raised {
            let key = (
                EntityKind::Conflict,
                conflict_record_id(conflict.change_id, &conflict.field),
            );
            if tx.records.contains_key(&key) {
                continue;
            }
            let fields = json!({
                "entity": conflict.entity.as_str(),
                "entity_id": conflict.entity_id,
                "field": conflict.field,
                "kept_value": conflict.hub_value,
                "kept_hlc": conflict.hub_hlc.to_string(),
                "other_value": conflict.device_value,
                "other_hlc": conflict.device_hlc.to_string(),
                "change_id": conflict.change_id.to_string(),
                "status": "open",
            });
            let Value::Object(fields) = fields else {
                unreachable!("an object")
            };
            tx.counter += 1;
            let change = Change {
                change_id: Uuid::from_u128(1 << 127 | u128::from(tx.counter)),
                entity: key.0,
                entity_id: key.1.clone(),
                operation: Operation::Create,
                base_versions: fields.keys().map(|f| (f.clone(), None)).collect(),
                fields,
                hlc: clock.tick(now),
                officer_id: HUB_OFFICER,
                device_id: HUB_DEVICE,
                made_at: now,
            };
            let mut record = Record::default();
            merge_into(&mut record, &change);
            tx.log.push(Logged {
                seq: tx.counter,
                team,
                change: serde_json::to_string(&change).unwrap(),
            });
            tx.records.insert(key, Held { team, record });
            tx.clock = Some(clock.last());
        }
        for change in request.changes.iter().filter(|c| sets_guarded_field(c)) {
            if let Some(held) = tx.records.get(&key_of(change)) {
                response.hub_values.extend(hub_values(&held.record, change));
            }
        }
        response.cursor = tx.counter;
        *self = tx;
        Ok(serde_json::to_vec(&response).unwrap())
    }

    /// `POST /v1/pull`: the team's log after `after`, as `SqliteStore::pull` reads it and
    /// `store::pull_page` answers.
    fn pull(&self, who: Who, body: &[u8]) -> Result<Vec<u8>, HubError> {
        let request: PullRequest = decode_request(body)?;
        let limit = usize::try_from(request.limit.min(MAX_PULL_LIMIT)).unwrap();
        let head = self.counter;
        let rows: Vec<&Logged> = self
            .log
            .iter()
            .filter(|r| r.team == who.team && r.seq > request.after && r.seq <= head)
            .take(limit + 1)
            .collect();
        let more = rows.len() > limit;
        let entries: Vec<LogEntry> = rows
            .into_iter()
            .take(limit)
            .map(|r| LogEntry::of_change(r.seq, serde_json::from_str(&r.change).unwrap()))
            .collect();
        let next = match (more, entries.last()) {
            (true, Some(last)) => last.seq,
            _ => head,
        };
        let response = PullResponse {
            entries,
            next,
            more,
            full_resync_needed: request.after > head,
        };
        Ok(serde_json::to_vec(&response).unwrap())
    }
}

// ---------------------------------------------------------------------------------------
// The laptops.

/// One laptop: what its store keeps (records with versions, the outbox, the latest clock
/// reading in the outbox, the pull cursor) and its clock in memory.
#[derive(Debug, Clone)]
struct Laptop {
    id: DeviceId,
    officer: OfficerId,
    team: &'static str,
    clock: HlcClock,
    records: BTreeMap<Key, Record>,
    /// Unpushed outbox rows, oldest first.
    outbox: Vec<Change>,
    /// `max(hlc)` of the outbox table, pushed rows included: where the store restarts
    /// the clock.
    outbox_max_hlc: Option<Hlc>,
    cursor: u64,
}

impl Laptop {
    fn new(index: usize) -> Self {
        let id = DeviceId(Uuid::from_u128(0xd0 + u128::try_from(index).unwrap()));
        Self {
            id,
            officer: OfficerId(Uuid::from_u128(0x0f + u128::try_from(index).unwrap())),
            team: TEAMS[index],
            clock: HlcClock::new(id, None),
            records: BTreeMap::new(),
            outbox: Vec::new(),
            outbox_max_hlc: None,
            cursor: 0,
        }
    }

    fn who(&self) -> Who {
        Who {
            device: self.id,
            team: self.team,
        }
    }

    fn key(&self, slot: Slot) -> Key {
        (
            slot.entity,
            format!("{}-{}-{}", self.team, slot.entity, slot.n),
        )
    }

    /// The record's fields with unpushed outbox rows (a delete's is the tombstone).
    fn pending_fields(&self, key: &Key) -> BTreeSet<String> {
        self.outbox
            .iter()
            .filter(|c| key_of(c) == *key)
            .flat_map(|c| effective_fields(c).into_iter().map(|(f, _)| f))
            .collect()
    }

    /// Writes a local change and its outbox row, as the store's tracked write does.
    fn write(&mut self, change: Change) -> Check {
        prop_assert_eq!(
            change.check(),
            Ok(()),
            "laptop {} made a change the hub would refuse",
            self.id
        );
        let record = self.records.entry(key_of(&change)).or_default();
        for (field, value) in effective_fields(&change) {
            record.fields.insert(field.clone(), value);
            record.versions.insert(field, change.hlc);
        }
        self.outbox_max_hlc = self.outbox_max_hlc.max(Some(change.hlc));
        self.outbox.push(change);
        Ok(())
    }

    /// Loses what was only in memory: the clock. It restarts after the newest reading the
    /// store holds, its records' versions included (`Resume::EveryVersionHeld`); resuming
    /// from the outbox alone forgets readings of faster clocks it pulled, and its next
    /// edit of such a field is older than its base, which the hub refuses
    /// (`a_restarted_clock_must_resume_after_every_version_held`).
    fn restart(&mut self, resume: Resume) {
        let last = match resume {
            Resume::OutboxOnly => self.outbox_max_hlc,
            Resume::EveryVersionHeld => self
                .outbox_max_hlc
                .max(self.records.values().filter_map(Record::version).max()),
        };
        self.clock = HlcClock::new(self.id, last);
    }

    fn observe(&mut self, hlc: Hlc, wall: DateTime<Utc>) -> Check {
        let observed = self.clock.observe(hlc, wall);
        prop_assert!(observed.is_ok(), "clock drift: {observed:?}");
        Ok(())
    }
}

/// Where a restarted laptop's clock resumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resume {
    /// After the newest reading in the outbox (`Store::open` today).
    OutboxOnly,
    /// After the newest reading the store holds, the records' versions included.
    EveryVersionHeld,
}

// ---------------------------------------------------------------------------------------
// The world: hub, laptops, and what the checks need.

/// How often each path was taken over a run, so a model that stops reaching one fails.
#[derive(Debug, Default, Clone, Copy)]
struct Reached {
    conflicts: usize,
    agreements: usize,
    adopted: usize,
    pending_at_replay: usize,
    already_applied: usize,
    refused_out_of_scope: usize,
    duplicated_pushes: usize,
    crashes_after_push: usize,
    crashes_mid_pull: usize,
    more_pages: usize,
    deletes: usize,
}

struct World {
    resume: Resume,
    hub: Hub,
    laptops: Vec<Laptop>,
    now_ms: u64,
    next_change: u128,
    /// Every change any laptop made.
    made: BTreeMap<Uuid, Change>,
    /// Every push the hub took, for replaying at the end.
    taken: Vec<(Who, Vec<u8>)>,
    reached: Reached,
}

impl World {
    fn new(resume: Resume) -> Self {
        Self {
            resume,
            hub: Hub::default(),
            laptops: (0..TEAMS.len()).map(Laptop::new).collect(),
            now_ms: 1_700_000_000_000,
            next_change: 1,
            made: BTreeMap::new(),
            taken: Vec::new(),
            reached: Reached::default(),
        }
    }

    /// Laptop `d`'s wall clock now.
    fn wall(&self, d: usize) -> DateTime<Utc> {
        instant(self.now_ms + SKEW_MS[d])
    }

    fn change_id(&mut self) -> Uuid {
        self.next_change += 1;
        Uuid::from_u128(self.next_change << 32)
    }

    fn run(&mut self, step: &Step) -> Check {
        match *step {
            Step::Edit {
                device,
                record,
                ref set,
            } => self.edit(device, record, set),
            Step::Delete { device, record } => self.delete(device, record),
            Step::Sync {
                device,
                batch,
                page,
                fault,
            } => self.sync(device, batch, page, fault, usize::MAX),
            Step::Pull {
                device,
                page,
                pages,
            } => self.pull(device, page, None, 0, pages).map(|_| ()),
            Step::Trespass {
                device,
                target,
                outbox_head,
            } => self.trespass(device, target, outbox_head),
            Step::Restart { device } => {
                self.laptops[device].restart(self.resume);
                Ok(())
            }
        }
    }

    fn edit(&mut self, d: usize, slot: Slot, set: &[(&str, Option<&str>)]) -> Check {
        let wall = self.wall(d);
        let change_id = self.change_id();
        let laptop = &mut self.laptops[d];
        let key = laptop.key(slot);
        let current = laptop.records.get(&key);
        // The app offers no edit of a deleted record.
        if current.is_some_and(Record::is_deleted) {
            return Ok(());
        }
        let mut fields = Map::new();
        for (name, value) in set {
            let value = value.map_or(Value::Null, |v| json!(v));
            if current.and_then(|r| r.fields.get(*name)) != Some(&value) {
                fields.insert((*name).to_owned(), value);
            }
        }
        if fields.is_empty() {
            return Ok(());
        }
        let base_versions = fields
            .keys()
            .map(|f| (f.clone(), current.and_then(|r| r.versions.get(f)).copied()))
            .collect();
        let operation = if current.is_some() {
            Operation::Update
        } else {
            Operation::Create
        };
        let change = Change {
            change_id,
            entity: key.0,
            entity_id: key.1,
            operation,
            fields,
            base_versions,
            hlc: laptop.clock.tick(wall),
            officer_id: laptop.officer,
            device_id: laptop.id,
            made_at: wall,
        };
        self.made.insert(change_id, change.clone());
        laptop.write(change)
    }

    fn delete(&mut self, d: usize, slot: Slot) -> Check {
        let wall = self.wall(d);
        let change_id = self.change_id();
        let laptop = &mut self.laptops[d];
        let key = laptop.key(slot);
        let Some(current) = laptop.records.get(&key) else {
            return Ok(());
        };
        if current.is_deleted() {
            return Ok(());
        }
        let base = current.versions.get(DELETED_FIELD).copied();
        let change = Change {
            change_id,
            entity: key.0,
            entity_id: key.1,
            operation: Operation::Delete,
            fields: Map::new(),
            base_versions: BTreeMap::from([(DELETED_FIELD.to_owned(), base)]),
            hlc: laptop.clock.tick(wall),
            officer_id: laptop.officer,
            device_id: laptop.id,
            made_at: wall,
        };
        self.made.insert(change_id, change.clone());
        self.reached.deletes += 1;
        laptop.write(change)
    }

    /// Sends a push to the hub; when every change in it was applied before, checks the
    /// hub did not change (a replay is harmless).
    fn push_to_hub(&mut self, who: Who, body: &[u8]) -> Result<PushResponse, TestCaseError> {
        let request: PushRequest = serde_json::from_slice(body).unwrap();
        let replay = request
            .changes
            .iter()
            .all(|c| self.hub.applied.contains_key(&c.change_id));
        let before = replay.then(|| self.hub.clone());
        let answer = self.hub.push(who, body, instant(self.now_ms));
        let answer = match answer {
            Ok(answer) => answer,
            Err(e) => {
                return Err(TestCaseError::fail(format!(
                    "the hub refused {}'s push of {:?}: {e:?}",
                    who.device,
                    request
                        .changes
                        .iter()
                        .map(|c| c.change_id)
                        .collect::<Vec<_>>()
                )));
            }
        };
        if let Some(before) = before {
            prop_assert_eq!(&self.hub, &before, "replaying a push changed the hub");
        }
        self.taken.push((who, body.to_vec()));
        let response: PushResponse = serde_json::from_slice(&answer).unwrap();
        prop_assert_eq!(response.cursor, self.hub.counter);
        let ids: Vec<Uuid> = request.changes.iter().map(|c| c.change_id).collect();
        let mut answered: Vec<Uuid> = response
            .applied
            .iter()
            .chain(&response.already_applied)
            .copied()
            .collect();
        answered.sort();
        let mut sent = ids.clone();
        sent.sort();
        prop_assert_eq!(answered, sent, "every change pushed is answered once");
        self.reached.conflicts += response.conflicts.len();
        self.reached.already_applied += response.already_applied.len();
        Ok(response)
    }

    /// The app's sync: push the outbox oldest first in batches, marking each answered
    /// batch pushed and adopting the hub's values; then pull pages after the cursor.
    /// `fault` hits the request it names; the sync stops there.
    fn sync(
        &mut self,
        d: usize,
        batch: usize,
        page: u32,
        fault: Option<Fault>,
        max_pages: usize,
    ) -> Check {
        let mut request = 0;
        while !self.laptops[d].outbox.is_empty() {
            let laptop = &self.laptops[d];
            let n = batch.min(MAX_BATCH).min(laptop.outbox.len());
            let body = serde_json::to_vec(&PushRequest {
                protocol: PROTOCOL_VERSION,
                device_id: laptop.id,
                changes: laptop.outbox[..n].to_vec(),
            })
            .unwrap();
            let who = laptop.who();
            let hit = fault.filter(|f| f.at() == request);
            request += 1;
            if let Some(Fault::RequestLost { .. }) = hit {
                return Ok(());
            }
            let first = self.push_to_hub(who, &body)?;
            let answer = match hit {
                None => first,
                Some(Fault::RequestLost { .. }) => unreachable!("handled above"),
                Some(Fault::AnswerLost { .. }) => return Ok(()),
                Some(Fault::Crash { .. }) => {
                    self.reached.crashes_after_push += 1;
                    self.laptops[d].restart(self.resume);
                    return Ok(());
                }
                Some(Fault::Duplicated { second_answer, .. }) => {
                    self.reached.duplicated_pushes += 1;
                    let second = self.push_to_hub(who, &body)?;
                    prop_assert!(second.applied.is_empty());
                    prop_assert!(second.conflicts.is_empty());
                    prop_assert_eq!(&second.hub_values, &first.hub_values);
                    if second_answer { second } else { first }
                }
            };
            let wall = self.wall(d);
            let laptop = &mut self.laptops[d];
            let done: BTreeSet<Uuid> = answer
                .applied
                .iter()
                .chain(&answer.already_applied)
                .copied()
                .collect();
            laptop.outbox.retain(|c| !done.contains(&c.change_id));
            for value in &answer.hub_values {
                laptop.observe(value.hlc, wall)?;
                let key = (value.entity, value.entity_id.clone());
                let record = laptop.records.get_mut(&key);
                prop_assert!(record.is_some(), "a hub value for a record not held");
                if record.is_some_and(|r| r.adopt(value)) {
                    self.reached.adopted += 1;
                }
            }
        }
        self.pull(d, page, fault, request, max_pages).map(|_| ())
    }

    /// Pulls up to `max_pages` pages after the cursor and replays them; `first_request`
    /// is the number of this sync's requests already made, for `fault`. Returns whether
    /// any entry arrived.
    fn pull(
        &mut self,
        d: usize,
        page: u32,
        fault: Option<Fault>,
        first_request: usize,
        max_pages: usize,
    ) -> Result<bool, TestCaseError> {
        let mut received = false;
        for request in (first_request..).take(max_pages) {
            let laptop = &self.laptops[d];
            let body = serde_json::to_vec(&PullRequest {
                protocol: PROTOCOL_VERSION,
                after: laptop.cursor,
                limit: page,
            })
            .unwrap();
            let who = laptop.who();
            let hit = fault.filter(|f| f.at() == request);
            if let Some(Fault::RequestLost { .. }) = hit {
                return Ok(received);
            }
            let answer = self.hub.pull(who, &body);
            prop_assert!(answer.is_ok(), "the hub refused a pull: {answer:?}");
            let answer = answer.unwrap();
            match hit {
                Some(Fault::AnswerLost { .. }) => return Ok(received),
                Some(Fault::Duplicated { .. }) => {
                    prop_assert_eq!(self.hub.pull(who, &body), Ok(answer.clone()));
                }
                _ => {}
            }
            let response: PullResponse = serde_json::from_slice(&answer).unwrap();
            prop_assert!(!response.full_resync_needed);
            received |= !response.entries.is_empty();
            let wall = self.wall(d);
            let laptop = &mut self.laptops[d];
            for entry in &response.entries {
                prop_assert!(entry.seq > laptop.cursor && entry.seq <= response.next);
                if let Some(removal) = &entry.remove {
                    laptop
                        .records
                        .remove(&(removal.entity, removal.entity_id.clone()));
                }
                let Some(change) = &entry.change else {
                    continue;
                };
                laptop.observe(change.hlc, wall)?;
                let key = key_of(change);
                let pending = laptop.pending_fields(&key);
                let record = laptop.records.entry(key).or_default();
                let outcome = apply_from_hub(record, change, |f| pending.contains(f));
                self.reached.pending_at_replay += outcome
                    .fields
                    .values()
                    .filter(|o| **o == FieldOutcome::Pending)
                    .count();
            }
            if let Some(Fault::Crash { .. }) = hit {
                // The page's records were written; the cursor was not.
                self.reached.crashes_mid_pull += 1;
                laptop.restart(self.resume);
                return Ok(received);
            }
            laptop.cursor = response.next;
            if !response.more {
                return Ok(received);
            }
            self.reached.more_pages += 1;
        }
        Ok(received)
    }

    fn trespass(&mut self, d: usize, target: usize, outbox_head: usize) -> Check {
        let laptop = &self.laptops[d];
        let theirs: Vec<&Key> = self
            .hub
            .records
            .iter()
            .filter(|(key, held)| held.team != laptop.team && key.0 != EntityKind::Conflict)
            .map(|(key, _)| key)
            .collect();
        if theirs.is_empty() {
            return Ok(());
        }
        let (entity, entity_id) = theirs[target % theirs.len()].clone();
        let field = KINDS.iter().find(|(e, _)| *e == entity).unwrap().1[0];
        let wall = self.wall(d);
        let mut changes: Vec<Change> = laptop.outbox.iter().take(outbox_head).cloned().collect();
        changes.push(Change {
            change_id: Uuid::from_u128(self.next_change << 32 | 1),
            officer_id: laptop.officer,
            device_id: laptop.id,
            made_at: wall,
            ..field_change(
                entity,
                &entity_id,
                Operation::Update,
                field,
                json!("trespass"),
                None,
                laptop.clock.clone().tick(wall),
            )
        });
        let body = serde_json::to_vec(&PushRequest {
            protocol: PROTOCOL_VERSION,
            device_id: laptop.id,
            changes,
        })
        .unwrap();
        let who = laptop.who();
        let before = self.hub.clone();
        let answer = self.hub.push(who, &body, instant(self.now_ms));
        prop_assert!(
            matches!(&answer, Err(HubError::Refused(e)) if e.code == ErrorCode::OutOfScope),
            "a push naming another team's record: {answer:?}"
        );
        prop_assert_eq!(&self.hub, &before, "a refused push changed the hub");
        self.reached.refused_out_of_scope += 1;
        Ok(())
    }

    /// Checked after every step: no laptop holds another team's record, no laptop has
    /// replaced an edit it has not pushed yet with an older value, and no conflict is
    /// stored twice.
    fn check_invariants(&self) -> Check {
        for laptop in &self.laptops {
            for change in &laptop.outbox {
                let record = &laptop.records[&key_of(change)];
                for field in effective_fields(change).keys() {
                    prop_assert!(
                        record.versions.get(field).is_some_and(|v| *v >= change.hlc),
                        "laptop {} lost its unpushed {field} of {change:?}: {record:?}",
                        laptop.id
                    );
                }
            }
            for key in laptop.records.keys() {
                // A record the hub does not hold yet is one this laptop created.
                let team = self.hub.records.get(key).map(|h| h.team);
                prop_assert!(
                    team.map_or(key.1.starts_with(laptop.team), |t| t == laptop.team),
                    "laptop {} of {} holds {key:?} of {team:?}",
                    laptop.id,
                    laptop.team
                );
            }
        }
        let mut seen = BTreeSet::new();
        for c in &self.hub.conflicts {
            prop_assert!(
                seen.insert((c.change_id, c.field.clone())),
                "conflict stored twice: {c:?}"
            );
            prop_assert!(is_guarded(c.entity, &c.field), "conflict on ordinary {c:?}");
            let record = self.hub.records.get(&(
                EntityKind::Conflict,
                conflict_record_id(c.change_id, &c.field),
            ));
            prop_assert!(
                record.is_some_and(|r| r.record.fields.get("other_value") == Some(&c.device_value)),
                "no conflict record for {c:?}"
            );
        }
        let records = self
            .hub
            .records
            .keys()
            .filter(|k| k.0 == EntityKind::Conflict);
        prop_assert_eq!(records.count(), self.hub.conflicts.len());
        let seqs: Vec<u64> = self.hub.log.iter().map(|r| r.seq).collect();
        prop_assert!(seqs.windows(2).all(|w| w[0] < w[1]));
        prop_assert_eq!(seqs.last().copied().unwrap_or(0), self.hub.counter);
        Ok(())
    }

    /// Everyone syncs, without faults, until a round changes nothing.
    fn settle(&mut self) -> Check {
        for _round in 0..8 {
            let hub = self.hub.clone();
            let records: Vec<_> = self.laptops.iter().map(|l| l.records.clone()).collect();
            for d in 0..self.laptops.len() {
                self.now_ms += 1;
                self.sync(d, MAX_BATCH, 3, None, usize::MAX)?;
                self.check_invariants()?;
            }
            let quiet = self.hub == hub
                && self
                    .laptops
                    .iter()
                    .zip(&records)
                    .all(|(l, r)| l.records == *r && l.outbox.is_empty());
            if quiet {
                return Ok(());
            }
        }
        Err(TestCaseError::fail("eight rounds of sync did not settle"))
    }

    /// Convergence: each laptop holds exactly the hub's records of its team.
    fn check_converged(&self) -> Check {
        for laptop in &self.laptops {
            prop_assert!(laptop.outbox.is_empty());
            prop_assert_eq!(laptop.cursor, self.hub.counter);
            let theirs: BTreeMap<&Key, &Record> = self
                .hub
                .records
                .iter()
                .filter(|(_, held)| held.team == laptop.team)
                .map(|(key, held)| (key, &held.record))
                .collect();
            let mine: BTreeMap<&Key, &Record> = laptop.records.iter().collect();
            for (key, hub) in &theirs {
                prop_assert_eq!(
                    mine.get(key),
                    Some(hub),
                    "laptop {} ({}) differs from the hub on {:?}",
                    laptop.id,
                    laptop.team,
                    key
                );
            }
            prop_assert_eq!(
                mine.len(),
                theirs.len(),
                "laptop {} holds extra records",
                laptop.id
            );
        }
        Ok(())
    }

    /// Nothing acknowledged is lost: every change made reached the hub; each field it set
    /// holds its value, or a later one, or (guarded) the hub's with a conflict raised or
    /// the same value agreed. And every value the hub holds is one some laptop set.
    fn check_nothing_lost(&mut self) -> Check {
        let by_hlc: BTreeMap<Hlc, &Change> = self.made.values().map(|c| (c.hlc, c)).collect();
        let mut agreements = 0;
        for (id, change) in &self.made {
            prop_assert!(
                self.hub.applied.contains_key(id),
                "{change:?} never reached the hub"
            );
            let held = &self.hub.records[&key_of(change)];
            for (field, value) in effective_fields(change) {
                let version = held.record.versions.get(&field).copied();
                if version == Some(change.hlc) {
                    prop_assert_eq!(held.record.fields.get(&field), Some(&value));
                } else if version.is_some_and(|v| v > change.hlc) {
                    // A later change set it.
                } else {
                    prop_assert!(
                        is_guarded(change.entity, &field),
                        "ordinary {field} of {change:?} kept an older value: {held:?}"
                    );
                    let conflict = self
                        .hub
                        .conflicts
                        .iter()
                        .find(|c| c.change_id == *id && c.field == field);
                    let agreed = self.hub.agreed.contains(&(*id, field.clone()));
                    prop_assert!(
                        conflict.is_some() || agreed,
                        "guarded {field} of {change:?} dropped: {held:?}"
                    );
                    match conflict {
                        Some(conflict) => {
                            prop_assert_eq!(&conflict.device_value, &value);
                            prop_assert_eq!(conflict.device_hlc, change.hlc);
                        }
                        None => agreements += 1,
                    }
                }
            }
        }
        for ((entity, id), held) in &self.hub.records {
            if *entity == EntityKind::Conflict {
                // The hub's own record, checked against the conflicts after every step.
                continue;
            }
            for (field, version) in &held.record.versions {
                let source = by_hlc.get(version);
                prop_assert!(
                    source.is_some_and(|c| c.entity == *entity
                        && c.entity_id == *id
                        && effective_fields(c).get(field) == held.record.fields.get(field)),
                    "the hub holds {field} of {entity}/{id} from no change made: {held:?}"
                );
            }
        }
        self.reached.agreements += agreements;
        Ok(())
    }

    /// Replaying every push the hub ever took changes nothing.
    fn check_replays(&mut self) -> Check {
        let before = self.hub.clone();
        for (who, body) in std::mem::take(&mut self.taken) {
            let answer = self.hub.push(who, &body, instant(self.now_ms));
            prop_assert!(answer.is_ok(), "a replay was refused: {answer:?}");
            let response: PushResponse = serde_json::from_slice(&answer.unwrap()).unwrap();
            prop_assert!(response.applied.is_empty() && response.conflicts.is_empty());
            prop_assert_eq!(&self.hub, &before, "a replayed push changed the hub");
        }
        Ok(())
    }
}

/// Runs a history, settles it, and checks every property.
fn run_history(steps: &[Step], resume: Resume) -> Result<Reached, TestCaseError> {
    let mut world = World::new(resume);
    for (n, step) in (0u64..).zip(steps) {
        // Two steps per millisecond, so clock readings of different laptops tie.
        world.now_ms = 1_700_000_000_000 + n / 2;
        world.run(step)?;
        world.check_invariants()?;
    }
    world.settle()?;
    world.check_converged()?;
    world.check_nothing_lost()?;
    world.check_replays()?;
    Ok(world.reached)
}

#[test]
fn laptops_in_two_teams_converge_with_the_hub_whatever_the_network_does() {
    let config = Config {
        cases: 256,
        source_file: Some(file!()),
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let total = RefCell::new(Reached::default());
    let result = runner.run(&prop::collection::vec(step(), 1..=60), |steps| {
        let reached = run_history(&steps, Resume::EveryVersionHeld)?;
        let mut t = total.borrow_mut();
        t.conflicts += reached.conflicts;
        t.agreements += reached.agreements;
        t.adopted += reached.adopted;
        t.pending_at_replay += reached.pending_at_replay;
        t.already_applied += reached.already_applied;
        t.refused_out_of_scope += reached.refused_out_of_scope;
        t.duplicated_pushes += reached.duplicated_pushes;
        t.crashes_after_push += reached.crashes_after_push;
        t.crashes_mid_pull += reached.crashes_mid_pull;
        t.more_pages += reached.more_pages;
        t.deletes += reached.deletes;
        Ok(())
    });
    match result {
        Ok(()) => {}
        Err(TestError::Fail(why, steps)) => {
            let steps: Vec<String> = steps.iter().map(|s| format!("  {s:?}")).collect();
            panic!("{why}\nminimal history:\n{}", steps.join("\n"))
        }
        Err(e) => panic!("{e}"),
    }
    // The model must keep reaching every path it exists to test.
    let t = total.into_inner();
    let paths = [
        ("guarded conflicts", t.conflicts),
        ("guarded agreements", t.agreements),
        ("hub values adopted", t.adopted),
        ("pending fields at replay", t.pending_at_replay),
        ("retried changes", t.already_applied),
        ("out-of-scope refusals", t.refused_out_of_scope),
        ("duplicated pushes", t.duplicated_pushes),
        ("crashes after a push", t.crashes_after_push),
        ("crashes mid-pull", t.crashes_mid_pull),
        ("multi-page pulls", t.more_pages),
        ("deletes", t.deletes),
    ];
    for (path, count) in paths {
        assert!(count > 0, "no history reached {path}: {t:?}");
    }
}

/// A laptop whose clock restarts from its outbox alone forgets the reading of a faster
/// clock it pulled: its next edit of that field is older than the version it was based
/// on, the hub refuses it as `invalid`, and the whole outbox is stuck behind it. The
/// restarted clock must resume after every version the laptop holds.
#[test]
fn a_restarted_clock_must_resume_after_every_version_held() {
    let plan = Slot {
        entity: EntityKind::Plan,
        n: 0,
    };
    // Laptop 1's clock runs ahead of laptop 0's.
    assert!(SKEW_MS[1] > SKEW_MS[0] + 2);
    let steps = vec![
        Step::Edit {
            device: 1,
            record: plan,
            set: vec![("tier", Some("a"))],
        },
        Step::Sync {
            device: 1,
            batch: 4,
            page: 4,
            fault: None,
        },
        Step::Sync {
            device: 0,
            batch: 4,
            page: 4,
            fault: None,
        },
        Step::Restart { device: 0 },
        Step::Edit {
            device: 0,
            record: plan,
            set: vec![("tier", Some("b"))],
        },
    ];
    let outbox_only = run_history(&steps, Resume::OutboxOnly);
    assert!(
        matches!(&outbox_only, Err(TestCaseError::Fail(why)) if why.message().contains("the hub would refuse")),
        "{outbox_only:?}"
    );
    assert!(run_history(&steps, Resume::EveryVersionHeld).is_ok());
}
