//! A change the hub makes itself to a record it holds: the fields of the record's new core
//! value that differ, based on the versions the hub holds, stamped with the hub's device
//! and a reading of its clock later than every version in the record, merged with the
//! same [`merge_into`] as any push. Referral delivery and the agencies' steps are built
//! here; the contractor portal's steps (`portal::orders::plan_step`) and the console's plan
//! decisions (`casework::decide`) still build theirs in place, and should move here.

use chrono::{DateTime, Utc};
use doorstep_core::{DeviceId, Hlc, HlcClock, OfficerId};
use doorstep_sync::merge::{Record, merge_into};
use doorstep_sync::protocol::{Change, EntityKind, Operation};
use serde_json::{Map, Value};

/// Who the change is attributed to, and the hub identity it is made under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HubActor {
    /// The person whose step it is (the change's officer id).
    pub user: OfficerId,
    /// The hub's own device id: the change's device and its clock readings carry it.
    pub hub_device: DeviceId,
}

/// A change the hub could not make: a field holds a version no later reading of the
/// hub's clock can pass (stamped before the hub bounded clock readings), so saying the
/// step happened would be untrue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the record holds a change dated in the future")]
pub struct NotApplied;

/// The record after the change, and the change as logged.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// The record after the change.
    pub record: Record,
    /// The change as logged.
    pub change: Change,
}

/// Updates `record` (entity `entity`, id `id`) to the fields of `after` that differ from
/// it; with `only`, just those fields are considered. `Ok(None)` when nothing differs.
#[allow(
    clippy::too_many_arguments,
    reason = "which record, its new value, and the three things that stamp the change"
)]
pub fn update(
    entity: EntityKind,
    id: &str,
    record: &Record,
    after: &Map<String, Value>,
    only: Option<&[&str]>,
    actor: HubActor,
    hub_last: Option<Hlc>,
    now: DateTime<Utc>,
) -> Result<Option<Applied>, NotApplied> {
    let fields: Map<String, Value> = after
        .iter()
        .filter(|(k, _)| only.is_none_or(|only| only.contains(&k.as_str())))
        .filter(|(k, v)| record.fields.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if fields.is_empty() {
        return Ok(None);
    }
    let mut clock = HlcClock::new(actor.hub_device, record.version().max(hub_last));
    let change = Change {
        change_id: uuid::Uuid::now_v7(),
        entity,
        entity_id: id.to_owned(),
        operation: Operation::Update,
        base_versions: fields
            .keys()
            .map(|k| (k.clone(), record.versions.get(k).copied()))
            .collect(),
        fields,
        hlc: clock.tick(now),
        officer_id: actor.user,
        device_id: actor.hub_device,
        made_at: now,
    };
    let mut record = record.clone();
    let outcome = merge_into(&mut record, &change);
    if !outcome.fields.values().all(|field| field.applied()) {
        return Err(NotApplied);
    }
    let change = outcome.logged_change(&change).ok_or(NotApplied)?;
    Ok(Some(Applied { record, change }))
}
