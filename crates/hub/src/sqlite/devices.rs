//! Devices and their credentials: enrolment codes, the devices they enrol, and the access
//! and refresh tokens they hold. Whether a credential is good is judged in
//! [`crate::credentials`]; this module reads the rows and writes what the judge decides.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::accounts::resolve;
use crate::credentials::{
    CodeRow, RefreshVerdict, TokenRow, judge_access, judge_enrol, judge_refresh,
};
use crate::model::{DeviceInfo, Principal, Refusal, StoreError, TokenDigests, refuse_console_only};

fn principal_of_device(tx: &Transaction<'_>, device_id: &str) -> Result<Principal, StoreError> {
    let row: (String, String, String, String, String, String) = tx
        .prepare_cached(
            "SELECT u.id, u.name, u.role, u.team_id, o.id, o.name
             FROM devices d JOIN users u ON u.id = d.user_id
             JOIN teams t ON t.id = u.team_id JOIN organisations o ON o.id = t.org_id
             WHERE d.id = ?1",
        )?
        .query_row([device_id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?;
    let (user_id, user_name, role, team_id, org_id, org_name) = row;
    Principal::from_columns(
        device_id, &user_id, user_name, &role, team_id, &org_id, org_name,
    )
}

/// A token's row as the refresh and access queries select it: device, expiry, spent,
/// revoked, withdrawn.
fn token_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TokenRow> {
    Ok(TokenRow {
        device_id: r.get(0)?,
        expires_at: r.get(1)?,
        used_at: r.get(2)?,
        revoked_at: r.get(3)?,
        withdrawn_at: r.get(4)?,
    })
}

fn insert_tokens(
    tx: &Transaction<'_>,
    device_id: &str,
    tokens: &TokenDigests,
    now: i64,
) -> Result<(), StoreError> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO tokens (token_hash, device_id, kind, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    stmt.execute(params![
        tokens.access,
        device_id,
        "access",
        now,
        tokens.access_expires_at
    ])?;
    stmt.execute(params![
        tokens.refresh,
        device_id,
        "refresh",
        now,
        tokens.refresh_expires_at
    ])?;
    Ok(())
}

/// Stores the digest of a one-time enrolment code for a user; returns the user's id.
pub(super) fn add_enrolment_code(
    tx: &Transaction<'_>,
    user: &str,
    digest: &str,
    now: i64,
    expires_at: i64,
) -> Result<String, StoreError> {
    let user_id = resolve(tx, "users", "user", user)?;
    let role: String = tx.query_row("SELECT role FROM users WHERE id = ?1", [&user_id], |r| {
        r.get(0)
    })?;
    refuse_console_only(&role)?;
    tx.execute(
        "INSERT INTO enrolment_codes (code_hash, user_id, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![digest, user_id, now, expires_at],
    )?;
    Ok(user_id)
}

/// Revokes a device and ends its tokens.
pub(super) fn revoke(tx: &Transaction<'_>, device_id: &str, now: i64) -> Result<(), StoreError> {
    let changed = tx.execute(
        "UPDATE devices SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1",
        params![device_id, now],
    )?;
    if changed == 0 {
        return Err(Refusal::NotFound(format!("device {device_id:?}")).into());
    }
    tx.execute(
        "UPDATE tokens SET expires_at = min(expires_at, ?2) WHERE device_id = ?1",
        params![device_id, now],
    )?;
    Ok(())
}

/// Every device, oldest first.
pub(super) fn all(conn: &Connection) -> Result<Vec<DeviceInfo>, StoreError> {
    let mut stmt =
        conn.prepare("SELECT id, user_id, name, revoked_at FROM devices ORDER BY created_at")?;
    let rows = stmt
        .query_map([], |r| {
            Ok(DeviceInfo {
                id: r.get(0)?,
                user_id: r.get(1)?,
                name: r.get(2)?,
                revoked_at: r.get(3)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Spends an enrolment code: creates the device and stores its first tokens.
pub(super) fn enrol(
    tx: &Transaction<'_>,
    digest: &str,
    device_id: &str,
    name: &str,
    tokens: &TokenDigests,
    now: i64,
) -> Result<Principal, StoreError> {
    let code = tx
        .query_row(
            "SELECT user_id, expires_at, used_at FROM enrolment_codes WHERE code_hash = ?1",
            [digest],
            |r| {
                Ok(CodeRow {
                    user_id: r.get(0)?,
                    expires_at: r.get(1)?,
                    used_at: r.get(2)?,
                })
            },
        )
        .optional()?;
    let taken: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM devices WHERE id = ?1)",
        [&device_id],
        |r| r.get(0),
    )?;
    let user_id = judge_enrol(code, taken, device_id, now)?;
    tx.execute(
        "UPDATE enrolment_codes SET used_at = ?2, device_id = ?3 WHERE code_hash = ?1",
        params![digest, now, device_id],
    )?;
    tx.execute(
        "INSERT INTO devices (id, user_id, name, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![device_id, user_id, name, now],
    )?;
    tx.execute(
        "INSERT INTO device_cursors (device_id, pulled_seq, updated_at) VALUES (?1, 0, ?2)",
        params![device_id, now],
    )?;
    insert_tokens(tx, device_id, tokens, now)?;
    principal_of_device(tx, device_id)
}

/// Spends a refresh token and stores the new pair; the inner `Err` is a refusal (a replay
/// withdrew the device's tokens, and that is kept).
pub(super) fn refresh(
    tx: &Transaction<'_>,
    digest: &str,
    claimed: &str,
    tokens: &TokenDigests,
    now: i64,
) -> Result<Result<Principal, Refusal>, StoreError> {
    let found = tx
        .query_row(
            "SELECT t.device_id, t.expires_at, t.used_at, d.revoked_at, t.withdrawn_at
             FROM tokens t JOIN devices d ON d.id = t.device_id
             WHERE t.token_hash = ?1 AND t.kind = 'refresh'",
            [digest],
            token_row,
        )
        .optional()?;
    let device_id = match judge_refresh(found, claimed, now) {
        RefreshVerdict::Grant { device_id } => device_id,
        RefreshVerdict::Refuse(refusal) => return Ok(Err(refusal)),
        RefreshVerdict::WithdrawAndRefuse { device_id } => {
            tx.execute(
                "UPDATE tokens SET withdrawn_at = coalesce(withdrawn_at, ?2) WHERE device_id = ?1",
                params![device_id, now],
            )?;
            return Ok(Err(Refusal::TokenReplayed));
        }
    };
    tx.execute(
        "UPDATE tokens SET used_at = ?2 WHERE token_hash = ?1",
        params![digest, now],
    )?;
    insert_tokens(tx, &device_id, tokens, now)?;
    Ok(Ok(principal_of_device(tx, &device_id)?))
}

/// Who holds this access token, if it lets them in now.
pub(super) fn authenticate(
    tx: &Transaction<'_>,
    digest: &str,
    now: i64,
) -> Result<Principal, StoreError> {
    let found = tx
        .prepare_cached(
            "SELECT t.device_id, t.expires_at, NULL, d.revoked_at, t.withdrawn_at
             FROM tokens t JOIN devices d ON d.id = t.device_id
             WHERE t.token_hash = ?1 AND t.kind = 'access'",
        )?
        .query_row([digest], token_row)
        .optional()?;
    let device_id = judge_access(found, now)?;
    principal_of_device(tx, &device_id)
}
