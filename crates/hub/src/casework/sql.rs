//! The casework queries, written once for both backends: each builds its SQL text with the
//! backend's placeholders and the values to bind, so a search or a list reads the same on
//! SQLite and PostgreSQL. Every value typed by a person is a bound parameter.

use doorstep_core::privacy::lookup::{PersonQuery, dob_word, phone_word};
use doorstep_core::search::SearchTerms;
use doorstep_sync::protocol::EntityKind;

pub use crate::sql::{Dialect, Param};

use super::Scope;
use super::index::CaseEntry;
use super::lists::{ListQuery, Order};

/// A query's text and the values it binds, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sql {
    /// The SQL.
    pub text: String,
    /// Its parameters.
    pub params: Vec<Param>,
    style: Dialect,
}

impl Sql {
    pub(crate) fn new(style: Dialect) -> Self {
        Self {
            text: String::new(),
            params: Vec::new(),
            style,
        }
    }

    /// Binds a value and answers its placeholder.
    pub(crate) fn bind(&mut self, param: Param) -> String {
        self.params.push(param);
        self.style.mark(self.params.len())
    }

    pub(crate) fn text(&mut self, value: &str) -> String {
        self.bind(Param::Text(value.to_owned()))
    }

    /// `column IN (…)` over `values` (never empty: an empty list matches nothing).
    pub(crate) fn any_of(&mut self, column: &str, values: &[String]) -> String {
        if values.is_empty() {
            return "FALSE".to_owned();
        }
        let marks: Vec<String> = values.iter().map(|v| self.text(v)).collect();
        format!("{column} IN ({})", marks.join(", "))
    }

    /// The condition that keeps rows of `column` (a team id) inside the scope.
    fn teams(&mut self, column: &str, scope: &Scope) -> String {
        match &scope.teams {
            None => "TRUE".to_owned(),
            Some(teams) => self.any_of(column, teams),
        }
    }

    /// `column` starts with `prefix` (an indexed range, with the column compared byte by
    /// byte: PostgreSQL's columns are declared `COLLATE "C"`).
    fn starts_with(&mut self, column: &str, prefix: &str) -> String {
        let low = self.text(prefix);
        let high = self.text(&format!("{prefix}{}", char::MAX));
        format!("{column} >= {low} AND {column} < {high}")
    }
}

fn kinds(scope: &Scope) -> Vec<String> {
    scope.kinds.iter().map(|k| k.as_str().to_owned()).collect()
}

/// The columns a household hit is read from: id, team, fields.
const HOUSEHOLD_COLUMNS: &str = "h.entity_id, h.team_id, h.fields";

/// Households matching a search, at most `limit`.
///
/// A search of words reads the households of its longest word (the likeliest to be rare)
/// and keeps those whose own words also start with each other word, one indexed probe
/// per household (`case_words_household`), stopping at `limit`; an `INTERSECT` of every
/// word's households read each common word's range in full (docs/performance.md,
/// issue 12).
pub fn search(style: Dialect, scope: &Scope, terms: &SearchTerms, limit: u32) -> Sql {
    let mut q = Sql::new(style);
    let found = match terms {
        SearchTerms::Postcode { outward, inward } => {
            let prefix = format!("{} {}", outward.to_uppercase(), inward.to_uppercase());
            let range = q.starts_with("c.postcode", &prefix);
            let teams = q.teams("c.team_id", scope);
            format!(
                "h.entity_id IN (SELECT c.entity_id FROM case_index c
                 WHERE c.entity = 'household' AND {range} AND {teams})"
            )
        }
        SearchTerms::Words(words) => {
            let kinds = kinds(scope);
            let mut words: Vec<&String> = words.iter().collect();
            words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
            let mut parts = Vec::new();
            for (n, w) in words.iter().enumerate() {
                let range = q.starts_with("w.word", w);
                let teams = q.teams("w.team_id", scope);
                let kinds = q.any_of("w.entity", &kinds);
                parts.push(if n == 0 {
                    format!(
                        "h.entity_id IN (SELECT w.household_id FROM case_words w
                         WHERE {range} AND {teams} AND {kinds})"
                    )
                } else {
                    format!(
                        "EXISTS (SELECT 1 FROM case_words w WHERE w.household_id = h.entity_id
                         AND {range} AND {teams} AND {kinds})"
                    )
                });
            }
            parts.join(" AND ")
        }
    };
    let teams = q.teams("h.team_id", scope);
    let limit = q.bind(Param::Int(i64::from(limit)));
    q.text = format!(
        "SELECT {HOUSEHOLD_COLUMNS} FROM records h
         WHERE h.entity = 'household' AND h.tombstone = FALSE AND {teams} AND {found}
         LIMIT {limit}"
    );
    q
}

/// Residents matching a subject access search, each on its own row however alike (never
/// merged): person id, person fields, team, household id, household fields; at most
/// `limit`, every team's in `scope`.
///
/// A date of birth or a phone number is one exact index word (`core::privacy::lookup`),
/// read from `case_words`' key; a name reads its longest word's range of residents' words
/// and keeps those that also have a word starting with each other word, one probe of the
/// household's words each (`case_words_household`), as the households search does.
pub fn people(style: Dialect, scope: &Scope, query: &PersonQuery, limit: u32) -> Sql {
    let mut q = Sql::new(style);
    let mut conditions = Vec::new();
    match query {
        PersonQuery::DateOfBirth(born) => {
            conditions.push(format!("w.word = {}", q.text(&dob_word(*born))));
        }
        PersonQuery::Phone(phone) => {
            conditions.push(format!("w.word = {}", q.text(&phone_word(phone))));
        }
        PersonQuery::Name(words) => {
            let mut words: Vec<&String> = words.iter().collect();
            words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
            for (n, w) in words.iter().enumerate() {
                let range = q.starts_with(if n == 0 { "w.word" } else { "o.word" }, w);
                conditions.push(if n == 0 {
                    range
                } else {
                    format!(
                        "EXISTS (SELECT 1 FROM case_words o WHERE o.household_id = w.household_id
                         AND {range} AND o.entity = 'person' AND o.entity_id = w.entity_id)"
                    )
                });
            }
        }
    }
    if !scope.reads(EntityKind::Person) {
        conditions.push("FALSE".to_owned());
    }
    conditions.push(q.teams("w.team_id", scope));
    let conditions = conditions.join(" AND ");
    let limit = q.bind(Param::Int(i64::from(limit)));
    q.text = format!(
        "SELECT p.entity_id, p.fields, p.team_id, h.entity_id, h.fields
         FROM case_words w
         JOIN records p ON p.entity = 'person' AND p.entity_id = w.entity_id
         JOIN records h ON h.entity = 'household' AND h.entity_id = w.household_id
         WHERE w.entity = 'person' AND {conditions}
           AND p.tombstone = FALSE AND h.tombstone = FALSE
         LIMIT {limit}"
    );
    q
}

/// A household's records in scope: entity, id, fields, team.
pub fn household(style: Dialect, scope: &Scope, household_id: &str) -> Sql {
    let mut q = Sql::new(style);
    let id = q.text(household_id);
    let teams = q.teams("c.team_id", scope);
    let kinds = q.any_of("c.entity", &kinds(scope));
    q.text = format!(
        "SELECT c.entity, c.entity_id, r.fields, c.team_id FROM case_index c
         JOIN records r ON r.entity = c.entity AND r.entity_id = c.entity_id
         WHERE c.household_id = {id} AND {teams} AND {kinds} AND r.tombstone = FALSE"
    );
    q
}

/// The `WHERE` of a list.
fn list_where(q: &mut Sql, scope: &Scope, query: &ListQuery) -> String {
    let mut conditions = vec![format!("c.entity = {}", q.text(query.entity.as_str()))];
    conditions.push("c.household_id IS NOT NULL".to_owned());
    if !scope.reads(query.entity) {
        conditions.push("FALSE".to_owned());
    }
    conditions.push(q.teams("c.team_id", scope));
    if !query.statuses.is_empty() {
        conditions.push(q.any_of("c.status", &query.statuses));
    }
    if let Some(before) = &query.due_before {
        conditions.push(format!("c.due < {}", q.text(before)));
    }
    if let Some(by) = &query.due_by {
        conditions.push(format!("c.due <= {}", q.text(by)));
    }
    if let Some(open) = &query.open_on {
        conditions.push(format!("c.until >= {}", q.text(open)));
    }
    if query.doors_left {
        conditions.push(
            "EXISTS (SELECT 1 FROM case_index t WHERE t.parent_id = c.entity_id
                     AND t.entity = 'cocoon_target' AND t.status = 'pending')"
                .to_owned(),
        );
    }
    conditions.join(" AND ")
}

/// One page of a list: entity, id, fields, household id, household fields, since, due,
/// doors left, team.
pub fn list(style: Dialect, scope: &Scope, query: &ListQuery, limit: u32, offset: u32) -> Sql {
    let mut q = Sql::new(style);
    let conditions = list_where(&mut q, scope, query);
    let order = match query.order {
        Order::Since => "c.since, c.entity_id",
        Order::Due => "c.due, c.entity_id",
    };
    let limit = q.bind(Param::Int(i64::from(limit)));
    let offset = q.bind(Param::Int(i64::from(offset)));
    // The page is cut from the index alone (an index-only scan in the list's order), and
    // only its rows are joined to their records: rows skipped by OFFSET are never read.
    q.text = format!(
        "SELECT c.entity, c.entity_id, r.fields, c.household_id, h.fields, c.since, c.due,
                (SELECT count(*) FROM case_index t WHERE t.parent_id = c.entity_id
                   AND t.entity = 'cocoon_target' AND t.status = 'pending'),
                c.team_id
         FROM (SELECT c.entity, c.entity_id, c.household_id, c.since, c.due, c.team_id
               FROM case_index c WHERE {conditions}
               ORDER BY {order} LIMIT {limit} OFFSET {offset}) c
         JOIN records r ON r.entity = c.entity AND r.entity_id = c.entity_id
         LEFT JOIN records h ON h.entity = 'household' AND h.entity_id = c.household_id
         ORDER BY {order}"
    );
    q
}

/// How many rows a list has.
pub fn list_count(style: Dialect, scope: &Scope, query: &ListQuery) -> Sql {
    let mut q = Sql::new(style);
    let conditions = list_where(&mut q, scope, query);
    q.text = format!("SELECT count(*) FROM case_index c WHERE {conditions}");
    q
}

/// The statements that bring the case index up to date with one record as just written:
/// its row and words replaced (or removed, when `entry` is `None`: a deleted record, or
/// one the console does not place), its household taken from its parent when it does not
/// name one, and any record written earlier that waited for it as a parent given its
/// household.
pub fn index_record(
    style: Dialect,
    entity: EntityKind,
    id: &str,
    team_id: &str,
    entry: Option<&CaseEntry>,
) -> Vec<Sql> {
    let mut out = Vec::new();
    let remove = |table: &str| {
        let mut q = Sql::new(style);
        let (e, i) = (q.text(entity.as_str()), q.text(id));
        q.text = format!("DELETE FROM {table} WHERE entity = {e} AND entity_id = {i}");
        q
    };
    out.push(remove("case_words"));
    let Some(entry) = entry else {
        out.push(remove("case_index"));
        return out;
    };
    let mut q = Sql::new(style);
    let text = |q: &mut Sql, v: Option<&str>| match v {
        Some(v) => q.text(v),
        None => "NULL".to_owned(),
    };
    let (e, i, t) = (q.text(entity.as_str()), q.text(id), q.text(team_id));
    let (parent_kind, parent_id) = (
        text(&mut q, entry.parent.as_ref().map(|p| p.0.as_str())),
        text(&mut q, entry.parent.as_ref().map(|p| p.1.as_str())),
    );
    let household = match &entry.household_id {
        Some(h) => q.text(h),
        None => format!(
            "(SELECT p.household_id FROM case_index p
              WHERE p.entity = {parent_kind} AND p.entity_id = {parent_id})"
        ),
    };
    let status = text(&mut q, entry.status.as_deref());
    let since = text(&mut q, entry.since.as_deref());
    let due = text(&mut q, entry.due.as_deref());
    let until = text(&mut q, entry.until.as_deref());
    let postcode = text(&mut q, entry.postcode.as_deref());
    q.text = format!(
        "INSERT INTO case_index (entity, entity_id, team_id, household_id, parent_kind,
                                 parent_id, status, since, due, until, postcode)
         VALUES ({e}, {i}, {t}, {household}, {parent_kind}, {parent_id}, {status}, {since},
                 {due}, {until}, {postcode})
         ON CONFLICT (entity, entity_id) DO UPDATE SET
             team_id = excluded.team_id, household_id = excluded.household_id,
             parent_kind = excluded.parent_kind, parent_id = excluded.parent_id,
             status = excluded.status, since = excluded.since, due = excluded.due,
             until = excluded.until, postcode = excluded.postcode"
    );
    out.push(q);
    for word in &entry.words {
        let mut q = Sql::new(style);
        let (w, e, i) = (q.text(word), q.text(entity.as_str()), q.text(id));
        q.text = format!(
            "INSERT INTO case_words (word, household_id, entity, entity_id, team_id)
             SELECT {w}, c.household_id, c.entity, c.entity_id, c.team_id FROM case_index c
             WHERE c.entity = {e} AND c.entity_id = {i} AND c.household_id IS NOT NULL
             ON CONFLICT DO NOTHING"
        );
        out.push(q);
    }
    let mut q = Sql::new(style);
    let (e, i) = (q.text(entity.as_str()), q.text(id));
    q.text = format!(
        "UPDATE case_index SET household_id =
             (SELECT p.household_id FROM case_index p WHERE p.entity = {e} AND p.entity_id = {i})
         WHERE parent_kind = {e} AND parent_id = {i} AND household_id IS NULL"
    );
    out.push(q);
    out
}

/// A plan's stored row by id (1): team, fields, versions, tombstoned at, updated seq, and
/// its household's id from the index.
pub fn plan_row(style: Dialect) -> String {
    format!(
        "SELECT r.team_id, r.fields, r.field_versions, r.tombstoned_at, r.updated_seq,
                (SELECT c.household_id FROM case_index c
                 WHERE c.entity = 'plan' AND c.entity_id = r.entity_id)
         FROM records r WHERE r.entity = 'plan' AND r.entity_id = {}",
        style.mark(1)
    )
}

/// A live record's fields by kind (1) and id (2).
pub fn live_fields(style: Dialect) -> String {
    format!(
        "SELECT fields FROM records WHERE entity = {} AND entity_id = {} AND tombstone = FALSE",
        style.mark(1),
        style.mark(2)
    )
}

/// A household's (1) live residents: id and fields.
pub fn residents(style: Dialect) -> String {
    format!(
        "SELECT r.entity_id, r.fields FROM case_index c
         JOIN records r ON r.entity = c.entity AND r.entity_id = c.entity_id
         WHERE c.household_id = {} AND c.entity = 'person' AND r.tombstone = FALSE
         ORDER BY r.entity_id",
        style.mark(1)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        Scope {
            teams: Some(vec!["north".into()]),
            kinds: vec![EntityKind::Household, EntityKind::Person],
        }
    }

    #[test]
    fn what_was_typed_is_only_ever_bound() {
        let hostile = "x' OR 1=1 --";
        let q = search(
            Dialect::Postgres,
            &scope(),
            &SearchTerms::Words(vec![hostile.into()]),
            50,
        );
        assert!(!q.text.contains(hostile));
        assert!(q.params.contains(&Param::Text(hostile.into())));
        assert!(q.text.contains("$1") && !q.text.contains("?1"));
        let q = household(Dialect::Sqlite, &scope(), hostile);
        assert!(!q.text.contains(hostile) && q.text.contains("?1"));
    }

    #[test]
    fn a_person_search_binds_its_word_and_reads_residents_only() {
        let born = chrono::NaiveDate::from_ymd_opt(1951, 3, 14).unwrap_or_default();
        let q = people(
            Dialect::Sqlite,
            &scope(),
            &PersonQuery::DateOfBirth(born),
            50,
        );
        assert!(q.params.contains(&Param::Text("#dob 1951-03-14".into())));
        assert!(q.text.contains("w.entity = 'person'") && !q.text.contains("1951"));
        let q = people(
            Dialect::Postgres,
            &scope(),
            &PersonQuery::Name(vec!["rowan".into(), "test".into()]),
            50,
        );
        assert!(q.text.contains("EXISTS") && q.text.contains("$1"));
    }

    #[test]
    fn a_scope_of_every_team_has_no_team_condition_and_none_of_no_kind_matches_nothing() {
        let every = Scope {
            teams: None,
            kinds: Vec::new(),
        };
        let q = household(Dialect::Sqlite, &every, "h");
        assert!(q.text.contains("TRUE") && q.text.contains("FALSE"));
    }
}
