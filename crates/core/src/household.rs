//! A household: one home at one address, the thing every visit, plan and referral hangs on.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::HouseholdId;
use crate::postcode::Postcode;
use crate::validation::{ValidationErrors, optional, required};

/// A Unique Property Reference Number: up to 12 digits, the key of the council's gazetteer.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, specta::Type,
)]
#[serde(transparent)]
pub struct Uprn(String);

impl Uprn {
    /// Most digits a UPRN has.
    pub const MAX_DIGITS: usize = 12;

    /// Parses a UPRN, refusing anything but 1–12 digits.
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let digits = input.trim().trim_start_matches('0');
        let digits = if digits.is_empty() && !input.trim().is_empty() {
            "0"
        } else {
            digits
        };
        if digits.is_empty()
            || digits.len() > Self::MAX_DIGITS
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return Err("Enter the UPRN as up to 12 digits, or leave it blank");
        }
        Ok(Self(digits.to_owned()))
    }

    /// The UPRN as a number, as databases store it.
    pub fn value(&self) -> i64 {
        // At most `MAX_DIGITS` (12) digits were accepted, which always fits.
        self.0.parse().unwrap_or_default()
    }

    /// Builds a UPRN from a stored number.
    pub fn from_value(value: i64) -> Self {
        Self(value.to_string())
    }

    /// The UPRN as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a home is: latitude/longitude (WGS84) or an Ordnance Survey grid reference.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Coordinates {
    /// WGS84 degrees.
    LatLong {
        /// Degrees north.
        latitude: f64,
        /// Degrees east.
        longitude: f64,
    },
    /// British National Grid metres.
    Grid {
        /// Metres east of the grid origin.
        easting: f64,
        /// Metres north of the grid origin.
        northing: f64,
    },
}

impl Coordinates {
    /// Checks the numbers are in range for Great Britain and its surroundings.
    pub fn check(&self) -> Result<(), &'static str> {
        match *self {
            Coordinates::LatLong {
                latitude,
                longitude,
            } => {
                if (49.0..=61.5).contains(&latitude) && (-9.0..=2.5).contains(&longitude) {
                    Ok(())
                } else {
                    Err(
                        "Latitude and longitude must be within the UK (latitude 49 to 61.5, longitude -9 to 2.5)",
                    )
                }
            }
            Coordinates::Grid { easting, northing } => {
                if (0.0..=700_000.0).contains(&easting) && (0.0..=1_300_000.0).contains(&northing) {
                    Ok(())
                } else {
                    Err("Easting must be 0 to 700000 and northing 0 to 1300000 metres")
                }
            }
        }
    }
}

/// What an officer types to add or correct a household; every field as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct HouseholdDraft {
    /// UPRN, or blank when not known.
    pub uprn: String,
    /// First line of the address (house number and street).
    pub address_line_1: String,
    /// Second line, optional.
    pub address_line_2: String,
    /// Third line, optional.
    pub address_line_3: String,
    /// Town.
    pub town: String,
    /// Postcode in any case and spacing.
    pub postcode: String,
    /// Where the home is, when known.
    pub coordinates: Option<Coordinates>,
}

/// The validated, normalised content of a household.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HouseholdDetails {
    /// UPRN, when known.
    pub uprn: Option<Uprn>,
    /// First address line.
    pub address_line_1: String,
    /// Second address line.
    pub address_line_2: Option<String>,
    /// Third address line.
    pub address_line_3: Option<String>,
    /// Town.
    pub town: String,
    /// Postcode in normal form.
    pub postcode: Postcode,
    /// Where the home is.
    pub coordinates: Option<Coordinates>,
    /// Restricted at the resident's request (Art. 18, [`crate::privacy::restriction`]):
    /// written only by the hub, and left out of the record while false, so a laptop's own
    /// writes never carry it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub restricted: bool,
}

/// Longest address line a household (and so a gazetteer entry) may have.
pub const LINE_MAX: usize = 120;
/// Longest town a household (and so a gazetteer entry) may have.
pub const TOWN_MAX: usize = 60;

impl HouseholdDraft {
    /// Checks every field and returns the normalised details, or every problem found.
    pub fn validate(&self) -> Result<HouseholdDetails, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let uprn = if self.uprn.trim().is_empty() {
            None
        } else {
            Uprn::parse(&self.uprn)
                .map_err(|m| errors.add("uprn", m))
                .ok()
        };
        let address_line_1 = required(
            &mut errors,
            "address_line_1",
            &self.address_line_1,
            LINE_MAX,
            "Enter the first line of the address, like 12 Acacia Road",
        );
        let address_line_2 = optional(
            &mut errors,
            "address_line_2",
            Some(&self.address_line_2),
            LINE_MAX,
        );
        let address_line_3 = optional(
            &mut errors,
            "address_line_3",
            Some(&self.address_line_3),
            LINE_MAX,
        );
        let town = required(&mut errors, "town", &self.town, TOWN_MAX, "Enter the town");
        let postcode = if self.postcode.trim().is_empty() {
            errors.add("postcode", "Enter the postcode, like NG18 2AB");
            None
        } else {
            Postcode::parse(&self.postcode)
                .map_err(|m| errors.add("postcode", m))
                .ok()
        };
        if let Some(c) = &self.coordinates
            && let Err(m) = c.check()
        {
            errors.add("coordinates", m);
        }
        match postcode {
            Some(postcode) if errors.is_empty() => Ok(HouseholdDetails {
                uprn,
                address_line_1,
                address_line_2,
                address_line_3,
                town,
                postcode,
                coordinates: self.coordinates,
                restricted: false,
            }),
            _ => Err(errors),
        }
    }
}

/// A household as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Household {
    /// Its id.
    pub id: HouseholdId,
    /// UPRN, when known.
    pub uprn: Option<Uprn>,
    /// First address line.
    pub address_line_1: String,
    /// Second address line.
    pub address_line_2: Option<String>,
    /// Third address line.
    pub address_line_3: Option<String>,
    /// Town.
    pub town: String,
    /// Postcode in normal form.
    pub postcode: Postcode,
    /// Where the home is.
    pub coordinates: Option<Coordinates>,
    /// When it was first recorded.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl Household {
    /// The address on one line, as lists show it.
    pub fn one_line_address(&self) -> String {
        one_line_address(
            &self.address_line_1,
            self.address_line_2.as_deref(),
            self.address_line_3.as_deref(),
            &self.town,
        )
    }

    /// The details, as a draft the officer can edit.
    pub fn to_draft(&self) -> HouseholdDraft {
        HouseholdDraft {
            uprn: self
                .uprn
                .as_ref()
                .map(|u| u.as_str().to_owned())
                .unwrap_or_default(),
            address_line_1: self.address_line_1.clone(),
            address_line_2: self.address_line_2.clone().unwrap_or_default(),
            address_line_3: self.address_line_3.clone().unwrap_or_default(),
            town: self.town.clone(),
            postcode: self.postcode.to_string(),
            coordinates: self.coordinates,
        }
    }
}

/// Joins the non-empty address lines and town with commas.
pub fn one_line_address(
    line1: &str,
    line2: Option<&str>,
    line3: Option<&str>,
    town: &str,
) -> String {
    [Some(line1), line2, line3, Some(town)]
        .into_iter()
        .flatten()
        .filter(|s| !s.trim().is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> HouseholdDraft {
        HouseholdDraft {
            uprn: "100031234567".into(),
            address_line_1: " 12 Lantern Walk ".into(),
            address_line_2: "".into(),
            address_line_3: "".into(),
            town: "Eastwick Vale".into(),
            postcode: "zy4 7ht".into(),
            coordinates: Some(Coordinates::LatLong {
                latitude: 53.14,
                longitude: -1.19,
            }),
        }
    }

    #[test]
    fn a_complete_draft_is_normalised() {
        let details = draft().validate().expect("valid draft");
        assert_eq!(details.address_line_1, "12 Lantern Walk");
        assert_eq!(
            details.address_line_2, None,
            "blank optional lines become None"
        );
        assert_eq!(details.postcode.as_str(), "ZY4 7HT");
        assert_eq!(details.uprn.map(|u| u.value()), Some(100_031_234_567));
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let bad = HouseholdDraft {
            uprn: "12ab".into(),
            address_line_1: "  ".into(),
            town: "".into(),
            postcode: "NOT A CODE".into(),
            coordinates: Some(Coordinates::LatLong {
                latitude: 10.0,
                longitude: 0.0,
            }),
            ..draft()
        };
        let errors = bad.validate().expect_err("invalid draft");
        let fields: Vec<&str> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["uprn", "address_line_1", "town", "postcode", "coordinates"]
        );
    }

    #[test]
    fn uprn_parsing() {
        assert_eq!(Uprn::parse("000123").map(|u| u.value()), Ok(123));
        assert!(
            Uprn::parse("1234567890123").is_err(),
            "13 digits is too long"
        );
        assert!(Uprn::parse("-5").is_err());
    }

    #[test]
    fn one_line_address_skips_blank_lines() {
        assert_eq!(
            one_line_address("1 A St", Some(""), Some("Flat 2"), "Town"),
            "1 A St, Flat 2, Town"
        );
    }
}
