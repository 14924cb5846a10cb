//! The embedded backend: one SQLite file (WAL, foreign keys on), used from blocking threads.
//!
//! This module owns the connection and answers the [`Store`] trait by running each
//! operation in one transaction; the statements live in a module per concern: the schema,
//! accounts, devices and their tokens, the change log and what reads or rewrites it, the
//! attachments, the audit log, and the contractor portal's tables ([`portal`]).

mod accounts;
mod attachments;
mod audit;
pub mod casework;
pub mod cipher;
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

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use doorstep_core::Role;
use doorstep_sync::protocol::{
    AttachmentReceipt, Change, Opening, OpeningsResponse, PullResponse, PushResponse,
};
use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::conflicts::HubIdentity;
use crate::model::{AuditEntry, DeviceInfo, Principal, Refusal, StoreError, TokenDigests};
use crate::store::{Purged, Stats, Store, StoredAttachment, Transfer};

/// The hub's SQLite database. One connection, serialised behind a mutex: SQLite takes one
/// writer at a time anyway, and every push is a single short transaction.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    path: PathBuf,
    /// Whether the file is encrypted under the hub's key.
    encrypted: bool,
    conn: Arc<Mutex<Connection>>,
    hub: HubIdentity,
}

impl SqliteStore {
    /// Opens (creating if need be) the plain database at `path` and brings its schema up to
    /// date; refuses an encrypted one (see [`SqliteStore::open_with`]).
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_with(path, None)
    }

    /// Opens (creating if need be) the database at `path`, under `key` when the hub has one
    /// ([`cipher::open`] says what it refuses), and brings its schema up to date.
    pub fn open_with(
        path: &Path,
        key: Option<&crate::hub_key::HubKey>,
    ) -> Result<Self, StoreError> {
        // The same opening as the laptop's store: WAL, synchronous FULL (an acknowledged
        // push survives a power cut), foreign keys, temp_store in memory (no plain sort
        // files), secure_delete (an erased record's bytes do not survive in free pages).
        let mut conn = cipher::open(path, key)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        schema::migrate(&mut conn)?;
        casework::rebuild_if_stale(&mut conn)?;
        let hub = schema::hub_identity(&mut conn)?;
        Ok(Self {
            path: path.to_owned(),
            encrypted: key.is_some(),
            conn: Arc::new(Mutex::new(conn)),
            hub,
        })
    }

    /// Runs `f` on the connection on a blocking thread.
    async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        run_on(&self.conn, f).await
    }

    /// Runs `f` in one immediate (write-locking) transaction, committed when it returns Ok.
    async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        write_on(&self.conn, f).await
    }
}

/// The values a hand-built query binds ([`crate::sql`]), as SQLite takes them.
fn bind_values(params: &[crate::sql::Param]) -> impl Iterator<Item = rusqlite::types::Value> + '_ {
    params.iter().map(|p| match p {
        crate::sql::Param::Text(t) => rusqlite::types::Value::Text(t.clone()),
        crate::sql::Param::Int(i) => rusqlite::types::Value::Integer(*i),
    })
}

/// Runs `f` on the shared connection on a blocking thread (the sync store and the portal
/// share it).
async fn run_on<T, F>(conn: &Arc<Mutex<Connection>>, f: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
{
    let conn = Arc::clone(conn);
    tokio::task::spawn_blocking(move || {
        // A panic mid-transaction rolls it back as the transaction drops, so the
        // connection behind a poisoned lock is still sound.
        let mut conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut conn)
    })
    .await
    .map_err(|e| StoreError::Backend(format!("database task failed: {e}")))?
}

/// Runs `f` in one immediate (write-locking) transaction, committed when it returns Ok.
async fn write_on<T, F>(conn: &Arc<Mutex<Connection>>, f: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce(&Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
{
    run_on(conn, move |conn| {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    })
    .await
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> String {
        format!("sqlite:{}", self.path.display())
    }

    fn hub_identity(&self) -> HubIdentity {
        self.hub
    }

    fn at_rest(&self) -> crate::store::AtRest {
        if self.encrypted {
            crate::store::AtRest::Encrypted
        } else {
            crate::store::AtRest::Plain
        }
    }

    fn portal(&self) -> Option<crate::portal::SharedPortalStore> {
        Some(Arc::new(portal::SqlitePortal::new(Arc::clone(&self.conn))))
    }

    fn reports(&self) -> Option<(crate::reports::SharedReportStore, crate::sql::Dialect)> {
        Some((
            std::sync::Arc::new(casework::SqliteCasework::new(Arc::clone(&self.conn))),
            crate::sql::Dialect::Sqlite,
        ))
    }

    fn casework(&self) -> Option<crate::casework::SharedCaseworkStore> {
        Some(Arc::new(casework::SqliteCasework::new(Arc::clone(
            &self.conn,
        ))))
    }

    fn console(&self) -> Option<crate::console::SharedConsoleStore> {
        Some(Arc::new(console::SqliteConsole::new(Arc::clone(
            &self.conn,
        ))))
    }

    fn mail(&self) -> Option<crate::mail::SharedMailStore> {
        Some(Arc::new(mail::SqliteMail::new(Arc::clone(&self.conn))))
    }

    fn privacy(&self) -> Option<crate::privacy::SharedPrivacyStore> {
        Some(Arc::new(privacy::SqlitePrivacy::new(
            Arc::clone(&self.conn),
            self.hub,
        )))
    }

    fn retention(&self) -> Option<crate::privacy::retention::SharedRetentionStore> {
        Some(Arc::new(privacy::SqlitePrivacy::new(
            Arc::clone(&self.conn),
            self.hub,
        )))
    }

    async fn create_org(&self, name: &str, now: i64) -> Result<String, StoreError> {
        let name = name.to_owned();
        self.write(move |tx| accounts::create_org(tx, &name, now))
            .await
    }

    async fn add_team(&self, org: &str, name: &str, now: i64) -> Result<String, StoreError> {
        let (org, name) = (org.to_owned(), name.to_owned());
        self.write(move |tx| accounts::add_team(tx, &org, &name, now))
            .await
    }

    async fn add_user(
        &self,
        team: &str,
        name: &str,
        role: Role,
        now: i64,
    ) -> Result<String, StoreError> {
        let (team, name) = (team.to_owned(), name.to_owned());
        self.write(move |tx| accounts::add_user(tx, &team, &name, role, now))
            .await
    }

    async fn add_enrolment_code(
        &self,
        user: &str,
        code_digest: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<String, StoreError> {
        let (user, digest) = (user.to_owned(), code_digest.to_owned());
        self.write(move |tx| devices::add_enrolment_code(tx, &user, &digest, now, expires_at))
            .await
    }

    async fn revoke_device(&self, device_id: &str, now: i64) -> Result<(), StoreError> {
        let device_id = device_id.to_owned();
        self.write(move |tx| devices::revoke(tx, &device_id, now))
            .await
    }

    async fn devices(&self) -> Result<Vec<DeviceInfo>, StoreError> {
        self.run(|conn| devices::all(conn)).await
    }

    async fn enrol(
        &self,
        code_digest: &str,
        device_id: &str,
        device_name: &str,
        tokens: &TokenDigests,
        now: i64,
    ) -> Result<Principal, StoreError> {
        let (digest, device_id, name, tokens) = (
            code_digest.to_owned(),
            device_id.to_owned(),
            device_name.to_owned(),
            tokens.clone(),
        );
        self.write(move |tx| devices::enrol(tx, &digest, &device_id, &name, &tokens, now))
            .await
    }

    async fn refresh(
        &self,
        refresh_digest: &str,
        claimed_device: &str,
        tokens: &TokenDigests,
        now: i64,
    ) -> Result<Result<Principal, Refusal>, StoreError> {
        let (digest, claimed, tokens) = (
            refresh_digest.to_owned(),
            claimed_device.to_owned(),
            tokens.clone(),
        );
        self.write(move |tx| devices::refresh(tx, &digest, &claimed, &tokens, now))
            .await
    }

    async fn authenticate(&self, access_digest: &str, now: i64) -> Result<Principal, StoreError> {
        let digest = access_digest.to_owned();
        self.run(move |conn| devices::authenticate(&conn.transaction()?, &digest, now))
            .await
    }

    async fn note_app_version(&self, device_id: &str, version: &str) -> Result<(), StoreError> {
        let (device_id, version) = (device_id.to_owned(), version.to_owned());
        self.write(move |tx| {
            tx.execute(
                "UPDATE devices SET app_version = ?2 WHERE id = ?1 AND app_version IS NOT ?2",
                rusqlite::params![device_id, version],
            )?;
            Ok(())
        })
        .await
    }

    async fn push(
        &self,
        who: &Principal,
        changes: &[Change],
        now: i64,
    ) -> Result<PushResponse, StoreError> {
        let (who, changes, hub) = (who.clone(), changes.to_vec(), self.hub);
        self.write(move |tx| sync::push(tx, hub, &who, &changes, now))
            .await
    }

    async fn pull(
        &self,
        who: &Principal,
        after: u64,
        limit: u32,
        now: i64,
    ) -> Result<PullResponse, StoreError> {
        let who = who.clone();
        self.write(move |tx| sync::pull(tx, &who, after, limit, now))
            .await
    }

    async fn put_attachment(
        &self,
        who: &Principal,
        sha256: &str,
        bytes: Vec<u8>,
        media_type: &str,
        now: i64,
    ) -> Result<AttachmentReceipt, StoreError> {
        let (who, sha256, media_type) = (who.clone(), sha256.to_owned(), media_type.to_owned());
        self.write(move |tx| attachments::put(tx, &who, sha256, bytes, &media_type, now))
            .await
    }

    async fn get_attachment(
        &self,
        who: &Principal,
        sha256: &str,
        now: i64,
    ) -> Result<Option<StoredAttachment>, StoreError> {
        let (who, sha256) = (who.clone(), sha256.to_owned());
        self.write(move |tx| attachments::get(tx, &who, &sha256, now))
            .await
    }

    async fn transfer_household(
        &self,
        household_id: &str,
        team: &str,
        now: i64,
    ) -> Result<Transfer, StoreError> {
        let (household_id, team, hub) = (household_id.to_owned(), team.to_owned(), self.hub);
        self.write(move |tx| scope::transfer_household(tx, hub, &household_id, &team, now))
            .await
    }

    async fn move_user(&self, user: &str, team: &str, now: i64) -> Result<String, StoreError> {
        let (user, team) = (user.to_owned(), team.to_owned());
        self.write(move |tx| scope::move_user(tx, &user, &team, now))
            .await
    }

    async fn set_role(&self, user: &str, role: Role, now: i64) -> Result<String, StoreError> {
        let user = user.to_owned();
        self.write(move |tx| scope::set_role(tx, &user, role, now))
            .await
    }

    async fn purge(&self, tombstone_days: u32, now: i64) -> Result<Purged, StoreError> {
        self.write(move |tx| purge::purge(tx, tombstone_days, now))
            .await
    }

    async fn record_openings(
        &self,
        who: &Principal,
        openings: &[Opening],
        now: i64,
    ) -> Result<OpeningsResponse, StoreError> {
        let (who, openings) = (who.clone(), openings.to_vec());
        self.write(move |tx| audit::record_openings(tx, &who, &openings, now))
            .await
    }

    async fn append_audit(&self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        let entries = entries.to_vec();
        self.write(move |tx| audit::insert(tx, &entries)).await
    }

    async fn audit(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        self.run(move |conn| audit::latest(conn, limit)).await
    }

    async fn stats(&self) -> Result<Stats, StoreError> {
        self.run(|conn| audit::stats(conn)).await
    }

    async fn import_crime(
        &self,
        import: &doorstep_reports::crime::CrimeImport,
        by: &str,
        label: &str,
        now: i64,
    ) -> Result<crate::crime::CrimeImportSummary, StoreError> {
        let batch = crime::Batch {
            source: import.source,
            rows: crate::crime::StoredBurglary::all(import),
            rejected: import.rejected_total,
            skipped: import.skipped_other_types,
        };
        let (by, label) = (by.to_owned(), label.to_owned());
        self.write(move |tx| crime::import(tx, &batch, &by, &label, now))
            .await
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
        self.run(move |conn| crime::between(conn, &from, &to)).await
    }

    async fn crime_imports(
        &self,
        limit: u32,
    ) -> Result<Vec<crate::crime::CrimeImportSummary>, StoreError> {
        self.run(move |conn| crime::imports(conn, limit)).await
    }
}
