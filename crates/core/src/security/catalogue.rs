//! The measure catalogue: what can be fitted, at which tier, for what price, to which standard.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::policy::Tier;
use super::template::{LoadError, Template, is_id, parse_toml};

/// Dearest unit price accepted (£10,000), so a typo in pence cannot slip into a plan unnoticed.
pub const MAX_UNIT_COST_PENCE: u32 = 1_000_000;

stored_enum!(
    /// Who fits a measure.
    Trade {
        /// Locks and cylinders.
        Locksmith => "locksmith",
        /// Glass and glazing.
        Glazier => "glazier",
        /// Lights and wired devices.
        Electrician => "electrician",
        /// Doors, frames, gates, timber.
        Joiner => "joiner",
        /// Fences and gates.
        Fencer => "fencer",
        /// Alarms, cameras, doorbells.
        SecurityInstaller => "security_installer",
        /// Small jobs.
        Handyperson => "handyperson",
        /// Given to the resident, nothing to fit.
        SupplyOnly => "supply_only",
    }
);

stored_enum!(
    /// How many of a measure a plan proposes.
    Quantity {
        /// One for each place the weakness was found (each window, each door).
        PerWeakness => "per_weakness",
        /// One for the whole home.
        PerHome => "per_home",
    }
);

stored_enum!(
    /// What kind of thing a measure is, as the partnership's reports count items fitted.
    MeasureCategory {
        /// Door locks, cylinders, doors and their frames.
        DoorLock => "door_lock",
        /// Window locks, glazing and film.
        WindowLock => "window_lock",
        /// Outside lights and light timers.
        Lighting => "lighting",
        /// Intruder alarms, door and window alarms.
        Alarm => "alarm",
        /// Cameras and video doorbells.
        Cctv => "cctv",
        /// Gates, fences and the boundary.
        Gate => "gate",
        /// Property marking.
        Marking => "marking",
        /// Advice, shed kits, pouches, anchors and anything else.
        Other => "other",
    }
);

/// One measure that can go in a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    /// Stable id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Lowest tier that offers it; higher tiers include lower tiers' measures.
    pub tier: Tier,
    /// Indicative price per unit, supply and fit, in pence.
    pub unit_cost_pence: u32,
    /// Who fits it.
    pub trade: Trade,
    /// Weakness ids it fixes.
    pub addresses: Vec<String>,
    /// For the resident: what it is and why it helps.
    pub explanation: String,
    /// For the contractor: what to fit and the standard to meet. Never holds personal data.
    pub specification: String,
    /// The standard(s), e.g. "BS 3621", "TS 007 3 star or SS312 Diamond".
    #[serde(default)]
    pub standard: Option<String>,
    /// Changes the building's fabric (doors, windows, frames, fences): a tenant needs landlord consent.
    #[serde(default)]
    pub fabric: bool,
    /// Key-locks a window: never on an escape window.
    #[serde(default)]
    pub key_locks_window: bool,
    /// A camera or video doorbell: needs the resident's domestic CCTV acknowledgement.
    #[serde(default)]
    pub cctv: bool,
    /// Proposed only when no other measure for the weakness can be used (e.g. an alarm for an escape window).
    #[serde(default)]
    pub fallback: bool,
    /// How many to propose.
    #[serde(default = "per_weakness")]
    pub quantity: Quantity,
    /// What kind of thing it is, for the reports' items fitted by category.
    #[serde(default = "other")]
    pub category: MeasureCategory,
}

fn other() -> MeasureCategory {
    MeasureCategory::Other
}

fn per_weakness() -> Quantity {
    Quantity::PerWeakness
}

/// The whole catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    /// Version of the price list, recorded on plans.
    pub version: String,
    /// The measures.
    pub measures: Vec<Measure>,
}

impl Catalogue {
    /// Parses and checks a catalogue file's text.
    pub fn from_toml(text: &str) -> Result<Self, LoadError> {
        let catalogue: Catalogue = parse_toml(text)?;
        let mut problems = Vec::new();
        let mut ids = BTreeSet::new();
        if catalogue.version.trim().is_empty() {
            problems.push("version must not be blank".into());
        }
        for m in &catalogue.measures {
            let context = format!("measure \"{}\"", m.id);
            if !is_id(&m.id) || !ids.insert(m.id.as_str()) {
                problems.push(format!("{context}: id must be a unique lower-case id"));
            }
            if m.unit_cost_pence > MAX_UNIT_COST_PENCE {
                problems.push(format!(
                    "{context}: unit_cost_pence {} is over £10,000; prices are in pence (£120 is 12000)",
                    m.unit_cost_pence
                ));
            }
            if m.addresses.is_empty() {
                problems.push(format!("{context}: must address at least one weakness"));
            }
            if m.name.trim().is_empty()
                || m.explanation.trim().is_empty()
                || m.specification.trim().is_empty()
            {
                problems.push(format!(
                    "{context}: needs a name, an explanation and a specification"
                ));
            }
        }
        if problems.is_empty() {
            Ok(catalogue)
        } else {
            Err(LoadError::Invalid(problems))
        }
    }

    /// Checks every weakness a measure addresses exists in `template`.
    pub fn check_against(&self, template: &Template) -> Result<(), LoadError> {
        let problems: Vec<String> = self
            .measures
            .iter()
            .flat_map(|m| m.addresses.iter().map(move |w| (m, w)))
            .filter(|(_, w)| template.weakness(w).is_none())
            .map(|(m, w)| format!("measure \"{}\": no weakness \"{w}\" in the template", m.id))
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(LoadError::Invalid(problems))
        }
    }

    /// The measure with this id.
    pub fn get(&self, id: &str) -> Option<&Measure> {
        self.measures.iter().find(|m| m.id == id)
    }
}
