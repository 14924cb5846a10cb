//! The records the "My team" report counts, read from the laptop's own store: every held
//! record of each counted kind, as the field map the laptop pushes to the hub, turned into
//! a fact by the same code the hub uses, so the laptop's figures match the console's for
//! the same records. One query per table: the report reads every row, so a query per record
//! would cost a round trip each over 100,000 households.

use doorstep_reports::fact::{self, Fact};

use crate::error::Result;
use crate::store::Store;
use crate::synced::{self, Listed};
use crate::{charlie, cocoons, days, surveys};

/// How each counted kind's records are read: its wire name and its one query.
type Reader = (
    &'static str,
    fn(&rusqlite::Connection) -> Result<Vec<Listed>>,
);

/// Every counted kind (`fact::COUNTED`), with the reader of its table. Households and
/// visits, the two largest tables, are read narrowly (only the fields their facts read);
/// a test proves the facts are the same as from their full sync field maps.
const READERS: [Reader; 11] = [
    ("household", households_narrowly),
    ("visit", visits_narrowly),
    ("survey", surveys::all_synced),
    ("plan", |c| synced::body_rows(c, "plans")),
    ("work_order", |c| synced::body_rows(c, "work_orders")),
    ("cocoon", cocoons::all_cocoons),
    ("cocoon_target", cocoons::all_doors),
    ("day_of_action", days::all_days),
    ("door_knock", days::all_knocks),
    ("charlie_check", charlie::all_synced),
    ("referral", |c| synced::body_rows(c, "referrals")),
];

/// Rows of `sql` (id first, then the named fields' columns, text or NULL), as field maps
/// with exactly those fields.
fn narrow(conn: &rusqlite::Connection, sql: &str, names: &[&str]) -> Result<Vec<Listed>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| {
        let mut fields = serde_json::Map::new();
        for (i, name) in names.iter().enumerate() {
            let value: Option<String> = r.get(i + 1)?;
            fields.insert(
                (*name).to_owned(),
                value.map_or(serde_json::Value::Null, Into::into),
            );
        }
        Ok((r.get::<_, String>(0)?, fields))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A household's fact fields: its UPRN (a number in the table, text on the wire) and postcode.
fn households_narrowly(conn: &rusqlite::Connection) -> Result<Vec<Listed>> {
    narrow(
        conn,
        "SELECT id, CAST(uprn AS TEXT), postcode FROM households",
        &["uprn", "postcode"],
    )
}

/// A visit's fact fields: its household, day, kind and outcome (stored as on the wire).
fn visits_narrowly(conn: &rusqlite::Connection) -> Result<Vec<Listed>> {
    narrow(
        conn,
        "SELECT id, household_id, visit_date, kind, outcome FROM visits",
        &["household_id", "visit_date", "kind", "outcome"],
    )
}

impl Store {
    /// Every counted record the laptop holds, as facts of `team`. A deleted record's row is
    /// gone, so it is not counted; a record whose fields say nothing countable gives no fact.
    pub fn report_facts(&self, team: &str) -> Result<Vec<Fact>> {
        let mut facts = Vec::new();
        for (entity, read) in READERS {
            for (id, fields) in read(self.conn())? {
                let fields: fact::Fields = fields.into_iter().collect();
                facts.extend(fact::from_record(entity, &id, team, &fields));
            }
        }
        Ok(facts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{households, visits};

    #[test]
    fn every_counted_kind_is_read() {
        let read: Vec<&str> = READERS.iter().map(|(entity, _)| *entity).collect();
        assert_eq!(
            read,
            doorstep_reports::fact::COUNTED,
            "a kind the reports count but the laptop does not read would be missing from My team"
        );
    }

    #[test]
    fn the_narrow_reads_give_the_facts_of_the_full_field_maps() {
        let dir = tempfile::tempdir().unwrap();
        let folder = crate::DataFolder::open(dir.path().join("data")).unwrap();
        let mut store = Store::set_up(
            &folder,
            "Rowan Testwell",
            doorstep_core::Role::Supervisor,
            "correct horse battery staple for tests",
            crate::KdfParams::INSECURE_FOR_TESTS,
        )
        .unwrap();
        store.load_demo(chrono::Utc::now().date_naive()).unwrap();
        for (entity, narrow, full) in [
            (
                "household",
                households_narrowly as fn(&rusqlite::Connection) -> Result<Vec<Listed>>,
                households::all_synced as fn(&rusqlite::Connection) -> Result<Vec<Listed>>,
            ),
            ("visit", visits_narrowly, visits::all_synced),
        ] {
            let facts = |read: fn(&rusqlite::Connection) -> Result<Vec<Listed>>,
                         store: &mut Store| {
                let mut out: Vec<Fact> = read(store.conn())
                    .unwrap()
                    .into_iter()
                    .filter_map(|(id, f)| {
                        fact::from_record(entity, &id, "t", &f.into_iter().collect())
                    })
                    .collect();
                out.sort_by(|a, b| a.id.cmp(&b.id));
                out
            };
            let (n, f) = (facts(narrow, &mut store), facts(full, &mut store));
            assert!(!n.is_empty(), "the demo data has {entity} records");
            assert_eq!(n, f, "{entity}: the narrow read gives the same facts");
        }
    }
}
