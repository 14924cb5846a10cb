//! Referral delivery and the agencies' inbox on PostgreSQL, over the sync store's pool: a
//! delivery or an agency's step takes the change-log counter row first, as a push does.

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Transaction};
use doorstep_core::DeviceId;
use doorstep_core::fire::Referral;
use doorstep_sync::protocol::EntityKind;

use super::audit::insert as insert_audit;
use super::log::{hub_clock, lock_counter, read_records, write_hub_change};
use super::portal::PgPortal;
use crate::model::{AuditEntry, StoreError};
use crate::push::time_of;
use crate::referrals::deliver::{Delivery, plan_delivery};
use crate::referrals::directory;
use crate::referrals::form::AgencyCase;
use crate::referrals::inbox::{AgencyRefusal, agency_referral, plan_agency_step};
use crate::referrals::store::{ListedReferral, ReferralStepRequest, ReferralStore, delivery_audit};
use crate::store::StoredRecord;

/// Delivers the queued referrals among `ids` (those a push just wrote, or the sweep
/// found), each as the hub's own change with its email queued and its audit entry.
pub(super) async fn deliver(
    tx: &Transaction<'_>,
    hub_device: DeviceId,
    ids: &[String],
    now: i64,
) -> Result<usize, StoreError> {
    let Some(directory) = directory() else {
        return Ok(0);
    };
    let mut delivered = 0;
    for id in ids {
        let key = (EntityKind::Referral, id.clone());
        let Some(stored) = read_records(tx, std::slice::from_ref(&key))
            .await?
            .remove(&key)
        else {
            continue;
        };
        let planned = plan_delivery(
            id,
            &stored,
            directory,
            hub_device,
            hub_clock(tx).await?,
            time_of(now),
        );
        let outcome = match planned {
            Ok(None) => continue,
            Ok(Some(delivery)) => {
                write_delivery(tx, &stored, &delivery, now).await?;
                delivered += 1;
                "delivered".to_owned()
            }
            Err(held) => format!("held: {}", held.code()),
        };
        insert_audit(tx, &[delivery_audit(id, &outcome, now)]).await?;
    }
    Ok(delivered)
}

async fn write_delivery(
    tx: &Transaction<'_>,
    stored: &StoredRecord,
    delivery: &Delivery,
    now: i64,
) -> Result<(), StoreError> {
    let record = StoredRecord {
        team_id: stored.team_id.clone(),
        record: delivery.applied.record.clone(),
        tombstoned_at: None,
    };
    write_hub_change(tx, &record, &delivery.applied.change, now).await?;
    if let Some(n) = &delivery.notify {
        tx.execute(
            "INSERT INTO referral_notifications (referral_id, agency_id, address, attach_form,
                                                 created_at, next_attempt_at)
             VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (referral_id) DO NOTHING",
            &[
                &delivery.referral.id.to_string(),
                &n.agency_id,
                &n.address,
                &n.attach_form,
                &now,
            ],
        )
        .await?;
    }
    Ok(())
}

/// The referral's stored record and its change-log position.
async fn referral_row<C: GenericClient>(
    client: &C,
    referral_id: &str,
) -> Result<Option<(StoredRecord, i64)>, StoreError> {
    let row = client
        .query_opt(
            "SELECT team_id, fields, field_versions, tombstoned_at, updated_seq FROM records
             WHERE entity = 'referral' AND entity_id = $1",
            &[&referral_id],
        )
        .await?;
    row.map(|r| {
        Ok((
            StoredRecord::from_columns(r.get(0), r.get(1), r.get(2), r.get(3))?,
            r.get(4),
        ))
    })
    .transpose()
}

async fn fields_of<C: GenericClient>(
    client: &C,
    entity: &str,
    id: &str,
) -> Result<Option<crate::casework::Fields>, StoreError> {
    let row = client
        .query_opt(
            "SELECT fields FROM records WHERE entity = $1 AND entity_id = $2 AND NOT tombstone",
            &[&entity, &id],
        )
        .await?;
    Ok(row
        .map(|r| serde_json::from_str(r.get::<_, &str>(0)))
        .transpose()?)
}

async fn case_of<C: GenericClient>(
    client: &C,
    referral: Referral,
    updated_seq: i64,
) -> Result<AgencyCase, StoreError> {
    let referrer_name: Option<String> = client
        .query_opt(
            "SELECT name FROM users WHERE id = $1",
            &[&referral.created_by.to_string()],
        )
        .await?
        .map(|r| r.get(0));
    Ok(AgencyCase {
        person: fields_of(client, "person", &referral.person_id.to_string()).await?,
        household: fields_of(client, "household", &referral.household_id.to_string()).await?,
        referrer_name,
        updated_seq,
        referral,
    })
}

#[async_trait]
impl ReferralStore for PgPortal {
    async fn deliver_waiting(&self, hub_device: DeviceId, now: i64) -> Result<usize, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        lock_counter(&tx).await?;
        let ids: Vec<String> = tx
            .query(
                "SELECT referral_id FROM referral_index WHERE status = 'queued'
                 ORDER BY referral_id",
                &[],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let delivered = deliver(&tx, hub_device, &ids, now).await?;
        tx.commit().await?;
        Ok(delivered)
    }

    async fn inbox_counts(&self, agency_id: &str) -> Result<Vec<(String, i64)>, StoreError> {
        let client = self.pool.get().await?;
        let stmt = client
            .prepare_cached(
                "SELECT status, count(*) FROM referral_index WHERE agency_id = $1
                 GROUP BY status",
            )
            .await?;
        Ok(client
            .query(&stmt, &[&agency_id])
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    async fn inbox(
        &self,
        agency_id: &str,
        status: Option<&str>,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<ListedReferral>, StoreError> {
        let client = self.pool.get().await?;
        // Only a delivered referral has a due time: "all" is every one with one.
        let rows = match status {
            Some(status) => {
                let stmt = client
                    .prepare_cached(
                        "SELECT referral_id, status, urgency, sent_at, due_at FROM referral_index
                         WHERE agency_id = $1 AND status = $2
                         ORDER BY due_at, referral_id LIMIT $3 OFFSET $4",
                    )
                    .await?;
                client
                    .query(&stmt, &[&agency_id, &status, &limit, &offset])
                    .await?
            }
            None => {
                let stmt = client
                    .prepare_cached(
                        "SELECT referral_id, status, urgency, sent_at, due_at FROM referral_index
                         WHERE agency_id = $1 AND due_at > ''
                         ORDER BY due_at, referral_id LIMIT $2 OFFSET $3",
                    )
                    .await?;
                client.query(&stmt, &[&agency_id, &limit, &offset]).await?
            }
        };
        Ok(rows
            .iter()
            .map(|r| ListedReferral {
                id: r.get(0),
                status: r.get(1),
                urgency: r.get(2),
                sent_at: r.get(3),
                due_at: r.get(4),
            })
            .collect())
    }

    async fn agency_case(
        &self,
        agency_id: &str,
        referral_id: &str,
    ) -> Result<Result<AgencyCase, AgencyRefusal>, StoreError> {
        let client = self.pool.get().await?;
        let Some((stored, updated_seq)) = referral_row(&client, referral_id).await? else {
            return Ok(Err(AgencyRefusal::NotFound));
        };
        let referral = match agency_referral(referral_id, &stored, agency_id) {
            Ok(r) => r,
            Err(refusal) => return Ok(Err(refusal)),
        };
        Ok(Ok(case_of(&client, referral, updated_seq).await?))
    }

    async fn take_referral_step(
        &self,
        request: ReferralStepRequest,
    ) -> Result<Result<Referral, AgencyRefusal>, StoreError> {
        let Some(directory) = directory() else {
            return Ok(Err(AgencyRefusal::Unreadable));
        };
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        lock_counter(&tx).await?;
        let Some((stored, seq)) = referral_row(&tx, &request.referral_id).await? else {
            return Ok(Err(AgencyRefusal::NotFound));
        };
        let planned = plan_agency_step(
            &request.referral_id,
            &stored,
            &request.agency_id,
            directory,
            request.step,
            request.actor,
            hub_clock(&tx).await?,
            time_of(request.now),
        );
        // Not found first, so another agency's referral is never "stale"; then stale, so
        // a repeated form says it changed rather than "cannot be done now".
        if matches!(planned, Err(AgencyRefusal::NotFound)) {
            return Ok(Err(AgencyRefusal::NotFound));
        }
        if seq != request.seen_seq {
            return Ok(Err(AgencyRefusal::Stale));
        }
        let (applied, referral) = match planned {
            Ok(planned) => planned,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let record = StoredRecord {
            team_id: stored.team_id.clone(),
            record: applied.record,
            tombstoned_at: None,
        };
        write_hub_change(&tx, &record, &applied.change, request.now).await?;
        let mut audit: AuditEntry = request.audit;
        audit.outcome = format!("applied: {}", audit.outcome);
        insert_audit(&tx, &[audit]).await?;
        tx.commit().await?;
        Ok(Ok(referral))
    }
}
