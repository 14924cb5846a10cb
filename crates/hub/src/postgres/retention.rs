//! The retention schedule on PostgreSQL (migration 12). The scan reads pages outside any
//! write transaction; each batch of disposals is one short transaction that takes the
//! change-log counter row in turn with pushes, so a push waits at most one batch.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::NaiveDate;
use doorstep_core::privacy::data_map::RetentionClass;
use doorstep_core::privacy::retention::Action;

use super::audit::insert as insert_audit;
use super::log::{append_entries, entity_of, lock_counter, set_counter};
use super::privacy::{PgPrivacy, execute};
use crate::model::{AuditEntry, StoreError};
use crate::privacy::erasure::{delete_statements, remember_statements};
use crate::privacy::retention::{
    Disposal, Disposed, RETENTION_REQUEST, RetentionStore, RunRow, RunSummary, Scanned, facts_of,
    plan_batch, still_as_read,
};
use crate::push::RecordKey;
use crate::sql::Dialect;
use crate::store::StoredRecord;

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[async_trait]
impl RetentionStore for PgPrivacy {
    async fn scan(
        &self,
        after: Option<RecordKey>,
        limit: usize,
    ) -> Result<Vec<Scanned>, StoreError> {
        let client = self.pool.get().await?;
        let (entity, id) = after
            .map(|(e, id)| (e.as_str().to_owned(), id))
            .unwrap_or_default();
        let rows = client
            .query(
                "SELECT entity, entity_id, team_id, fields, field_versions, updated_seq
                 FROM records WHERE NOT tombstone AND (entity, entity_id) > ($1, $2)
                 ORDER BY entity, entity_id LIMIT $3",
                &[&entity, &id, &count(limit)],
            )
            .await?;
        let mut page = Vec::with_capacity(rows.len());
        for r in rows {
            let kind = entity_of(r.get(0))?;
            let team: String = r.get(2);
            let stored = StoredRecord::from_columns(team.clone(), r.get(3), r.get(4), None)?;
            page.push(Scanned {
                facts: facts_of(kind, &stored),
                key: (kind, r.get(1)),
                team_id: team,
                seq: r.get(5),
            });
        }
        Ok(page)
    }

    async fn held(&self) -> Result<HashSet<String>, StoreError> {
        let client = self.pool.get().await?;
        Ok(client
            .query("SELECT household_id FROM legal_holds", &[])
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    async fn dispose(&self, batch: Vec<Disposal>, now: i64) -> Result<Disposed, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // Pushes take turns on the counter row: none merges into a record being disposed of.
        let counter = lock_counter(&tx).await?;
        let kinds: Vec<&str> = batch.iter().map(|d| d.key.0.as_str()).collect();
        let ids: Vec<&str> = batch.iter().map(|d| d.key.1.as_str()).collect();
        let mut current: HashMap<RecordKey, (i64, StoredRecord)> = HashMap::new();
        // By kind and id together, so the primary key finds each row.
        for r in tx
            .query(
                "SELECT r.entity, r.entity_id, r.team_id, r.fields, r.field_versions,
                        r.updated_seq
                 FROM unnest($1::text[], $2::text[]) AS k (entity, entity_id)
                 JOIN records r ON r.entity = k.entity AND r.entity_id = k.entity_id
                 WHERE NOT r.tombstone",
                &[&kinds, &ids],
            )
            .await?
        {
            current.insert(
                (entity_of(r.get(0))?, r.get(1)),
                (
                    r.get(5),
                    StoredRecord::from_columns(r.get(2), r.get(3), r.get(4), None)?,
                ),
            );
        }
        let (rows, changed) = still_as_read(&batch, &current);
        let map = crate::data_map::data_map()
            .ok_or_else(|| StoreError::Backend("the built-in data map does not load".into()))?;
        let plan = plan_batch(&rows, map, self.hub, counter, now)?;
        if !plan.kept.is_empty() {
            let entity: Vec<&str> = plan.kept.iter().map(|(k, _, _)| k.0.as_str()).collect();
            let id: Vec<&str> = plan.kept.iter().map(|(k, _, _)| k.1.as_str()).collect();
            let team: Vec<&str> = plan.kept.iter().map(|(_, t, _)| t.as_str()).collect();
            let fields: Vec<&str> = plan.kept.iter().map(|(_, _, f)| f.as_str()).collect();
            tx.execute(
                "INSERT INTO anonymised_records (entity, entity_id, team_id, fields, anonymised_at)
                 SELECT e, i, t, f, $5 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
                     AS k (e, i, t, f)
                 ON CONFLICT (entity, entity_id) DO UPDATE SET fields = excluded.fields,
                     team_id = excluded.team_id, anonymised_at = excluded.anonymised_at",
                &[&entity, &id, &team, &fields, &now],
            )
            .await?;
        }
        for (team, erasure) in &plan.teams {
            execute(&tx, &delete_statements(Dialect::Postgres, erasure, team)).await?;
            execute(
                &tx,
                &remember_statements(Dialect::Postgres, erasure, RETENTION_REQUEST, now),
            )
            .await?;
            append_entries(&tx, &erasure.entries).await?;
        }
        if !plan.teams.is_empty() {
            set_counter(&tx, "change_log", plan.counter).await?;
        }
        tx.commit().await?;
        Ok(Disposed {
            records: rows.len(),
            changed,
        })
    }

    async fn forget_audit_before(&self, before: i64, limit: i64) -> Result<u64, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        tx.execute(
            "INSERT INTO audit_log_cutoff (id, before) VALUES (1, $1)
             ON CONFLICT (id) DO UPDATE SET before = excluded.before",
            &[&before],
        )
        .await?;
        let n = tx
            .execute(
                "DELETE FROM audit_log WHERE id IN
                     (SELECT id FROM audit_log WHERE at < $1 ORDER BY at LIMIT $2)",
                &[&before, &limit],
            )
            .await?;
        tx.commit().await?;
        Ok(n)
    }

    async fn start_run(&self, as_of: NaiveDate, by: &str, now: i64) -> Result<String, StoreError> {
        let id = uuid::Uuid::now_v7().to_string();
        let client = self.pool.get().await?;
        client
            .execute(
                "INSERT INTO retention_runs (id, as_of, run_by, started_at) VALUES ($1, $2, $3, $4)",
                &[&id, &as_of.to_string(), &by, &now],
            )
            .await?;
        Ok(id)
    }

    async fn finish_run(
        &self,
        id: &str,
        summary: &RunSummary,
        outcome: &str,
        audit: Vec<AuditEntry>,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        tx.execute(
            "UPDATE retention_runs SET finished_at = $2, outcome = $3, held_back = $4,
                 audit_lines = $5 WHERE id = $1",
            &[
                &id,
                &now,
                &outcome,
                &count(summary.held_back),
                &i64::try_from(summary.audit_lines).unwrap_or(i64::MAX),
            ],
        )
        .await?;
        for ((class, action), n) in &summary.disposed {
            tx.execute(
                "INSERT INTO retention_disposals (run_id, class, action, records)
                 VALUES ($1, $2, $3, $4)",
                &[&id, &class.as_str(), &action.as_str(), &count(*n)],
            )
            .await?;
        }
        insert_audit(&tx, &audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn runs(&self, limit: usize) -> Result<Vec<RunRow>, StoreError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT id, as_of, run_by, started_at, finished_at, outcome, held_back, audit_lines
                 FROM retention_runs ORDER BY started_at DESC, id DESC LIMIT $1",
                &[&count(limit)],
            )
            .await?;
        let mut runs = Vec::with_capacity(rows.len());
        for r in rows {
            let id: String = r.get(0);
            let as_of: String = r.get(1);
            let disposed = client
                .query(
                    "SELECT class, action, records FROM retention_disposals WHERE run_id = $1
                     ORDER BY class, action",
                    &[&id],
                )
                .await?
                .iter()
                .filter_map(|d| {
                    Some((
                        RetentionClass::parse(d.get(0))?,
                        Action::parse(d.get(1))?,
                        d.get(2),
                    ))
                })
                .collect();
            runs.push(RunRow {
                as_of: as_of.parse().map_err(|_| {
                    StoreError::Backend(format!("retention run {id}: day {as_of:?}"))
                })?,
                id,
                by: r.get(2),
                started_at: r.get(3),
                finished_at: r.get(4),
                outcome: r.get(5),
                held_back: r.get(6),
                audit_lines: r.get(7),
                disposed,
            });
        }
        Ok(runs)
    }

    async fn figures(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let client = self.pool.get().await?;
        Ok(client
            .query(
                "SELECT entity, count(*) FROM anonymised_records GROUP BY entity ORDER BY entity",
                &[],
            )
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }
}
