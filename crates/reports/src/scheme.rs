//! Schemes and funding rounds: the money, the target and the areas a round funds, from the
//! council's `schemes.toml` (`assets/schemes.toml`; a council's own in `reference/`). A
//! report for a scheme counts the homes in its areas, and sets its crime figures for those
//! areas against the rest.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A place a report is cut by, or a scheme targets.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "code", rename_all = "snake_case")]
pub enum Area {
    /// A postcode district: the outward code, `ZY5`.
    PostcodeDistrict(String),
    /// A postcode sector: the outward code and the inward code's digit, `ZY5 2`.
    PostcodeSector(String),
    /// A Lower-layer Super Output Area, `E01012345` (the police's crime data carries it).
    Lsoa(String),
}

/// Why an area could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "\"{0}\" is not an area: write a postcode district (ZY5), a postcode sector (ZY5 2) or an LSOA code (E01012345)"
)]
pub struct AreaError(pub String);

/// A postcode squeezed and upper-cased, with its outward and inward parts.
fn split_postcode(postcode: &str) -> Option<(String, String)> {
    let squeezed: String = postcode
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    if squeezed.len() < 5 || squeezed.len() > 7 || !squeezed.is_ascii() {
        return None;
    }
    let (out, inward) = squeezed.split_at(squeezed.len() - 3);
    Some((out.to_owned(), inward.to_owned()))
}

impl Area {
    /// Reads an area as people write it.
    pub fn parse(text: &str) -> Result<Self, AreaError> {
        let t = text.trim().to_ascii_uppercase();
        let bad = || AreaError(text.trim().chars().take(20).collect());
        let lsoa = t.len() == 9
            && (t.starts_with("E01") || t.starts_with("W01"))
            && t[3..].bytes().all(|b| b.is_ascii_digit());
        if lsoa {
            return Ok(Self::Lsoa(t));
        }
        let outward_ok = |o: &str| {
            (2..=4).contains(&o.len())
                && o.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
                && o.bytes().all(|b| b.is_ascii_alphanumeric())
        };
        match t.split_whitespace().collect::<Vec<_>>().as_slice() {
            [out] if outward_ok(out) => Ok(Self::PostcodeDistrict((*out).to_owned())),
            [out, digit]
                if outward_ok(out)
                    && digit.len() == 1
                    && digit.bytes().all(|b| b.is_ascii_digit()) =>
            {
                Ok(Self::PostcodeSector(format!("{out} {digit}")))
            }
            _ => Err(bad()),
        }
    }

    /// How the area is written.
    pub fn code(&self) -> &str {
        match self {
            Self::PostcodeDistrict(c) | Self::PostcodeSector(c) | Self::Lsoa(c) => c,
        }
    }

    /// Whether a home with this postcode (and LSOA, if known) lies in the area.
    pub fn contains(&self, postcode: Option<&str>, lsoa: Option<&str>) -> bool {
        match self {
            Self::Lsoa(code) => lsoa.is_some_and(|l| l.eq_ignore_ascii_case(code)),
            Self::PostcodeDistrict(d) => postcode
                .and_then(split_postcode)
                .is_some_and(|(out, _)| out == *d),
            Self::PostcodeSector(s) => postcode
                .and_then(split_postcode)
                .is_some_and(|(out, inward)| format!("{out} {}", &inward[..1]) == *s),
        }
    }
}

/// A scheme or funding round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scheme {
    /// Its id, as a report's address names it.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The first day it funds.
    pub starts: NaiveDate,
    /// The last day it funds.
    pub ends: NaiveDate,
    /// The budget for fitting, in pence.
    pub budget_pence: u64,
    /// The funder's grant, in pence.
    pub grant_pence: u64,
    /// The match funding, in pence.
    pub match_pence: u64,
    /// How many homes it set out to harden.
    pub target_homes: u64,
    /// The areas it targets.
    pub areas: Vec<Area>,
}

impl Scheme {
    /// Whether a home with this postcode and LSOA lies in the scheme's areas.
    pub fn covers(&self, postcode: Option<&str>, lsoa: Option<&str>) -> bool {
        self.areas.iter().any(|a| a.contains(postcode, lsoa))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SchemesFile {
    #[serde(default)]
    scheme: Vec<SchemeEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SchemeEntry {
    id: String,
    name: String,
    starts: toml::value::Datetime,
    ends: toml::value::Datetime,
    budget_pence: u64,
    #[serde(default)]
    grant_pence: u64,
    #[serde(default)]
    match_pence: u64,
    #[serde(default)]
    target_homes: u64,
    #[serde(default)]
    areas: Vec<String>,
}

/// Why a schemes file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemesError {
    /// Not TOML of the right shape.
    #[error("The schemes file could not be read: {0}")]
    Unreadable(String),
    /// A scheme whose fields disagree.
    #[error("Scheme \"{id}\": {reason}")]
    Invalid {
        /// The scheme.
        id: String,
        /// What is wrong.
        reason: String,
    },
}

/// Reads a schemes file (`[[scheme]]` tables).
pub fn parse_schemes(text: &str) -> Result<Vec<Scheme>, SchemesError> {
    let file: SchemesFile =
        toml::from_str(text).map_err(|e| SchemesError::Unreadable(e.to_string()))?;
    let mut out: Vec<Scheme> = Vec::new();
    for e in file.scheme {
        let invalid = |reason: String| SchemesError::Invalid {
            id: e.id.clone(),
            reason,
        };
        if e.id.is_empty()
            || !e
                .id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(invalid("an id is letters, digits, - and _ only".to_owned()));
        }
        if out.iter().any(|s| s.id == e.id) {
            return Err(invalid("two schemes have this id".to_owned()));
        }
        let day = |d: &toml::value::Datetime| {
            d.date
                .filter(|_| d.time.is_none())
                .and_then(|d| {
                    NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                })
                .ok_or_else(|| invalid(format!("{d} is not a day: write it as 2026-04-01")))
        };
        let (starts, ends) = (day(&e.starts)?, day(&e.ends)?);
        if ends < starts {
            return Err(invalid("it ends before it starts".to_owned()));
        }
        if e.grant_pence.saturating_add(e.match_pence) > e.budget_pence {
            return Err(invalid(
                "grant and match funding add up to more than the budget".to_owned(),
            ));
        }
        let areas = e
            .areas
            .iter()
            .map(|a| Area::parse(a).map_err(|err| invalid(err.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        out.push(Scheme {
            id: e.id,
            name: e.name,
            starts,
            ends,
            budget_pence: e.budget_pence,
            grant_pence: e.grant_pence,
            match_pence: e.match_pence,
            target_homes: e.target_homes,
            areas,
        });
    }
    Ok(out)
}

/// The schemes file built into Doorstep (the demo area's round), as (path, text).
pub const BUILT_IN_SCHEMES: (&str, &str) = (
    "assets/schemes.toml",
    include_str!("../../../assets/schemes.toml"),
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_read_and_contain_postcodes() {
        let d = Area::parse("zy5").unwrap();
        let s = Area::parse("ZY5 2").unwrap();
        let l = Area::parse("e01012345").unwrap();
        assert!(d.contains(Some("ZY5 2AB"), None));
        assert!(d.contains(Some("zy52ab"), None));
        assert!(
            !d.contains(Some("ZY52 2AB"), None),
            "a district is the whole outward code"
        );
        assert!(s.contains(Some("ZY5 2AB"), None));
        assert!(!s.contains(Some("ZY5 3AB"), None));
        assert!(l.contains(None, Some("E01012345")));
        assert!(!l.contains(Some("ZY5 2AB"), None));
        for bad in ["", "5ZY", "ZY5 22", "ZY5 2AB", "E0101234"] {
            assert!(Area::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_scheme_file_that_disagrees_with_itself_is_refused() {
        let good = r#"
[[scheme]]
id = "ss5"
name = "Safer Streets 5"
starts = 2026-04-01
ends = 2027-03-31
budget_pence = 100
grant_pence = 50
match_pence = 50
areas = ["ZY5", "E01012345"]
"#;
        assert_eq!(parse_schemes(good).unwrap()[0].areas.len(), 2);
        let over = good.replace("match_pence = 50", "match_pence = 51");
        assert!(
            parse_schemes(&over)
                .unwrap_err()
                .to_string()
                .contains("more than the budget")
        );
        let area = good.replace("\"ZY5\"", "\"nowhere at all\"");
        assert!(
            parse_schemes(&area)
                .unwrap_err()
                .to_string()
                .contains("not an area")
        );
        let twice = format!("{good}{}", &good);
        assert!(
            parse_schemes(&twice)
                .unwrap_err()
                .to_string()
                .contains("two schemes")
        );
    }
}

#[cfg(test)]
mod built_in_tests {
    use super::*;

    #[test]
    fn the_built_in_schemes_load() {
        let schemes = parse_schemes(BUILT_IN_SCHEMES.1).unwrap();
        assert!(!schemes.is_empty());
        assert!(schemes.iter().all(|s| !s.areas.is_empty()));
    }
}
