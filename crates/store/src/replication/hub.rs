//! The hub this laptop is enrolled with, the pull cursor and the sync log, kept in the
//! encrypted store's settings.

use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, Utc};
use doorstep_core::{DeviceId, Hlc, Role};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::registry::{KINDS, Kind, parse_versions};
use crate::error::{Result, StoreError};
use crate::store::Store;

/// The settings keys of the sync bookkeeping.
const HUB_LINK: &str = "hub_link";
pub(super) const SYNC_CURSOR: &str = "sync_cursor";
const SYNC_LOG: &str = "sync_log";

/// The hub this laptop is enrolled with. The refresh token is a secret: Debug never shows it.
#[derive(Clone, PartialEq)]
pub struct HubLink {
    /// The hub's address.
    pub hub_url: String,
    /// The id the hub gave this laptop; its clock and changes carry it.
    pub hub_device_id: DeviceId,
    /// The council running the hub.
    pub organisation: String,
    /// The enrolled user's name.
    pub user_name: String,
    /// The enrolled user's role.
    pub user_role: Role,
    /// The token that renews access; each works once.
    pub refresh_token: String,
    /// When this laptop enrolled.
    pub enrolled_at: DateTime<Utc>,
}

impl fmt::Debug for HubLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HubLink")
            .field("hub_url", &self.hub_url)
            .field("hub_device_id", &self.hub_device_id)
            .field("organisation", &self.organisation)
            .field("user_name", &self.user_name)
            .field("user_role", &self.user_role)
            .field("refresh_token", &"<redacted>")
            .field("enrolled_at", &self.enrolled_at)
            .finish()
    }
}

/// How the hub link is kept in `settings`. A type of its own, so [`HubLink`] has no
/// `Serialize` that could carry its token somewhere by accident.
#[derive(Serialize, Deserialize)]
struct StoredHubLink {
    hub_url: String,
    hub_device_id: DeviceId,
    organisation: String,
    user_name: String,
    user_role: Role,
    refresh_token: String,
    enrolled_at: DateTime<Utc>,
}

/// When sync last worked and what last went wrong, in plain words.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SyncLog {
    /// The last sync that finished.
    pub last_synced_at: Option<DateTime<Utc>>,
    /// What went wrong last time, if the last attempt failed.
    pub last_error: Option<String>,
    /// The last attempt, whatever came of it.
    pub last_attempt_at: Option<DateTime<Utc>>,
}

pub(super) fn setting(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

pub(super) fn set_setting(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![key, value])?;
    Ok(())
}

/// Gives this laptop's unpushed changes the hub's device id: their clock readings, and the
/// versions they left on records and on later unpushed changes. Readings the hub already
/// holds (pushed changes, records from the hub) are left as they are.
fn restamp_unpushed(conn: &Connection, old: DeviceId, new: DeviceId) -> Result<()> {
    let rows: Vec<(i64, String, String)> = conn
        .prepare_cached(
            "SELECT seq, hlc, payload FROM outbox INDEXED BY outbox_unpushed
             WHERE pushed_at IS NULL AND device_id = ?1",
        )?
        .query_map([old.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if rows.is_empty() {
        return Ok(());
    }
    let mut renamed: HashMap<Hlc, Hlc> = HashMap::new();
    for (_, hlc, _) in &rows {
        let hlc: Hlc = hlc.parse().map_err(|_| {
            StoreError::Json(serde::de::Error::custom(
                "a damaged clock reading in the outbox",
            ))
        })?;
        renamed.insert(hlc, Hlc { device: new, ..hlc });
    }
    let rename = |h: Hlc| renamed.get(&h).copied().unwrap_or(h);
    for (seq, hlc, payload) in &rows {
        let mut payload: Value = serde_json::from_str(payload)?;
        if let Some(base) = payload
            .get_mut("base_versions")
            .and_then(Value::as_object_mut)
        {
            for version in base.values_mut() {
                if let Some(h) = version.as_str().and_then(|t| t.parse::<Hlc>().ok()) {
                    *version = Value::String(rename(h).to_string());
                }
            }
        }
        let hlc: Hlc = hlc.parse().map_err(|_| {
            StoreError::Json(serde::de::Error::custom(
                "a damaged clock reading in the outbox",
            ))
        })?;
        conn.prepare_cached(
            "UPDATE outbox SET hlc = ?2, device_id = ?3, payload = ?4 WHERE seq = ?1",
        )?
        .execute(params![
            seq,
            rename(hlc).to_string(),
            new.to_string(),
            serde_json::to_string(&payload)?
        ])?;
    }
    for Kind { table, .. } in &KINDS {
        let records: Vec<(String, String, String)> = conn
            .prepare(&format!(
                "SELECT id, hlc, field_versions FROM \"{table}\" WHERE field_versions LIKE '%' || ?1 || '%'"
            ))?
            .query_map([old.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (id, hlc, versions) in records {
            let mut versions = parse_versions(&versions)?;
            for version in versions.values_mut() {
                *version = rename(*version);
            }
            let hlc = hlc.parse::<Hlc>().map(rename).ok();
            conn.prepare(&format!(
                "UPDATE \"{table}\" SET field_versions = ?2,
                     hlc = coalesce(?3, hlc),
                     device_id = CASE WHEN ?3 IS NOT NULL AND hlc <> ?3 THEN ?4 ELSE device_id END
                 WHERE id = ?1"
            ))?
            .execute(params![
                id,
                serde_json::to_string(&versions)?,
                hlc.map(|h| h.to_string()),
                new.to_string(),
            ])?;
        }
    }
    Ok(())
}

impl Store {
    /// The hub this laptop is enrolled with, if any.
    pub fn hub_link(&self) -> Result<Option<HubLink>> {
        let Some(text) = setting(self.conn(), HUB_LINK)? else {
            return Ok(None);
        };
        let s: StoredHubLink = serde_json::from_str(&text)?;
        Ok(Some(HubLink {
            hub_url: s.hub_url,
            hub_device_id: s.hub_device_id,
            organisation: s.organisation,
            user_name: s.user_name,
            user_role: s.user_role,
            refresh_token: s.refresh_token,
            enrolled_at: s.enrolled_at,
        }))
    }

    /// Replaces the hub link. The hub's device id becomes this laptop's: its clock and every
    /// change from now on carry it, and local changes not yet sent are re-stamped with it
    /// (their versions included), because the hub accepts only changes from the pushing device.
    pub fn set_hub_link(&mut self, link: &HubLink) -> Result<()> {
        let stored = serde_json::to_string(&StoredHubLink {
            hub_url: link.hub_url.clone(),
            hub_device_id: link.hub_device_id,
            organisation: link.organisation.clone(),
            user_name: link.user_name.clone(),
            user_role: link.user_role,
            refresh_token: link.refresh_token.clone(),
            enrolled_at: link.enrolled_at,
        })?;
        let old = self.device().id;
        let new = link.hub_device_id;
        let tx = self.conn.transaction()?;
        set_setting(&tx, HUB_LINK, &stored)?;
        if old != new {
            restamp_unpushed(&tx, old, new)?;
            set_setting(&tx, "device_id", &new.to_string())?;
        }
        tx.commit()?;
        if old != new {
            self.set_device_id(new);
        }
        Ok(())
    }

    /// The last hub log position applied here (0: none).
    pub fn sync_cursor(&self) -> Result<u64> {
        Ok(setting(self.conn(), SYNC_CURSOR)?
            .and_then(|c| c.parse().ok())
            .unwrap_or(0))
    }

    /// Records the last hub log position applied here.
    pub fn set_sync_cursor(&mut self, cursor: u64) -> Result<()> {
        set_setting(self.conn(), SYNC_CURSOR, &cursor.to_string())
    }

    /// When sync last worked and what last went wrong.
    pub fn sync_log(&self) -> Result<SyncLog> {
        match setting(self.conn(), SYNC_LOG)? {
            Some(text) => Ok(serde_json::from_str(&text)?),
            None => Ok(SyncLog::default()),
        }
    }

    /// Replaces the sync log.
    pub fn set_sync_log(&mut self, log: &SyncLog) -> Result<()> {
        set_setting(self.conn(), SYNC_LOG, &serde_json::to_string(log)?)
    }
}
