//! The console's tables on the embedded backend (migration 5), over the sync store's own
//! connection. The sign-in throttle is the portal's ([`SqlitePortal`]'s), shared.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use doorstep_core::Role;
use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

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

use super::portal::SqlitePortal;
use super::sessions::SqliteSessions;

/// The console's store on SQLite.
#[derive(Debug, Clone)]
pub struct SqliteConsole {
    conn: Arc<Mutex<Connection>>,
    /// The portal's store on the same connection: its throttle table is shared.
    throttle: SqlitePortal,
    /// The sign-in SQL both apps share, on the console's tables.
    sessions: SqliteSessions<StaffUser>,
}

impl SqliteConsole {
    /// The console's store over the sync store's connection.
    pub(crate) fn new(conn: Arc<Mutex<Connection>>) -> Self {
        Self {
            throttle: SqlitePortal::new(Arc::clone(&conn)),
            sessions: SqliteSessions::new(Arc::clone(&conn), SignInTables::Console, staff_from_row),
            conn,
        }
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

/// The stored role, or a conversion error for a damaged one (never a guess).
fn role_at(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Role> {
    let text: String = r.get(at)?;
    Role::parse(&text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            at,
            Type::Text,
            format!("unknown role {text:?}").into(),
        )
    })
}

const STAFF_COLUMNS: &str = SignInTables::Console.user_columns();
const STAFF_FROM: &str = "console_accounts a JOIN users u ON u.id = a.user_id \
                          JOIN teams t ON t.id = u.team_id";

fn staff_from_row(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<StaffUser> {
    Ok(StaffUser {
        id: r.get(at)?,
        name: r.get(at + 1)?,
        role: role_at(r, at + 2)?,
        team_id: r.get(at + 3)?,
        team_name: r.get(at + 4)?,
        email: r.get(at + 5)?,
        password_hash: r.get(at + 6)?,
        totp_secret: r.get(at + 7)?,
        disabled: r.get::<_, Option<i64>>(at + 8)?.is_some(),
    })
}

const PERSON_SELECT: &str = "SELECT u.id, u.name, u.role, u.team_id, t.name, a.email, \
     a.password_hash IS NOT NULL, a.disabled_at IS NOT NULL \
     FROM users u JOIN teams t ON t.id = u.team_id \
     LEFT JOIN console_accounts a ON a.user_id = u.id";

fn person_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PersonRow> {
    Ok(PersonRow {
        id: r.get(0)?,
        name: r.get(1)?,
        role: role_at(r, 2)?,
        team_id: r.get(3)?,
        team_name: r.get(4)?,
        email: r.get(5)?,
        set_up: r.get::<_, Option<bool>>(6)?.unwrap_or(false),
        disabled: r.get::<_, Option<bool>>(7)?.unwrap_or(false),
    })
}

/// The account whose set-up link has this hash, if it is still good at `now`.
fn to_set_up(
    conn: &Connection,
    setup_hash: &str,
    now: i64,
) -> Result<Option<StaffUser>, StoreError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {STAFF_COLUMNS} FROM {STAFF_FROM}
             WHERE a.setup_hash = ?1 AND a.setup_expires_at > ?2 AND a.disabled_at IS NULL"
        ))?
        .query_row(params![setup_hash, now], |r| staff_from_row(r, 0))
        .optional()?)
}

#[async_trait]
impl AuthStore for SqliteConsole {
    type User = StaffUser;

    async fn user_by_email(&self, email: &str) -> Result<Option<StaffUser>, StoreError> {
        let email = normalise_email(email);
        self.run(move |conn| {
            Ok(conn
                .prepare_cached(&format!(
                    "SELECT {STAFF_COLUMNS} FROM {STAFF_FROM} WHERE a.email = ?1"
                ))?
                .query_row([&email], |r| staff_from_row(r, 0))
                .optional()?)
        })
        .await
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
impl ConsoleStore for SqliteConsole {
    async fn add_account(
        &self,
        user_id: &str,
        email: &str,
        setup_hash: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        let (user_id, email, setup_hash) = (
            user_id.to_owned(),
            normalise_email(email),
            setup_hash.to_owned(),
        );
        self.write(move |tx| {
            let taken: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM console_accounts WHERE email = ?1 OR user_id = ?2)",
                params![email, user_id],
                |r| r.get(0),
            )?;
            if taken {
                return Err(Refusal::Duplicate(format!("console account {email:?}")).into());
            }
            tx.execute(
                "INSERT INTO console_accounts (user_id, email, setup_hash, setup_expires_at,
                                               created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![user_id, email, setup_hash, expires_at, now],
            )?;
            Ok(())
        })
        .await
    }

    async fn account_to_set_up(
        &self,
        setup_hash: &str,
        now: i64,
    ) -> Result<Option<StaffUser>, StoreError> {
        let setup_hash = setup_hash.to_owned();
        self.run(move |conn| to_set_up(conn, &setup_hash, now))
            .await
    }

    async fn offer_totp_secret(
        &self,
        setup_hash: &str,
        secret: &str,
        now: i64,
    ) -> Result<Option<String>, StoreError> {
        let (setup_hash, secret) = (setup_hash.to_owned(), secret.to_owned());
        self.write(move |tx| {
            tx.execute(
                "UPDATE console_accounts SET totp_secret = ?2, totp_last_step = NULL
                 WHERE setup_hash = ?1 AND setup_expires_at > ?3 AND totp_secret IS NULL",
                params![setup_hash, secret, now],
            )?;
            Ok(to_set_up(tx, &setup_hash, now)?.and_then(|u| u.totp_secret))
        })
        .await
    }

    async fn finish_set_up(
        &self,
        setup_hash: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let (setup_hash, password_hash) = (setup_hash.to_owned(), password_hash.to_owned());
        self.write(move |tx| {
            let Some(user) = to_set_up(tx, &setup_hash, now)? else {
                return Ok(false);
            };
            tx.execute(
                "UPDATE console_accounts SET password_hash = ?2, setup_hash = NULL,
                     setup_expires_at = NULL WHERE user_id = ?1",
                params![user.id, password_hash],
            )?;
            tx.execute(
                "DELETE FROM console_sessions WHERE user_id = ?1",
                [&user.id],
            )?;
            Ok(true)
        })
        .await
    }

    async fn renew_set_up(
        &self,
        user_id: &str,
        setup_hash: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let (user_id, setup_hash) = (user_id.to_owned(), setup_hash.to_owned());
        self.write(move |tx| {
            let changed = tx.execute(
                "UPDATE console_accounts SET password_hash = NULL, totp_secret = NULL,
                     totp_last_step = NULL, setup_hash = ?2, setup_expires_at = ?3
                 WHERE user_id = ?1",
                params![user_id, setup_hash, expires_at],
            )?;
            if changed == 0 {
                return Err(Refusal::NotFound(format!("console account {user_id:?}")).into());
            }
            tx.execute(
                "DELETE FROM console_sessions WHERE user_id = ?1",
                [&user_id],
            )?;
            Ok(())
        })
        .await
    }

    async fn set_account_disabled(
        &self,
        user_id: &str,
        disabled: bool,
        now: i64,
    ) -> Result<(), StoreError> {
        let user_id = user_id.to_owned();
        self.write(move |tx| {
            let changed = tx.execute(
                "UPDATE console_accounts SET disabled_at = ?2 WHERE user_id = ?1",
                params![user_id, disabled.then_some(now)],
            )?;
            if changed == 0 {
                return Err(Refusal::NotFound(format!("console account {user_id:?}")).into());
            }
            tx.execute(
                "DELETE FROM console_sessions WHERE user_id = ?1",
                [&user_id],
            )?;
            Ok(())
        })
        .await
    }

    async fn teams(&self) -> Result<Vec<TeamRow>, StoreError> {
        self.run(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT t.id, t.name, o.name,
                        (SELECT count(*) FROM users u WHERE u.team_id = t.id)
                 FROM teams t JOIN organisations o ON o.id = t.org_id
                 ORDER BY o.name, t.name, t.id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(TeamRow {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    org_name: r.get(2)?,
                    people: r.get(3)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn organisations(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.run(|conn| {
            let mut stmt =
                conn.prepare_cached("SELECT id, name FROM organisations ORDER BY name, id")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn people(&self) -> Result<Vec<PersonRow>, StoreError> {
        self.run(|conn| {
            let mut stmt =
                conn.prepare_cached(&format!("{PERSON_SELECT} ORDER BY t.name, u.name, u.id"))?;
            let rows = stmt.query_map([], person_from_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn person(&self, user_id: &str) -> Result<Option<PersonRow>, StoreError> {
        let user_id = user_id.to_owned();
        self.run(move |conn| {
            Ok(conn
                .prepare_cached(&format!("{PERSON_SELECT} WHERE u.id = ?1"))?
                .query_row([&user_id], person_from_row)
                .optional()?)
        })
        .await
    }

    async fn laptops(&self) -> Result<Vec<DeviceRow>, StoreError> {
        self.run(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT d.id, d.name, u.id, u.name, t.name, d.created_at, c.updated_at,
                        d.revoked_at, d.app_version,
                        (SELECT count(*) FROM change_log l
                         WHERE l.team_id = u.team_id AND l.seq > coalesce(c.pulled_seq, 0))
                 FROM devices d JOIN users u ON u.id = d.user_id
                 JOIN teams t ON t.id = u.team_id
                 LEFT JOIN device_cursors c ON c.device_id = d.id
                 ORDER BY d.created_at DESC, d.id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(DeviceRow {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    user_id: r.get(2)?,
                    user_name: r.get(3)?,
                    team_name: r.get(4)?,
                    enrolled_at: r.get(5)?,
                    last_sync: r.get(6)?,
                    revoked_at: r.get(7)?,
                    app_version: r.get(8)?,
                    changes_waiting: r.get(9)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn audit_entries(
        &self,
        filter: &AuditFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<AuditRow>, StoreError> {
        let (clause, mut params) = audit_where(filter, Dialect::Sqlite);
        let sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM {AUDIT_FROM}{clause} ORDER BY a.at DESC, a.id DESC \
             LIMIT ?{} OFFSET ?{}",
            params.len() + 1,
            params.len() + 2
        );
        params.push(Param::Int(limit));
        params.push(Param::Int(offset));
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(
                rusqlite::params_from_iter(super::bind_values(&params)),
                |r| {
                    Ok(AuditRow {
                        id: r.get(0)?,
                        at: r.get(1)?,
                        user_id: r.get(2)?,
                        user_name: r.get(3)?,
                        device_id: r.get(4)?,
                        action: r.get(5)?,
                        entity: r.get(6)?,
                        entity_id: r.get(7)?,
                        outcome: r.get(8)?,
                    })
                },
            )?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn count_audit(&self, filter: &AuditFilter) -> Result<i64, StoreError> {
        let (clause, params) = audit_where(filter, Dialect::Sqlite);
        let sql = format!("SELECT count(*) FROM {AUDIT_FROM}{clause}");
        self.run(move |conn| {
            Ok(conn.prepare_cached(&sql)?.query_row(
                rusqlite::params_from_iter(super::bind_values(&params)),
                |r| r.get(0),
            )?)
        })
        .await
    }

    async fn firms(&self) -> Result<Vec<FirmRow>, StoreError> {
        self.run(|conn| {
            let mut stmt = conn.prepare_cached(&format!("{FIRM_SELECT} ORDER BY f.name, f.id"))?;
            let rows = stmt.query_map([], firm_from_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn firm(&self, id: &str) -> Result<Option<FirmRow>, StoreError> {
        let id = id.to_owned();
        self.run(move |conn| {
            Ok(conn
                .prepare_cached(&format!("{FIRM_SELECT} WHERE f.id = ?1"))?
                .query_row([&id], firm_from_row)
                .optional()?)
        })
        .await
    }

    async fn firm_users(&self, firm_id: &str) -> Result<Vec<FirmUserRow>, StoreError> {
        let firm_id = firm_id.to_owned();
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, name, email, totp_secret IS NOT NULL, must_change_password <> 0,
                        disabled_at IS NOT NULL
                 FROM portal_users WHERE firm_id = ?1 ORDER BY name, email, id",
            )?;
            let rows = stmt.query_map([&firm_id], |r| {
                Ok(FirmUserRow {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    email: r.get(2)?,
                    has_totp: r.get(3)?,
                    must_change_password: r.get(4)?,
                    disabled: r.get(5)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }
}

const FIRM_SELECT: &str = "SELECT f.id, f.name, \
     (SELECT count(*) FROM portal_users pu WHERE pu.firm_id = f.id), f.kind = 'agency' \
     FROM portal_firms f";

fn firm_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FirmRow> {
    Ok(FirmRow {
        id: r.get(0)?,
        name: r.get(1)?,
        users: r.get(2)?,
        agency: r.get(3)?,
    })
}
