//! The console's tables on PostgreSQL (migration 5), over the sync store's pool. The
//! sign-in throttle is the portal's ([`PgPortal`]'s), shared.

use async_trait::async_trait;
use deadpool_postgres::{Pool, Transaction};
use doorstep_core::Role;
use tokio_postgres::Row;

use crate::console::store::{
    AUDIT_COLUMNS, AUDIT_FROM, AuditFilter, AuditRow, ConsoleStore, DeviceRow, Dialect, FirmRow,
    FirmUserRow, Param, PersonRow, Session, StaffUser, TeamRow, audit_where,
};
use crate::model::{Refusal, StoreError};
use crate::web::auth::AuthStore;
use crate::web::normalise_email;
use crate::web::session::NewSession;
use crate::web::tables::SignInTables;
use crate::web::throttle::Failure;

use super::portal::PgPortal;
use super::sessions::PgSessions;

/// The console's store on PostgreSQL.
#[derive(Clone)]
pub struct PgConsole {
    pool: Pool,
    /// The portal's store on the same pool: its throttle table is shared.
    throttle: PgPortal,
    /// The sign-in SQL both apps share, on the console's tables.
    sessions: PgSessions<StaffUser>,
}

impl std::fmt::Debug for PgConsole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgConsole").finish_non_exhaustive()
    }
}

impl PgConsole {
    /// The console's store over the sync store's pool.
    pub(crate) fn new(pool: Pool) -> Self {
        Self {
            throttle: PgPortal::new(pool.clone()),
            sessions: PgSessions::new(pool.clone(), SignInTables::Console, staff_from_row),
            pool,
        }
    }
}

/// The stored role; a damaged one is a database error, never a guess.
fn role_at(r: &Row, at: usize) -> Result<Role, StoreError> {
    let text: String = r.get(at);
    Role::parse(&text).ok_or_else(|| StoreError::Backend(format!("unknown stored role {text:?}")))
}

const STAFF_COLUMNS: &str = SignInTables::Console.user_columns();
const STAFF_FROM: &str = "console_accounts a JOIN users u ON u.id = a.user_id \
                          JOIN teams t ON t.id = u.team_id";

fn staff_from_row(r: &Row, at: usize) -> Result<StaffUser, StoreError> {
    Ok(StaffUser {
        id: r.get(at),
        name: r.get(at + 1),
        role: role_at(r, at + 2)?,
        team_id: r.get(at + 3),
        team_name: r.get(at + 4),
        email: r.get(at + 5),
        password_hash: r.get(at + 6),
        totp_secret: r.get(at + 7),
        disabled: r.get::<_, Option<i64>>(at + 8).is_some(),
    })
}

const PERSON_SELECT: &str = "SELECT u.id, u.name, u.role, u.team_id, t.name, a.email, \
     a.password_hash IS NOT NULL, a.disabled_at IS NOT NULL \
     FROM users u JOIN teams t ON t.id = u.team_id \
     LEFT JOIN console_accounts a ON a.user_id = u.id";

fn person_from_row(r: &Row) -> Result<PersonRow, StoreError> {
    Ok(PersonRow {
        id: r.get(0),
        name: r.get(1),
        role: role_at(r, 2)?,
        team_id: r.get(3),
        team_name: r.get(4),
        email: r.get(5),
        set_up: r.get::<_, Option<bool>>(6).unwrap_or(false),
        disabled: r.get::<_, Option<bool>>(7).unwrap_or(false),
    })
}

/// The account whose set-up link has this hash, if it is still good at `now`.
async fn to_set_up(
    client: &Transaction<'_>,
    setup_hash: &str,
    now: i64,
) -> Result<Option<StaffUser>, StoreError> {
    let row = client
        .query_opt(
            &format!(
                "SELECT {STAFF_COLUMNS} FROM {STAFF_FROM}
                 WHERE a.setup_hash = $1 AND a.setup_expires_at > $2 AND a.disabled_at IS NULL"
            ),
            &[&setup_hash, &now],
        )
        .await?;
    row.map(|r| staff_from_row(&r, 0)).transpose()
}

#[async_trait]
impl AuthStore for PgConsole {
    type User = StaffUser;

    async fn user_by_email(&self, email: &str) -> Result<Option<StaffUser>, StoreError> {
        let email = normalise_email(email);
        let client = self.pool.get().await?;
        let stmt = client
            .prepare_cached(&format!(
                "SELECT {STAFF_COLUMNS} FROM {STAFF_FROM} WHERE a.email = $1"
            ))
            .await?;
        let row = client.query_opt(&stmt, &[&email]).await?;
        row.map(|r| staff_from_row(&r, 0)).transpose()
    }

    async fn spend_totp_step(&self, user_id: &str, step: i64) -> Result<bool, StoreError> {
        self.sessions.spend_totp_step(user_id, step).await
    }

    async fn locked_until(&self, keys: &[String], now: i64) -> Result<Option<i64>, StoreError> {
        self.throttle.locked_until(keys, now).await
    }

    async fn note_failures(&self, failures: &[Failure], now: i64) -> Result<(), StoreError> {
        self.throttle.note_failures(failures, now).await
    }

    async fn clear_failures(&self, key: &str) -> Result<(), StoreError> {
        self.throttle.clear_failures(key).await
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
impl ConsoleStore for PgConsole {
    async fn add_account(
        &self,
        user_id: &str,
        email: &str,
        setup_hash: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        let email = normalise_email(email);
        let client = self.pool.get().await?;
        // The unique keys decide between two administrators adding the same email at once.
        let added = client
            .execute(
                "INSERT INTO console_accounts (user_id, email, setup_hash, setup_expires_at,
                                               created_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                &[&user_id, &email, &setup_hash, &expires_at, &now],
            )
            .await?;
        if added == 0 {
            return Err(Refusal::Duplicate(format!("console account {email:?}")).into());
        }
        Ok(())
    }

    async fn account_to_set_up(
        &self,
        setup_hash: &str,
        now: i64,
    ) -> Result<Option<StaffUser>, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let user = to_set_up(&tx, setup_hash, now).await?;
        tx.commit().await?;
        Ok(user)
    }

    async fn offer_totp_secret(
        &self,
        setup_hash: &str,
        secret: &str,
        now: i64,
    ) -> Result<Option<String>, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        tx.execute(
            "UPDATE console_accounts SET totp_secret = $2, totp_last_step = NULL
             WHERE setup_hash = $1 AND setup_expires_at > $3 AND totp_secret IS NULL",
            &[&setup_hash, &secret, &now],
        )
        .await?;
        let user = to_set_up(&tx, setup_hash, now).await?;
        tx.commit().await?;
        Ok(user.and_then(|u| u.totp_secret))
    }

    async fn finish_set_up(
        &self,
        setup_hash: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // Spending the link in one statement: of two forms sent at once, one wins.
        let spent = tx
            .query_opt(
                "UPDATE console_accounts SET password_hash = $2, setup_hash = NULL,
                     setup_expires_at = NULL
                 WHERE setup_hash = $1 AND setup_expires_at > $3 AND disabled_at IS NULL
                 RETURNING user_id",
                &[&setup_hash, &password_hash, &now],
            )
            .await?;
        let Some(row) = spent else {
            return Ok(false);
        };
        let user_id: String = row.get(0);
        tx.execute(
            "DELETE FROM console_sessions WHERE user_id = $1",
            &[&user_id],
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn renew_set_up(
        &self,
        user_id: &str,
        setup_hash: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let changed = tx
            .execute(
                "UPDATE console_accounts SET password_hash = NULL, totp_secret = NULL,
                     totp_last_step = NULL, setup_hash = $2, setup_expires_at = $3
                 WHERE user_id = $1",
                &[&user_id, &setup_hash, &expires_at],
            )
            .await?;
        if changed == 0 {
            return Err(Refusal::NotFound(format!("console account {user_id:?}")).into());
        }
        tx.execute(
            "DELETE FROM console_sessions WHERE user_id = $1",
            &[&user_id],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_account_disabled(
        &self,
        user_id: &str,
        disabled: bool,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let at = disabled.then_some(now);
        let changed = tx
            .execute(
                "UPDATE console_accounts SET disabled_at = $2 WHERE user_id = $1",
                &[&user_id, &at],
            )
            .await?;
        if changed == 0 {
            return Err(Refusal::NotFound(format!("console account {user_id:?}")).into());
        }
        tx.execute(
            "DELETE FROM console_sessions WHERE user_id = $1",
            &[&user_id],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn teams(&self) -> Result<Vec<TeamRow>, StoreError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT t.id, t.name, o.name,
                        (SELECT count(*) FROM users u WHERE u.team_id = t.id)
                 FROM teams t JOIN organisations o ON o.id = t.org_id
                 ORDER BY o.name, t.name, t.id",
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| TeamRow {
                id: r.get(0),
                name: r.get(1),
                org_name: r.get(2),
                people: r.get(3),
            })
            .collect())
    }

    async fn organisations(&self) -> Result<Vec<(String, String)>, StoreError> {
        let client = self.pool.get().await?;
        let rows = client
            .query("SELECT id, name FROM organisations ORDER BY name, id", &[])
            .await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    async fn people(&self) -> Result<Vec<PersonRow>, StoreError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                &format!("{PERSON_SELECT} ORDER BY t.name, u.name, u.id"),
                &[],
            )
            .await?;
        rows.iter().map(person_from_row).collect()
    }

    async fn person(&self, user_id: &str) -> Result<Option<PersonRow>, StoreError> {
        let client = self.pool.get().await?;
        let row = client
            .query_opt(&format!("{PERSON_SELECT} WHERE u.id = $1"), &[&user_id])
            .await?;
        row.as_ref().map(person_from_row).transpose()
    }

    async fn laptops(&self) -> Result<Vec<DeviceRow>, StoreError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT d.id, d.name, u.id, u.name, t.name, d.created_at, c.updated_at,
                        d.revoked_at, d.app_version,
                        (SELECT count(*) FROM change_log l
                         WHERE l.team_id = u.team_id AND l.seq > coalesce(c.pulled_seq, 0))
                 FROM devices d JOIN users u ON u.id = d.user_id
                 JOIN teams t ON t.id = u.team_id
                 LEFT JOIN device_cursors c ON c.device_id = d.id
                 ORDER BY d.created_at DESC, d.id",
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| DeviceRow {
                id: r.get(0),
                name: r.get(1),
                user_id: r.get(2),
                user_name: r.get(3),
                team_name: r.get(4),
                enrolled_at: r.get(5),
                last_sync: r.get(6),
                revoked_at: r.get(7),
                app_version: r.get(8),
                changes_waiting: r.get(9),
            })
            .collect())
    }

    async fn audit_entries(
        &self,
        filter: &AuditFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<AuditRow>, StoreError> {
        let (clause, mut params) = audit_where(filter, Dialect::Postgres);
        let sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM {AUDIT_FROM}{clause} ORDER BY a.at DESC, a.id DESC \
             LIMIT ${} OFFSET ${}",
            params.len() + 1,
            params.len() + 2
        );
        params.push(Param::Int(limit));
        params.push(Param::Int(offset));
        let client = self.pool.get().await?;
        let rows = client.query(&sql, &super::bind_refs(&params)).await?;
        Ok(rows
            .iter()
            .map(|r| AuditRow {
                id: r.get(0),
                at: r.get(1),
                user_id: r.get(2),
                user_name: r.get(3),
                device_id: r.get(4),
                action: r.get(5),
                entity: r.get(6),
                entity_id: r.get(7),
                outcome: r.get(8),
            })
            .collect())
    }

    async fn count_audit(&self, filter: &AuditFilter) -> Result<i64, StoreError> {
        let (clause, params) = audit_where(filter, Dialect::Postgres);
        let sql = format!("SELECT count(*) FROM {AUDIT_FROM}{clause}");
        let client = self.pool.get().await?;
        Ok(client
            .query_one(&sql, &super::bind_refs(&params))
            .await?
            .get(0))
    }

    async fn firms(&self) -> Result<Vec<FirmRow>, StoreError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(&format!("{FIRM_SELECT} ORDER BY f.name, f.id"), &[])
            .await?;
        Ok(rows.iter().map(firm_from_row).collect())
    }

    async fn firm(&self, id: &str) -> Result<Option<FirmRow>, StoreError> {
        let client = self.pool.get().await?;
        let row = client
            .query_opt(&format!("{FIRM_SELECT} WHERE f.id = $1"), &[&id])
            .await?;
        Ok(row.as_ref().map(firm_from_row))
    }

    async fn firm_users(&self, firm_id: &str) -> Result<Vec<FirmUserRow>, StoreError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT id, name, email, totp_secret IS NOT NULL, must_change_password,
                        disabled_at IS NOT NULL
                 FROM portal_users WHERE firm_id = $1 ORDER BY name, email, id",
                &[&firm_id],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| FirmUserRow {
                id: r.get(0),
                name: r.get(1),
                email: r.get(2),
                has_totp: r.get(3),
                must_change_password: r.get(4),
                disabled: r.get(5),
            })
            .collect())
    }
}

const FIRM_SELECT: &str = "SELECT f.id, f.name, \
     (SELECT count(*) FROM portal_users pu WHERE pu.firm_id = f.id), f.kind = 'agency' \
     FROM portal_firms f";

fn firm_from_row(r: &Row) -> FirmRow {
    FirmRow {
        id: r.get(0),
        name: r.get(1),
        users: r.get(2),
        agency: r.get(3),
    }
}
