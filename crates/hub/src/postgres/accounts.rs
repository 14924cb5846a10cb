//! Organisations, teams and users, as administrators set them up.

use deadpool_postgres::{Pool, Transaction};
use doorstep_core::Role;

use crate::model::{Refusal, StoreError};

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Finds one row by id or by name; a name shared by several rows is ambiguous.
pub(super) async fn resolve(
    tx: &Transaction<'_>,
    table: &str,
    what: &str,
    key: &str,
) -> Result<String, StoreError> {
    if let Some(row) = tx
        .query_opt(&format!("SELECT id FROM {table} WHERE id = $1"), &[&key])
        .await?
    {
        return Ok(row.get(0));
    }
    let rows = tx
        .query(
            &format!("SELECT id FROM {table} WHERE name = $1 LIMIT 2"),
            &[&key],
        )
        .await?;
    match rows.as_slice() {
        [row] => Ok(row.get(0)),
        [] => Err(Refusal::NotFound(format!("{what} {key:?}")).into()),
        _ => Err(Refusal::Ambiguous(format!("{what} {key:?}")).into()),
    }
}

/// Creates an organisation; its name must be new.
pub(super) async fn create_org(pool: &Pool, name: &str, now: i64) -> Result<String, StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    if tx
        .query_opt("SELECT 1 FROM organisations WHERE name = $1", &[&name])
        .await?
        .is_some()
    {
        return Err(Refusal::Duplicate(format!("organisation {name:?}")).into());
    }
    let id = new_id();
    tx.execute(
        "INSERT INTO organisations (id, name, created_at) VALUES ($1, $2, $3)",
        &[&id, &name, &now],
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Adds a team to an organisation; its name must be new there.
pub(super) async fn add_team(
    pool: &Pool,
    org: &str,
    name: &str,
    now: i64,
) -> Result<String, StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let org_id = resolve(&tx, "organisations", "organisation", org).await?;
    if tx
        .query_opt(
            "SELECT 1 FROM teams WHERE org_id = $1 AND name = $2",
            &[&org_id, &name],
        )
        .await?
        .is_some()
    {
        return Err(Refusal::Duplicate(format!("team {name:?}")).into());
    }
    let id = new_id();
    tx.execute(
        "INSERT INTO teams (id, org_id, name, created_at) VALUES ($1, $2, $3, $4)",
        &[&id, &org_id, &name, &now],
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Adds a user to a team.
pub(super) async fn add_user(
    pool: &Pool,
    team: &str,
    name: &str,
    role: Role,
    now: i64,
) -> Result<String, StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let team_id = resolve(&tx, "teams", "team", team).await?;
    let id = new_id();
    tx.execute(
        "INSERT INTO users (id, team_id, name, role, created_at) VALUES ($1, $2, $3, $4, $5)",
        &[&id, &team_id, &name, &role.as_str(), &now],
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
