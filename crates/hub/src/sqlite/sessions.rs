//! The sign-in SQL both apps run on the embedded backend, written once: spending a TOTP
//! step and the session rows. Each app keeps its own tables ([`SignInTables`]) and reads
//! its own user from a row; the statements are the same.

use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use crate::model::StoreError;
use crate::web::session::{IDLE_MS, NewSession, Session, Stage};
use crate::web::tables::SignInTables;

/// Reads an app's user from a row, starting at a column.
pub(super) type UserAt<U> = fn(&Row<'_>, usize) -> rusqlite::Result<U>;

/// One app's sessions and TOTP steps on SQLite.
#[derive(Debug, Clone)]
pub(super) struct SqliteSessions<U> {
    conn: Arc<Mutex<Connection>>,
    tables: SignInTables,
    user_at: UserAt<U>,
}

impl<U: Send + 'static> SqliteSessions<U> {
    /// The sessions of the app whose tables are `tables`, over the store's connection.
    pub(super) fn new(
        conn: Arc<Mutex<Connection>>,
        tables: SignInTables,
        user_at: UserAt<U>,
    ) -> Self {
        Self {
            conn,
            tables,
            user_at,
        }
    }

    async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        super::write_on(&self.conn, f).await
    }

    /// See [`crate::web::auth::AuthStore::spend_totp_step`].
    pub(super) async fn spend_totp_step(
        &self,
        user_id: &str,
        step: i64,
    ) -> Result<bool, StoreError> {
        let sql = format!(
            "UPDATE {} SET totp_last_step = ?2
             WHERE {} = ?1 AND (totp_last_step IS NULL OR totp_last_step < ?2)",
            self.tables.accounts(),
            self.tables.account_user_id(),
        );
        let user_id = user_id.to_owned();
        self.write(move |tx| {
            let changed = tx.execute(&sql, params![user_id, step])?;
            Ok(changed == 1)
        })
        .await
    }

    /// See [`crate::web::auth::AuthStore::create_session`].
    pub(super) async fn create(
        &self,
        session: &NewSession,
        replaces: Option<&str>,
    ) -> Result<(), StoreError> {
        let table = self.tables.sessions();
        let (session, replaces) = (session.clone(), replaces.map(str::to_owned));
        self.write(move |tx| {
            if let Some(old) = replaces {
                tx.execute(&format!("DELETE FROM {table} WHERE id_hash = ?1"), [&old])?;
            }
            // Sessions that ended are of no use to anyone: sweep them here, now and then.
            tx.execute(
                &format!("DELETE FROM {table} WHERE expires_at <= ?1 OR last_seen_at <= ?2"),
                params![session.now, session.now.saturating_sub(IDLE_MS)],
            )?;
            tx.execute(
                &format!(
                    "INSERT INTO {table} (id_hash, user_id, csrf, stage, created_at,
                                          last_seen_at, expires_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)"
                ),
                params![
                    session.id_hash,
                    session.user_id,
                    session.csrf,
                    session.stage.as_str(),
                    session.now,
                    session.expires_at
                ],
            )?;
            Ok(())
        })
        .await
    }

    /// See [`crate::web::auth::AuthStore::session`].
    pub(super) async fn session(&self, id_hash: &str) -> Result<Option<Session<U>>, StoreError> {
        let sql = self.tables.session_query("?1");
        let user_at = self.user_at;
        let id_hash = id_hash.to_owned();
        super::run_on(&self.conn, move |conn| {
            let found = conn
                .prepare_cached(&sql)?
                .query_row([&id_hash], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, i64>(3)?,
                        user_at(r, 4)?,
                    ))
                })
                .optional()?;
            let Some((csrf, stage, last_seen_at, expires_at, user)) = found else {
                return Ok(None);
            };
            let stage = Stage::parse(&stage)
                .ok_or_else(|| StoreError::Backend("stored session stage is damaged".into()))?;
            Ok(Some(Session {
                id_hash,
                user,
                csrf,
                stage,
                last_seen_at,
                expires_at,
            }))
        })
        .await
    }

    /// See [`crate::web::auth::AuthStore::touch_session`].
    pub(super) async fn touch(&self, id_hash: &str, now: i64) -> Result<(), StoreError> {
        let sql = format!(
            "UPDATE {} SET last_seen_at = ?2 WHERE id_hash = ?1",
            self.tables.sessions()
        );
        let id_hash = id_hash.to_owned();
        self.write(move |tx| {
            tx.execute(&sql, params![id_hash, now])?;
            Ok(())
        })
        .await
    }

    /// See [`crate::web::auth::AuthStore::end_session`].
    pub(super) async fn end(&self, id_hash: &str) -> Result<(), StoreError> {
        let sql = format!("DELETE FROM {} WHERE id_hash = ?1", self.tables.sessions());
        let id_hash = id_hash.to_owned();
        self.write(move |tx| {
            tx.execute(&sql, [&id_hash])?;
            Ok(())
        })
        .await
    }
}
