//! The fitting firms, the supervisor's choice of firm, and who the fitter phones.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::postcode::Postcode;
use crate::security::Plan;
use crate::security::catalogue::{Catalogue, Trade};
use crate::security::template::{LoadError, is_id, parse_toml};

use super::MAX_DUE_DAYS;

/// A fitting firm, as listed in `assets/contractors.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Firm {
    /// Stable id, shared with the hub (a contractor's account belongs to a firm by this id).
    pub id: String,
    /// Short code printed in order numbers, e.g. "QLK".
    pub code: String,
    /// Name.
    pub name: String,
    /// The trades it fits.
    pub trades: Vec<Trade>,
    /// Postcode areas ("ZY") or outward codes ("ZY3") it covers.
    pub areas: Vec<String>,
}

impl Firm {
    /// Whether the firm fits this trade.
    pub fn fits(&self, trade: Trade) -> bool {
        self.trades.contains(&trade)
    }

    /// Whether the firm works at this postcode.
    pub fn covers(&self, postcode: &Postcode) -> bool {
        let outward = postcode.outward();
        let area: String = outward
            .chars()
            .take_while(char::is_ascii_alphabetic)
            .collect();
        self.areas.iter().any(|a| {
            if a.chars().all(|c| c.is_ascii_alphabetic()) {
                *a == area
            } else {
                a == outward
            }
        })
    }

    /// What an order says about the firm.
    pub fn reference(&self) -> FirmRef {
        FirmRef {
            id: self.id.clone(),
            name: self.name.clone(),
        }
    }
}

/// The council's fitting firms and how long they have for a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Contractors {
    /// Version of the list.
    pub version: String,
    /// Days after approval by which the work must be finished.
    pub due_days: u32,
    /// The firms, in order of preference.
    pub firms: Vec<Firm>,
}

fn is_code(s: &str) -> bool {
    (2..=6).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

fn is_area(s: &str) -> bool {
    let letters = s.chars().take_while(char::is_ascii_alphabetic).count();
    (1..=2).contains(&letters)
        && s.len() <= 4
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && s.chars().skip(letters).all(|c| c.is_ascii_digit())
}

impl Contractors {
    /// Parses and checks the contractors file's text.
    pub fn from_toml(text: &str) -> Result<Self, LoadError> {
        let list: Self = parse_toml(text)?;
        let mut problems = Vec::new();
        if list.version.trim().is_empty() {
            problems.push("version must not be blank".to_owned());
        }
        if list.due_days == 0 || list.due_days > MAX_DUE_DAYS {
            problems.push(format!(
                "due_days must be between 1 and {MAX_DUE_DAYS}, not {}",
                list.due_days
            ));
        }
        if list.firms.is_empty() {
            problems.push("list at least one firm".to_owned());
        }
        let mut ids = std::collections::BTreeSet::new();
        let mut codes = std::collections::BTreeSet::new();
        for f in &list.firms {
            let context = format!("firm \"{}\"", f.id);
            if !is_id(&f.id) || !ids.insert(f.id.as_str()) {
                problems.push(format!("{context}: id must be a unique lower-case id"));
            }
            if !is_code(&f.code) || !codes.insert(f.code.as_str()) {
                problems.push(format!(
                    "{context}: code must be a unique 2 to 6 capital letters or digits"
                ));
            }
            if f.name.trim().is_empty() {
                problems.push(format!("{context}: needs a name"));
            }
            if f.trades.is_empty() {
                problems.push(format!("{context}: list the trades it fits"));
            }
            if f.trades.contains(&Trade::SupplyOnly) {
                problems.push(format!(
                    "{context}: supply_only is not a trade: the officer hands those measures over"
                ));
            }
            if f.areas.is_empty() {
                problems.push(format!("{context}: list the postcode areas it covers"));
            }
            for a in f.areas.iter().filter(|a| !is_area(a)) {
                problems.push(format!(
                    "{context}: area \"{a}\" must be a postcode area like \"ZY\" or an outward code like \"ZY3\""
                ));
            }
        }
        if problems.is_empty() {
            Ok(list)
        } else {
            Err(LoadError::Invalid(problems))
        }
    }

    /// Checks every trade the catalogue needs fitted has at least one firm.
    pub fn check_against(&self, catalogue: &Catalogue) -> Result<(), LoadError> {
        let mut problems: Vec<String> = Vec::new();
        for m in &catalogue.measures {
            if m.trade == Trade::SupplyOnly || self.firms.iter().any(|f| f.fits(m.trade)) {
                continue;
            }
            let problem = format!(
                "no firm fits {} work, needed for measure \"{}\"",
                m.trade.as_str(),
                m.id
            );
            if !problems.contains(&problem) {
                problems.push(problem);
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(LoadError::Invalid(problems))
        }
    }

    /// The firm with this id.
    pub fn get(&self, id: &str) -> Option<&Firm> {
        self.firms.iter().find(|f| f.id == id)
    }

    /// The preferred firm for this trade at this postcode.
    pub fn firm_for(&self, trade: Trade, postcode: &Postcode) -> Option<&Firm> {
        self.firms
            .iter()
            .find(|f| f.fits(trade) && f.covers(postcode))
    }

    /// The firms that may take a measure of `trade` at `postcode`, in the list's order (so the
    /// first is the one [`Contractors::firm_for`] picks): those that cover the postcode and fit
    /// the trade. A supply-only measure needs no trade, so any firm covering the home may
    /// deliver it.
    pub fn eligible_firms<'a>(
        &'a self,
        trade: Trade,
        postcode: &'a Postcode,
    ) -> impl Iterator<Item = &'a Firm> + 'a {
        self.firms
            .iter()
            .filter(move |f| f.covers(postcode) && (trade == Trade::SupplyOnly || f.fits(trade)))
    }

    /// For each of a plan's measures, the firms a supervisor may send it to (see
    /// [`Contractors::eligible_firms`]), by catalogue measure id.
    pub fn firm_options(&self, plan: &Plan, postcode: &Postcode) -> BTreeMap<String, Vec<FirmRef>> {
        plan.items
            .iter()
            .map(|item| {
                let firms = self
                    .eligible_firms(item.trade, postcode)
                    .map(Firm::reference)
                    .collect();
                (item.measure_id.clone(), firms)
            })
            .collect()
    }
}

/// The supervisor's choice of firm for particular measures, overriding the choice by trade.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct FirmChoices {
    /// Firm id by catalogue measure id.
    pub by_measure: BTreeMap<String, String>,
}

impl FirmChoices {
    /// Sends `measure_id` to firm `firm_id`.
    pub fn choose(mut self, measure_id: &str, firm_id: &str) -> Self {
        self.by_measure
            .insert(measure_id.to_owned(), firm_id.to_owned());
        self
    }
}

/// Who the fitter phones to arrange access.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SiteContact {
    /// Name.
    pub name: String,
    /// Phone, when known.
    pub phone: Option<String>,
    /// The resident themselves (as opposed to a relative, carer or support worker).
    pub is_resident: bool,
}

impl SiteContact {
    /// The resident as the contact.
    pub fn resident(person: &crate::person::Person) -> Self {
        Self {
            name: person.full_name.clone(),
            phone: person.phone.clone(),
            is_resident: true,
        }
    }
}

/// The firm an order is for, as the order names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct FirmRef {
    /// The firm's id, shared with the hub.
    pub id: String,
    /// Its name.
    pub name: String,
}
