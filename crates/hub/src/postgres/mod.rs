//! The PostgreSQL backend: tokio-postgres behind a small deadpool pool.
//!
//! Pushes serialise on the change-log counter row (`SELECT … FOR UPDATE` first thing in
//! the transaction), so change-log entries commit in seq order and a pull that reads the
//! counter first never misses one.
//!
//! This module owns the pool and answers the [`Store`] trait; the statements live in a
//! module per concern: the schema, accounts, devices and their tokens, the change log and
//! what reads or rewrites it, the attachments, the audit log, and the contractor portal's
//! tables ([`portal`]).

mod accounts;
mod attachments;
mod audit;
pub mod casework;
pub mod console;
mod crime;
mod devices;
mod log;
pub mod mail;
pub mod portal;
pub mod privacy;
mod purge;
pub mod referrals;
mod retention;
mod schema;
mod scope;
mod sessions;
mod sync;
pub mod tls;

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use doorstep_core::Role;
use doorstep_sync::protocol::{
    AttachmentReceipt, Change, Opening, OpeningsResponse, PullResponse, PushResponse,
};
use tokio_postgres::NoTls;

use crate::conflicts::HubIdentity;
use crate::model::{AuditEntry, DeviceInfo, Principal, Refusal, StoreError, TokenDigests};
use crate::store::{Purged, Stats, Store, StoredAttachment, Transfer, redact_url};

/// The values a hand-built query binds ([`crate::sql`]), as tokio-postgres takes them.
fn bind_refs(params: &[crate::sql::Param]) -> Vec<&(dyn tokio_postgres::types::ToSql + Sync)> {
    params
        .iter()
        .map(|p| match p {
            crate::sql::Param::Text(t) => t as &(dyn tokio_postgres::types::ToSql + Sync),
            crate::sql::Param::Int(i) => i as &(dyn tokio_postgres::types::ToSql + Sync),
        })
        .collect()
}

/// The hub's PostgreSQL database.
#[derive(Clone)]
pub struct PgStore {
    url: String,
    pool: Pool,
    hub: HubIdentity,
    /// Writers to the change log (pushes, transfers, purges) take turns on its counter row
    /// anyway; taking turns here first keeps the waiting ones from holding pool
    /// connections that pulls need. The row lock still orders writers across processes.
    log_writers: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("url", &redact_url(&self.url))
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://user[:password]@host[:port]/database`, with libpq's
    /// `sslmode`, `sslrootcert`, `sslcert` and `sslkey`: see [`tls`]) and brings the schema
    /// up to date.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = Self::pool(url).await?;
        let in_context = |e| match e {
            StoreError::Backend(m) => {
                StoreError::Backend(format!("PostgreSQL at {}: {m}", redact_url(url)))
            }
            other => other,
        };
        schema::migrate(&pool).await.map_err(in_context)?;
        casework::rebuild_if_stale(&pool)
            .await
            .map_err(in_context)?;
        let hub = schema::hub_identity(&pool).await.map_err(in_context)?;
        Ok(Self {
            url: url.to_owned(),
            pool,
            hub,
            log_writers: std::sync::Arc::default(),
        })
    }

    /// Which hub the database at `url` belongs to, and whether it holds any data, without
    /// changing it (no migration): what a restore checks before it replaces anything.
    pub async fn peek(url: &str) -> Result<crate::backup::TargetHub, StoreError> {
        let pool = Self::pool(url).await?;
        let client = pool.get().await?;
        let row = client
            .query_one(
                "SELECT to_regclass('hub_settings') IS NOT NULL,
                        to_regclass('organisations') IS NOT NULL",
                &[],
            )
            .await?;
        let (settings, organisations): (bool, bool) = (row.get(0), row.get(1));
        let hub = if settings {
            client
                .query_opt(
                    "SELECT value FROM hub_settings WHERE name = 'hub_device_id'",
                    &[],
                )
                .await?
                .map(|r| r.get::<_, String>(0))
        } else {
            None
        };
        let has_data = organisations
            && client
                .query_one("SELECT EXISTS (SELECT 1 FROM organisations)", &[])
                .await?
                .get::<_, bool>(0);
        Ok(crate::backup::TargetHub { hub, has_data })
    }

    /// After a restore: brings the restored schema up to date and sends every laptop back
    /// to the beginning at its next pull (their cursors count a log the restore replaced).
    pub async fn after_restore(url: &str) -> Result<(), StoreError> {
        let store = Self::connect(url).await?;
        let client = store.pool.get().await?;
        client
            .execute("UPDATE device_cursors SET resync_needed = TRUE", &[])
            .await?;
        Ok(())
    }

    /// A pool on `url` whose first connection has been made, so a refused TLS handshake
    /// or a wrong address is told as such.
    async fn pool(url: &str) -> Result<Pool, StoreError> {
        let bad_url = |e: tls::TlsConfigError| {
            StoreError::Backend(format!("bad PostgreSQL URL {}: {e}", redact_url(url)))
        };
        let read = tls::read(url).map_err(bad_url)?;
        let connector = tls::connector(&read.settings)
            .map_err(|e| StoreError::Backend(format!("PostgreSQL at {}: {e}", redact_url(url))))?;
        if read.settings.mode == tls::Mode::Disable && !read.settings.local {
            tracing::warn!(
                "PostgreSQL at {} is not on this machine and sslmode=disable: records travel \
                 unencrypted (sslmode=verify-full encrypts them)",
                redact_url(url)
            );
        }
        let manager_config = || ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        };
        let manager = match connector {
            Some(tls) => Manager::from_config(read.config, tls, manager_config()),
            None => Manager::from_config(read.config, NoTls, manager_config()),
        };
        let pool = Pool::builder(manager)
            .max_size(16)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(std::time::Duration::from_secs(10)))
            .create_timeout(Some(std::time::Duration::from_secs(10)))
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        let in_context = |e| match e {
            StoreError::Backend(m) => {
                StoreError::Backend(format!("PostgreSQL at {}: {m}", redact_url(url)))
            }
            other => other,
        };
        // A first connection on its own, so a refused TLS handshake is told as such.
        match pool.get().await {
            Ok(client) => drop(client),
            Err(deadpool_postgres::PoolError::Backend(e)) => {
                return Err(match tls::explain(&read.settings, url, &e) {
                    Some(sentence) => StoreError::Backend(sentence),
                    None => in_context(StoreError::from(e)),
                });
            }
            Err(e) => return Err(in_context(StoreError::from(e))),
        }
        Ok(pool)
    }
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> String {
        redact_url(&self.url)
    }

    fn hub_identity(&self) -> HubIdentity {
        self.hub
    }

    fn portal(&self) -> Option<crate::portal::SharedPortalStore> {
        Some(std::sync::Arc::new(portal::PgPortal::new(
            self.pool.clone(),
        )))
    }

    fn reports(&self) -> Option<(crate::reports::SharedReportStore, crate::sql::Dialect)> {
        Some((
            std::sync::Arc::new(casework::PgCasework::new(self.pool.clone())),
            crate::sql::Dialect::Postgres,
        ))
    }

    fn casework(&self) -> Option<crate::casework::SharedCaseworkStore> {
        Some(std::sync::Arc::new(casework::PgCasework::new(
            self.pool.clone(),
        )))
    }

    fn console(&self) -> Option<crate::console::SharedConsoleStore> {
        Some(std::sync::Arc::new(console::PgConsole::new(
            self.pool.clone(),
        )))
    }

    fn mail(&self) -> Option<crate::mail::SharedMailStore> {
        Some(std::sync::Arc::new(mail::PgMail::new(self.pool.clone())))
    }

    fn privacy(&self) -> Option<crate::privacy::SharedPrivacyStore> {
        Some(std::sync::Arc::new(privacy::PgPrivacy::new(
            self.pool.clone(),
            self.hub,
        )))
    }

    fn retention(&self) -> Option<crate::privacy::retention::SharedRetentionStore> {
        Some(std::sync::Arc::new(privacy::PgPrivacy::new(
            self.pool.clone(),
            self.hub,
        )))
    }

    async fn create_org(&self, name: &str, now: i64) -> Result<String, StoreError> {
        accounts::create_org(&self.pool, name, now).await
    }

    async fn add_team(&self, org: &str, name: &str, now: i64) -> Result<String, StoreError> {
        accounts::add_team(&self.pool, org, name, now).await
    }

    async fn add_user(
        &self,
        team: &str,
        name: &str,
        role: Role,
        now: i64,
    ) -> Result<String, StoreError> {
        accounts::add_user(&self.pool, team, name, role, now).await
    }

    async fn add_enrolment_code(
        &self,
        user: &str,
        code_digest: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<String, StoreError> {
        devices::add_enrolment_code(&self.pool, user, code_digest, now, expires_at).await
    }

    async fn revoke_device(&self, device_id: &str, now: i64) -> Result<(), StoreError> {
        devices::revoke(&self.pool, device_id, now).await
    }

    async fn devices(&self) -> Result<Vec<DeviceInfo>, StoreError> {
        devices::all(&self.pool).await
    }

    async fn enrol(
        &self,
        code_digest: &str,
        device_id: &str,
        device_name: &str,
        tokens: &TokenDigests,
        now: i64,
    ) -> Result<Principal, StoreError> {
        devices::enrol(&self.pool, code_digest, device_id, device_name, tokens, now).await
    }

    async fn refresh(
        &self,
        refresh_digest: &str,
        claimed_device: &str,
        tokens: &TokenDigests,
        now: i64,
    ) -> Result<Result<Principal, Refusal>, StoreError> {
        devices::refresh(&self.pool, refresh_digest, claimed_device, tokens, now).await
    }

    async fn authenticate(&self, access_digest: &str, now: i64) -> Result<Principal, StoreError> {
        devices::authenticate(&self.pool, access_digest, now).await
    }

    async fn note_app_version(&self, device_id: &str, version: &str) -> Result<(), StoreError> {
        let client = self.pool.get().await?;
        client
            .execute(
                "UPDATE devices SET app_version = $2
                 WHERE id = $1 AND app_version IS DISTINCT FROM $2",
                &[&device_id, &version],
            )
            .await?;
        Ok(())
    }

    async fn push(
        &self,
        who: &Principal,
        changes: &[Change],
        now: i64,
    ) -> Result<PushResponse, StoreError> {
        let _turn = self.log_writers.lock().await;
        sync::push(&self.pool, self.hub, who, changes, now).await
    }

    async fn pull(
        &self,
        who: &Principal,
        after: u64,
        limit: u32,
        now: i64,
    ) -> Result<PullResponse, StoreError> {
        sync::pull(&self.pool, who, after, limit, now).await
    }

    async fn put_attachment(
        &self,
        who: &Principal,
        sha256: &str,
        bytes: Vec<u8>,
        media_type: &str,
        now: i64,
    ) -> Result<AttachmentReceipt, StoreError> {
        attachments::put(&self.pool, who, sha256, bytes, media_type, now).await
    }

    async fn get_attachment(
        &self,
        who: &Principal,
        sha256: &str,
        now: i64,
    ) -> Result<Option<StoredAttachment>, StoreError> {
        attachments::get(&self.pool, who, sha256, now).await
    }

    async fn transfer_household(
        &self,
        household_id: &str,
        team: &str,
        now: i64,
    ) -> Result<Transfer, StoreError> {
        let _turn = self.log_writers.lock().await;
        scope::transfer_household(&self.pool, self.hub, household_id, team, now).await
    }

    async fn move_user(&self, user: &str, team: &str, now: i64) -> Result<String, StoreError> {
        scope::move_user(&self.pool, user, team, now).await
    }

    async fn set_role(&self, user: &str, role: Role, now: i64) -> Result<String, StoreError> {
        scope::set_role(&self.pool, user, role, now).await
    }

    async fn purge(&self, tombstone_days: u32, now: i64) -> Result<Purged, StoreError> {
        let _turn = self.log_writers.lock().await;
        purge::purge(&self.pool, tombstone_days, now).await
    }

    async fn record_openings(
        &self,
        who: &Principal,
        openings: &[Opening],
        now: i64,
    ) -> Result<OpeningsResponse, StoreError> {
        audit::record_openings(&self.pool, who, openings, now).await
    }

    async fn append_audit(&self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        audit::append(&self.pool, entries).await
    }

    async fn audit(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        audit::latest(&self.pool, limit).await
    }

    async fn stats(&self) -> Result<Stats, StoreError> {
        audit::stats(&self.pool).await
    }

    async fn import_crime(
        &self,
        import: &doorstep_reports::crime::CrimeImport,
        by: &str,
        label: &str,
        now: i64,
    ) -> Result<crate::crime::CrimeImportSummary, StoreError> {
        crime::import(&self.pool, import, by, label, now).await
    }

    async fn burglaries_between(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<doorstep_reports::engine::Burglary>, StoreError> {
        let (from, to) = (
            from.format("%Y-%m-%d").to_string(),
            to.format("%Y-%m-%d").to_string(),
        );
        crime::between(&self.pool, &from, &to).await
    }

    async fn crime_imports(
        &self,
        limit: u32,
    ) -> Result<Vec<crate::crime::CrimeImportSummary>, StoreError> {
        crime::imports(&self.pool, limit).await
    }
}
