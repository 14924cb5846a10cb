//! The outbox of agency notification emails on the embedded backend (migration 8), over
//! the sync store's own connection. One connection serialises every claim, so claiming
//! is one UPDATE … RETURNING.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::mail::store::{
    Attempt, CLAIM_MS, FormRecordsText, MailStore, NOTIFICATION_COLUMNS, NewNotification,
    Notification, OutboxCounts,
};
use crate::model::{AuditEntry, StoreError};

/// The outbox on SQLite.
#[derive(Debug, Clone)]
pub struct SqliteMail {
    conn: Arc<Mutex<Connection>>,
}

impl SqliteMail {
    /// The outbox over the sync store's connection.
    pub(crate) fn new(conn: Arc<Mutex<Connection>>) -> Self {
        Self { conn }
    }

    async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        super::run_on(&self.conn, f).await
    }

    async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        super::write_on(&self.conn, f).await
    }
}

fn notification(r: &rusqlite::Row<'_>) -> rusqlite::Result<Notification> {
    Ok(Notification {
        referral_id: r.get(0)?,
        agency_id: r.get(1)?,
        address: r.get(2)?,
        attach_form: r.get(3)?,
        created_at: r.get(4)?,
        attempts: r.get(5)?,
        next_attempt_at: r.get(6)?,
        last_error: r.get(7)?,
        sent_at: r.get(8)?,
        form_attached: r.get(9)?,
    })
}

/// A live record's fields, if there is one.
fn fields(tx: &Connection, entity: &str, id: &str) -> Result<Option<String>, StoreError> {
    Ok(tx
        .prepare_cached(
            "SELECT fields FROM records WHERE entity = ?1 AND entity_id = ?2 AND tombstone = 0",
        )?
        .query_row(params![entity, id], |r| r.get(0))
        .optional()?)
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
impl MailStore for SqliteMail {
    async fn claim_due(&self, now: i64, limit: i64) -> Result<Vec<Notification>, StoreError> {
        self.write(move |tx| {
            let mut stmt = tx.prepare_cached(&format!(
                "UPDATE referral_notifications SET next_attempt_at = ?2
                 WHERE referral_id IN (
                     SELECT referral_id FROM referral_notifications
                     WHERE sent_at IS NULL AND next_attempt_at <= ?1
                     ORDER BY next_attempt_at, referral_id LIMIT ?3)
                 RETURNING {NOTIFICATION_COLUMNS}"
            ))?;
            let mut claimed = stmt
                .query_map(params![now, now + CLAIM_MS, limit], notification)?
                .collect::<Result<Vec<_>, _>>()?;
            claimed.sort_by_key(|n| n.created_at);
            Ok(claimed)
        })
        .await
    }

    async fn record_attempt(
        &self,
        referral_id: &str,
        attempt: &Attempt,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let id = referral_id.to_owned();
        let attempt = attempt.clone();
        let audit = audit.clone();
        self.write(move |tx| {
            match attempt {
                Attempt::Sent { at, form_attached } => {
                    tx.prepare_cached(
                        "UPDATE referral_notifications
                         SET sent_at = ?2, form_attached = ?3, attempts = attempts + 1,
                             last_error = NULL
                         WHERE referral_id = ?1 AND sent_at IS NULL",
                    )?
                    .execute(params![id, at, form_attached])?;
                }
                Attempt::Failed {
                    error,
                    next_attempt_at,
                    ..
                } => {
                    tx.prepare_cached(
                        "UPDATE referral_notifications
                         SET last_error = ?2, next_attempt_at = ?3, attempts = attempts + 1
                         WHERE referral_id = ?1 AND sent_at IS NULL",
                    )?
                    .execute(params![id, error, next_attempt_at])?;
                }
            }
            super::audit::insert(tx, std::slice::from_ref(&audit))
        })
        .await
    }

    async fn form_records(&self, referral_id: &str) -> Result<Option<FormRecordsText>, StoreError> {
        let id = referral_id.to_owned();
        self.run(move |conn| {
            // One read transaction, so the three records and the officer agree.
            let tx = conn.transaction()?;
            let Some(referral) = fields(&tx, "referral", &id)? else {
                return Ok(None);
            };
            let person = match text_field(&referral, "person_id") {
                Some(person_id) => fields(&tx, "person", &person_id)?,
                None => None,
            };
            let household = match text_field(&referral, "household_id") {
                Some(household_id) => fields(&tx, "household", &household_id)?,
                None => None,
            };
            let referrer = match text_field(&referral, "created_by") {
                Some(user) => tx
                    .prepare_cached("SELECT name, role FROM users WHERE id = ?1")?
                    .query_row(params![user], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?,
                None => None,
            };
            tx.commit()?;
            Ok(Some(FormRecordsText {
                referral,
                person,
                household,
                referrer,
            }))
        })
        .await
    }

    async fn outbox(&self, sent_limit: i64) -> Result<Vec<Notification>, StoreError> {
        self.run(move |conn| {
            let mut rows = conn
                .prepare_cached(&format!(
                    "SELECT {NOTIFICATION_COLUMNS} FROM referral_notifications
                     WHERE sent_at IS NULL ORDER BY created_at, referral_id"
                ))?
                .query_map([], notification)?
                .collect::<Result<Vec<_>, _>>()?;
            rows.extend(
                conn.prepare_cached(&format!(
                    "SELECT {NOTIFICATION_COLUMNS} FROM referral_notifications
                     WHERE sent_at IS NOT NULL ORDER BY sent_at DESC, referral_id LIMIT ?1"
                ))?
                .query_map(params![sent_limit], notification)?
                .collect::<Result<Vec<_>, _>>()?,
            );
            Ok(rows)
        })
        .await
    }

    async fn counts(&self) -> Result<OutboxCounts, StoreError> {
        self.run(|conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT count(*), coalesce(sum(last_error IS NOT NULL), 0)
                     FROM referral_notifications WHERE sent_at IS NULL",
                )?
                .query_row([], |r| {
                    Ok(OutboxCounts {
                        waiting: r.get(0)?,
                        failing: r.get(1)?,
                    })
                })?)
        })
        .await
    }

    async fn enqueue(&self, n: &NewNotification) -> Result<(), StoreError> {
        let n = n.clone();
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT INTO referral_notifications
                     (referral_id, agency_id, address, attach_form, created_at, next_attempt_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)
                 ON CONFLICT (referral_id) DO NOTHING",
            )?
            .execute(params![
                n.referral_id,
                n.agency_id,
                n.address,
                n.attach_form,
                n.now
            ])?;
            Ok(())
        })
        .await
    }
}
