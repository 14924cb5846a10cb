//! The data protection officer's register and erasure on the embedded backend (migration
//! 9), over the sync store's connection. Erasure is planned by [`crate::privacy::erasure`];
//! this runs its statements in one transaction and then truncates the write-ahead log, so
//! with `secure_delete` on nothing of the erased records survives in the file.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use doorstep_core::privacy::request::{Decision, RequestDates};
use rusqlite::{Connection, OptionalExtension, Transaction, params, params_from_iter};

use super::audit::insert as insert_audit;
use super::log::{append_entries, counter, entity_of, set_counter};
use crate::model::{AuditEntry, Refusal, StoreError};
use crate::privacy::erasure::{Statement, delete_statements, plan_erasure, remember_statements};
use crate::privacy::{
    Erased, Hold, NewRequest, PrivacyStore, REQUEST_COLUMNS, Recipient, RequestColumns, RequestRow,
    Subject, subject_of,
};
use crate::push::RecordKey;
use crate::store::StoredRecord;

/// The register on SQLite.
#[derive(Debug, Clone)]
pub struct SqlitePrivacy {
    pub(super) conn: Arc<Mutex<Connection>>,
    pub(super) hub: crate::conflicts::HubIdentity,
}

impl SqlitePrivacy {
    /// The register over the sync store's connection.
    pub(crate) fn new(conn: Arc<Mutex<Connection>>, hub: crate::conflicts::HubIdentity) -> Self {
        Self { conn, hub }
    }

    pub(super) async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        super::run_on(&self.conn, f).await
    }

    pub(super) async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        super::write_on(&self.conn, f).await
    }
}

fn request_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RequestColumns> {
    Ok(RequestColumns {
        id: r.get(0)?,
        kind: r.get(1)?,
        reference: r.get(2)?,
        household_id: r.get(3)?,
        person_id: r.get(4)?,
        dates: r.get(5)?,
        decision: r.get(6)?,
        decided_by: r.get(7)?,
        decided_at: r.get(8)?,
        erased: r.get(9)?,
        created_at: r.get(10)?,
    })
}

fn read_request(conn: &Connection, id: &str) -> Result<Option<RequestRow>, StoreError> {
    conn.prepare_cached(&format!(
        "SELECT {REQUEST_COLUMNS} FROM privacy_requests WHERE id = ?1"
    ))?
    .query_row([id], request_row)
    .optional()?
    .map(RequestColumns::into_row)
    .transpose()
}

pub(super) fn execute(tx: &Transaction<'_>, statements: &[Statement]) -> Result<(), StoreError> {
    for s in statements {
        tx.prepare_cached(&s.text)?
            .execute(params_from_iter(super::bind_values(&s.params)))?;
    }
    Ok(())
}

fn fields_of(text: &str) -> serde_json::Map<String, serde_json::Value> {
    serde_json::from_str(text).unwrap_or_default()
}

fn erase(
    tx: &Transaction<'_>,
    hub: crate::conflicts::HubIdentity,
    id: &str,
    by: &str,
    now: i64,
) -> Result<Erased, StoreError> {
    let request =
        read_request(tx, id)?.ok_or_else(|| Refusal::NotFound(format!("request {id:?}")))?;
    let hold: Option<String> = tx
        .query_row(
            "SELECT reason FROM legal_holds WHERE household_id = ?1",
            [&request.household_id],
            |r| r.get(0),
        )
        .optional()?;
    let root = crate::privacy::erasure::erasure_root(&request, hold.as_deref())?;
    let team: String = tx
        .query_row(
            "SELECT team_id FROM records WHERE entity = ?1 AND entity_id = ?2",
            params![root.0.as_str(), root.1],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| Refusal::NotFound("the records of this request".into()))?;
    let mut records: HashMap<RecordKey, StoredRecord> = HashMap::new();
    {
        let mut stmt = tx.prepare(
            "SELECT entity, entity_id, fields, field_versions, tombstoned_at FROM records
             WHERE team_id = ?1",
        )?;
        let mut rows = stmt.query([&team])?;
        while let Some(r) = rows.next()? {
            let entity: String = r.get(0)?;
            let fields: String = r.get(2)?;
            let versions: String = r.get(3)?;
            records.insert(
                (entity_of(&entity)?, r.get(1)?),
                StoredRecord::from_columns(team.clone(), &fields, &versions, r.get(4)?)?,
            );
        }
    }
    let plan = plan_erasure(
        &root,
        &records,
        &team,
        id,
        by,
        hub,
        counter(tx)?,
        now,
        crate::referrals::agency_name,
    )?;
    execute(
        tx,
        &delete_statements(crate::sql::Dialect::Sqlite, &plan, &team),
    )?;
    execute(
        tx,
        &remember_statements(crate::sql::Dialect::Sqlite, &plan, id, now),
    )?;
    append_entries(tx, &plan.entries)?;
    set_counter(tx, "change_log", plan.counter)?;
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO erasure_recipients (request_id, kind, name, what)
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
        )?;
        for r in &plan.recipients {
            stmt.execute(params![id, r.kind, r.name, r.what])?;
        }
    }
    let attachments_left: i64 = {
        let mut stmt = tx.prepare_cached("SELECT count(*) FROM attachments WHERE sha256 = ?1")?;
        let mut left = 0;
        for sha in &plan.attachments {
            left += stmt.query_row([sha], |r| r.get::<_, i64>(0))?;
        }
        left
    };
    let erased = plan.keys.len();
    tx.execute(
        "UPDATE privacy_requests SET decision = ?2, decided_by = ?3, decided_at = ?4, erased = ?5
         WHERE id = ?1",
        params![
            id,
            serde_json::to_string(&Decision::Granted)?,
            by,
            now,
            i64::try_from(erased).unwrap_or(i64::MAX)
        ],
    )?;
    let mut audit = plan.audit.clone();
    audit.push(crate::privacy::erasure::erasure_audit(id, by, now, erased));
    insert_audit(tx, &audit)?;
    Ok(Erased {
        records: erased,
        attachments: plan
            .attachments
            .len()
            .saturating_sub(usize::try_from(attachments_left).unwrap_or(0)),
        recipients: plan.recipients,
    })
}

/// Restricts or lifts the household of request `id` ([`crate::privacy::restriction`]).
fn restrict(
    tx: &Transaction<'_>,
    hub: crate::conflicts::HubIdentity,
    id: &str,
    restrict: bool,
    by: &str,
    now: i64,
) -> Result<(), StoreError> {
    let request =
        read_request(tx, id)?.ok_or_else(|| Refusal::NotFound(format!("request {id:?}")))?;
    let team: String = tx
        .query_row(
            "SELECT team_id FROM records WHERE entity = 'household' AND entity_id = ?1",
            [&request.household_id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| Refusal::NotFound("the household of this request".into()))?;
    let mut records: HashMap<RecordKey, StoredRecord> = HashMap::new();
    {
        let mut stmt = tx.prepare(
            "SELECT entity, entity_id, fields, field_versions, tombstoned_at FROM records
             WHERE team_id = ?1",
        )?;
        let mut rows = stmt.query([&team])?;
        while let Some(r) = rows.next()? {
            let entity: String = r.get(0)?;
            let fields: String = r.get(2)?;
            let versions: String = r.get(3)?;
            records.insert(
                (entity_of(&entity)?, r.get(1)?),
                StoredRecord::from_columns(team.clone(), &fields, &versions, r.get(4)?)?,
            );
        }
    }
    let root = (
        doorstep_sync::protocol::EntityKind::Household,
        request.household_id.clone(),
    );
    let household = records
        .get(&root)
        .ok_or_else(|| Refusal::NotFound("the household of this request".into()))?;
    let list: Vec<(RecordKey, &doorstep_sync::merge::Record)> = records
        .iter()
        .map(|(key, stored)| (key.clone(), &stored.record))
        .collect();
    let plan = crate::privacy::restriction::plan_restriction(
        &request,
        household,
        &list,
        restrict,
        by,
        hub,
        super::log::hub_clock(tx)?,
        now,
    )?;
    tx.execute(
        "DELETE FROM restricted_records WHERE household_id = ?1",
        [&request.household_id],
    )?;
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO restricted_records (entity_id, entity, household_id, request_id)
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
        )?;
        for (entity, entity_id) in &plan.records {
            stmt.execute(params![
                entity_id,
                entity.as_str(),
                request.household_id,
                id
            ])?;
        }
    }
    let (record, change) = &plan.household;
    super::log::write_hub_change(tx, record, change, now)?;
    insert_audit(tx, &[plan.audit])
}

#[async_trait]
impl PrivacyStore for SqlitePrivacy {
    async fn add_request(&self, new: NewRequest, audit: AuditEntry) -> Result<String, StoreError> {
        self.write(move |tx| {
            let household: Option<String> = tx
                .query_row(
                    "SELECT entity_id FROM records WHERE entity = 'household' AND entity_id = ?1
                     AND tombstone = 0",
                    [&new.household_id],
                    |r| r.get(0),
                )
                .optional()?;
            if household.is_none() {
                return Err(Refusal::NotFound(format!("household {:?}", new.household_id)).into());
            }
            if let Some(person) = &new.person_id {
                let fields: Option<String> = tx
                    .query_row(
                        "SELECT fields FROM records WHERE entity = 'person' AND entity_id = ?1
                         AND tombstone = 0",
                        [person],
                        |r| r.get(0),
                    )
                    .optional()?;
                let lives_there = fields.is_some_and(|f| {
                    fields_of(&f).get("household_id").and_then(|v| v.as_str())
                        == Some(new.household_id.as_str())
                });
                if !lives_there {
                    return Err(Refusal::NotFound(format!(
                        "resident {person:?} of that household"
                    ))
                    .into());
                }
            }
            let id = uuid::Uuid::now_v7().to_string();
            tx.execute(
                "INSERT INTO privacy_requests (id, kind, reference, household_id, person_id,
                                               dates, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    id,
                    new.kind.as_str(),
                    new.reference,
                    new.household_id,
                    new.person_id,
                    serde_json::to_string(&new.dates)?,
                    new.created_by,
                    new.created_at
                ],
            )?;
            let mut audit = audit;
            audit.entity_id = Some(id.clone());
            insert_audit(tx, &[audit])?;
            Ok(id)
        })
        .await
    }

    async fn requests(&self) -> Result<Vec<RequestRow>, StoreError> {
        self.run(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {REQUEST_COLUMNS} FROM privacy_requests ORDER BY created_at DESC, id DESC"
            ))?;
            let rows = stmt
                .query_map([], request_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter().map(RequestColumns::into_row).collect()
        })
        .await
    }

    async fn request(&self, id: &str) -> Result<Option<RequestRow>, StoreError> {
        let id = id.to_owned();
        self.run(move |conn| read_request(conn, &id)).await
    }

    async fn save_dates(
        &self,
        id: &str,
        dates: &RequestDates,
        audit: AuditEntry,
    ) -> Result<(), StoreError> {
        let (id, dates) = (id.to_owned(), serde_json::to_string(dates)?);
        self.write(move |tx| {
            let changed = tx.execute(
                "UPDATE privacy_requests SET dates = ?2 WHERE id = ?1 AND decision IS NULL",
                params![id, dates],
            )?;
            if changed == 0 {
                return Err(
                    Refusal::Invalid("This request has already been decided.".into()).into(),
                );
            }
            insert_audit(tx, &[audit])
        })
        .await
    }

    async fn decide(
        &self,
        id: &str,
        decision: &Decision,
        by: &str,
        now: i64,
        audit: AuditEntry,
    ) -> Result<(), StoreError> {
        let (id, decision, by) = (
            id.to_owned(),
            serde_json::to_string(decision)?,
            by.to_owned(),
        );
        self.write(move |tx| {
            let changed = tx.execute(
                "UPDATE privacy_requests SET decision = ?2, decided_by = ?3, decided_at = ?4
                 WHERE id = ?1 AND decision IS NULL",
                params![id, decision, by, now],
            )?;
            if changed == 0 {
                return Err(
                    Refusal::Invalid("This request has already been decided.".into()).into(),
                );
            }
            insert_audit(tx, &[audit])
        })
        .await
    }

    async fn erase(&self, id: &str, by: &str, now: i64) -> Result<Erased, StoreError> {
        let (id, by, hub) = (id.to_owned(), by.to_owned(), self.hub);
        let erased = self.write(move |tx| erase(tx, hub, &id, &by, now)).await?;
        // The erased rows' old pages live on in the write-ahead log until a checkpoint:
        // copy them back (secure_delete has zeroed them) and empty the log.
        self.run(|conn| {
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            Ok(())
        })
        .await?;
        Ok(erased)
    }

    async fn restrict(
        &self,
        id: &str,
        restrict: bool,
        by: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let (id, by, hub) = (id.to_owned(), by.to_owned(), self.hub);
        self.write(move |tx| self::restrict(tx, hub, &id, restrict, &by, now))
            .await
    }

    async fn holds(&self) -> Result<Vec<Hold>, StoreError> {
        self.run(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT household_id, reason, placed_by, placed_at FROM legal_holds
                 ORDER BY placed_at DESC",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(Hold {
                    household_id: r.get(0)?,
                    reason: r.get(1)?,
                    placed_by: r.get(2)?,
                    placed_at: r.get(3)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .await
    }

    async fn place_hold(&self, hold: Hold, audit: AuditEntry) -> Result<(), StoreError> {
        self.write(move |tx| {
            let known: bool = tx
                .prepare_cached(
                    "SELECT 1 FROM records WHERE entity = 'household' AND entity_id = ?1",
                )?
                .exists([&hold.household_id])?;
            if !known {
                return Err(Refusal::NotFound(format!("household {:?}", hold.household_id)).into());
            }
            tx.execute(
                "INSERT INTO legal_holds (household_id, reason, placed_by, placed_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (household_id) DO UPDATE SET reason = excluded.reason,
                     placed_by = excluded.placed_by, placed_at = excluded.placed_at",
                params![
                    hold.household_id,
                    hold.reason,
                    hold.placed_by,
                    hold.placed_at
                ],
            )?;
            insert_audit(tx, &[audit])
        })
        .await
    }

    async fn lift_hold(&self, household_id: &str, audit: AuditEntry) -> Result<(), StoreError> {
        let household_id = household_id.to_owned();
        self.write(move |tx| {
            if tx.execute(
                "DELETE FROM legal_holds WHERE household_id = ?1",
                [&household_id],
            )? == 0
            {
                return Err(Refusal::NotFound("a legal hold on that household".into()).into());
            }
            insert_audit(tx, &[audit])
        })
        .await
    }

    async fn recipients(&self, request_id: &str) -> Result<Vec<Recipient>, StoreError> {
        let request_id = request_id.to_owned();
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT kind, name, what, told_at FROM erasure_recipients WHERE request_id = ?1
                 ORDER BY kind, name",
            )?;
            let rows = stmt.query_map([&request_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?;
            rows.map(|row| {
                let (kind, name, what, told_at) = row?;
                Ok(Recipient {
                    kind: if kind == "agency" { "agency" } else { "firm" },
                    name,
                    what,
                    told_at,
                })
            })
            .collect()
        })
        .await
    }

    async fn mark_told(
        &self,
        request_id: &str,
        kind: &str,
        name: &str,
        by: &str,
        now: i64,
        audit: AuditEntry,
    ) -> Result<(), StoreError> {
        let (request_id, kind, name, by) = (
            request_id.to_owned(),
            kind.to_owned(),
            name.to_owned(),
            by.to_owned(),
        );
        self.write(move |tx| {
            let changed = tx.execute(
                "UPDATE erasure_recipients SET told_at = ?4, told_by = ?5
                 WHERE request_id = ?1 AND kind = ?2 AND name = ?3 AND told_at IS NULL",
                params![request_id, kind, name, now, by],
            )?;
            if changed == 0 {
                return Err(Refusal::NotFound("that recipient, not yet told".into()).into());
            }
            insert_audit(tx, &[audit])
        })
        .await
    }

    async fn subject(
        &self,
        household_id: &str,
        person_id: Option<&str>,
    ) -> Result<Subject, StoreError> {
        let (household_id, person_id) = (household_id.to_owned(), person_id.map(str::to_owned));
        self.run(move |conn| {
            let household: Option<String> = conn
                .query_row(
                    "SELECT fields FROM records WHERE entity = 'household' AND entity_id = ?1
                     AND tombstone = 0",
                    [&household_id],
                    |r| r.get(0),
                )
                .optional()?;
            let mut stmt = conn.prepare_cached(
                "SELECT i.entity_id, r.fields FROM case_index i
                 JOIN records r ON r.entity = i.entity AND r.entity_id = i.entity_id
                 WHERE i.household_id = ?1 AND i.entity = 'person' AND r.tombstone = 0
                 ORDER BY i.entity_id",
            )?;
            let residents = stmt
                .query_map([&household_id], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?
                .into_iter()
                .filter(|(id, _)| person_id.as_ref().is_none_or(|p| p == id))
                .map(|(id, fields)| (id, fields_of(&fields)))
                .collect();
            Ok(subject_of(
                household.as_deref().map(fields_of).as_ref(),
                residents,
            ))
        })
        .await
    }

    async fn survey_photos(
        &self,
        team: &str,
        survey_ids: &[String],
    ) -> Result<Vec<(String, serde_json::Map<String, serde_json::Value>)>, StoreError> {
        let (team, surveys) = (
            team.to_owned(),
            survey_ids.iter().cloned().collect::<HashSet<String>>(),
        );
        if surveys.is_empty() {
            return Ok(Vec::new());
        }
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT entity_id, fields FROM records
                 WHERE entity = 'survey_photo' AND team_id = ?1 AND tombstone = 0
                 ORDER BY entity_id",
            )?;
            let rows = stmt
                .query_map([&team], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(crate::privacy::photos_of(rows, &surveys, fields_of))
        })
        .await
    }

    async fn attachment_bytes(
        &self,
        sha256s: &[String],
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let wanted = sha256s.to_vec();
        self.run(move |conn| {
            let mut stmt =
                conn.prepare_cached("SELECT bytes FROM attachments WHERE sha256 = ?1")?;
            let mut out = Vec::new();
            for sha in wanted {
                if let Some(bytes) = stmt
                    .query_row([&sha], |r| r.get::<_, Vec<u8>>(0))
                    .optional()?
                {
                    out.push((sha, bytes));
                }
            }
            Ok(out)
        })
        .await
    }
}
