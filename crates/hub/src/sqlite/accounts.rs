//! Organisations, teams and users, as administrators set them up.

use doorstep_core::Role;
use rusqlite::{OptionalExtension, Transaction, params};

use crate::model::{Refusal, StoreError};

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Finds one row by id or by name; a name shared by several rows is ambiguous.
pub(super) fn resolve(
    tx: &Transaction<'_>,
    table: &str,
    what: &str,
    key: &str,
) -> Result<String, StoreError> {
    let by_id: Option<String> = tx
        .query_row(
            &format!("SELECT id FROM {table} WHERE id = ?1"),
            [key],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = by_id {
        return Ok(id);
    }
    let mut stmt = tx.prepare(&format!("SELECT id FROM {table} WHERE name = ?1 LIMIT 2"))?;
    let ids: Vec<String> = stmt
        .query_map([key], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    match ids.as_slice() {
        [id] => Ok(id.clone()),
        [] => Err(Refusal::NotFound(format!("{what} {key:?}")).into()),
        _ => Err(Refusal::Ambiguous(format!("{what} {key:?}")).into()),
    }
}

/// Creates an organisation; its name must be new.
pub(super) fn create_org(tx: &Transaction<'_>, name: &str, now: i64) -> Result<String, StoreError> {
    let exists: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM organisations WHERE name = ?1)",
        [name],
        |r| r.get(0),
    )?;
    if exists {
        return Err(Refusal::Duplicate(format!("organisation {name:?}")).into());
    }
    let id = new_id();
    tx.execute(
        "INSERT INTO organisations (id, name, created_at) VALUES (?1, ?2, ?3)",
        params![id, name, now],
    )?;
    Ok(id)
}

/// Adds a team to an organisation; its name must be new there.
pub(super) fn add_team(
    tx: &Transaction<'_>,
    org: &str,
    name: &str,
    now: i64,
) -> Result<String, StoreError> {
    let org_id = resolve(tx, "organisations", "organisation", org)?;
    let exists: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM teams WHERE org_id = ?1 AND name = ?2)",
        params![org_id, name],
        |r| r.get(0),
    )?;
    if exists {
        return Err(Refusal::Duplicate(format!("team {name:?}")).into());
    }
    let id = new_id();
    tx.execute(
        "INSERT INTO teams (id, org_id, name, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![id, org_id, name, now],
    )?;
    Ok(id)
}

/// Adds a user to a team.
pub(super) fn add_user(
    tx: &Transaction<'_>,
    team: &str,
    name: &str,
    role: Role,
    now: i64,
) -> Result<String, StoreError> {
    let team_id = resolve(tx, "teams", "team", team)?;
    let id = new_id();
    tx.execute(
        "INSERT INTO users (id, team_id, name, role, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, team_id, name, role.as_str(), now],
    )?;
    Ok(id)
}
