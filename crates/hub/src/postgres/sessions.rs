//! The sign-in SQL both apps run on PostgreSQL, written once: spending a TOTP step and
//! the session rows. Each app keeps its own tables ([`SignInTables`]) and reads its own
//! user from a row; the statements are the same.

use deadpool_postgres::Pool;
use tokio_postgres::Row;

use crate::model::StoreError;
use crate::web::session::{IDLE_MS, NewSession, Session, Stage};
use crate::web::tables::SignInTables;

/// Reads an app's user from a row, starting at a column.
pub(super) type UserAt<U> = fn(&Row, usize) -> Result<U, StoreError>;

/// One app's sessions and TOTP steps on PostgreSQL.
#[derive(Clone)]
pub(super) struct PgSessions<U> {
    pool: Pool,
    tables: SignInTables,
    user_at: UserAt<U>,
}

impl<U> PgSessions<U> {
    /// The sessions of the app whose tables are `tables`, over the store's pool.
    pub(super) fn new(pool: Pool, tables: SignInTables, user_at: UserAt<U>) -> Self {
        Self {
            pool,
            tables,
            user_at,
        }
    }

    /// See [`crate::web::auth::AuthStore::spend_totp_step`].
    pub(super) async fn spend_totp_step(
        &self,
        user_id: &str,
        step: i64,
    ) -> Result<bool, StoreError> {
        let sql = format!(
            "UPDATE {} SET totp_last_step = $2
             WHERE {} = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
            self.tables.accounts(),
            self.tables.account_user_id(),
        );
        let client = self.pool.get().await?;
        let changed = client.execute(&sql, &[&user_id, &step]).await?;
        Ok(changed == 1)
    }

    /// See [`crate::web::auth::AuthStore::create_session`].
    pub(super) async fn create(
        &self,
        session: &NewSession,
        replaces: Option<&str>,
    ) -> Result<(), StoreError> {
        let table = self.tables.sessions();
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        if let Some(old) = replaces {
            tx.execute(&format!("DELETE FROM {table} WHERE id_hash = $1"), &[&old])
                .await?;
        }
        // Sessions that ended are of no use to anyone: sweep them here, now and then.
        tx.execute(
            &format!("DELETE FROM {table} WHERE expires_at <= $1 OR last_seen_at <= $2"),
            &[&session.now, &session.now.saturating_sub(IDLE_MS)],
        )
        .await?;
        tx.execute(
            &format!(
                "INSERT INTO {table} (id_hash, user_id, csrf, stage, created_at,
                                      last_seen_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $5, $6)"
            ),
            &[
                &session.id_hash,
                &session.user_id,
                &session.csrf,
                &session.stage.as_str(),
                &session.now,
                &session.expires_at,
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// See [`crate::web::auth::AuthStore::session`].
    pub(super) async fn session(&self, id_hash: &str) -> Result<Option<Session<U>>, StoreError> {
        let client = self.pool.get().await?;
        let stmt = client
            .prepare_cached(&self.tables.session_query("$1"))
            .await?;
        let Some(row) = client.query_opt(&stmt, &[&id_hash]).await? else {
            return Ok(None);
        };
        let stage = Stage::parse(row.get(1))
            .ok_or_else(|| StoreError::Backend("stored session stage is damaged".into()))?;
        Ok(Some(Session {
            id_hash: id_hash.to_owned(),
            csrf: row.get(0),
            stage,
            last_seen_at: row.get(2),
            expires_at: row.get(3),
            user: (self.user_at)(&row, 4)?,
        }))
    }

    /// See [`crate::web::auth::AuthStore::touch_session`].
    pub(super) async fn touch(&self, id_hash: &str, now: i64) -> Result<(), StoreError> {
        let sql = format!(
            "UPDATE {} SET last_seen_at = $2 WHERE id_hash = $1",
            self.tables.sessions()
        );
        let client = self.pool.get().await?;
        client.execute(&sql, &[&id_hash, &now]).await?;
        Ok(())
    }

    /// See [`crate::web::auth::AuthStore::end_session`].
    pub(super) async fn end(&self, id_hash: &str) -> Result<(), StoreError> {
        let sql = format!("DELETE FROM {} WHERE id_hash = $1", self.tables.sessions());
        let client = self.pool.get().await?;
        client.execute(&sql, &[&id_hash]).await?;
        Ok(())
    }
}
