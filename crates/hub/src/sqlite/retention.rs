//! The retention schedule on the embedded backend (migration 12). Each page of the scan
//! and each batch of disposals takes the connection for one short turn, so pushes go on
//! between them; after a run that removed anything the write-ahead log is truncated, so
//! with `secure_delete` on nothing of the disposed records survives in the file.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::NaiveDate;
use doorstep_core::privacy::data_map::RetentionClass;
use doorstep_core::privacy::retention::Action;
use rusqlite::{OptionalExtension, params};

use super::audit::insert as insert_audit;
use super::log::{append_entries, counter, entity_of, set_counter};
use super::privacy::{SqlitePrivacy, execute};
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
impl RetentionStore for SqlitePrivacy {
    async fn scan(
        &self,
        after: Option<RecordKey>,
        limit: usize,
    ) -> Result<Vec<Scanned>, StoreError> {
        self.run(move |conn| {
            let (entity, id) = after
                .map(|(e, id)| (e.as_str().to_owned(), id))
                .unwrap_or_default();
            let mut stmt = conn.prepare_cached(
                "SELECT entity, entity_id, team_id, fields, field_versions, updated_seq
                 FROM records WHERE tombstone = 0 AND (entity, entity_id) > (?1, ?2)
                 ORDER BY entity, entity_id LIMIT ?3",
            )?;
            let mut rows = stmt.query(params![entity, id, count(limit)])?;
            let mut page = Vec::new();
            while let Some(r) = rows.next()? {
                let kind = entity_of(&r.get::<_, String>(0)?)?;
                let team: String = r.get(2)?;
                let stored = StoredRecord::from_columns(
                    team.clone(),
                    &r.get::<_, String>(3)?,
                    &r.get::<_, String>(4)?,
                    None,
                )?;
                page.push(Scanned {
                    facts: facts_of(kind, &stored),
                    key: (kind, r.get(1)?),
                    team_id: team,
                    seq: r.get(5)?,
                });
            }
            Ok(page)
        })
        .await
    }

    async fn held(&self) -> Result<HashSet<String>, StoreError> {
        self.run(|conn| {
            let mut stmt = conn.prepare_cached("SELECT household_id FROM legal_holds")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .await
    }

    async fn dispose(&self, batch: Vec<Disposal>, now: i64) -> Result<Disposed, StoreError> {
        let hub = self.hub;
        self.write(move |tx| {
            let mut current: HashMap<RecordKey, (i64, StoredRecord)> = HashMap::new();
            {
                let mut stmt = tx.prepare_cached(
                    "SELECT team_id, fields, field_versions, updated_seq FROM records
                     WHERE entity = ?1 AND entity_id = ?2 AND tombstone = 0",
                )?;
                for d in &batch {
                    let row = stmt
                        .query_row(params![d.key.0.as_str(), d.key.1], |r| {
                            Ok((
                                r.get::<_, String>(0)?,
                                r.get::<_, String>(1)?,
                                r.get::<_, String>(2)?,
                                r.get::<_, i64>(3)?,
                            ))
                        })
                        .optional()?;
                    if let Some((team, fields, versions, seq)) = row {
                        current.insert(
                            d.key.clone(),
                            (
                                seq,
                                StoredRecord::from_columns(team, &fields, &versions, None)?,
                            ),
                        );
                    }
                }
            }
            let (rows, changed) = still_as_read(&batch, &current);
            let map = crate::data_map::data_map()
                .ok_or_else(|| StoreError::Backend("the built-in data map does not load".into()))?;
            let plan = plan_batch(&rows, map, hub, counter(tx)?, now)?;
            for ((entity, id), team, fields) in &plan.kept {
                tx.prepare_cached(
                    "INSERT INTO anonymised_records (entity, entity_id, team_id, fields,
                         anonymised_at) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (entity, entity_id) DO UPDATE SET fields = excluded.fields,
                         team_id = excluded.team_id, anonymised_at = excluded.anonymised_at",
                )?
                .execute(params![entity.as_str(), id, team, fields, now])?;
            }
            for (team, erasure) in &plan.teams {
                execute(tx, &delete_statements(Dialect::Sqlite, erasure, team))?;
                execute(
                    tx,
                    &remember_statements(Dialect::Sqlite, erasure, RETENTION_REQUEST, now),
                )?;
                append_entries(tx, &erasure.entries)?;
            }
            // Deleted with the records above; the figures kept are still counted.
            execute(
                tx,
                &crate::reports::sql::kept_statements(Dialect::Sqlite, &plan.kept),
            )?;
            if !plan.teams.is_empty() {
                set_counter(tx, "change_log", plan.counter)?;
            }
            Ok(Disposed {
                records: rows.len(),
                changed,
            })
        })
        .await
    }

    async fn forget_audit_before(&self, before: i64, limit: i64) -> Result<u64, StoreError> {
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO audit_log_cutoff (id, before) VALUES (1, ?1)
                 ON CONFLICT (id) DO UPDATE SET before = excluded.before",
                [before],
            )?;
            let n = tx.execute(
                "DELETE FROM audit_log WHERE id IN
                     (SELECT id FROM audit_log WHERE at < ?1 ORDER BY at LIMIT ?2)",
                params![before, limit],
            )?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
        .await
    }

    async fn start_run(&self, as_of: NaiveDate, by: &str, now: i64) -> Result<String, StoreError> {
        let (id, by) = (uuid::Uuid::now_v7().to_string(), by.to_owned());
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO retention_runs (id, as_of, run_by, started_at) VALUES (?1, ?2, ?3, ?4)",
                params![id, as_of.to_string(), by, now],
            )?;
            Ok(id)
        })
        .await
    }

    async fn finish_run(
        &self,
        id: &str,
        summary: &RunSummary,
        outcome: &str,
        audit: Vec<AuditEntry>,
        now: i64,
    ) -> Result<(), StoreError> {
        let removed = summary_removed(summary);
        let (id, outcome, summary) = (id.to_owned(), outcome.to_owned(), summary.clone());
        self.write(move |tx| {
            tx.execute(
                "UPDATE retention_runs SET finished_at = ?2, outcome = ?3, held_back = ?4,
                     audit_lines = ?5 WHERE id = ?1",
                params![
                    id,
                    now,
                    outcome,
                    count(summary.held_back),
                    i64::try_from(summary.audit_lines).unwrap_or(i64::MAX)
                ],
            )?;
            for ((class, action), n) in &summary.disposed {
                tx.execute(
                    "INSERT INTO retention_disposals (run_id, class, action, records)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![id, class.as_str(), action.as_str(), count(*n)],
                )?;
            }
            insert_audit(tx, &audit)
        })
        .await?;
        if removed {
            self.run(|conn| {
                conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
                Ok(())
            })
            .await?;
        }
        Ok(())
    }

    async fn runs(&self, limit: usize) -> Result<Vec<RunRow>, StoreError> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, as_of, run_by, started_at, finished_at, outcome, held_back, audit_lines
                 FROM retention_runs ORDER BY started_at DESC, id DESC LIMIT ?1",
            )?;
            let rows = stmt.query_map([count(limit)], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, i64>(6)?,
                    r.get::<_, i64>(7)?,
                ))
            })?;
            let mut runs = Vec::new();
            let mut by_class = conn.prepare_cached(
                "SELECT class, action, records FROM retention_disposals WHERE run_id = ?1
                 ORDER BY class, action",
            )?;
            for row in rows {
                let (id, as_of, by, started_at, finished_at, outcome, held_back, audit_lines) =
                    row?;
                let disposed = by_class
                    .query_map([&id], |r| {
                        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?))
                    })?
                    .filter_map(|r| {
                        r.ok().and_then(|(c, a, n)| {
                            Some((RetentionClass::parse(&c)?, Action::parse(&a)?, n))
                        })
                    })
                    .collect();
                runs.push(RunRow {
                    as_of: as_of.parse().map_err(|_| {
                        StoreError::Backend(format!("retention run {id}: day {as_of:?}"))
                    })?,
                    id,
                    by,
                    started_at,
                    finished_at,
                    outcome,
                    held_back,
                    audit_lines,
                    disposed,
                });
            }
            Ok(runs)
        })
        .await
    }

    async fn figures(&self) -> Result<Vec<(String, i64)>, StoreError> {
        self.run(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT entity, count(*) FROM anonymised_records GROUP BY entity ORDER BY entity",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .await
    }
}

/// Whether a run removed anything whose old pages could linger in the write-ahead log.
fn summary_removed(summary: &RunSummary) -> bool {
    summary.total() > 0 || summary.audit_lines > 0
}
