//! The records the "My team" report counts, read from the laptop's own store: every held
//! record of each counted kind, as the field map the laptop pushes to the hub, turned into
//! a fact by the same code the hub uses, so the laptop's figures match the console's for
//! the same records. One query per table: the report reads every row, so a query per record
//! would cost a round trip each over 100,000 households.

use doorstep_reports::fact::{self, Fact};

use crate::error::Result;
use crate::store::Store;
use crate::synced::{self, Listed};
use crate::{charlie, cocoons, days, households, surveys, visits};

/// How each counted kind's records are read: its wire name and its one query.
type Reader = (
    &'static str,
    fn(&rusqlite::Connection) -> Result<Vec<Listed>>,
);

/// Every counted kind (`fact::COUNTED`), with the reader of its table.
const READERS: [Reader; 11] = [
    ("household", households::all_synced),
    ("visit", visits::all_synced),
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
    use super::READERS;

    #[test]
    fn every_counted_kind_is_read() {
        let read: Vec<&str> = READERS.iter().map(|(entity, _)| *entity).collect();
        assert_eq!(
            read,
            doorstep_reports::fact::COUNTED,
            "a kind the reports count but the laptop does not read would be missing from My team"
        );
    }
}
