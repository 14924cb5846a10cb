//! The outbox of agency notification emails on PostgreSQL (migration 8), over the sync
//! store's pool. Two hubs may share the database: a claim takes only rows no other
//! transaction has locked (`FOR UPDATE SKIP LOCKED`) and moves their next attempt past the
//! claim's end, so each email is tried by one hub at a time.

use async_trait::async_trait;
use deadpool_postgres::Pool;
use tokio_postgres::Row;

use crate::mail::store::{
    Attempt, CLAIM_MS, FormRecordsText, MailStore, NewNotification, Notification, OutboxCounts,
};
use crate::model::{AuditEntry, StoreError};

/// The outbox on PostgreSQL.
#[derive(Clone)]
pub struct PgMail {
    pool: Pool,
}

impl std::fmt::Debug for PgMail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgMail").finish_non_exhaustive()
    }
}

impl PgMail {
    /// The outbox over the sync store's pool.
    pub(crate) fn new(pool: Pool) -> Self {
        Self { pool }
    }
}

/// [`crate::mail::store::NOTIFICATION_COLUMNS`], with `attempts` widened to read as i64.
const COLUMNS: &str = "referral_id, agency_id, address, attach_form, created_at, \
     attempts::BIGINT, next_attempt_at, last_error, sent_at, form_attached";

fn notification(r: &Row) -> Notification {
    Notification {
        referral_id: r.get(0),
        agency_id: r.get(1),
        address: r.get(2),
        attach_form: r.get(3),
        created_at: r.get(4),
        attempts: r.get(5),
        next_attempt_at: r.get(6),
        last_error: r.get(7),
        sent_at: r.get(8),
        form_attached: r.get(9),
    }
}

/// A live record's fields, if there is one.
async fn fields(
    tx: &deadpool_postgres::Transaction<'_>,
    entity: &str,
    id: &str,
) -> Result<Option<String>, StoreError> {
    let stmt = tx
        .prepare_cached(
            "SELECT fields FROM records WHERE entity = $1 AND entity_id = $2 AND NOT tombstone",
        )
        .await?;
    Ok(tx
        .query_opt(&stmt, &[&entity, &id])
        .await?
        .map(|r| r.get(0)))
}

/// A text field of a record's JSON, if it has it.
fn text_field(json: &str, name: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()?
        .get(name)?
        .as_str()
        .map(str::to_owned)
}

#[async_trait]
impl MailStore for PgMail {
    async fn claim_due(&self, now: i64, limit: i64) -> Result<Vec<Notification>, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let stmt = tx
            .prepare_cached(&format!(
                "UPDATE referral_notifications SET next_attempt_at = $2
                 WHERE referral_id IN (
                     SELECT referral_id FROM referral_notifications
                     WHERE sent_at IS NULL AND next_attempt_at <= $1
                     ORDER BY next_attempt_at, referral_id LIMIT $3
                     FOR UPDATE SKIP LOCKED)
                 RETURNING {COLUMNS}"
            ))
            .await?;
        let rows = tx.query(&stmt, &[&now, &(now + CLAIM_MS), &limit]).await?;
        tx.commit().await?;
        let mut claimed: Vec<Notification> = rows.iter().map(notification).collect();
        claimed.sort_by_key(|n| n.created_at);
        Ok(claimed)
    }

    async fn record_attempt(
        &self,
        referral_id: &str,
        attempt: &Attempt,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        match attempt {
            Attempt::Sent { at, form_attached } => {
                let stmt = tx
                    .prepare_cached(
                        "UPDATE referral_notifications
                         SET sent_at = $2, form_attached = $3, attempts = attempts + 1,
                             last_error = NULL
                         WHERE referral_id = $1 AND sent_at IS NULL",
                    )
                    .await?;
                tx.execute(&stmt, &[&referral_id, at, form_attached])
                    .await?;
            }
            Attempt::Failed {
                error,
                next_attempt_at,
                ..
            } => {
                let stmt = tx
                    .prepare_cached(
                        "UPDATE referral_notifications
                         SET last_error = $2, next_attempt_at = $3, attempts = attempts + 1
                         WHERE referral_id = $1 AND sent_at IS NULL",
                    )
                    .await?;
                tx.execute(&stmt, &[&referral_id, error, next_attempt_at])
                    .await?;
            }
        }
        super::audit::insert(&tx, std::slice::from_ref(audit)).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn form_records(&self, referral_id: &str) -> Result<Option<FormRecordsText>, StoreError> {
        let mut client = self.pool.get().await?;
        // One snapshot, so the three records and the officer agree.
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let Some(referral) = fields(&tx, "referral", referral_id).await? else {
            return Ok(None);
        };
        let person = match text_field(&referral, "person_id") {
            Some(id) => fields(&tx, "person", &id).await?,
            None => None,
        };
        let household = match text_field(&referral, "household_id") {
            Some(id) => fields(&tx, "household", &id).await?,
            None => None,
        };
        let referrer = match text_field(&referral, "created_by") {
            Some(user) => {
                let stmt = tx
                    .prepare_cached("SELECT name, role FROM users WHERE id = $1")
                    .await?;
                tx.query_opt(&stmt, &[&user])
                    .await?
                    .map(|r| (r.get(0), r.get(1)))
            }
            None => None,
        };
        tx.commit().await?;
        Ok(Some(FormRecordsText {
            referral,
            person,
            household,
            referrer,
        }))
    }

    async fn outbox(&self, sent_limit: i64) -> Result<Vec<Notification>, StoreError> {
        let client = self.pool.get().await?;
        let waiting = client
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM referral_notifications
                 WHERE sent_at IS NULL ORDER BY created_at, referral_id"
            ))
            .await?;
        let sent = client
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM referral_notifications
                 WHERE sent_at IS NOT NULL ORDER BY sent_at DESC, referral_id LIMIT $1"
            ))
            .await?;
        let mut rows: Vec<Notification> = client
            .query(&waiting, &[])
            .await?
            .iter()
            .map(notification)
            .collect();
        rows.extend(
            client
                .query(&sent, &[&sent_limit])
                .await?
                .iter()
                .map(notification),
        );
        Ok(rows)
    }

    async fn counts(&self) -> Result<OutboxCounts, StoreError> {
        let client = self.pool.get().await?;
        let stmt = client
            .prepare_cached(
                "SELECT count(*), count(last_error)
                 FROM referral_notifications WHERE sent_at IS NULL",
            )
            .await?;
        let row = client.query_one(&stmt, &[]).await?;
        Ok(OutboxCounts {
            waiting: row.get(0),
            failing: row.get(1),
        })
    }

    async fn enqueue(&self, n: &NewNotification) -> Result<(), StoreError> {
        let client = self.pool.get().await?;
        let stmt = client
            .prepare_cached(
                "INSERT INTO referral_notifications
                     (referral_id, agency_id, address, attach_form, created_at, next_attempt_at)
                 VALUES ($1, $2, $3, $4, $5, $5)
                 ON CONFLICT (referral_id) DO NOTHING",
            )
            .await?;
        client
            .execute(
                &stmt,
                &[
                    &n.referral_id,
                    &n.agency_id,
                    &n.address,
                    &n.attach_form,
                    &n.now,
                ],
            )
            .await?;
        Ok(())
    }
}
