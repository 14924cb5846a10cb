//! Referral delivery and the agencies' inbox on the embedded backend, over the sync
//! store's own connection: a delivery or an agency's step takes the same lock as a push
//! and numbers its log entry from the same counter.

use async_trait::async_trait;
use doorstep_core::DeviceId;
use doorstep_core::fire::Referral;
use doorstep_sync::protocol::EntityKind;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::audit::insert as insert_audit;
use super::log::{hub_clock, read_records, write_hub_change};
use super::portal::SqlitePortal;
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
pub(super) fn deliver(
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
        let Some(stored) = read_records(tx, std::slice::from_ref(&key))?.remove(&key) else {
            continue;
        };
        let outcome = match plan_delivery(
            id,
            &stored,
            directory,
            hub_device,
            hub_clock(tx)?,
            time_of(now),
        ) {
            Ok(None) => continue,
            Ok(Some(delivery)) => {
                write_delivery(tx, &stored, &delivery, now)?;
                delivered += 1;
                "delivered".to_owned()
            }
            Err(held) => format!("held: {}", held.code()),
        };
        insert_audit(tx, &[delivery_audit(id, &outcome, now)])?;
    }
    Ok(delivered)
}

fn write_delivery(
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
    write_hub_change(tx, &record, &delivery.applied.change, now)?;
    if let Some(n) = &delivery.notify {
        tx.prepare_cached(
            "INSERT INTO referral_notifications (referral_id, agency_id, address, attach_form,
                                                 created_at, next_attempt_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (referral_id) DO NOTHING",
        )?
        .execute(params![
            delivery.referral.id.to_string(),
            n.agency_id,
            n.address,
            n.attach_form,
            now
        ])?;
    }
    Ok(())
}

/// The referral's stored record and its change-log position.
fn referral_row(
    conn: &Connection,
    referral_id: &str,
) -> Result<Option<(StoredRecord, i64)>, StoreError> {
    let row: Option<(String, String, String, Option<i64>, i64)> = conn
        .prepare_cached(
            "SELECT team_id, fields, field_versions, tombstoned_at, updated_seq FROM records
             WHERE entity = 'referral' AND entity_id = ?1",
        )?
        .query_row([referral_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    row.map(|(team, fields, versions, tombstoned_at, seq)| {
        Ok((
            StoredRecord::from_columns(team, &fields, &versions, tombstoned_at)?,
            seq,
        ))
    })
    .transpose()
}

fn fields_of(
    conn: &Connection,
    entity: &str,
    id: &str,
) -> Result<Option<crate::casework::Fields>, StoreError> {
    let text: Option<String> = conn
        .prepare_cached(
            "SELECT fields FROM records WHERE entity = ?1 AND entity_id = ?2 AND tombstone = 0",
        )?
        .query_row([entity, id], |r| r.get(0))
        .optional()?;
    Ok(text.map(|t| serde_json::from_str(&t)).transpose()?)
}

fn case(
    conn: &Connection,
    agency_id: &str,
    referral_id: &str,
) -> Result<Result<AgencyCase, AgencyRefusal>, StoreError> {
    let Some((stored, updated_seq)) = referral_row(conn, referral_id)? else {
        return Ok(Err(AgencyRefusal::NotFound));
    };
    let referral = match agency_referral(referral_id, &stored, agency_id) {
        Ok(r) => r,
        Err(refusal) => return Ok(Err(refusal)),
    };
    Ok(Ok(case_of(conn, referral, updated_seq)?))
}

fn case_of(
    conn: &Connection,
    referral: Referral,
    updated_seq: i64,
) -> Result<AgencyCase, StoreError> {
    let referrer_name: Option<String> = conn
        .prepare_cached("SELECT name FROM users WHERE id = ?1")?
        .query_row([referral.created_by.to_string()], |r| r.get(0))
        .optional()?;
    Ok(AgencyCase {
        person: fields_of(conn, "person", &referral.person_id.to_string())?,
        household: fields_of(conn, "household", &referral.household_id.to_string())?,
        referrer_name,
        updated_seq,
        referral,
    })
}

#[async_trait]
impl ReferralStore for SqlitePortal {
    async fn deliver_waiting(&self, hub_device: DeviceId, now: i64) -> Result<usize, StoreError> {
        self.write(move |tx| {
            let ids = tx
                .prepare_cached(
                    "SELECT referral_id FROM referral_index WHERE status = 'queued'
                     ORDER BY referral_id",
                )?
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            deliver(tx, hub_device, &ids, now)
        })
        .await
    }

    async fn inbox_counts(&self, agency_id: &str) -> Result<Vec<(String, i64)>, StoreError> {
        let agency_id = agency_id.to_owned();
        self.run(move |conn| {
            let rows = conn
                .prepare_cached(
                    "SELECT status, count(*) FROM referral_index WHERE agency_id = ?1
                     GROUP BY status",
                )?
                .query_map([&agency_id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn inbox(
        &self,
        agency_id: &str,
        status: Option<&str>,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<ListedReferral>, StoreError> {
        let (agency_id, status) = (agency_id.to_owned(), status.map(str::to_owned));
        self.run(move |conn| {
            let map = |r: &rusqlite::Row<'_>| {
                Ok(ListedReferral {
                    id: r.get(0)?,
                    status: r.get(1)?,
                    urgency: r.get(2)?,
                    sent_at: r.get(3)?,
                    due_at: r.get(4)?,
                })
            };
            // Only a delivered referral has a due time: "all" is every one with one.
            let rows = match &status {
                Some(status) => conn
                    .prepare_cached(
                        "SELECT referral_id, status, urgency, sent_at, due_at FROM referral_index
                         WHERE agency_id = ?1 AND status = ?2
                         ORDER BY due_at, referral_id LIMIT ?3 OFFSET ?4",
                    )?
                    .query_map(params![agency_id, status, limit, offset], map)?
                    .collect::<Result<Vec<_>, _>>()?,
                None => conn
                    .prepare_cached(
                        "SELECT referral_id, status, urgency, sent_at, due_at FROM referral_index
                         WHERE agency_id = ?1 AND due_at > ''
                         ORDER BY due_at, referral_id LIMIT ?2 OFFSET ?3",
                    )?
                    .query_map(params![agency_id, limit, offset], map)?
                    .collect::<Result<Vec<_>, _>>()?,
            };
            Ok(rows)
        })
        .await
    }

    async fn agency_case(
        &self,
        agency_id: &str,
        referral_id: &str,
    ) -> Result<Result<AgencyCase, AgencyRefusal>, StoreError> {
        let (agency_id, referral_id) = (agency_id.to_owned(), referral_id.to_owned());
        self.run(move |conn| case(conn, &agency_id, &referral_id))
            .await
    }

    async fn take_referral_step(
        &self,
        request: ReferralStepRequest,
    ) -> Result<Result<Referral, AgencyRefusal>, StoreError> {
        self.write(move |tx| {
            let Some(directory) = directory() else {
                return Ok(Err(AgencyRefusal::Unreadable));
            };
            let Some((stored, seq)) = referral_row(tx, &request.referral_id)? else {
                return Ok(Err(AgencyRefusal::NotFound));
            };
            let planned = plan_agency_step(
                &request.referral_id,
                &stored,
                &request.agency_id,
                directory,
                request.step,
                request.actor,
                hub_clock(tx)?,
                time_of(request.now),
            );
            // Not found first, so another agency's referral is never "stale"; then stale,
            // so a repeated form says it changed rather than "cannot be done now".
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
            write_hub_change(tx, &record, &applied.change, request.now)?;
            let mut audit: AuditEntry = request.audit;
            audit.outcome = format!("applied: {}", audit.outcome);
            insert_audit(tx, &[audit])?;
            Ok(Ok(referral))
        })
        .await
    }
}
