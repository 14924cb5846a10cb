//! Reads the facts a report for a period needs: those whose latest day is in or after the
//! period, then what they are counted through (a visit's surveys, a cocoon's doors) and
//! what they name (a plan's survey and its visit, every household), a few hundred ids per
//! query, so a report reads its period's records and never the whole database.

use std::collections::{BTreeSet, HashSet};

use chrono::NaiveDate;
use doorstep_reports::fact::{Fact, What};

use super::{ReportStore, sql};
use crate::casework::sql::Dialect;
use crate::model::StoreError;

/// Every fact a report for a period starting on `from` reads, of `teams` (`None`: all).
pub async fn facts_for(
    store: &dyn ReportStore,
    style: Dialect,
    from: NaiveDate,
    teams: Option<&[String]>,
) -> Result<Vec<Fact>, StoreError> {
    let mut facts = store.read_facts(sql::since(style, from, teams)).await?;
    let mut seen: HashSet<(&'static str, String)> = facts.iter().map(key).collect();

    // What is counted through the period's visits and cocoons.
    let parents: Vec<String> = facts
        .iter()
        .filter(|f| matches!(f.what, What::Visit { .. } | What::Cocoon { .. }))
        .map(|f| f.id.clone())
        .collect();
    for chunk in parents.chunks(sql::CHUNK) {
        let found = store.read_facts(sql::children(style, chunk, teams)).await?;
        add(&mut facts, &mut seen, found);
    }

    // The surveys plans answer, then the visits of every survey, then every household.
    for (entity, wanted) in [
        (
            "survey",
            parents_of(&facts, |w| matches!(w, What::Plan { .. })),
        ),
        (
            "visit",
            parents_of(&facts, |w| matches!(w, What::Survey { .. })),
        ),
        (
            "cocoon",
            parents_of(&facts, |w| matches!(w, What::CocoonDoor { .. })),
        ),
    ] {
        let missing: Vec<String> = wanted
            .into_iter()
            .filter(|id| !seen.contains(&(entity, id.clone())))
            .collect();
        for chunk in missing.chunks(sql::CHUNK) {
            let found = store
                .read_facts(sql::by_id(style, entity, chunk, teams))
                .await?;
            add(&mut facts, &mut seen, found);
        }
    }
    let households: Vec<String> = facts
        .iter()
        .filter_map(|f| f.household().map(str::to_owned))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|h| !seen.contains(&("household", h.clone())))
        .collect();
    for chunk in households.chunks(sql::CHUNK) {
        // Homes of every team: a team's records may be about a home another team holds.
        let found = store
            .read_facts(sql::by_id(style, "household", chunk, None))
            .await?;
        add(&mut facts, &mut seen, found);
    }
    Ok(facts)
}

fn key(f: &Fact) -> (&'static str, String) {
    (f.what.entity(), f.id.clone())
}

fn add(facts: &mut Vec<Fact>, seen: &mut HashSet<(&'static str, String)>, found: Vec<Fact>) {
    for f in found {
        if seen.insert(key(&f)) {
            facts.push(f);
        }
    }
}

fn parents_of(facts: &[Fact], pick: impl Fn(&What) -> bool) -> BTreeSet<String> {
    facts
        .iter()
        .filter(|f| pick(&f.what))
        .filter_map(|f| f.parent().map(str::to_owned))
        .collect()
}
