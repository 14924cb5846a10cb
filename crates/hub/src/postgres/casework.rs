//! The console's casework on PostgreSQL: the case index kept beside `records` (migration 7),
//! and the searches and lists over it. The SQL is [`crate::casework::sql`]'s, shared with
//! SQLite; this module binds and runs it.

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Pool};
use doorstep_core::search::SearchTerms;
use doorstep_sync::protocol::EntityKind;
use tokio_postgres::Row;

use crate::casework::decide::{DecisionRefusal, PlanRecords, PlannedDecision, plan_decision};
use crate::casework::sql::{self, Dialect, Sql};
use crate::casework::{
    CaseRecord, CaseworkStore, Fields, HouseholdHit, ListPage, ListQuery, ListRow,
    PlanDecisionRequest, Scope, index::INDEX_VERSION, index_statements, written_statements,
};
use crate::model::StoreError;
use crate::push::RecordKey;
use crate::store::StoredRecord;

use super::log::{entity_of, hub_clock, lock_counter, restricted_household, write_hub_change};
use doorstep_core::privacy::restriction::Restricted;

/// Records read per round while rebuilding the index.
const REBUILD_BATCH: i64 = 2_000;

/// Runs statements that change the index.
async fn execute<C: GenericClient>(client: &C, statements: &[Sql]) -> Result<(), StoreError> {
    for s in statements {
        let stmt = client.prepare_cached(&s.text).await?;
        client.execute(&stmt, &super::bind_refs(&s.params)).await?;
    }
    Ok(())
}

/// Brings the case index up to date with records the hub just wrote.
pub(super) async fn index<'a, C: GenericClient>(
    client: &C,
    rows: impl IntoIterator<Item = (&'a RecordKey, &'a StoredRecord)>,
) -> Result<(), StoreError> {
    let statements = written_statements(Dialect::Postgres, rows);
    execute(client, &statements).await
}

/// Rebuilds the case index from every record when it was built by other rules (or never),
/// in one transaction under the migration lock's turn, a batch of records at a time.
pub(super) async fn rebuild_if_stale(pool: &Pool) -> Result<(), StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    tx.execute("LOCK TABLE case_index IN EXCLUSIVE MODE", &[])
        .await?;
    let built: Option<String> = tx
        .query_opt(
            "SELECT value FROM hub_settings WHERE name = 'case_index_version'",
            &[],
        )
        .await?
        .map(|r| r.get(0));
    if built.as_deref() == Some(INDEX_VERSION) {
        return Ok(());
    }
    tx.batch_execute("DELETE FROM case_words; DELETE FROM case_index; DELETE FROM report_facts;")
        .await?;
    let (mut entity, mut id) = (String::new(), String::new());
    loop {
        let rows = tx
            .query(
                "SELECT entity, entity_id, team_id, fields FROM records
                 WHERE (entity, entity_id) > ($1, $2) AND NOT tombstone
                 ORDER BY entity, entity_id LIMIT $3",
                &[&entity, &id, &REBUILD_BATCH],
            )
            .await?;
        let Some(last) = rows.last() else { break };
        (entity, id) = (last.get(0), last.get(1));
        for r in &rows {
            let kind = entity_of(r.get(0))?;
            let fields: Fields = serde_json::from_str(r.get(3))?;
            let statements = index_statements(
                Dialect::Postgres,
                [(
                    kind,
                    r.get::<_, &str>(1),
                    r.get::<_, &str>(2),
                    &fields,
                    false,
                )],
            );
            execute(&tx, &statements).await?;
        }
    }
    tx.execute(
        "INSERT INTO hub_settings (name, value) VALUES ('case_index_version', $1)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        &[&INDEX_VERSION],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A plan in scope and what approving it reads, as `client` sees the database now.
async fn plan_records<C: GenericClient>(
    client: &C,
    scope: &Scope,
    plan_id: &str,
) -> Result<Option<PlanRecords>, StoreError> {
    let Some(row) = client
        .query_opt(&sql::plan_row(Dialect::Postgres), &[&plan_id])
        .await?
    else {
        return Ok(None);
    };
    let team: String = row.get(0);
    if !scope.reads(EntityKind::Plan) || !scope.holds(&team) {
        return Ok(None);
    }
    let plan = StoredRecord::from_columns(team, row.get(1), row.get(2), row.get(3))?;
    let updated_seq: i64 = row.get(4);
    let household_id: Option<String> = row.get(5);
    let live_sql = sql::live_fields(Dialect::Postgres);
    let survey_id = plan
        .record
        .fields
        .get("survey_id")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let survey = match client
        .query_opt(&live_sql, &[&"survey", &survey_id])
        .await?
    {
        Some(r) => Some(fields_at(&r, 0)?),
        None => None,
    };
    let (household, residents) = match household_id {
        Some(h) => {
            let fields = match client.query_opt(&live_sql, &[&"household", &h]).await? {
                Some(r) => Some(fields_at(&r, 0)?),
                None => None,
            };
            let residents = client
                .query(&sql::residents(Dialect::Postgres), &[&h])
                .await?
                .iter()
                .map(|r| Ok((r.get(0), fields_at(r, 1)?)))
                .collect::<Result<Vec<_>, StoreError>>()?;
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

/// The casework reads on PostgreSQL, over the sync store's pool.
#[derive(Clone)]
pub struct PgCasework {
    pool: Pool,
}

impl std::fmt::Debug for PgCasework {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgCasework").finish_non_exhaustive()
    }
}

impl PgCasework {
    /// Casework over the sync store's pool.
    pub(crate) fn new(pool: Pool) -> Self {
        Self { pool }
    }

    async fn query(&self, sql: Sql) -> Result<Vec<Row>, StoreError> {
        let client = self.pool.get().await?;
        let stmt = client.prepare_cached(&sql.text).await?;
        Ok(client.query(&stmt, &super::bind_refs(&sql.params)).await?)
    }
}

fn fields_at(r: &Row, at: usize) -> Result<Fields, StoreError> {
    Ok(serde_json::from_str(r.get(at))?)
}

/// A record from its columns: entity, id and fields first, its team at `team`.
fn record_at(r: &Row, team: usize) -> Result<CaseRecord, StoreError> {
    Ok(CaseRecord {
        entity: entity_of(r.get(0))?,
        id: r.get(1),
        team_id: r.get(team),
        fields: fields_at(r, 2)?,
    })
}

#[async_trait]
impl CaseworkStore for PgCasework {
    async fn search(
        &self,
        scope: &Scope,
        terms: &SearchTerms,
        limit: u32,
    ) -> Result<Vec<HouseholdHit>, StoreError> {
        self.query(sql::search(Dialect::Postgres, scope, terms, limit))
            .await?
            .iter()
            .map(|r| {
                Ok(HouseholdHit {
                    id: r.get(0),
                    team_id: r.get(1),
                    fields: fields_at(r, 2)?,
                })
            })
            .collect()
    }

    async fn people(
        &self,
        scope: &Scope,
        query: &doorstep_core::privacy::lookup::PersonQuery,
        limit: u32,
    ) -> Result<Vec<crate::casework::PersonHit>, StoreError> {
        self.query(sql::people(Dialect::Postgres, scope, query, limit))
            .await?
            .iter()
            .map(|r| {
                Ok(crate::casework::PersonHit {
                    id: r.get(0),
                    fields: fields_at(r, 1)?,
                    team_id: r.get(2),
                    household_id: r.get(3),
                    household: fields_at(r, 4)?,
                })
            })
            .collect()
    }

    async fn household(
        &self,
        scope: &Scope,
        household_id: &str,
    ) -> Result<Option<Vec<CaseRecord>>, StoreError> {
        let records = self
            .query(sql::household(Dialect::Postgres, scope, household_id))
            .await?
            .iter()
            .map(|r| record_at(r, 3))
            .collect::<Result<Vec<_>, _>>()?;
        let found = records.iter().any(|r| r.entity == EntityKind::Household);
        Ok(found.then_some(records))
    }

    async fn plan(&self, scope: &Scope, plan_id: &str) -> Result<Option<PlanRecords>, StoreError> {
        let client = self.pool.get().await?;
        plan_records(&client, scope, plan_id).await
    }

    async fn decide_plan(
        &self,
        scope: &Scope,
        request: PlanDecisionRequest,
    ) -> Result<Result<PlannedDecision, DecisionRefusal>, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // Take turns with pushes on the counter row, as a push does first thing.
        lock_counter(&tx).await?;
        let Some(records) = plan_records(&tx, scope, &request.plan_id).await? else {
            return Ok(Err(DecisionRefusal::NotFound));
        };
        // Judged before the rules, so the supervisor reads why nothing can change.
        if let Some(household) = restricted_household(&tx, &request.plan_id).await? {
            return Ok(Err(Restricted {
                household_id: household,
            }
            .into()));
        }
        let planned = match plan_decision(
            &records,
            request.approver,
            request.decision,
            hub_clock(&tx).await?,
            crate::push::time_of(request.now),
        ) {
            Ok(planned) => planned,
            Err(refusal) => return Ok(Err(refusal)),
        };
        // Judged first, so a step that may never be taken says why rather than "changed".
        if records.updated_seq != request.seen_seq {
            return Ok(Err(DecisionRefusal::Stale));
        }
        for (record, change) in &planned.writes {
            write_hub_change(&tx, record, change, request.now).await?;
        }
        tx.commit().await?;
        Ok(Ok(planned))
    }

    async fn list(
        &self,
        scope: &Scope,
        query: &ListQuery,
        limit: u32,
        offset: u32,
    ) -> Result<ListPage, StoreError> {
        let rows = self
            .query(sql::list(Dialect::Postgres, scope, query, limit, offset))
            .await?
            .iter()
            .map(|r| {
                let household: Option<&str> = r.get(4);
                Ok(ListRow {
                    record: record_at(r, 8)?,
                    household_id: r.get(3),
                    household: household.map(serde_json::from_str).transpose()?,
                    since: r.get(5),
                    due: r.get(6),
                    doors_left: r.get(7),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let total = self
            .query(sql::list_count(Dialect::Postgres, scope, query))
            .await?
            .first()
            .map_or(0, |r| r.get(0));
        Ok(ListPage { rows, total })
    }
}

#[async_trait]
impl crate::reports::ReportStore for PgCasework {
    async fn read_facts(
        &self,
        query: Sql,
    ) -> Result<Vec<doorstep_reports::fact::Fact>, StoreError> {
        Ok(self
            .query(query)
            .await?
            .iter()
            .filter_map(|r| crate::reports::parse_fact(r.get(0)))
            .collect())
    }
}
