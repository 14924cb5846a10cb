//! The console's casework on the embedded backend: the case index kept beside `records`
//! (migration 7), and the searches and lists over it. The SQL is [`crate::casework::sql`]'s,
//! shared with PostgreSQL; this module binds and runs it.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use doorstep_core::search::SearchTerms;
use doorstep_sync::protocol::EntityKind;
use rusqlite::{Connection, OptionalExtension, params_from_iter};

use crate::casework::decide::{DecisionRefusal, PlanRecords, PlannedDecision, plan_decision};
use crate::casework::sql::{self, Dialect, Sql};
use crate::casework::{
    CaseRecord, CaseworkStore, Fields, HouseholdHit, ListPage, ListQuery, ListRow,
    PlanDecisionRequest, Scope, index::INDEX_VERSION, index_statements, written_statements,
};
use crate::model::StoreError;
use crate::push::RecordKey;
use crate::store::StoredRecord;

use super::log::{entity_of, hub_clock, restricted_household, write_hub_change};
use doorstep_core::privacy::restriction::Restricted;

/// Runs statements that change the index.
fn execute(conn: &Connection, statements: &[Sql]) -> Result<(), StoreError> {
    for s in statements {
        conn.prepare_cached(&s.text)?
            .execute(params_from_iter(super::bind_values(&s.params)))?;
    }
    Ok(())
}

/// Brings the case index up to date with records the hub just wrote.
pub(super) fn index<'a>(
    conn: &Connection,
    rows: impl IntoIterator<Item = (&'a RecordKey, &'a StoredRecord)>,
) -> Result<(), StoreError> {
    let statements = written_statements(Dialect::Sqlite, rows);
    execute(conn, &statements)
}

/// Rebuilds the case index from every record when it was built by other rules (or never),
/// in one transaction, so a hub upgraded to a new index never serves a half-built one.
pub(super) fn rebuild_if_stale(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let built: Option<String> = tx
        .query_row(
            "SELECT value FROM hub_settings WHERE name = 'case_index_version'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if built.as_deref() == Some(INDEX_VERSION) {
        return Ok(());
    }
    tx.execute_batch("DELETE FROM case_words; DELETE FROM case_index; DELETE FROM report_facts;")?;
    {
        let mut stmt = tx.prepare(
            "SELECT entity, entity_id, team_id, fields, tombstone FROM records ORDER BY entity",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let entity = entity_of(&r.get::<_, String>(0)?)?;
            let id: String = r.get(1)?;
            let team: String = r.get(2)?;
            let fields: Fields = serde_json::from_str(&r.get::<_, String>(3)?)?;
            let deleted: bool = r.get(4)?;
            if deleted {
                continue;
            }
            let statements = index_statements(
                Dialect::Sqlite,
                [(entity, id.as_str(), team.as_str(), &fields, false)],
            );
            execute(&tx, &statements)?;
        }
    }
    tx.execute(
        "INSERT INTO hub_settings (name, value) VALUES ('case_index_version', ?1)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        [INDEX_VERSION],
    )?;
    tx.commit()?;
    Ok(())
}

/// A plan in scope and what approving it reads, from the connection's current state.
fn plan_records(
    conn: &Connection,
    scope: &Scope,
    plan_id: &str,
) -> Result<Option<PlanRecords>, StoreError> {
    let row = conn
        .prepare_cached(&sql::plan_row(Dialect::Sqlite))?
        .query_row([plan_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })
        .optional()?;
    let Some((team, fields, versions, tombstoned_at, updated_seq, household_id)) = row else {
        return Ok(None);
    };
    if !scope.reads(EntityKind::Plan) || !scope.holds(&team) {
        return Ok(None);
    }
    let plan = StoredRecord::from_columns(team, &fields, &versions, tombstoned_at)?;
    let live = |entity: &str, id: &str| -> Result<Option<Fields>, StoreError> {
        conn.prepare_cached(&sql::live_fields(Dialect::Sqlite))?
            .query_row([entity, id], |r| r.get::<_, String>(0))
            .optional()?
            .map(|f| serde_json::from_str(&f).map_err(StoreError::from))
            .transpose()
    };
    let survey_id = plan
        .record
        .fields
        .get("survey_id")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let survey = live("survey", &survey_id)?;
    let (household, residents) = match household_id {
        Some(h) => {
            let fields = live("household", &h)?;
            let mut stmt = conn.prepare_cached(&sql::residents(Dialect::Sqlite))?;
            let mut rows = stmt.query([&h])?;
            let mut residents = Vec::new();
            while let Some(r) = rows.next()? {
                residents.push((r.get(0)?, fields_at(r, 1)?));
            }
            (fields.map(|f| (h, f)), residents)
        }
        None => (None, Vec::new()),
    };
    Ok(Some(PlanRecords {
        plan_id: plan_id.to_owned(),
        plan,
        updated_seq,
        survey,
        household,
        residents,
    }))
}

/// The casework reads on SQLite, over the sync store's connection.
#[derive(Debug, Clone)]
pub struct SqliteCasework {
    conn: Arc<Mutex<Connection>>,
}

impl SqliteCasework {
    /// Casework over the sync store's connection.
    pub(crate) fn new(conn: Arc<Mutex<Connection>>) -> Self {
        Self { conn }
    }

    async fn query<T, F>(&self, sql: Sql, row: F) -> Result<Vec<T>, StoreError>
    where
        T: Send + 'static,
        F: Fn(&rusqlite::Row<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        super::run_on(&self.conn, move |conn| {
            let mut stmt = conn.prepare_cached(&sql.text)?;
            let mut rows = stmt.query(params_from_iter(super::bind_values(&sql.params)))?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(row(r)?);
            }
            Ok(out)
        })
        .await
    }
}

fn fields_at(r: &rusqlite::Row<'_>, at: usize) -> Result<Fields, StoreError> {
    Ok(serde_json::from_str(&r.get::<_, String>(at)?)?)
}

#[async_trait]
impl CaseworkStore for SqliteCasework {
    async fn search(
        &self,
        scope: &Scope,
        terms: &SearchTerms,
        limit: u32,
    ) -> Result<Vec<HouseholdHit>, StoreError> {
        self.query(sql::search(Dialect::Sqlite, scope, terms, limit), |r| {
            Ok(HouseholdHit {
                id: r.get(0)?,
                team_id: r.get(1)?,
                fields: fields_at(r, 2)?,
            })
        })
        .await
    }

    async fn people(
        &self,
        scope: &Scope,
        query: &doorstep_core::privacy::lookup::PersonQuery,
        limit: u32,
    ) -> Result<Vec<crate::casework::PersonHit>, StoreError> {
        self.query(sql::people(Dialect::Sqlite, scope, query, limit), |r| {
            Ok(crate::casework::PersonHit {
                id: r.get(0)?,
                fields: fields_at(r, 1)?,
                team_id: r.get(2)?,
                household_id: r.get(3)?,
                household: fields_at(r, 4)?,
            })
        })
        .await
    }

    async fn household(
        &self,
        scope: &Scope,
        household_id: &str,
    ) -> Result<Option<Vec<CaseRecord>>, StoreError> {
        let records = self
            .query(sql::household(Dialect::Sqlite, scope, household_id), |r| {
                Ok(CaseRecord {
                    entity: entity_of(&r.get::<_, String>(0)?)?,
                    id: r.get(1)?,
                    team_id: r.get(3)?,
                    fields: fields_at(r, 2)?,
                })
            })
            .await?;
        let found = records
            .iter()
            .any(|r| r.entity == doorstep_sync::protocol::EntityKind::Household);
        Ok(found.then_some(records))
    }

    async fn plan(&self, scope: &Scope, plan_id: &str) -> Result<Option<PlanRecords>, StoreError> {
        let (scope, plan_id) = (scope.clone(), plan_id.to_owned());
        super::run_on(&self.conn, move |conn| plan_records(conn, &scope, &plan_id)).await
    }

    async fn decide_plan(
        &self,
        scope: &Scope,
        request: PlanDecisionRequest,
    ) -> Result<Result<PlannedDecision, DecisionRefusal>, StoreError> {
        let scope = scope.clone();
        super::write_on(&self.conn, move |tx| {
            let Some(records) = plan_records(tx, &scope, &request.plan_id)? else {
                return Ok(Err(DecisionRefusal::NotFound));
            };
            // Judged before the rules, so the supervisor reads why nothing can change.
            if let Some(household) = restricted_household(tx, &request.plan_id)? {
                return Ok(Err(Restricted {
                    household_id: household,
                }
                .into()));
            }
            let planned = match plan_decision(
                &records,
                request.approver,
                request.decision,
                hub_clock(tx)?,
                crate::push::time_of(request.now),
            ) {
                Ok(planned) => planned,
                Err(refusal) => return Ok(Err(refusal)),
            };
            // Judged first, so a step that may never be taken says why, not "changed".
            if records.updated_seq != request.seen_seq {
                return Ok(Err(DecisionRefusal::Stale));
            }
            for (record, change) in &planned.writes {
                write_hub_change(tx, record, change, request.now)?;
            }
            Ok(Ok(planned))
        })
        .await
    }

    async fn list(
        &self,
        scope: &Scope,
        query: &ListQuery,
        limit: u32,
        offset: u32,
    ) -> Result<ListPage, StoreError> {
        let rows = self
            .query(
                sql::list(Dialect::Sqlite, scope, query, limit, offset),
                |r| {
                    let household: Option<String> = r.get(4)?;
                    Ok(ListRow {
                        record: CaseRecord {
                            entity: entity_of(&r.get::<_, String>(0)?)?,
                            id: r.get(1)?,
                            team_id: r.get(8)?,
                            fields: fields_at(r, 2)?,
                        },
                        household_id: r.get(3)?,
                        household: household.map(|h| serde_json::from_str(&h)).transpose()?,
                        since: r.get(5)?,
                        due: r.get(6)?,
                        doors_left: r.get(7)?,
                    })
                },
            )
            .await?;
        let total = self
            .query(sql::list_count(Dialect::Sqlite, scope, query), |r| {
                Ok(r.get::<_, i64>(0)?)
            })
            .await?
            .first()
            .copied()
            .unwrap_or(0);
        Ok(ListPage { rows, total })
    }
}

#[async_trait]
impl crate::reports::ReportStore for SqliteCasework {
    async fn read_facts(
        &self,
        query: Sql,
    ) -> Result<Vec<doorstep_reports::fact::Fact>, StoreError> {
        let rows = self.query(query, |r| Ok(r.get::<_, String>(0)?)).await?;
        Ok(rows
            .iter()
            .filter_map(|json| crate::reports::parse_fact(json))
            .collect())
    }
}
