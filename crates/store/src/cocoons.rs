//! Cocoons: opened when a burglary is recorded, holding the neighbours' doors in priority
//! order and each door's outcome, so the dosage (doors reached) is always known.

use chrono::NaiveDate;
use doorstep_core::cocoon::{
    CocoonDates, CocoonOutcome, CocoonPolicy, CocoonReason, CocoonTarget, Dosage, state,
};
use doorstep_core::views::{CocoonDoor, CocoonPage, CocoonSummary};
use doorstep_core::{ChangeSource, HouseholdId, Uprn};
use rusqlite::{OptionalExtension, Row, params};
use serde_json::{Value, json};

use crate::error::{Result, StoreError};
use crate::households;
use crate::rows::{conversion, parsed};
use crate::store::Store;
use crate::tracking::stored_versions;

fn reason_text(r: CocoonReason) -> &'static str {
    match r {
        CocoonReason::SameSide => "same_side",
        CocoonReason::OppositeSide => "opposite_side",
        CocoonReason::WithinRadius => "within_radius",
    }
}

fn door_from_row(row: &Row<'_>) -> rusqlite::Result<CocoonDoor> {
    let reason = match row.get::<_, String>(5)?.as_str() {
        "same_side" => CocoonReason::SameSide,
        "opposite_side" => CocoonReason::OppositeSide,
        "within_radius" => CocoonReason::WithinRadius,
        _ => return Err(conversion(5, "bad cocoon reason")),
    };
    let outcome = match row.get::<_, Option<String>>(6)? {
        Some(o) => Some(CocoonOutcome::parse(&o).ok_or_else(|| conversion(6, "bad outcome"))?),
        None => None,
    };
    Ok(CocoonDoor {
        id: row.get(0)?,
        rank: row.get(1)?,
        target: CocoonTarget {
            uprn: Uprn::from_value(row.get(2)?),
            address_line_1: row.get(3)?,
            distance_m: row.get(4)?,
            reason,
        },
        outcome,
        outcome_at: row.get(7)?,
        postcode: row.get(8)?,
    })
}

/// Columns of a cocoon row joined with its household, in `summary_from_row` order.
const SUMMARY_COLUMNS: &str =
    "c.id, c.household_id, h.address_line_1, h.town, c.opened_on, c.visit_by, c.closes_on";

struct Head {
    id: String,
    household_id: HouseholdId,
    address: String,
    dates: CocoonDates,
}

fn head_from_row(row: &Row<'_>) -> rusqlite::Result<Head> {
    Ok(Head {
        id: row.get(0)?,
        household_id: parsed(row, 1, "bad household id")?,
        address: format!("{}, {}", row.get::<_, String>(2)?, row.get::<_, String>(3)?),
        dates: CocoonDates {
            opened_on: row.get(4)?,
            visit_by: row.get(5)?,
            closes_on: row.get(6)?,
        },
    })
}

impl Store {
    /// Opens a cocoon around a burgled household on `today`, or returns the one already open.
    pub fn open_cocoon(
        &mut self,
        household: HouseholdId,
        policy: &CocoonPolicy,
        today: NaiveDate,
        source: ChangeSource,
    ) -> Result<CocoonPage> {
        households::get(self.conn(), household)?;
        let open: Option<String> = self
            .conn()
            .prepare_cached(
                "SELECT id FROM cocoons WHERE household_id = ?1 AND closes_on >= ?2 ORDER BY seq DESC LIMIT 1",
            )?
            .query_row(params![household.to_string(), today], |r| r.get(0))
            .optional()?;
        if let Some(id) = open {
            return self.cocoon(&id, today);
        }
        let targets = self.cocoon_targets(household, policy)?;
        let dates = CocoonDates::new(today, policy);
        let id = uuid::Uuid::now_v7().to_string();
        self.write(source, |w| {
            let fields = json!({
                "household_id": household.to_string(),
                "opened_on": dates.opened_on, "visit_by": dates.visit_by, "closes_on": dates.closes_on,
            });
            let t = w
                .track("cocoon", &id, None, &fields)?
                .ok_or(StoreError::NotFound { entity: "cocoon" })?;
            w.tx.prepare_cached(
                "INSERT INTO cocoons (id, household_id, opened_on, visit_by, closes_on, created_at, updated_at,
                     updated_by, device_id, hlc, field_versions)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                id,
                household.to_string(),
                dates.opened_on,
                dates.visit_by,
                dates.closes_on,
                t.at,
                w.actor.officer.to_string(),
                w.actor.device.to_string(),
                t.hlc.to_string(),
                t.field_versions,
            ])?;
            for (rank, target) in (1u32..).zip(&targets) {
                let door = uuid::Uuid::now_v7().to_string();
                let fields = json!({
                    "cocoon_id": id, "rank": rank, "uprn": target.uprn.value(),
                    "address_line_1": target.address_line_1, "distance_m": target.distance_m,
                    "reason": reason_text(target.reason), "outcome": Value::Null,
                });
                let t = w
                    .track("cocoon_target", &door, None, &fields)?
                    .ok_or(StoreError::NotFound { entity: "cocoon door" })?;
                w.tx.prepare_cached(
                    "INSERT INTO cocoon_targets (id, cocoon_id, rank, uprn, address_line_1, distance_m, reason,
                         created_at, updated_at, updated_by, device_id, hlc, field_versions)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10, ?11, ?12)",
                )?
                .execute(params![
                    door,
                    id,
                    rank,
                    target.uprn.value(),
                    target.address_line_1,
                    target.distance_m,
                    reason_text(target.reason),
                    t.at,
                    w.actor.officer.to_string(),
                    w.actor.device.to_string(),
                    t.hlc.to_string(),
                    t.field_versions,
                ])?;
            }
            Ok(())
        })?;
        self.cocoon(&id, today)
    }

    /// Records what happened at one door of a cocoon.
    pub fn record_cocoon_outcome(
        &mut self,
        door: &str,
        outcome: CocoonOutcome,
        today: NaiveDate,
        source: ChangeSource,
    ) -> Result<CocoonPage> {
        let (cocoon, before): (String, Option<String>) = self
            .conn()
            .prepare_cached("SELECT cocoon_id, outcome FROM cocoon_targets WHERE id = ?1")?
            .query_row([door], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .ok_or(StoreError::NotFound {
                entity: "cocoon door",
            })?;
        let versions = stored_versions(self.conn(), "cocoon_targets", door)?;
        self.write(source, |w| {
            let previous = json!({ "outcome": before });
            let Some(t) = w.track(
                "cocoon_target",
                door,
                Some((&previous, &versions)),
                &json!({ "outcome": outcome.as_str() }),
            )?
            else {
                return Ok(());
            };
            w.tx.prepare_cached(
                "UPDATE cocoon_targets SET outcome = ?2, outcome_at = ?3, outcome_by = ?4, updated_at = ?3,
                     updated_by = ?4, device_id = ?5, hlc = ?6, field_versions = ?7 WHERE id = ?1",
            )?
            .execute(params![
                door,
                outcome.as_str(),
                t.at,
                w.actor.officer.to_string(),
                w.actor.device.to_string(),
                t.hlc.to_string(),
                t.field_versions,
            ])?;
            Ok(())
        })?;
        self.cocoon(&cocoon, today)
    }

    /// One cocoon with its doors, as it stands on `today`.
    pub fn cocoon(&self, id: &str, today: NaiveDate) -> Result<CocoonPage> {
        let head = self
            .conn()
            .prepare_cached(&format!(
                "SELECT {SUMMARY_COLUMNS} FROM cocoons c JOIN households h ON h.id = c.household_id WHERE c.id = ?1"
            ))?
            .query_row([id], head_from_row)
            .optional()?
            .ok_or(StoreError::NotFound { entity: "cocoon" })?;
        let mut stmt = self.conn().prepare_cached(
            "SELECT t.id, t.rank, t.uprn, t.address_line_1, t.distance_m, t.reason, t.outcome, t.outcome_at, g.postcode
             FROM cocoon_targets t LEFT JOIN gazetteer g ON g.uprn = t.uprn
             WHERE t.cocoon_id = ?1 ORDER BY t.rank",
        )?;
        let doors = stmt
            .query_map([id], door_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let dosage = Dosage::of(doors.iter().map(|d| d.outcome));
        Ok(CocoonPage {
            id: head.id,
            household_id: head.household_id,
            address: head.address,
            state: state(&head.dates, &dosage, today),
            dates: head.dates,
            dosage,
            doors,
        })
    }

    /// Cocoons not yet closed on `today` (all households), or every cocoon of one household.
    pub fn cocoons(
        &self,
        household: Option<HouseholdId>,
        today: NaiveDate,
    ) -> Result<Vec<CocoonSummary>> {
        // Generated from core's rule, so the list and the page never disagree on "reached".
        let reached = CocoonOutcome::ALL
            .iter()
            .filter(|o| o.reached())
            .map(|o| format!("'{}'", o.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {SUMMARY_COLUMNS},
                 (SELECT count(*) FROM cocoon_targets t WHERE t.cocoon_id = c.id),
                 (SELECT count(*) FROM cocoon_targets t WHERE t.cocoon_id = c.id AND t.outcome IS NOT NULL),
                 (SELECT count(*) FROM cocoon_targets t WHERE t.cocoon_id = c.id
                      AND t.outcome IN ({reached}))
             FROM cocoons c JOIN households h ON h.id = c.household_id
             WHERE (?1 IS NULL AND c.closes_on >= ?2) OR c.household_id = ?1
             ORDER BY c.visit_by, c.seq"
        ))?;
        let rows = stmt.query_map(params![household.map(|h| h.to_string()), today], |row| {
            let head = head_from_row(row)?;
            let dosage = Dosage {
                targets: row.get(7)?,
                attempted: row.get(8)?,
                reached: row.get(9)?,
            };
            Ok(CocoonSummary {
                id: head.id,
                household_id: head.household_id,
                address: head.address,
                state: state(&head.dates, &dosage, today),
                dates: head.dates,
                dosage,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
