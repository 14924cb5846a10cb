//! The contractor portal's tables on PostgreSQL (their schema is migration 3, beside the
//! sync tables'), over the sync store's pool. A contractor's change takes the change-log
//! counter row first, as a push does, so log entries commit in order.

use async_trait::async_trait;
use deadpool_postgres::{Pool, Transaction};
use tokio_postgres::Row;

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
use super::log::{hub_clock, lock_counter, write_hub_change};
use super::sessions::PgSessions;

/// The portal's store on PostgreSQL.
#[derive(Clone)]
pub struct PgPortal {
    pub(super) pool: Pool,
    /// The sign-in SQL both apps share, on the portal's tables.
    sessions: PgSessions<FirmUser>,
}

impl std::fmt::Debug for PgPortal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgPortal").finish_non_exhaustive()
    }
}

impl PgPortal {
    /// The portal's store over the sync store's pool.
    pub(crate) fn new(pool: Pool) -> Self {
        Self {
            sessions: PgSessions::new(pool.clone(), SignInTables::Portal, user_at),
            pool,
        }
    }
}

const USER_COLUMNS: &str = SignInTables::Portal.user_columns();

fn user_from_row(r: &Row, at: usize) -> FirmUser {
    FirmUser {
        id: r.get(at),
        firm_id: r.get(at + 1),
        firm_name: r.get(at + 2),
        email: r.get(at + 3),
        name: r.get(at + 4),
        password_hash: r.get(at + 5),
        totp_secret: r.get(at + 6),
        must_change_password: r.get(at + 7),
        disabled: r.get::<_, Option<i64>>(at + 8).is_some(),
        kind: OrganisationKind::parse(r.get(at + 9)),
    }
}

/// [`user_from_row`] as the shared session query reads it (a portal user's row cannot
/// be damaged the way a stored role can).
#[allow(
    clippy::unnecessary_wraps,
    reason = "the shape every app's reader shares"
)]
fn user_at(r: &Row, at: usize) -> Result<FirmUser, StoreError> {
    Ok(user_from_row(r, at))
}

async fn find_user(tx: &Transaction<'_>, key: &str) -> Result<FirmUser, StoreError> {
    let email = normalise_email(key);
    tx.query_opt(
        &format!(
            "SELECT {USER_COLUMNS} FROM portal_users u JOIN portal_firms f ON f.id = u.firm_id
             WHERE u.id = $1 OR u.email = $2 FOR UPDATE OF u"
        ),
        &[&key, &email],
    )
    .await?
    .map(|r| user_from_row(&r, 0))
    .ok_or_else(|| Refusal::NotFound(format!("firm user {key:?}")).into())
}

fn order_row(row: &Row) -> OrderRow {
    OrderRow {
        team_id: row.get(0),
        fields: row.get(1),
        versions: row.get(2),
        tombstone: row.get(3),
        updated_seq: row.get(4),
    }
}

const ORDER_ROW: &str = "SELECT team_id, fields, field_versions, tombstone, updated_seq
                         FROM records WHERE entity = 'work_order' AND entity_id = $1";

/// Takes a contractor's step: takes turns with pushes on the counter row, reads the
/// order, has [`judge_step`] decide, and writes what it decided.
async fn take_step(
    tx: &Transaction<'_>,
    request: StepRequest,
) -> Result<Result<StepDone, StepRefusal>, StoreError> {
    // Take turns with pushes on the counter row, as a push does first thing.
    lock_counter(tx).await?;
    let row = tx
        .query_opt(ORDER_ROW, &[&request.order_id])
        .await?
        .map(|r| order_row(&r));
    let write = match judge_step(request, row, hub_clock(tx).await?)? {
        StepVerdict::Refuse(refusal) => return Ok(Err(refusal)),
        StepVerdict::Unchanged(audit) => {
            insert_audit(tx, &[audit]).await?;
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
    let seq = write_hub_change(tx, &record, &change, now).await?;
    let user_id = change.officer_id.to_string();
    if let Some(photo) = photo {
        tx.execute(
            "INSERT INTO portal_photos (order_id, sha256, media_type, bytes, uploaded_by,
                                        created_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            &[
                &order_id,
                &photo.sha256,
                &photo.media_type,
                &photo.bytes,
                &user_id,
                &now,
            ],
        )
        .await?;
        // The officers' laptops fetch the photo like any other attachment: store its
        // bytes there too, for the team that holds the order.
        let size = i64::try_from(photo.bytes.len()).unwrap_or(i64::MAX);
        tx.execute(
            "INSERT INTO attachments (sha256, bytes, size, media_type, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING",
            &[&photo.sha256, &photo.bytes, &size, &photo.media_type, &now],
        )
        .await?;
        tx.execute(
            "INSERT INTO attachment_teams (sha256, team_id, device_id, user_id, at)
             VALUES ($1, $2, NULL, NULL, $3) ON CONFLICT (sha256, team_id) DO NOTHING",
            &[&photo.sha256, &team_id, &now],
        )
        .await?;
    }
    insert_audit(tx, &[audit]).await?;
    Ok(Ok(StepDone::Written { seq }))
}

#[async_trait]
impl AuthStore for PgPortal {
    type User = FirmUser;

    async fn user_by_email(&self, email: &str) -> Result<Option<FirmUser>, StoreError> {
        let email = normalise_email(email);
        let client = self.pool.get().await?;
        let stmt = client
            .prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM portal_users u
                 JOIN portal_firms f ON f.id = u.firm_id WHERE u.email = $1"
            ))
            .await?;
        Ok(client
            .query_opt(&stmt, &[&email])
            .await?
            .map(|r| user_from_row(&r, 0)))
    }

    async fn spend_totp_step(&self, user_id: &str, step: i64) -> Result<bool, StoreError> {
        self.sessions.spend_totp_step(user_id, step).await
    }

    async fn locked_until(&self, keys: &[String], now: i64) -> Result<Option<i64>, StoreError> {
        let client = self.pool.get().await?;
        let row = client
            .query_one(
                "SELECT max(locked_until) FROM portal_sign_in_failures
                 WHERE key = ANY($1) AND locked_until > $2",
                &[&keys, &now],
            )
            .await?;
        Ok(row.get(0))
    }

    async fn note_failures(&self, failures: &[Failure], now: i64) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        for failure in failures {
            // Make sure the row exists, then lock it: concurrent failures count one by one.
            tx.execute(
                "INSERT INTO portal_sign_in_failures (key, failures, window_start)
                 VALUES ($1, 0, $2) ON CONFLICT (key) DO NOTHING",
                &[&failure.key, &now],
            )
            .await?;
            let row = tx
                .query_one(
                    "SELECT failures, window_start, locked_until FROM portal_sign_in_failures
                     WHERE key = $1 FOR UPDATE",
                    &[&failure.key],
                )
                .await?;
            let current = (row.get::<_, i64>(0), row.get::<_, i64>(1), row.get(2));
            let (count, start, locked) = after_failure(Some(current), failure.limit, now);
            tx.execute(
                "UPDATE portal_sign_in_failures SET failures = $2, window_start = $3,
                     locked_until = $4 WHERE key = $1",
                &[&failure.key, &count, &start, &locked],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn clear_failures(&self, key: &str) -> Result<(), StoreError> {
        let client = self.pool.get().await?;
        client
            .execute(
                "DELETE FROM portal_sign_in_failures WHERE key = $1",
                &[&key],
            )
            .await?;
        Ok(())
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
impl PortalStore for PgPortal {
    async fn add_firm(
        &self,
        id: &str,
        name: &str,
        kind: OrganisationKind,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        if tx
            .query_opt("SELECT 1 FROM portal_firms WHERE id = $1", &[&id])
            .await?
            .is_some()
        {
            return Err(Refusal::Duplicate(format!("firm {id:?}")).into());
        }
        tx.execute(
            "INSERT INTO portal_firms (id, name, created_at, kind) VALUES ($1, $2, $3, $4)",
            &[&id, &name, &now, &kind.as_str()],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn add_firm_user(&self, user: &NewFirmUser, now: i64) -> Result<String, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        if tx
            .query_opt("SELECT 1 FROM portal_firms WHERE id = $1", &[&user.firm_id])
            .await?
            .is_none()
        {
            return Err(Refusal::NotFound(format!("firm {:?}", user.firm_id)).into());
        }
        if tx
            .query_opt(
                "SELECT 1 FROM portal_users WHERE email = $1",
                &[&user.email],
            )
            .await?
            .is_some()
        {
            return Err(Refusal::Duplicate(format!("firm user {:?}", user.email)).into());
        }
        let id = uuid::Uuid::now_v7().to_string();
        tx.execute(
            "INSERT INTO portal_users (id, firm_id, email, name, password_hash,
                                       must_change_password, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &id,
                &user.firm_id,
                &user.email,
                &user.name,
                &user.password_hash,
                &user.must_change_password,
                &now,
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn set_user_disabled(
        &self,
        user: &str,
        disabled: bool,
        now: i64,
    ) -> Result<String, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let found = find_user(&tx, user).await?;
        tx.execute(
            "UPDATE portal_users SET disabled_at = $2 WHERE id = $1",
            &[&found.id, &disabled.then_some(now)],
        )
        .await?;
        tx.execute(
            "DELETE FROM portal_sessions WHERE user_id = $1",
            &[&found.id],
        )
        .await?;
        tx.commit().await?;
        Ok(found.id)
    }

    async fn set_totp_secret(
        &self,
        user: &str,
        secret: Option<&str>,
    ) -> Result<FirmUser, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let mut found = find_user(&tx, user).await?;
        tx.execute(
            "UPDATE portal_users SET totp_secret = $2, totp_last_step = NULL WHERE id = $1",
            &[&found.id, &secret],
        )
        .await?;
        tx.commit().await?;
        found.totp_secret = secret.map(str::to_owned);
        Ok(found)
    }

    async fn set_password(
        &self,
        user_id: &str,
        password_hash: &str,
        keep_session: &str,
    ) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        tx.execute(
            "UPDATE portal_users SET password_hash = $2, must_change_password = FALSE
             WHERE id = $1",
            &[&user_id, &password_hash],
        )
        .await?;
        tx.execute(
            "DELETE FROM portal_sessions WHERE user_id = $1 AND id_hash <> $2",
            &[&user_id, &keep_session],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn order_counts(&self, firm_id: &str) -> Result<Vec<(String, i64)>, StoreError> {
        let client = self.pool.get().await?;
        let stmt = client
            .prepare_cached(
                "SELECT status, count(*) FROM portal_order_index WHERE firm_id = $1
                 GROUP BY status",
            )
            .await?;
        Ok(client
            .query(&stmt, &[&firm_id])
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    async fn orders(
        &self,
        firm_id: &str,
        status: Option<&str>,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<ListedOrder>, StoreError> {
        let client = self.pool.get().await?;
        let rows = match status {
            Some(status) => {
                let stmt = client
                    .prepare_cached(
                        "SELECT r.entity_id, r.fields FROM
                             (SELECT order_id, due_date, number FROM portal_order_index
                              WHERE firm_id = $1 AND status = $2
                              ORDER BY due_date, number, order_id LIMIT $3 OFFSET $4) AS i
                         JOIN records r ON r.entity = 'work_order' AND r.entity_id = i.order_id
                         ORDER BY i.due_date, i.number, i.order_id",
                    )
                    .await?;
                client
                    .query(&stmt, &[&firm_id, &status, &limit, &offset])
                    .await?
            }
            None => {
                let stmt = client
                    .prepare_cached(
                        "SELECT r.entity_id, r.fields FROM
                             (SELECT order_id, due_date, number FROM portal_order_index
                              WHERE firm_id = $1
                              ORDER BY due_date, number, order_id LIMIT $2 OFFSET $3) AS i
                         JOIN records r ON r.entity = 'work_order' AND r.entity_id = i.order_id
                         ORDER BY i.due_date, i.number, i.order_id",
                    )
                    .await?;
                client.query(&stmt, &[&firm_id, &limit, &offset]).await?
            }
        };
        Ok(rows
            .iter()
            .map(|r| ListedOrder {
                id: r.get(0),
                fields: r.get(1),
            })
            .collect())
    }

    async fn order(
        &self,
        firm_id: &str,
        order_id: &str,
    ) -> Result<Option<StoredOrder>, StoreError> {
        let client = self.pool.get().await?;
        let stmt = client.prepare_cached(ORDER_ROW).await?;
        match client.query_opt(&stmt, &[&order_id]).await? {
            Some(row) => firm_order(order_id, firm_id, order_row(&row)),
            None => Ok(None),
        }
    }

    async fn take_step(
        &self,
        request: StepRequest,
    ) -> Result<Result<StepDone, StepRefusal>, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let done = take_step(&tx, request).await?;
        tx.commit().await?;
        Ok(done)
    }

    async fn append_audit(&self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        insert_audit(&tx, entries).await?;
        tx.commit().await?;
        Ok(())
    }
}
