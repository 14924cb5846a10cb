//! Cocoons: opened when a burglary is recorded, holding the neighbours' doors in priority
//! order and each door's outcome, so the dosage (doors reached) is always known.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use doorstep_core::cocoon::{
    CocoonDates, CocoonOutcome, CocoonPolicy, CocoonReason, CocoonTarget, Dosage, state,
};
use doorstep_core::views::{CocoonDoor, CocoonPage, CocoonSummary};
use doorstep_core::{ChangeSource, HouseholdId, Uprn};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::error::{Result, StoreError};
use crate::households;
use crate::rows::{conversion, parsed};
use crate::store::Store;
use crate::synced::{self, Held, Stamp, Synced};
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

/// A cocoon's synced fields.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct CocoonFields {
    household_id: HouseholdId,
    opened_on: NaiveDate,
    visit_by: NaiveDate,
    closes_on: NaiveDate,
}

/// Writes a cocoon row (insert, or update keeping `seq` and `created_at`) with its versions.
fn save_cocoon_row(conn: &Connection, id: &str, c: &CocoonFields, s: &Stamp<'_>) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO cocoons (id, household_id, opened_on, visit_by, closes_on, created_at, updated_at,
             updated_by, device_id, hlc, field_versions)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (id) DO UPDATE SET household_id = excluded.household_id,
             opened_on = excluded.opened_on, visit_by = excluded.visit_by, closes_on = excluded.closes_on,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by,
             device_id = excluded.device_id, hlc = excluded.hlc, field_versions = excluded.field_versions",
    )?
    .execute(params![
        id,
        c.household_id.to_string(),
        c.opened_on,
        c.visit_by,
        c.closes_on,
        s.created_at,
        s.updated_at,
        s.updated_by,
        s.device_id,
        s.hlc,
        s.field_versions,
    ])?;
    Ok(())
}

/// The columns a cocoon's synced fields are read from.
const COCOON_COLUMNS: &str = "household_id, opened_on, visit_by, closes_on";

/// A cocoon's synced fields from a row of `COCOON_COLUMNS`.
fn cocoon_row(r: &Row<'_>) -> rusqlite::Result<CocoonFields> {
    Ok(CocoonFields {
        household_id: parsed(r, 0, "bad household id")?,
        opened_on: r.get(1)?,
        visit_by: r.get(2)?,
        closes_on: r.get(3)?,
    })
}

/// Every cocoon's synced fields, in one query.
pub(crate) fn all_cocoons(conn: &Connection) -> Result<Vec<synced::Listed>> {
    synced::read_rows(
        conn,
        &format!("SELECT {COCOON_COLUMNS}, id FROM cocoons"),
        cocoon_row,
    )
}

impl Synced for CocoonFields {
    const ENTITY: &'static str = "cocoon";
    const TABLE: &'static str = "cocoons";

    fn read(conn: &Connection, id: &str) -> Result<Option<Held>> {
        synced::read_row(
            conn,
            &format!("SELECT {COCOON_COLUMNS}, field_versions FROM cocoons WHERE id = ?1"),
            id,
            cocoon_row,
        )
    }

    fn save(&self, conn: &Connection, id: &str, s: &Stamp<'_>) -> Result<()> {
        save_cocoon_row(conn, id, self, s)
    }
}

/// One cocoon door's synced fields (the outcome's time and officer are its version's).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct DoorFields {
    cocoon_id: String,
    rank: u32,
    uprn: i64,
    address_line_1: String,
    distance_m: u32,
    reason: String,
    outcome: Option<String>,
}

/// Writes a cocoon door row (insert, or update keeping `seq` and `created_at`); when and by
/// whom the outcome was recorded change only with the outcome.
fn save_door_row(conn: &Connection, id: &str, d: &DoorFields, s: &Stamp<'_>) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO cocoon_targets (id, cocoon_id, rank, uprn, address_line_1, distance_m, reason,
             outcome, outcome_at, outcome_by, created_at, updated_at, updated_by, device_id, hlc, field_versions)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
         ON CONFLICT (id) DO UPDATE SET cocoon_id = excluded.cocoon_id, rank = excluded.rank,
             uprn = excluded.uprn, address_line_1 = excluded.address_line_1,
             distance_m = excluded.distance_m, reason = excluded.reason,
             outcome_at = CASE WHEN cocoon_targets.outcome IS excluded.outcome
                 THEN cocoon_targets.outcome_at ELSE excluded.outcome_at END,
             outcome_by = CASE WHEN cocoon_targets.outcome IS excluded.outcome
                 THEN cocoon_targets.outcome_by ELSE excluded.outcome_by END,
             outcome = excluded.outcome,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by,
             device_id = excluded.device_id, hlc = excluded.hlc, field_versions = excluded.field_versions",
    )?
    .execute(params![
        id,
        d.cocoon_id,
        d.rank,
        d.uprn,
        d.address_line_1,
        d.distance_m,
        d.reason,
        d.outcome,
        d.outcome.as_ref().map(|_| s.set_at("outcome")),
        d.outcome.as_ref().map(|_| s.updated_by.as_str()),
        s.created_at,
        s.updated_at,
        s.updated_by,
        s.device_id,
        s.hlc,
        s.field_versions,
    ])?;
    Ok(())
}

/// The columns a cocoon door's synced fields are read from.
const DOOR_COLUMNS: &str = "cocoon_id, rank, uprn, address_line_1, distance_m, reason, outcome";

/// A cocoon door's synced fields from a row of `DOOR_COLUMNS`.
fn door_row(r: &Row<'_>) -> rusqlite::Result<DoorFields> {
    Ok(DoorFields {
        cocoon_id: r.get(0)?,
        rank: r.get(1)?,
        uprn: r.get(2)?,
        address_line_1: r.get(3)?,
        distance_m: r.get(4)?,
        reason: r.get(5)?,
        outcome: r.get(6)?,
    })
}

/// Every cocoon door's synced fields, in one query.
pub(crate) fn all_doors(conn: &Connection) -> Result<Vec<synced::Listed>> {
    synced::read_rows(
        conn,
        &format!("SELECT {DOOR_COLUMNS}, id FROM cocoon_targets"),
        door_row,
    )
}

impl Synced for DoorFields {
    const ENTITY: &'static str = "cocoon_target";
    const TABLE: &'static str = "cocoon_targets";

    fn read(conn: &Connection, id: &str) -> Result<Option<Held>> {
        synced::read_row(
            conn,
            &format!("SELECT {DOOR_COLUMNS}, field_versions FROM cocoon_targets WHERE id = ?1"),
            id,
            door_row,
        )
    }

    fn from_fields(id: &str, fields: &Map<String, Value>) -> Result<Self> {
        let door: Self = synced::decode(id, fields)?;
        // Stored text must read back as the page expects it.
        if !matches!(
            door.reason.as_str(),
            "same_side" | "opposite_side" | "within_radius"
        ) {
            return Err(synced::unusable(
                Self::ENTITY,
                id,
                &format!(
                    "its reason \"{}\" is not one this version knows",
                    door.reason
                ),
            ));
        }
        if let Some(outcome) = &door.outcome
            && CocoonOutcome::parse(outcome).is_none()
        {
            return Err(synced::unusable(
                Self::ENTITY,
                id,
                &format!("its outcome \"{outcome}\" is not one this version knows"),
            ));
        }
        Ok(door)
    }

    fn save(&self, conn: &Connection, id: &str, s: &Stamp<'_>) -> Result<()> {
        save_door_row(conn, id, self, s)
    }
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
        // An address is a cocoon's door once. Migration 0007 took that rule out of the table
        // (doors from two laptops must both sync), so it is kept here for the doors this
        // laptop lists; a repeat is skipped and the ranks stay 1, 2, 3, …
        let mut listed = BTreeSet::new();
        let targets: Vec<_> = self
            .cocoon_targets(household, policy)?
            .into_iter()
            .filter(|t| listed.insert(t.uprn.value()))
            .collect();
        let dates = CocoonDates::new(today, policy);
        let id = uuid::Uuid::now_v7().to_string();
        self.write(source, |w| {
            let cocoon = CocoonFields {
                household_id: household,
                opened_on: dates.opened_on,
                visit_by: dates.visit_by,
                closes_on: dates.closes_on,
            };
            let t = w
                .track("cocoon", &id, None, &serde_json::to_value(&cocoon)?)?
                .ok_or(StoreError::NotFound { entity: "cocoon" })?;
            save_cocoon_row(w.tx, &id, &cocoon, &Stamp::local(w, &t))?;
            for (rank, target) in (1u32..).zip(&targets) {
                let door = uuid::Uuid::now_v7().to_string();
                let fields = DoorFields {
                    cocoon_id: id.clone(),
                    rank,
                    uprn: target.uprn.value(),
                    address_line_1: target.address_line_1.clone(),
                    distance_m: target.distance_m,
                    reason: reason_text(target.reason).to_owned(),
                    outcome: None,
                };
                let t = w
                    .track(
                        "cocoon_target",
                        &door,
                        None,
                        &serde_json::to_value(&fields)?,
                    )?
                    .ok_or(StoreError::NotFound {
                        entity: "cocoon door",
                    })?;
                save_door_row(w.tx, &door, &fields, &Stamp::local(w, &t))?;
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
        // seq breaks ties: doors listed on two laptops may share a rank, and the order must
        // not change between readings.
        let mut stmt = self.conn().prepare_cached(
            "SELECT t.id, t.rank, t.uprn, t.address_line_1, t.distance_m, t.reason, t.outcome, t.outcome_at, g.postcode
             FROM cocoon_targets t LEFT JOIN gazetteer g ON g.uprn = t.uprn
             WHERE t.cocoon_id = ?1 ORDER BY t.rank, t.seq",
        )?;
        let doors = stmt
            .query_map([id], door_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let dosage = Dosage::of(doors.iter().map(|d| d.outcome));
        Ok(CocoonPage {
            restriction_notice: self.restriction_notice(head.household_id)?,
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
