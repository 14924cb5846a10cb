//! Type-ahead search over households (address, postcode, residents) and the gazetteer.

use doorstep_core::Uprn;
use doorstep_core::household::one_line_address;
use doorstep_core::search::{address_sort_key, match_expression};
use doorstep_core::views::{SearchHit, SearchHitKind};
use rusqlite::Row;

use crate::error::Result;
use crate::households;
use crate::store::Store;

/// The most hits of each kind returned for one query.
pub const MAX_HITS: usize = 25;
/// How many matches of each kind are considered before sorting. Matches are not ranked
/// (bm25 over tens of thousands of "ZY1" matches is what made search slow); the first
/// few hundred are put in address order, and typing more narrows them.
const CANDIDATES: i64 = 200;

fn address(row: &Row<'_>, first: usize) -> rusqlite::Result<String> {
    Ok(one_line_address(
        &row.get::<_, String>(first)?,
        row.get::<_, Option<String>>(first + 1)?.as_deref(),
        row.get::<_, Option<String>>(first + 2)?.as_deref(),
        &row.get::<_, String>(first + 3)?,
    ))
}

impl Store {
    /// Households first, then gazetteer addresses that are not households yet; best matches first.
    pub fn search(&self, query: &str) -> Result<Vec<SearchHit>> {
        let Some(expression) = match_expression(query) else {
            return Ok(Vec::new());
        };
        self.bring_search_index_up_to_date()?;
        let mut hits = Vec::new();
        let mut households = self.conn().prepare_cached(
            "SELECT h.id, h.uprn, h.address_line_1, h.address_line_2, h.address_line_3, h.town, h.postcode,
                    (SELECT group_concat(p.full_name, char(31)) FROM persons p WHERE p.household_id = h.id)
             FROM household_search s JOIN households h ON h.seq = s.rowid
             WHERE household_search MATCH ?1 LIMIT ?2",
        )?;
        let rows = households.query_map(rusqlite::params![expression, CANDIDATES], |row| {
            let id: String = row.get(0)?;
            Ok(SearchHit {
                kind: SearchHitKind::Household,
                household_id: id.parse().ok(),
                uprn: row.get::<_, Option<i64>>(1)?.map(Uprn::from_value),
                address: address(row, 2)?,
                postcode: row.get(6)?,
                residents: row
                    .get::<_, Option<String>>(7)?
                    .map(|names| names.split('\u{1f}').map(str::to_owned).collect())
                    .unwrap_or_default(),
            })
        })?;
        for row in rows {
            hits.push(row?);
        }
        in_address_order(&mut hits);
        let mut gazetteer = self.conn().prepare_cached(
            "SELECT g.uprn, g.address_line_1, g.address_line_2, g.address_line_3, g.town, g.postcode
             FROM gazetteer_search s JOIN gazetteer g ON g.uprn = s.rowid
             WHERE gazetteer_search MATCH ?1
               AND NOT EXISTS (SELECT 1 FROM households h WHERE h.uprn = g.uprn)
             LIMIT ?2",
        )?;
        let mut places = Vec::new();
        let rows = gazetteer.query_map(rusqlite::params![expression, CANDIDATES], |row| {
            Ok(SearchHit {
                kind: SearchHitKind::Gazetteer,
                household_id: None,
                uprn: Some(Uprn::from_value(row.get(0)?)),
                address: address(row, 1)?,
                postcode: row.get(5)?,
                residents: Vec::new(),
            })
        })?;
        for row in rows {
            places.push(row?);
        }
        in_address_order(&mut places);
        hits.extend(places);
        Ok(hits)
    }
}

impl Store {
    /// Indexes the households saved or changed since the last search, in one transaction.
    pub(crate) fn bring_search_index_up_to_date(&self) -> Result<()> {
        let pending: bool = self
            .conn()
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM household_search_pending)
                     OR coalesce((SELECT max(seq) FROM households), 0)
                        > coalesce((SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'search_indexed_upto'), 0)",
            )?
            .query_row([], |r| r.get(0))?;
        if pending {
            let tx = self.conn().unchecked_transaction()?;
            households::flush_search_index(&tx)?;
            tx.commit()?;
        }
        Ok(())
    }
}

fn in_address_order(hits: &mut Vec<SearchHit>) {
    hits.sort_by_cached_key(|h| address_sort_key(&h.postcode, &h.address));
    hits.truncate(MAX_HITS);
}
