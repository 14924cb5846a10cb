//! Devices and their credentials: enrolment codes, the devices they enrol, and the access
//! and refresh tokens they hold. Whether a credential is good is judged in
//! [`crate::credentials`]; this module reads the rows and writes what the judge decides.

use deadpool_postgres::{Pool, Transaction};

use super::accounts::resolve;
use crate::credentials::{
    CodeRow, RefreshVerdict, TokenRow, judge_access, judge_enrol, judge_refresh,
};
use crate::model::{DeviceInfo, Principal, Refusal, StoreError, TokenDigests};

async fn principal_of_device(
    tx: &Transaction<'_>,
    device_id: &str,
) -> Result<Principal, StoreError> {
    let row = tx
        .query_one(
            "SELECT u.id, u.name, u.role, u.team_id, o.id, o.name
             FROM devices d JOIN users u ON u.id = d.user_id
             JOIN teams t ON t.id = u.team_id JOIN organisations o ON o.id = t.org_id
             WHERE d.id = $1",
            &[&device_id],
        )
        .await?;
    Principal::from_columns(
        device_id,
        row.get(0),
        row.get(1),
        row.get(2),
        row.get(3),
        row.get(4),
        row.get(5),
    )
}

/// A token's row from column `at` on: device, expiry, spent, revoked, withdrawn.
fn token_row(r: &tokio_postgres::Row, at: usize) -> TokenRow {
    TokenRow {
        device_id: r.get(at),
        expires_at: r.get(at + 1),
        used_at: r.get(at + 2),
        revoked_at: r.get(at + 3),
        withdrawn_at: r.get(at + 4),
    }
}

async fn insert_tokens(
    tx: &Transaction<'_>,
    device_id: &str,
    tokens: &TokenDigests,
    now: i64,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO tokens (token_hash, device_id, kind, created_at, expires_at)
         VALUES ($1, $2, 'access', $3, $4), ($5, $2, 'refresh', $3, $6)",
        &[
            &tokens.access,
            &device_id,
            &now,
            &tokens.access_expires_at,
            &tokens.refresh,
            &tokens.refresh_expires_at,
        ],
    )
    .await?;
    Ok(())
}

/// Stores the digest of a one-time enrolment code for a user; returns the user's id.
pub(super) async fn add_enrolment_code(
    pool: &Pool,
    user: &str,
    code_digest: &str,
    now: i64,
    expires_at: i64,
) -> Result<String, StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let user_id = resolve(&tx, "users", "user", user).await?;
    let role: String = tx
        .query_one("SELECT role FROM users WHERE id = $1", &[&user_id])
        .await?
        .get(0);
    crate::model::refuse_console_only(&role)?;
    tx.execute(
        "INSERT INTO enrolment_codes (code_hash, user_id, created_at, expires_at)
         VALUES ($1, $2, $3, $4)",
        &[&code_digest, &user_id, &now, &expires_at],
    )
    .await?;
    tx.commit().await?;
    Ok(user_id)
}

/// Revokes a device and ends its tokens.
pub(super) async fn revoke(pool: &Pool, device_id: &str, now: i64) -> Result<(), StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let changed = tx
        .execute(
            "UPDATE devices SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1",
            &[&device_id, &now],
        )
        .await?;
    if changed == 0 {
        return Err(Refusal::NotFound(format!("device {device_id:?}")).into());
    }
    tx.execute(
        "UPDATE tokens SET expires_at = least(expires_at, $2) WHERE device_id = $1",
        &[&device_id, &now],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Every device, oldest first.
pub(super) async fn all(pool: &Pool) -> Result<Vec<DeviceInfo>, StoreError> {
    let client = pool.get().await?;
    let rows = client
        .query(
            "SELECT id, user_id, name, revoked_at FROM devices ORDER BY created_at",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| DeviceInfo {
            id: r.get(0),
            user_id: r.get(1),
            name: r.get(2),
            revoked_at: r.get(3),
        })
        .collect())
}

/// Spends an enrolment code: creates the device and stores its first tokens.
pub(super) async fn enrol(
    pool: &Pool,
    code_digest: &str,
    device_id: &str,
    device_name: &str,
    tokens: &TokenDigests,
    now: i64,
) -> Result<Principal, StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    // FOR UPDATE: two enrolments racing on one code take turns, and the second sees it used.
    let code = tx
        .query_opt(
            "SELECT user_id, expires_at, used_at FROM enrolment_codes
             WHERE code_hash = $1 FOR UPDATE",
            &[&code_digest],
        )
        .await?
        .map(|r| CodeRow {
            user_id: r.get(0),
            expires_at: r.get(1),
            used_at: r.get(2),
        });
    let taken = tx
        .query_opt("SELECT 1 FROM devices WHERE id = $1", &[&device_id])
        .await?
        .is_some();
    let user_id = judge_enrol(code, taken, device_id, now)?;
    tx.execute(
        "UPDATE enrolment_codes SET used_at = $2, device_id = $3 WHERE code_hash = $1",
        &[&code_digest, &now, &device_id],
    )
    .await?;
    tx.execute(
        "INSERT INTO devices (id, user_id, name, created_at) VALUES ($1, $2, $3, $4)",
        &[&device_id, &user_id, &device_name, &now],
    )
    .await?;
    tx.execute(
        "INSERT INTO device_cursors (device_id, pulled_seq, updated_at) VALUES ($1, 0, $2)",
        &[&device_id, &now],
    )
    .await?;
    insert_tokens(&tx, device_id, tokens, now).await?;
    let principal = principal_of_device(&tx, device_id).await?;
    tx.commit().await?;
    Ok(principal)
}

/// Spends a refresh token and stores the new pair; the inner `Err` is a refusal (a replay
/// withdrew the device's tokens, and that is kept).
pub(super) async fn refresh(
    pool: &Pool,
    refresh_digest: &str,
    claimed_device: &str,
    tokens: &TokenDigests,
    now: i64,
) -> Result<Result<Principal, Refusal>, StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let found = tx
        .query_opt(
            "SELECT t.device_id, t.expires_at, t.used_at, d.revoked_at, t.withdrawn_at
             FROM tokens t JOIN devices d ON d.id = t.device_id
             WHERE t.token_hash = $1 AND t.kind = 'refresh' FOR UPDATE OF t",
            &[&refresh_digest],
        )
        .await?
        .map(|r| token_row(&r, 0));
    let device_id = match judge_refresh(found, claimed_device, now) {
        RefreshVerdict::Grant { device_id } => device_id,
        RefreshVerdict::Refuse(refusal) => return Ok(Err(refusal)),
        RefreshVerdict::WithdrawAndRefuse { device_id } => {
            tx.execute(
                "UPDATE tokens SET withdrawn_at = coalesce(withdrawn_at, $2) WHERE device_id = $1",
                &[&device_id, &now],
            )
            .await?;
            tx.commit().await?;
            return Ok(Err(Refusal::TokenReplayed));
        }
    };
    tx.execute(
        "UPDATE tokens SET used_at = $2 WHERE token_hash = $1",
        &[&refresh_digest, &now],
    )
    .await?;
    insert_tokens(&tx, &device_id, tokens, now).await?;
    let principal = principal_of_device(&tx, &device_id).await?;
    tx.commit().await?;
    Ok(Ok(principal))
}

/// Who holds this access token, if it lets them in now.
pub(super) async fn authenticate(
    pool: &Pool,
    access_digest: &str,
    now: i64,
) -> Result<Principal, StoreError> {
    let client = pool.get().await?;
    let stmt = client
        .prepare_cached(
            "SELECT t.device_id, t.expires_at, NULL::BIGINT, d.revoked_at, t.withdrawn_at,
                    u.id, u.name, u.role, u.team_id, o.id, o.name
             FROM tokens t JOIN devices d ON d.id = t.device_id
             JOIN users u ON u.id = d.user_id JOIN teams tm ON tm.id = u.team_id
             JOIN organisations o ON o.id = tm.org_id
             WHERE t.token_hash = $1 AND t.kind = 'access'",
        )
        .await?;
    let row = client.query_opt(&stmt, &[&access_digest]).await?;
    let device_id = judge_access(row.as_ref().map(|r| token_row(r, 0)), now)?;
    // The judge lets in no token it was not given, so the row is there.
    let Some(row) = row else {
        return Err(Refusal::UnknownToken.into());
    };
    Principal::from_columns(
        &device_id,
        row.get(5),
        row.get(6),
        row.get(7),
        row.get(8),
        row.get(9),
        row.get(10),
    )
}
