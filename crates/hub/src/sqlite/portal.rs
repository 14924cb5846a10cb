//! The contractor portal's tables on the embedded backend (their schema is migration 3,
//! beside the sync tables'), over the sync store's own connection: a contractor's change
//! takes the same lock as a push and numbers its log entry from the same counter.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::model::{AuditEntry, Refusal, StoreError};
use crate::portal::orders::{StepRefusal, StepVerdict, StepWrite, StoredOrder, judge_step};
use crate::portal::store::{
    FirmUser, ListedOrder, NewFirmUser, OrderRow, OrganisationKind, PortalStore, Session, StepDone,
    StepRequest, firm_order,
};
use crate::web::auth::AuthStore;
use crate::web::normalise_email;
use crate::web::session::NewSession;
use crate::web::tables::SignInTables;
use crate::web::throttle::{Failure, after_failure};

use super::audit::insert as insert_audit;
use super::log::{hub_clock, write_hub_change};
use super::sessions::SqliteSessions;

/// The portal's store on SQLite.
#[derive(Debug, Clone)]
pub struct SqlitePortal {
    conn: Arc<Mutex<Connection>>,
    /// The sign-in SQL both apps share, on the portal's tables.
    sessions: SqliteSessions<FirmUser>,
}

impl SqlitePortal {
    /// The portal's store over the sync store's connection.
    pub(crate) fn new(conn: Arc<Mutex<Connection>>) -> Self {
        Self {
            sessions: SqliteSessions::new(Arc::clone(&conn), SignInTables::Portal, user_from_row),
            conn,
        }
    }

    pub(super) async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        super::run_on(&self.conn, f).await
    }

    pub(super) async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        super::write_on(&self.conn, f).await
    }
}

const USER_COLUMNS: &str = SignInTables::Portal.user_columns();

fn user_from_row(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<FirmUser> {
    Ok(FirmUser {
        id: r.get(at)?,
        firm_id: r.get(at + 1)?,
        firm_name: r.get(at + 2)?,
        email: r.get(at + 3)?,
        name: r.get(at + 4)?,
        password_hash: r.get(at + 5)?,
        totp_secret: r.get(at + 6)?,
        must_change_password: r.get(at + 7)?,
        disabled: r.get::<_, Option<i64>>(at + 8)?.is_some(),
        kind: OrganisationKind::parse(&r.get::<_, String>(at + 9)?),
    })
}

/// The user with this id or email.
fn find_user(tx: &Transaction<'_>, key: &str) -> Result<FirmUser, StoreError> {
    tx.query_row(
        &format!(
            "SELECT {USER_COLUMNS} FROM portal_users u JOIN portal_firms f ON f.id = u.firm_id
             WHERE u.id = ?1 OR u.email = ?2"
        ),
        params![key, normalise_email(key)],
        |r| user_from_row(r, 0),
    )
    .optional()?
    .ok_or_else(|| Refusal::NotFound(format!("firm user {key:?}")).into())
}

fn order_row(conn: &Connection, order_id: &str) -> Result<Option<OrderRow>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT team_id, fields, field_versions, tombstone, updated_seq FROM records
             WHERE entity = 'work_order' AND entity_id = ?1",
        )?
        .query_row([order_id], |r| {
            Ok(OrderRow {
                team_id: r.get(0)?,
                fields: r.get(1)?,
                versions: r.get(2)?,
                tombstone: r.get(3)?,
                updated_seq: r.get(4)?,
            })
        })
        .optional()?)
}

/// Takes a contractor's step: reads the order, has [`judge_step`] decide, and writes
/// what it decided.
fn take_step(
    tx: &Transaction<'_>,
    request: StepRequest,
) -> Result<Result<StepDone, StepRefusal>, StoreError> {
    let row = order_row(tx, &request.order_id)?;
    let write = match judge_step(request, row, hub_clock(tx)?)? {
        StepVerdict::Refuse(refusal) => return Ok(Err(refusal)),
        StepVerdict::Unchanged(audit) => {
            insert_audit(tx, &[audit])?;
            return Ok(Ok(StepDone::Unchanged));
        }
        StepVerdict::Write(write) => write,
    };
    let StepWrite {
        order_id,
        team_id,
        record,
        change,
        photo,
        audit,
        now,
    } = *write;
    let seq = write_hub_change(tx, &record, &change, now)?;
    if let Some(photo) = photo {
        tx.prepare_cached(
            "INSERT INTO portal_photos (order_id, sha256, media_type, bytes, uploaded_by,
                                        created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
        )?
        .execute(params![
            order_id,
            photo.sha256,
            photo.media_type,
            photo.bytes,
            change.officer_id.to_string(),
            now
        ])?;
        // The officers' laptops fetch the photo like any other attachment: store its
        // bytes there too, for the team that holds the order.
        tx.prepare_cached(
            "INSERT INTO attachments (sha256, bytes, size, media_type, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (sha256) DO NOTHING",
        )?
        .execute(params![
            photo.sha256,
            photo.bytes,
            i64::try_from(photo.bytes.len()).unwrap_or(i64::MAX),
            photo.media_type,
            now
        ])?;
        tx.prepare_cached(
            "INSERT INTO attachment_teams (sha256, team_id, device_id, user_id, at)
             VALUES (?1, ?2, NULL, NULL, ?3) ON CONFLICT (sha256, team_id) DO NOTHING",
        )?
        .execute(params![photo.sha256, team_id, now])?;
    }
    insert_audit(tx, &[audit])?;
    Ok(Ok(StepDone::Written { seq }))
}

#[async_trait]
impl AuthStore for SqlitePortal {
    type User = FirmUser;

    async fn user_by_email(&self, email: &str) -> Result<Option<FirmUser>, StoreError> {
        let email = normalise_email(email);
        self.run(move |conn| {
            Ok(conn
                .prepare_cached(&format!(
                    "SELECT {USER_COLUMNS} FROM portal_users u
                     JOIN portal_firms f ON f.id = u.firm_id WHERE u.email = ?1"
                ))?
                .query_row([&email], |r| user_from_row(r, 0))
                .optional()?)
        })
        .await
    }

    async fn spend_totp_step(&self, user_id: &str, step: i64) -> Result<bool, StoreError> {
        self.sessions.spend_totp_step(user_id, step).await
    }

    async fn locked_until(&self, keys: &[String], now: i64) -> Result<Option<i64>, StoreError> {
        let keys = keys.to_vec();
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT locked_until FROM portal_sign_in_failures
                 WHERE key = ?1 AND locked_until > ?2",
            )?;
            let mut latest: Option<i64> = None;
            for key in &keys {
                let until: Option<i64> =
                    stmt.query_row(params![key, now], |r| r.get(0)).optional()?;
                latest = latest.max(until);
            }
            Ok(latest)
        })
        .await
    }

    async fn note_failures(&self, failures: &[Failure], now: i64) -> Result<(), StoreError> {
        let failures = failures.to_vec();
        self.write(move |tx| {
            for failure in &failures {
                let current: Option<(i64, i64, Option<i64>)> = tx
                    .query_row(
                        "SELECT failures, window_start, locked_until FROM portal_sign_in_failures
                         WHERE key = ?1",
                        [&failure.key],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                    )
                    .optional()?;
                let (count, start, locked) = after_failure(current, failure.limit, now);
                tx.execute(
                    "INSERT INTO portal_sign_in_failures (key, failures, window_start, locked_until)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,
                         window_start = excluded.window_start,
                         locked_until = excluded.locked_until",
                    params![failure.key, count, start, locked],
                )?;
            }
            Ok(())
        })
        .await
    }

    async fn clear_failures(&self, key: &str) -> Result<(), StoreError> {
        let key = key.to_owned();
        self.write(move |tx| {
            tx.execute("DELETE FROM portal_sign_in_failures WHERE key = ?1", [&key])?;
            Ok(())
        })
        .await
    }

    async fn create_session(
        &self,
        session: &NewSession,
        replaces: Option<&str>,
    ) -> Result<(), StoreError> {
        self.sessions.create(session, replaces).await
    }

    async fn session(&self, id_hash: &str) -> Result<Option<Session>, StoreError> {
        self.sessions.session(id_hash).await
    }

    async fn touch_session(&self, id_hash: &str, now: i64) -> Result<(), StoreError> {
        self.sessions.touch(id_hash, now).await
    }

    async fn end_session(&self, id_hash: &str) -> Result<(), StoreError> {
        self.sessions.end(id_hash).await
    }
}

#[async_trait]
impl PortalStore for SqlitePortal {
    async fn add_firm(
        &self,
        id: &str,
        name: &str,
        kind: OrganisationKind,
        now: i64,
    ) -> Result<(), StoreError> {
        let (id, name) = (id.to_owned(), name.to_owned());
        self.write(move |tx| {
            let exists: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM portal_firms WHERE id = ?1)",
                [&id],
                |r| r.get(0),
            )?;
            if exists {
                return Err(Refusal::Duplicate(format!("firm {id:?}")).into());
            }
            tx.execute(
                "INSERT INTO portal_firms (id, name, created_at, kind) VALUES (?1, ?2, ?3, ?4)",
                params![id, name, now, kind.as_str()],
            )?;
            Ok(())
        })
        .await
    }

    async fn add_firm_user(&self, user: &NewFirmUser, now: i64) -> Result<String, StoreError> {
        let user = user.clone();
        self.write(move |tx| {
            let firm: Option<String> = tx
                .query_row(
                    "SELECT id FROM portal_firms WHERE id = ?1",
                    [&user.firm_id],
                    |r| r.get(0),
                )
                .optional()?;
            if firm.is_none() {
                return Err(Refusal::NotFound(format!("firm {:?}", user.firm_id)).into());
            }
            let taken: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM portal_users WHERE email = ?1)",
                [&user.email],
                |r| r.get(0),
            )?;
            if taken {
                return Err(Refusal::Duplicate(format!("firm user {:?}", user.email)).into());
            }
            let id = uuid::Uuid::now_v7().to_string();
            tx.execute(
                "INSERT INTO portal_users (id, firm_id, email, name, password_hash,
                                           must_change_password, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    id,
                    user.firm_id,
                    user.email,
                    user.name,
                    user.password_hash,
                    user.must_change_password,
                    now
                ],
            )?;
            Ok(id)
        })
        .await
    }

    async fn set_user_disabled(
        &self,
        user: &str,
        disabled: bool,
        now: i64,
    ) -> Result<String, StoreError> {
        let user = user.to_owned();
        self.write(move |tx| {
            let found = find_user(tx, &user)?;
            tx.execute(
                "UPDATE portal_users SET disabled_at = ?2 WHERE id = ?1",
                params![found.id, disabled.then_some(now)],
            )?;
            tx.execute(
                "DELETE FROM portal_sessions WHERE user_id = ?1",
                [&found.id],
            )?;
            Ok(found.id)
        })
        .await
    }

    async fn set_totp_secret(
        &self,
        user: &str,
        secret: Option<&str>,
    ) -> Result<FirmUser, StoreError> {
        let (user, secret) = (user.to_owned(), secret.map(str::to_owned));
        self.write(move |tx| {
            let mut found = find_user(tx, &user)?;
            tx.execute(
                "UPDATE portal_users SET totp_secret = ?2, totp_last_step = NULL WHERE id = ?1",
                params![found.id, secret],
            )?;
            found.totp_secret = secret;
            Ok(found)
        })
        .await
    }

    async fn set_password(
        &self,
        user_id: &str,
        password_hash: &str,
        keep_session: &str,
    ) -> Result<(), StoreError> {
        let (user_id, hash, keep) = (
            user_id.to_owned(),
            password_hash.to_owned(),
            keep_session.to_owned(),
        );
        self.write(move |tx| {
            tx.execute(
                "UPDATE portal_users SET password_hash = ?2, must_change_password = 0
                 WHERE id = ?1",
                params![user_id, hash],
            )?;
            tx.execute(
                "DELETE FROM portal_sessions WHERE user_id = ?1 AND id_hash <> ?2",
                params![user_id, keep],
            )?;
            Ok(())
        })
        .await
    }

    async fn order_counts(&self, firm_id: &str) -> Result<Vec<(String, i64)>, StoreError> {
        let firm_id = firm_id.to_owned();
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT status, count(*) FROM portal_order_index WHERE firm_id = ?1
                 GROUP BY status",
            )?;
            let rows = stmt
                .query_map([&firm_id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    async fn orders(
        &self,
        firm_id: &str,
        status: Option<&str>,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<ListedOrder>, StoreError> {
        let (firm_id, status) = (firm_id.to_owned(), status.map(str::to_owned));
        self.run(move |conn| {
            let map = |r: &rusqlite::Row<'_>| {
                Ok(ListedOrder {
                    id: r.get(0)?,
                    fields: r.get(1)?,
                })
            };
            let rows = match &status {
                Some(status) => conn
                    .prepare_cached(
                        "SELECT r.entity_id, r.fields FROM
                             (SELECT order_id, due_date, number FROM portal_order_index
                              WHERE firm_id = ?1 AND status = ?2
                              ORDER BY due_date, number, order_id LIMIT ?3 OFFSET ?4) AS i
                         JOIN records r ON r.entity = 'work_order' AND r.entity_id = i.order_id
                         ORDER BY i.due_date, i.number, i.order_id",
                    )?
                    .query_map(params![firm_id, status, limit, offset], map)?
                    .collect::<Result<Vec<_>, _>>()?,
                None => conn
                    .prepare_cached(
                        "SELECT r.entity_id, r.fields FROM
                             (SELECT order_id, due_date, number FROM portal_order_index
                              WHERE firm_id = ?1
                              ORDER BY due_date, number, order_id LIMIT ?2 OFFSET ?3) AS i
                         JOIN records r ON r.entity = 'work_order' AND r.entity_id = i.order_id
                         ORDER BY i.due_date, i.number, i.order_id",
                    )?
                    .query_map(params![firm_id, limit, offset], map)?
                    .collect::<Result<Vec<_>, _>>()?,
            };
            Ok(rows)
        })
        .await
    }

    async fn order(
        &self,
        firm_id: &str,
        order_id: &str,
    ) -> Result<Option<StoredOrder>, StoreError> {
        let (firm_id, order_id) = (firm_id.to_owned(), order_id.to_owned());
        self.run(move |conn| match order_row(conn, &order_id)? {
            Some(row) => firm_order(&order_id, &firm_id, row),
            None => Ok(None),
        })
        .await
    }

    async fn take_step(
        &self,
        request: StepRequest,
    ) -> Result<Result<StepDone, StepRefusal>, StoreError> {
        self.write(move |tx| take_step(tx, request)).await
    }

    async fn append_audit(&self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        let entries = entries.to_vec();
        self.write(move |tx| insert_audit(tx, &entries)).await
    }
}
