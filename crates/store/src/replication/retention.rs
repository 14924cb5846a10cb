//! The retention schedule applied on this laptop, even offline: every synced record past
//! its date by what the laptop holds is removed as an erasure is (its photos, signatures
//! and search words with it), once a day. The hub applies the same schedule and sends the
//! same removals; whichever comes first, the other finds nothing left to do.
//!
//! A laptop knows no legal holds (they live on the hub, which keeps a held household's
//! records): it may remove its own copy of a held household, never the hub's. A record with
//! a change not yet sent counts as open — nothing unsent is ever removed, nor anything it
//! belongs to — so a laptop that never syncs keeps what it made until it does.

use std::collections::HashSet;

use chrono::NaiveDate;
use doorstep_core::privacy::data_map::DataMap;
use doorstep_core::privacy::retention::{Item, Schedule, due, facts, written};

use super::hub::{set_setting, setting};
use super::incoming::{RecordChange, pending_fields};
use super::registry::{KINDS, read_record};
use crate::error::Result;
use crate::store::Store;

/// The setting that says on which day the schedule last ran here.
const APPLIED_ON: &str = "retention_applied_on";

impl Store {
    /// Applies `schedule` (with `map`, which names each kind's class) to every synced
    /// record on `today`, unless it already ran today; returns how many records it removed.
    pub fn apply_retention(
        &mut self,
        schedule: &Schedule,
        map: &DataMap,
        today: NaiveDate,
    ) -> Result<usize> {
        if setting(self.conn(), APPLIED_ON)?.as_deref() == Some(today.to_string().as_str()) {
            return Ok(0);
        }
        let pending = pending_fields(self.conn())?;
        let mut items = Vec::new();
        for kind in &KINDS {
            let ids: Vec<String> = self
                .conn()
                .prepare(&format!("SELECT id FROM {}", kind.table))?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for id in ids {
                let Some(record) = read_record(self.conn(), kind, &id)? else {
                    continue;
                };
                let mut facts = facts(
                    kind.entity,
                    &record.fields,
                    written(record.versions.values()),
                );
                facts.open |= pending.contains_key(&(kind.entity.to_owned(), id.clone()));
                items.push(Item {
                    entity: kind.entity.to_owned(),
                    id,
                    facts,
                });
            }
        }
        let outcome = due(
            schedule,
            |e| map.class_of(e),
            &items,
            &HashSet::new(),
            today,
        );
        let keys: Vec<(String, String)> = outcome
            .due
            .iter()
            .map(|d| (items[d.index].entity.clone(), items[d.index].id.clone()))
            .collect();
        let removed = if keys.is_empty() {
            0
        } else {
            self.apply_from_hub(&keys, |_, current, _| match current {
                Some(_) => RecordChange::Erased,
                None => RecordChange::Keep,
            })?
        };
        set_setting(self.conn(), APPLIED_ON, &today.to_string())?;
        Ok(removed)
    }
}
