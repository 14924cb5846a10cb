//! The report facts' statements, written once for both backends.

use chrono::NaiveDate;
use doorstep_reports::fact::{Fact, Fields, from_record};
use doorstep_sync::protocol::EntityKind;

use crate::casework::sql::{Dialect, Sql};

/// Ids bound per statement: well under SQLite's limit on parameters.
pub const CHUNK: usize = 500;

/// The statements that keep a record's fact in step with the record as just written
/// (`deleted`: it is gone, or a tombstone).
pub fn fact_statements(
    style: Dialect,
    entity: EntityKind,
    id: &str,
    team: &str,
    fields: &crate::casework::index::Fields,
    deleted: bool,
) -> Vec<Sql> {
    let fact = if deleted {
        None
    } else {
        // The hub's fields map and the reports crate's are the same shape.
        let fields: &Fields = fields;
        from_record(entity.as_str(), id, team, fields)
    };
    write(style, entity.as_str(), id, fact.as_ref())
}

/// The statements that set (or, for `None`, remove) a record's fact.
pub fn write(style: Dialect, entity: &str, id: &str, fact: Option<&Fact>) -> Vec<Sql> {
    let remove = || {
        let mut q = Sql::new(style);
        let (e, i) = (q.text(entity), q.text(id));
        q.text = format!("DELETE FROM report_facts WHERE entity = {e} AND entity_id = {i}");
        vec![q]
    };
    // One statement per record on the push path: an upsert, or a delete when it is gone.
    let Some(json) = fact.and_then(|f| serde_json::to_string(f).ok()) else {
        return remove();
    };
    let Some(fact) = fact else {
        return remove();
    };
    let mut q = Sql::new(style);
    let (e, i, t) = (q.text(entity), q.text(id), q.text(&fact.team));
    let parent = match fact.parent() {
        Some(p) => q.text(p),
        None => "NULL".to_owned(),
    };
    let day = match fact.last_day() {
        Some(d) => q.text(&d.to_string()),
        None => "NULL".to_owned(),
    };
    let body = q.text(&json);
    q.text = format!(
        "INSERT INTO report_facts (entity, entity_id, team_id, parent_id, last_day, fact)
         VALUES ({e}, {i}, {t}, {parent}, {day}, {body})
         ON CONFLICT (entity, entity_id) DO UPDATE SET team_id = excluded.team_id,
             parent_id = excluded.parent_id, last_day = excluded.last_day, fact = excluded.fact"
    );
    vec![q]
}

fn teams(q: &mut Sql, teams: Option<&[String]>) -> String {
    match teams {
        None => "TRUE".to_owned(),
        Some(list) => q.any_of("team_id", list),
    }
}

/// The facts whose latest day is on or after `from`, of `teams` (`None`: every team).
pub fn since(style: Dialect, from: NaiveDate, team_list: Option<&[String]>) -> Sql {
    let mut q = Sql::new(style);
    let day = q.text(&from.to_string());
    let teams = teams(&mut q, team_list);
    q.text = format!("SELECT fact FROM report_facts WHERE last_day >= {day} AND {teams}");
    q
}

/// The facts counted through any of `parents` (at most [`CHUNK`]).
pub fn children(style: Dialect, parents: &[String], team_list: Option<&[String]>) -> Sql {
    let mut q = Sql::new(style);
    let ids = q.any_of("parent_id", parents);
    let teams = teams(&mut q, team_list);
    q.text = format!("SELECT fact FROM report_facts WHERE {ids} AND {teams}");
    q
}

/// The facts of records of `entity` with any of `ids` (at most [`CHUNK`]).
pub fn by_id(style: Dialect, entity: &str, ids: &[String], team_list: Option<&[String]>) -> Sql {
    let mut q = Sql::new(style);
    let e = q.text(entity);
    let ids = q.any_of("entity_id", ids);
    let teams = teams(&mut q, team_list);
    q.text = format!("SELECT fact FROM report_facts WHERE entity = {e} AND {ids} AND {teams}");
    q
}

/// The facts of records the retention schedule just anonymised, from the figure fields it
/// kept (`(key, team, fields JSON)`): run after the records' own facts were deleted.
pub fn kept_statements(
    style: Dialect,
    kept: &[(crate::push::RecordKey, String, String)],
) -> Vec<crate::privacy::erasure::Statement> {
    kept.iter()
        .flat_map(|((entity, id), team, fields)| {
            let fields: Fields = serde_json::from_str(fields).unwrap_or_default();
            let fact = from_record(entity.as_str(), id, team, &fields);
            write(style, entity.as_str(), id, fact.as_ref())
        })
        .map(|q| crate::privacy::erasure::Statement {
            text: q.text,
            params: q.params,
        })
        .collect()
}
