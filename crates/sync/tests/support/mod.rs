//! What the sync tests share: instants from milliseconds, and a change to one field.

#![allow(clippy::expect_used, dead_code)]

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use doorstep_core::{Hlc, OfficerId};
use doorstep_sync::protocol::{Change, EntityKind, Operation};
use serde_json::Value;
use uuid::Uuid;

/// The instant `ms` milliseconds after the Unix epoch, as simulated clocks count time.
pub fn instant(ms: u64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(i64::try_from(ms).expect("milliseconds fit an i64"))
        .single()
        .expect("a valid instant")
}

/// A change setting one `field` of one record, made at `hlc` by its device, based on the
/// version `base` the device last saw (None: the field was new to it). Tests that need a
/// fixed officer, id or time override them with struct update syntax.
pub fn field_change(
    entity: EntityKind,
    entity_id: &str,
    operation: Operation,
    field: &str,
    value: Value,
    base: Option<Hlc>,
    hlc: Hlc,
) -> Change {
    Change {
        change_id: Uuid::now_v7(),
        entity,
        entity_id: entity_id.to_owned(),
        operation,
        fields: serde_json::Map::from_iter([(field.to_owned(), value)]),
        base_versions: BTreeMap::from([(field.to_owned(), base)]),
        hlc,
        officer_id: OfficerId::new(),
        device_id: hlc.device,
        made_at: Utc::now(),
    }
}
