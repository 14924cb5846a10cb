//! Days of action: the set-up, the door list (from the gazetteer by street or postcode, or a
//! CSV of UPRNs), every knock as its own record, and the live counts.

use std::collections::BTreeMap;
use std::io::Read;

use doorstep_core::fire::{
    DoorCsv, DoorCsvHeaderError, DoorCsvRow, DoorRecord, DoorRecordId, parse_door_csv,
    revisit_queue, summarise, summary_csv,
};
use doorstep_core::views::{
    DayOfAction, DayOfActionDraft, DayOfActionPage, DayOfActionSummaryRow, DoorRow, DoorsAdded,
    KnockDraft, RowError,
};
use doorstep_core::{ChangeSource, Uprn, ValidationErrors};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Result, StoreError};
use crate::rows::{json, parsed};
use crate::store::Store;
use crate::synced::{self, Held, Stamp, Synced};
use crate::tracking::Writer;

/// Most doors on one day's list.
const MAX_DOORS: u32 = 5_000;

fn day_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DayOfAction> {
    Ok(DayOfAction {
        id: r.get(0)?,
        name: r.get(1)?,
        date: r.get(2)?,
        area: r.get(3)?,
        crew: json(r, 4, "damaged crew list")?,
    })
}

/// Writes a day of action's row (insert, or update keeping `seq` and `created_at`).
fn save_day_row(conn: &Connection, day: &DayOfAction, s: &Stamp<'_>) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO days_of_action (id, name, day, area, crew, created_at, updated_at, updated_by,
             device_id, hlc, field_versions)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, day = excluded.day, area = excluded.area,
             crew = excluded.crew, updated_at = excluded.updated_at, updated_by = excluded.updated_by,
             device_id = excluded.device_id, hlc = excluded.hlc, field_versions = excluded.field_versions",
    )?
    .execute(params![
        day.id,
        day.name,
        day.date,
        day.area,
        serde_json::to_string(&day.crew)?,
        s.created_at,
        s.updated_at,
        s.updated_by,
        s.device_id,
        s.hlc,
        s.field_versions,
    ])?;
    Ok(())
}

impl Synced for DayOfAction {
    const ENTITY: &'static str = "day_of_action";
    const TABLE: &'static str = "days_of_action";
    const NAMES_ITS_ID: bool = true;

    fn read(conn: &Connection, id: &str) -> Result<Option<Held>> {
        synced::read_row(
            conn,
            "SELECT id, name, day, area, crew, field_versions FROM days_of_action WHERE id = ?1",
            id,
            day_from_row,
        )
    }

    fn save(&self, conn: &Connection, _id: &str, s: &Stamp<'_>) -> Result<()> {
        save_day_row(conn, self, s)
    }
}

/// One door on a day's list: its synced fields.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ListedDoor {
    day_id: String,
    rank: u32,
    uprn: i64,
    address_line_1: String,
    postcode: String,
}

/// Writes a listed door's row (insert, or update keeping `seq` and `created_at`).
fn save_door_row(conn: &Connection, id: &str, d: &ListedDoor, s: &Stamp<'_>) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO day_doors (id, day_id, rank, uprn, address_line_1, postcode, created_at, updated_at,
             updated_by, device_id, hlc, field_versions)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (id) DO UPDATE SET day_id = excluded.day_id, rank = excluded.rank,
             uprn = excluded.uprn, address_line_1 = excluded.address_line_1, postcode = excluded.postcode,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by,
             device_id = excluded.device_id, hlc = excluded.hlc, field_versions = excluded.field_versions",
    )?
    .execute(params![
        id,
        d.day_id,
        d.rank,
        d.uprn,
        d.address_line_1,
        d.postcode,
        s.created_at,
        s.updated_at,
        s.updated_by,
        s.device_id,
        s.hlc,
        s.field_versions,
    ])?;
    Ok(())
}

impl Synced for ListedDoor {
    const ENTITY: &'static str = "day_door";
    const TABLE: &'static str = "day_doors";

    fn read(conn: &Connection, id: &str) -> Result<Option<Held>> {
        synced::read_row(
            conn,
            "SELECT day_id, rank, uprn, address_line_1, postcode, field_versions FROM day_doors WHERE id = ?1",
            id,
            |r| {
                Ok(ListedDoor {
                    day_id: r.get(0)?,
                    rank: r.get(1)?,
                    uprn: r.get(2)?,
                    address_line_1: r.get(3)?,
                    postcode: r.get(4)?,
                })
            },
        )
    }

    fn save(&self, conn: &Connection, id: &str, s: &Stamp<'_>) -> Result<()> {
        save_door_row(conn, id, self, s)
    }
}

/// One knock's synced fields: the knock as recorded, and the day and door it belongs to.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Knock {
    #[serde(flatten)]
    record: DoorRecord,
    day_id: String,
    door_id: String,
}

/// Writes a knock's row (insert, or update keeping `seq` and `created_at`).
fn save_knock_row(conn: &Connection, id: &str, k: &Knock, s: &Stamp<'_>) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO door_knocks (id, day_id, door_id, body, created_at, updated_at, updated_by,
             device_id, hlc, field_versions)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (id) DO UPDATE SET day_id = excluded.day_id, door_id = excluded.door_id,
             body = excluded.body, updated_at = excluded.updated_at, updated_by = excluded.updated_by,
             device_id = excluded.device_id, hlc = excluded.hlc, field_versions = excluded.field_versions",
    )?
    .execute(params![
        id,
        k.day_id,
        k.door_id,
        serde_json::to_string(&k.record)?,
        s.created_at,
        s.updated_at,
        s.updated_by,
        s.device_id,
        s.hlc,
        s.field_versions,
    ])?;
    Ok(())
}

/// Every knock's synced fields (its body, day and door, as `read` gives them), in one query.
pub(crate) fn all_knocks(conn: &Connection) -> Result<Vec<synced::Listed>> {
    let mut statement = conn.prepare("SELECT id, day_id, door_id, body FROM door_knocks")?;
    let rows = statement.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, day_id, door_id, body) = row?;
        let mut fields: Map<String, Value> = serde_json::from_str(&body)?;
        fields.insert("day_id".into(), Value::String(day_id));
        fields.insert("door_id".into(), Value::String(door_id));
        out.push((id, fields));
    }
    Ok(out)
}

/// Every day of action's synced fields, in one query.
pub(crate) fn all_days(conn: &Connection) -> Result<Vec<synced::Listed>> {
    synced::read_rows(
        conn,
        "SELECT id, name, day, area, crew, id FROM days_of_action",
        day_from_row,
    )
}

impl Synced for Knock {
    const ENTITY: &'static str = "door_knock";
    const TABLE: &'static str = "door_knocks";
    const NAMES_ITS_ID: bool = true;

    fn read(conn: &Connection, id: &str) -> Result<Option<Held>> {
        let row = conn
            .prepare_cached(
                "SELECT day_id, door_id, body, field_versions FROM door_knocks WHERE id = ?1",
            )?
            .query_row([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .optional()?;
        row.map(|(day_id, door_id, body, versions)| {
            let mut fields: Map<String, Value> = serde_json::from_str(&body)?;
            fields.insert("day_id".into(), Value::String(day_id));
            fields.insert("door_id".into(), Value::String(door_id));
            Ok((fields, versions))
        })
        .transpose()
    }

    fn save(&self, conn: &Connection, id: &str, s: &Stamp<'_>) -> Result<()> {
        save_knock_row(conn, id, self, s)
    }
}

/// Adds one gazetteer address to a day's list; false when it is already there. The check
/// here is what merges a duplicate: since migration 0007 the table itself allows a door
/// twice, because two crews' laptops may each add it offline and both records must sync.
fn add_door(
    w: &mut Writer<'_>,
    day: &str,
    rank: u32,
    uprn: i64,
    line1: &str,
    postcode: &str,
) -> Result<bool> {
    let exists: bool = w
        .tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM day_doors WHERE day_id = ?1 AND uprn = ?2)")?
        .query_row(params![day, uprn], |r| r.get(0))?;
    if exists {
        return Ok(false);
    }
    let id = uuid::Uuid::now_v7().to_string();
    let door = ListedDoor {
        day_id: day.to_owned(),
        rank,
        uprn,
        address_line_1: line1.to_owned(),
        postcode: postcode.to_owned(),
    };
    let t = w
        .track("day_door", &id, None, &serde_json::to_value(&door)?)?
        .ok_or(StoreError::NotFound { entity: "door" })?;
    save_door_row(w.tx, &id, &door, &Stamp::local(w, &t))?;
    Ok(true)
}

impl Store {
    /// Sets up a day of action.
    pub fn create_day_of_action(
        &mut self,
        draft: &DayOfActionDraft,
        source: ChangeSource,
    ) -> Result<DayOfAction> {
        let date = draft.validate()?;
        let day = DayOfAction {
            id: uuid::Uuid::now_v7().to_string(),
            name: draft.name.trim().to_owned(),
            date,
            area: draft.area.trim().to_owned(),
            crew: draft
                .crew
                .iter()
                .map(|c| c.trim().to_owned())
                .filter(|c| !c.is_empty())
                .collect(),
        };
        self.write(source, |w| {
            let t = w
                .track("day_of_action", &day.id, None, &serde_json::to_value(&day)?)?
                .ok_or(StoreError::NotFound {
                    entity: "day of action",
                })?;
            save_day_row(w.tx, &day, &Stamp::local(w, &t))?;
            Ok(day.clone())
        })
    }

    fn day(&self, id: &str) -> Result<DayOfAction> {
        self.conn()
            .prepare_cached("SELECT id, name, day, area, crew FROM days_of_action WHERE id = ?1")?
            .query_row([id], day_from_row)
            .optional()?
            .ok_or(StoreError::NotFound {
                entity: "day of action",
            })
    }

    fn next_rank(&self, day: &str) -> Result<u32> {
        Ok(self
            .conn()
            .prepare_cached("SELECT coalesce(max(rank), 0) + 1 FROM day_doors WHERE day_id = ?1")?
            .query_row([day], |r| r.get(0))?)
    }

    /// Adds every gazetteer address on a street (any case) or in a postcode (or its start,
    /// e.g. "ZY1 4"), in street and house-number order; addresses already listed are merged.
    pub fn add_day_doors_from_gazetteer(
        &mut self,
        day: &str,
        street_or_postcode: &str,
        source: ChangeSource,
    ) -> Result<DoorsAdded> {
        self.day(day)?;
        let query = street_or_postcode.trim();
        let postcode = query
            .to_uppercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if query.chars().count() < 3 {
            let mut errors = ValidationErrors::default();
            errors.add(
                "street_or_postcode",
                "Enter a street name, or a postcode or the start of one, like \"ZY1 4\"",
            );
            return Err(errors.into());
        }
        let mut stmt = self.conn().prepare_cached(
            "SELECT uprn, address_line_1, postcode FROM gazetteer
             WHERE street = lower(?1) OR postcode = ?2 OR postcode LIKE ?2 || '%'
             LIMIT ?3",
        )?;
        let mut rows = stmt
            .query_map(params![query, postcode, MAX_DOORS + 1], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        drop(stmt);
        if rows.is_empty() {
            let mut errors = ValidationErrors::default();
            errors.add(
                "street_or_postcode",
                format!("No address in the gazetteer is on \"{query}\": check the spelling, or import the gazetteer in Settings"),
            );
            return Err(errors.into());
        }
        // Street (namesake streets apart, by postcode district), one side then the other, by
        // house number: the order a crew walks.
        rows.sort_by_key(|(uprn, line, postcode)| {
            let (number, street) = doorstep_core::cocoon::street_position(line)
                .unwrap_or((u32::MAX, line.to_lowercase()));
            let district = postcode
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned();
            (
                street,
                district,
                number % 2,
                number,
                postcode.clone(),
                *uprn,
            )
        });
        self.add_rows(
            day,
            rows.into_iter().map(|r| (0, r)).collect(),
            Vec::new(),
            source,
        )
    }

    /// Adds the doors in a CSV with a `uprn` column (other columns are ignored); unknown UPRNs
    /// are listed by line, addresses already on the list are merged.
    pub fn import_day_doors(
        &mut self,
        day: &str,
        csv: impl Read,
        source: ChangeSource,
    ) -> Result<DoorsAdded> {
        self.day(day)?;
        let DoorCsv { rows, mut rejected } =
            parse_door_csv(csv).map_err(|DoorCsvHeaderError(m)| StoreError::ImportHeader(m))?;
        let mut found = Vec::new();
        for DoorCsvRow { line, uprn, text } in rows {
            let hit = self
                .conn()
                .prepare_cached("SELECT address_line_1, postcode FROM gazetteer WHERE uprn = ?1")?
                .query_row([uprn.value()], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                })
                .optional()?;
            match hit {
                Some((line1, postcode)) => found.push((line, (uprn.value(), line1, postcode))),
                None => rejected.push(RowError {
                    line,
                    reason: format!(
                        "UPRN {text} is not in the gazetteer: import the gazetteer first, or check the number"
                    ),
                }),
            }
        }
        self.add_rows(day, found, rejected, source)
    }

    fn add_rows(
        &mut self,
        day: &str,
        rows: Vec<(u32, (i64, String, String))>,
        mut rejected: Vec<RowError>,
        source: ChangeSource,
    ) -> Result<DoorsAdded> {
        let listed: u32 = self
            .conn()
            .prepare_cached("SELECT count(*) FROM day_doors WHERE day_id = ?1")?
            .query_row([day], |r| r.get(0))?;
        if listed.saturating_add(u32::try_from(rows.len()).unwrap_or(u32::MAX)) > MAX_DOORS {
            let mut errors = ValidationErrors::default();
            errors.add(
                "street_or_postcode",
                format!("A day's list holds at most {MAX_DOORS} doors: choose a smaller area"),
            );
            return Err(errors.into());
        }
        let mut rank = self.next_rank(day)?;
        let (added, duplicates) = self.write(source, |w| {
            let (mut added, mut duplicates) = (0u32, 0u32);
            for (_, (uprn, line1, postcode)) in &rows {
                if add_door(w, day, rank, *uprn, line1, postcode)? {
                    added += 1;
                    rank += 1;
                } else {
                    duplicates += 1;
                }
            }
            Ok((added, duplicates))
        })?;
        rejected.sort_by_key(|r| r.line);
        Ok(DoorsAdded {
            added,
            duplicates,
            rejected,
        })
    }

    /// Records one knock at a door; the codes and counts must agree (core's rule).
    pub fn record_knock(
        &mut self,
        day: &str,
        door: &str,
        knock: &KnockDraft,
        source: ChangeSource,
    ) -> Result<DoorRow> {
        let uprn: i64 = self
            .conn()
            .prepare_cached("SELECT uprn FROM day_doors WHERE id = ?1 AND day_id = ?2")?
            .query_row(params![door, day], |r| r.get(0))
            .optional()?
            .ok_or(StoreError::NotFound { entity: "door" })?;
        let record = DoorRecord {
            id: DoorRecordId::new(),
            uprn: Uprn::from_value(uprn),
            outcomes: knock.outcomes.clone(),
            alarms_fitted: knock.alarms_fitted,
            referrals_made: knock.referrals_made,
            higher_risk_people: knock.higher_risk_people,
            at: doorstep_core::clock::now(),
            crew: vec![self.officer().id],
        };
        record.validate()?;
        let knock = Knock {
            record,
            day_id: day.to_owned(),
            door_id: door.to_owned(),
        };
        self.write(source, |w| {
            let id = knock.record.id.to_string();
            let t = w
                .track("door_knock", &id, None, &serde_json::to_value(&knock)?)?
                .ok_or(StoreError::NotFound { entity: "knock" })?;
            save_knock_row(w.tx, &id, &knock, &Stamp::local(w, &t))
        })?;
        self.door_rows(day, Some(door))?
            .pop()
            .map(|(_, row)| row)
            .ok_or(StoreError::NotFound { entity: "door" })
    }

    /// A day's knocks in order, or one door's (so recording a knock stays quick late in the day).
    fn knocks(&self, day: &str, door: Option<&str>) -> Result<Vec<(String, DoorRecord)>> {
        // Two statements, not "?2 IS NULL OR …", so each uses its index.
        let mut stmt = self.conn().prepare_cached(match door {
            Some(_) => "SELECT door_id, body FROM door_knocks WHERE day_id = ?1 AND door_id = ?2 ORDER BY seq",
            None => "SELECT door_id, body FROM door_knocks WHERE day_id = ?1 AND ?2 IS NULL ORDER BY seq",
        })?;
        let rows = stmt.query_map(params![day, door], |r| {
            Ok((r.get(0)?, json(r, 1, "damaged knock")?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A day's doors (or one of them) in list order, each with its `seq`. Doors two laptops
    /// both added share a rank, so `seq` breaks the tie: the order is the same every time.
    fn door_rows(&self, day: &str, only: Option<&str>) -> Result<Vec<(i64, DoorRow)>> {
        let mut latest: BTreeMap<String, (u32, Vec<doorstep_core::fire::DoorOutcomeCode>)> =
            BTreeMap::new();
        for (door, record) in self.knocks(day, only)? {
            let entry = latest.entry(door).or_default();
            entry.0 += 1;
            entry.1 = record.outcomes;
        }
        // The household is looked up, not joined: after a sync two households may share a
        // UPRN, and a join would list the door twice. The oldest (lowest seq) is shown.
        let mut stmt = self.conn().prepare_cached(match only {
            Some(_) => {
                "SELECT d.id, d.rank, d.uprn, d.address_line_1, d.postcode,
                     (SELECT h.id FROM households h WHERE h.uprn = d.uprn ORDER BY h.seq LIMIT 1),
                     d.seq
                 FROM day_doors d
                 WHERE d.day_id = ?1 AND d.id = ?2"
            }
            None => {
                "SELECT d.id, d.rank, d.uprn, d.address_line_1, d.postcode,
                     (SELECT h.id FROM households h WHERE h.uprn = d.uprn ORDER BY h.seq LIMIT 1),
                     d.seq
                 FROM day_doors d
                 WHERE d.day_id = ?1 AND ?2 IS NULL ORDER BY d.rank, d.seq"
            }
        })?;
        let rows = stmt.query_map(params![day, only], |r| {
            let id: String = r.get(0)?;
            let (knocks, outcomes) = latest.get(&id).cloned().unwrap_or_default();
            let row = DoorRow {
                rank: r.get(1)?,
                uprn: Uprn::from_value(r.get(2)?),
                address_line_1: r.get(3)?,
                postcode: r.get(4)?,
                knocks,
                outcomes,
                household_id: match r.get::<_, Option<String>>(5)? {
                    Some(_) => Some(parsed(r, 5, "bad household id")?),
                    None => None,
                },
                id,
            };
            Ok((r.get(6)?, row))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A day with its doors, live counts and revisit queue.
    pub fn day_of_action_page(&self, id: &str) -> Result<DayOfActionPage> {
        let day = self.day(id)?;
        let rows = self.door_rows(id, None)?;
        let records: Vec<DoorRecord> = self.knocks(id, None)?.into_iter().map(|(_, r)| r).collect();
        // The queue is by address; when a sync listed an address twice, it names the door
        // added first here (lowest seq).
        let mut by_uprn: BTreeMap<&Uprn, (i64, &str)> = BTreeMap::new();
        for (seq, d) in &rows {
            let first = by_uprn.entry(&d.uprn).or_insert((*seq, d.id.as_str()));
            if *seq < first.0 {
                *first = (*seq, d.id.as_str());
            }
        }
        let revisit = revisit_queue(&records)
            .iter()
            .filter_map(|item| by_uprn.get(&item.uprn).map(|(_, d)| (*d).to_owned()))
            .collect();
        let doors = rows.into_iter().map(|(_, d)| d).collect();
        Ok(DayOfActionPage {
            summary: summarise(&records),
            day,
            doors,
            revisit,
        })
    }

    /// Every day of action, newest first, with how far each has got.
    pub fn days_of_action(&self) -> Result<Vec<DayOfActionSummaryRow>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT a.id, a.name, a.day, a.area, a.crew,
                 (SELECT count(*) FROM day_doors d WHERE d.day_id = a.id),
                 (SELECT count(DISTINCT k.door_id) FROM door_knocks k WHERE k.day_id = a.id)
             FROM days_of_action a ORDER BY a.day DESC, a.seq DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(DayOfActionSummaryRow {
                day: day_from_row(r)?,
                doors: r.get(5)?,
                knocked: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The end-of-day summary as CSV.
    pub fn day_of_action_csv(&self, id: &str) -> Result<String> {
        let page = self.day_of_action_page(id)?;
        Ok(summary_csv(&page.day.name, page.day.date, &page.summary))
    }
}
