//! The data protection officer's register and erasure on PostgreSQL (migration 9). Erasure
//! is planned by [`crate::privacy::erasure`] and runs in one transaction that takes the
//! change-log counter's lock, so no push interleaves with it. Dead rows stay in the tables'
//! files until vacuum reclaims them: see docs/privacy.md.

use std::collections::HashMap;

use async_trait::async_trait;
use deadpool_postgres::{Pool, Transaction};
use doorstep_core::privacy::request::{Decision, RequestDates};
use tokio_postgres::Row;

use super::audit::insert as insert_audit;
use super::log::{append_entries, entity_of, lock_counter, set_counter};
use crate::model::{AuditEntry, Refusal, StoreError};
use crate::privacy::erasure::{Statement, delete_statements, plan_erasure, remember_statements};
use crate::privacy::{
    Erased, Hold, NewRequest, PrivacyStore, REQUEST_COLUMNS, Recipient, RequestColumns, RequestRow,
    Subject, subject_of,
};
use crate::push::RecordKey;
use crate::sql::Dialect;
use crate::store::StoredRecord;

/// The register on PostgreSQL.
#[derive(Clone)]
pub struct PgPrivacy {
    pub(super) pool: Pool,
    pub(super) hub: crate::conflicts::HubIdentity,
}

impl std::fmt::Debug for PgPrivacy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgPrivacy").finish_non_exhaustive()
    }
}

impl PgPrivacy {
    /// The register over the hub's pool.
    pub(crate) fn new(pool: Pool, hub: crate::conflicts::HubIdentity) -> Self {
        Self { pool, hub }
    }
}

fn request_row(r: &Row) -> Result<RequestRow, StoreError> {
    RequestColumns {
        id: r.get(0),
        kind: r.get(1),
        reference: r.get(2),
        household_id: r.get(3),
        person_id: r.get(4),
        dates: r.get(5),
        decision: r.get(6),
        decided_by: r.get(7),
        decided_at: r.get(8),
        erased: r.get(9),
        created_at: r.get(10),
    }
    .into_row()
}

fn fields_of(text: &str) -> serde_json::Map<String, serde_json::Value> {
    serde_json::from_str(text).unwrap_or_default()
}

pub(super) async fn execute(
    tx: &Transaction<'_>,
    statements: &[Statement],
) -> Result<(), StoreError> {
    for s in statements {
        let stmt = tx.prepare_cached(&s.text).await?;
        tx.execute(&stmt, &super::bind_refs(&s.params)).await?;
    }
    Ok(())
}

async fn read_request<C: deadpool_postgres::GenericClient>(
    client: &C,
    id: &str,
) -> Result<Option<RequestRow>, StoreError> {
    client
        .query_opt(
            &format!("SELECT {REQUEST_COLUMNS} FROM privacy_requests WHERE id = $1"),
            &[&id],
        )
        .await?
        .as_ref()
        .map(request_row)
        .transpose()
}

/// Runs one statement in a transaction with the audit lines; `not_found` when it changed
/// no row.
async fn update_audited(
    pool: &Pool,
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    refusal: Refusal,
    audit: AuditEntry,
) -> Result<(), StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    if tx.execute(sql, params).await? == 0 {
        return Err(refusal.into());
    }
    insert_audit(&tx, &[audit]).await?;
    tx.commit().await?;
    Ok(())
}

/// Restricts or lifts the household of request `id` ([`crate::privacy::restriction`]).
async fn restrict(
    tx: &Transaction<'_>,
    hub: crate::conflicts::HubIdentity,
    id: &str,
    restrict: bool,
    by: &str,
    now: i64,
) -> Result<(), StoreError> {
    // Pushes take turns on the counter row: none merges into the household meanwhile.
    lock_counter(tx).await?;
    let request = read_request(tx, id)
        .await?
        .ok_or_else(|| Refusal::NotFound(format!("request {id:?}")))?;
    let team: String = tx
        .query_opt(
            "SELECT team_id FROM records WHERE entity = 'household' AND entity_id = $1",
            &[&request.household_id],
        )
        .await?
        .map(|r| r.get(0))
        .ok_or_else(|| Refusal::NotFound("the household of this request".into()))?;
    let mut records: HashMap<RecordKey, StoredRecord> = HashMap::new();
    for r in tx
        .query(
            "SELECT entity, entity_id, fields, field_versions, tombstoned_at FROM records
             WHERE team_id = $1",
            &[&team],
        )
        .await?
    {
        records.insert(
            (entity_of(r.get(0))?, r.get(1)),
            StoredRecord::from_columns(team.clone(), r.get(2), r.get(3), r.get(4))?,
        );
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
        super::log::hub_clock(tx).await?,
        now,
    )?;
    tx.execute(
        "DELETE FROM restricted_records WHERE household_id = $1",
        &[&request.household_id],
    )
    .await?;
    for (entity, entity_id) in &plan.records {
        tx.execute(
            "INSERT INTO restricted_records (entity_id, entity, household_id, request_id)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            &[entity_id, &entity.as_str(), &request.household_id, &id],
        )
        .await?;
    }
    let (record, change) = &plan.household;
    super::log::write_hub_change(tx, record, change, now).await?;
    insert_audit(tx, &[plan.audit]).await
}

#[async_trait]
impl PrivacyStore for PgPrivacy {
    async fn add_request(&self, new: NewRequest, audit: AuditEntry) -> Result<String, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let household = tx
            .query_opt(
                "SELECT 1 FROM records WHERE entity = 'household' AND entity_id = $1
                 AND NOT tombstone",
                &[&new.household_id],
            )
            .await?;
        if household.is_none() {
            return Err(Refusal::NotFound(format!("household {:?}", new.household_id)).into());
        }
        if let Some(person) = &new.person_id {
            let fields: Option<String> = tx
                .query_opt(
                    "SELECT fields FROM records WHERE entity = 'person' AND entity_id = $1
                     AND NOT tombstone",
                    &[person],
                )
                .await?
                .map(|r| r.get(0));
            let lives_there = fields.is_some_and(|f| {
                fields_of(&f).get("household_id").and_then(|v| v.as_str())
                    == Some(new.household_id.as_str())
            });
            if !lives_there {
                return Err(
                    Refusal::NotFound(format!("resident {person:?} of that household")).into(),
                );
            }
        }
        let id = uuid::Uuid::now_v7().to_string();
        tx.execute(
            "INSERT INTO privacy_requests (id, kind, reference, household_id, person_id, dates,
                                           created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &id,
                &new.kind.as_str(),
                &new.reference,
                &new.household_id,
                &new.person_id,
                &serde_json::to_string(&new.dates)?,
                &new.created_by,
                &new.created_at,
            ],
        )
        .await?;
        let mut audit = audit;
        audit.entity_id = Some(id.clone());
        insert_audit(&tx, &[audit]).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn requests(&self) -> Result<Vec<RequestRow>, StoreError> {
        let client = self.pool.get().await?;
        client
            .query(
                &format!(
                    "SELECT {REQUEST_COLUMNS} FROM privacy_requests ORDER BY created_at DESC, id DESC"
                ),
                &[],
            )
            .await?
            .iter()
            .map(request_row)
            .collect()
    }

    async fn request(&self, id: &str) -> Result<Option<RequestRow>, StoreError> {
        let client = self.pool.get().await?;
        read_request(&client, id).await
    }

    async fn save_dates(
        &self,
        id: &str,
        dates: &RequestDates,
        audit: AuditEntry,
    ) -> Result<(), StoreError> {
        update_audited(
            &self.pool,
            "UPDATE privacy_requests SET dates = $2 WHERE id = $1 AND decision IS NULL",
            &[&id, &serde_json::to_string(dates)?],
            Refusal::Invalid("This request has already been decided.".into()),
            audit,
        )
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
        update_audited(
            &self.pool,
            "UPDATE privacy_requests SET decision = $2, decided_by = $3, decided_at = $4
             WHERE id = $1 AND decision IS NULL",
            &[&id, &serde_json::to_string(decision)?, &by, &now],
            Refusal::Invalid("This request has already been decided.".into()),
            audit,
        )
        .await
    }

    async fn erase(&self, id: &str, by: &str, now: i64) -> Result<Erased, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // Pushes take turns on the counter row: none merges into a record being erased.
        let counter = lock_counter(&tx).await?;
        let request = read_request(&tx, id)
            .await?
            .ok_or_else(|| Refusal::NotFound(format!("request {id:?}")))?;
        let hold: Option<String> = tx
            .query_opt(
                "SELECT reason FROM legal_holds WHERE household_id = $1",
                &[&request.household_id],
            )
            .await?
            .map(|r| r.get(0));
        let root = crate::privacy::erasure::erasure_root(&request, hold.as_deref())?;
        let team: String = tx
            .query_opt(
                "SELECT team_id FROM records WHERE entity = $1 AND entity_id = $2",
                &[&root.0.as_str(), &root.1],
            )
            .await?
            .map(|r| r.get(0))
            .ok_or_else(|| Refusal::NotFound("the records of this request".into()))?;
        let mut records: HashMap<RecordKey, StoredRecord> = HashMap::new();
        for r in tx
            .query(
                "SELECT entity, entity_id, fields, field_versions, tombstoned_at FROM records
                 WHERE team_id = $1",
                &[&team],
            )
            .await?
        {
            records.insert(
                (entity_of(r.get(0))?, r.get(1)),
                StoredRecord::from_columns(team.clone(), r.get(2), r.get(3), r.get(4))?,
            );
        }
        let plan = plan_erasure(
            &root,
            &records,
            &team,
            id,
            by,
            self.hub,
            counter,
            now,
            crate::referrals::agency_name,
        )?;
        execute(&tx, &delete_statements(Dialect::Postgres, &plan, &team)).await?;
        execute(&tx, &remember_statements(Dialect::Postgres, &plan, id, now)).await?;
        append_entries(&tx, &plan.entries).await?;
        set_counter(&tx, "change_log", plan.counter).await?;
        for r in &plan.recipients {
            tx.execute(
                "INSERT INTO erasure_recipients (request_id, kind, name, what)
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                &[&id, &r.kind, &r.name, &r.what],
            )
            .await?;
        }
        let left: i64 = tx
            .query_one(
                "SELECT count(*) FROM attachments WHERE sha256 = ANY($1)",
                &[&plan.attachments],
            )
            .await?
            .get(0);
        let erased = plan.keys.len();
        let count = i64::try_from(erased).unwrap_or(i64::MAX);
        tx.execute(
            "UPDATE privacy_requests SET decision = $2, decided_by = $3, decided_at = $4,
                 erased = $5
             WHERE id = $1",
            &[
                &id,
                &serde_json::to_string(&Decision::Granted)?,
                &by,
                &now,
                &count,
            ],
        )
        .await?;
        let mut audit = plan.audit.clone();
        audit.push(crate::privacy::erasure::erasure_audit(id, by, now, erased));
        insert_audit(&tx, &audit).await?;
        tx.commit().await?;
        Ok(Erased {
            records: erased,
            attachments: plan
                .attachments
                .len()
                .saturating_sub(usize::try_from(left).unwrap_or(0)),
            recipients: plan.recipients,
        })
    }

    async fn restrict(
        &self,
        id: &str,
        restrict: bool,
        by: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        self::restrict(&tx, self.hub, id, restrict, by, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn holds(&self) -> Result<Vec<Hold>, StoreError> {
        let client = self.pool.get().await?;
        Ok(client
            .query(
                "SELECT household_id, reason, placed_by, placed_at FROM legal_holds
                 ORDER BY placed_at DESC",
                &[],
            )
            .await?
            .iter()
            .map(|r| Hold {
                household_id: r.get(0),
                reason: r.get(1),
                placed_by: r.get(2),
                placed_at: r.get(3),
            })
            .collect())
    }

    async fn place_hold(&self, hold: Hold, audit: AuditEntry) -> Result<(), StoreError> {
        update_audited(
            &self.pool,
            "INSERT INTO legal_holds (household_id, reason, placed_by, placed_at)
             SELECT $1, $2, $3, $4 WHERE EXISTS
                 (SELECT 1 FROM records WHERE entity = 'household' AND entity_id = $1)
             ON CONFLICT (household_id) DO UPDATE SET reason = excluded.reason,
                 placed_by = excluded.placed_by, placed_at = excluded.placed_at",
            &[
                &hold.household_id,
                &hold.reason,
                &hold.placed_by,
                &hold.placed_at,
            ],
            Refusal::NotFound(format!("household {:?}", hold.household_id)),
            audit,
        )
        .await
    }

    async fn lift_hold(&self, household_id: &str, audit: AuditEntry) -> Result<(), StoreError> {
        update_audited(
            &self.pool,
            "DELETE FROM legal_holds WHERE household_id = $1",
            &[&household_id],
            Refusal::NotFound("a legal hold on that household".into()),
            audit,
        )
        .await
    }

    async fn recipients(&self, request_id: &str) -> Result<Vec<Recipient>, StoreError> {
        let client = self.pool.get().await?;
        Ok(client
            .query(
                "SELECT kind, name, what, told_at FROM erasure_recipients WHERE request_id = $1
                 ORDER BY kind, name",
                &[&request_id],
            )
            .await?
            .iter()
            .map(|r| Recipient {
                kind: if r.get::<_, &str>(0) == "agency" {
                    "agency"
                } else {
                    "firm"
                },
                name: r.get(1),
                what: r.get(2),
                told_at: r.get(3),
            })
            .collect())
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
        update_audited(
            &self.pool,
            "UPDATE erasure_recipients SET told_at = $4, told_by = $5
             WHERE request_id = $1 AND kind = $2 AND name = $3 AND told_at IS NULL",
            &[&request_id, &kind, &name, &now, &by],
            Refusal::NotFound("that recipient, not yet told".into()),
            audit,
        )
        .await
    }

    async fn subject(
        &self,
        household_id: &str,
        person_id: Option<&str>,
    ) -> Result<Subject, StoreError> {
        let client = self.pool.get().await?;
        let household: Option<String> = client
            .query_opt(
                "SELECT fields FROM records WHERE entity = 'household' AND entity_id = $1
                 AND NOT tombstone",
                &[&household_id],
            )
            .await?
            .map(|r| r.get(0));
        let residents = client
            .query(
                "SELECT i.entity_id, r.fields FROM case_index i
                 JOIN records r ON r.entity = i.entity AND r.entity_id = i.entity_id
                 WHERE i.household_id = $1 AND i.entity = 'person' AND NOT r.tombstone
                 ORDER BY i.entity_id",
                &[&household_id],
            )
            .await?
            .iter()
            .map(|r| (r.get::<_, String>(0), r.get::<_, String>(1)))
            .filter(|(id, _)| person_id.is_none_or(|p| p == id))
            .map(|(id, fields)| (id, fields_of(&fields)))
            .collect();
        Ok(subject_of(
            household.as_deref().map(fields_of).as_ref(),
            residents,
        ))
    }
    async fn survey_photos(
        &self,
        team: &str,
        survey_ids: &[String],
    ) -> Result<Vec<(String, serde_json::Map<String, serde_json::Value>)>, StoreError> {
        let surveys: std::collections::HashSet<String> = survey_ids.iter().cloned().collect();
        if surveys.is_empty() {
            return Ok(Vec::new());
        }
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT entity_id, fields FROM records
                 WHERE entity = 'survey_photo' AND team_id = $1 AND NOT tombstone
                 ORDER BY entity_id",
                &[&team],
            )
            .await?
            .iter()
            .map(|r| (r.get::<_, String>(0), r.get::<_, String>(1)))
            .collect();
        Ok(crate::privacy::photos_of(rows, &surveys, fields_of))
    }

    async fn attachment_bytes(
        &self,
        sha256s: &[String],
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT sha256, bytes FROM attachments WHERE sha256 = ANY($1) ORDER BY sha256",
                &[&sha256s],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get::<_, String>(0), r.get::<_, Vec<u8>>(1)))
            .collect())
    }
}
