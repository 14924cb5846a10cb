//! The retention schedule on PostgreSQL (migration 12). The scan reads pages outside any
//! write transaction; each batch of disposals is one short transaction that takes the
//! change-log counter row in turn with pushes, so a push waits at most one batch.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::NaiveDate;
use deadpool_postgres::Transaction;
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
use crate::push::{EntryKind, NewEntry, RecordKey};
use crate::sql::Dialect;
use crate::store::StoredRecord;

/// Keeps a batch's removals, not yet numbered, in the disposal's own transaction: if the
/// hub stops before they are numbered, the next batch or run numbers them.
async fn park_removals(tx: &Transaction<'_>, entries: &[NewEntry]) -> Result<(), StoreError> {
    if entries.is_empty() {
        return Ok(());
    }
    let change_id: Vec<&str> = entries.iter().map(|e| e.change_id.as_str()).collect();
    let entity: Vec<&str> = entries.iter().map(|e| e.entity.as_str()).collect();
    let entity_id: Vec<&str> = entries.iter().map(|e| e.entity_id.as_str()).collect();
    let team: Vec<&str> = entries.iter().map(|e| e.team_id.as_str()).collect();
    let body: Vec<&str> = entries.iter().map(|e| e.body.as_str()).collect();
    let device: Vec<&str> = entries.iter().map(|e| e.device_id.as_str()).collect();
    let user: Vec<&str> = entries.iter().map(|e| e.user_id.as_str()).collect();
    let at: Vec<i64> = entries.iter().map(|e| e.at).collect();
    tx.execute(
        "INSERT INTO retention_removals (change_id, entity, entity_id, team_id, body, device_id,
                                         user_id, at)
         SELECT * FROM unnest($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[],
                              $6::TEXT[], $7::TEXT[], $8::BIGINT[])",
        &[
            &change_id, &entity, &entity_id, &team, &body, &device, &user, &at,
        ],
    )
    .await?;
    Ok(())
}

/// Numbers the parked removals into the change log under the counter, in the order they
/// were made (their ids are UUIDv7), so laptops pull them: a short turn on the counter.
async fn number_removals(client: &mut deadpool_postgres::Object) -> Result<(), StoreError> {
    let tx = client.transaction().await?;
    let parked = tx
        .query(
            "SELECT change_id, entity, entity_id, team_id, body, device_id, user_id, at
             FROM retention_removals ORDER BY change_id",
            &[],
        )
        .await?;
    if parked.is_empty() {
        return Ok(());
    }
    let mut counter = lock_counter(&tx).await?;
    let mut entries = Vec::with_capacity(parked.len());
    for r in &parked {
        counter += 1;
        entries.push(NewEntry {
            seq: counter,
            change_id: r.get(0),
            entity: entity_of(r.get(1))?,
            entity_id: r.get(2),
            team_id: r.get(3),
            kind: EntryKind::Remove,
            operation: "remove",
            body: r.get(4),
            device_id: r.get(5),
            user_id: r.get(6),
            at: r.get(7),
        });
    }
    append_entries(&tx, &entries).await?;
    let ids: Vec<&str> = entries.iter().map(|e| e.change_id.as_str()).collect();
    tx.execute(
        "DELETE FROM retention_removals WHERE change_id = ANY($1)",
        &[&ids],
    )
    .await?;
    set_counter(&tx, "change_log", counter).await?;
    tx.commit().await?;
    Ok(())
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[async_trait]
impl RetentionStore for PgPrivacy {
    fn batch_size(&self) -> usize {
        // A batch holds only its own rows (the counter is taken after, briefly), so it can be
        // larger than on SQLite, where it holds the one connection.
        1_000
    }

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
        // First the disposal itself, holding only the batch's own rows: a push to one of them
        // waits for it, pushes to anything else go on. The change-log counter is taken after,
        // briefly, to number the removals ([`number_removals`]): taking it first would make
        // every push wait for the whole batch.
        let tx = client.transaction().await?;
        let mut by_kind: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
        for d in &batch {
            by_kind
                .entry(d.key.0.as_str())
                .or_default()
                .push(d.key.1.as_str());
        }
        let mut current: HashMap<RecordKey, (i64, StoredRecord)> = HashMap::new();
        // One kind at a time, its ids as an array: the primary key finds each row (a join
        // with an unnested list let the planner read the whole table for every batch).
        for (entity, ids) in &by_kind {
            for r in tx
                .query(
                    "SELECT entity, entity_id, team_id, fields, field_versions, updated_seq
                     FROM records
                     WHERE entity = $1 AND entity_id = ANY($2) AND NOT tombstone
                     FOR UPDATE",
                    &[entity, ids],
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
        }
        let (rows, changed) = still_as_read(&batch, &current);
        let map = crate::data_map::data_map()
            .ok_or_else(|| StoreError::Backend("the built-in data map does not load".into()))?;
        let plan = plan_batch(&rows, map, self.hub, 0, now)?;
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
            park_removals(&tx, &erasure.entries).await?;
        }
        // Deleted with the records above; the figures kept are still counted.
        execute(
            &tx,
            &crate::reports::sql::kept_statements(Dialect::Postgres, &plan.kept),
        )
        .await?;
        tx.commit().await?;
        number_removals(&mut client).await?;
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
