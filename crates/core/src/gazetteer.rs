//! The address gazetteer (the council's LLPG extract): which CSV columns it needs,
//! and turning one row into a checked entry.

use serde::{Deserialize, Serialize};

use crate::household::{Coordinates, LINE_MAX, TOWN_MAX, Uprn};
use crate::postcode::Postcode;

/// The header a gazetteer CSV must have (coordinate columns: either pair, or both).
pub const EXPECTED_HEADER: &str = "uprn,address_line_1,address_line_2,address_line_3,town,postcode,easting,northing (or latitude,longitude)";

/// One address from the gazetteer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GazetteerEntry {
    /// Its UPRN.
    pub uprn: Uprn,
    /// First address line.
    pub address_line_1: String,
    /// Second address line.
    pub address_line_2: Option<String>,
    /// Third address line.
    pub address_line_3: Option<String>,
    /// Town.
    pub town: String,
    /// Postcode.
    pub postcode: Postcode,
    /// Where it is, when the row says.
    pub coordinates: Option<Coordinates>,
}

/// Where each field sits in a CSV row, found from the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GazetteerColumns {
    uprn: usize,
    line1: usize,
    line2: Option<usize>,
    line3: Option<usize>,
    town: usize,
    postcode: usize,
    grid: Option<(usize, usize)>,
    lat_long: Option<(usize, usize)>,
}

/// A header that is not a gazetteer's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "This file's columns are not a gazetteer's: {problem}. The first line must be: {EXPECTED_HEADER}"
)]
pub struct HeaderError {
    /// What is missing.
    pub problem: String,
}

impl GazetteerColumns {
    /// Finds the columns by name (any case, surrounding spaces ignored).
    pub fn from_header<S: AsRef<str>>(header: &[S]) -> Result<Self, HeaderError> {
        let names: Vec<String> = header
            .iter()
            .map(|h| {
                h.as_ref()
                    .trim()
                    .trim_start_matches('\u{feff}')
                    .to_lowercase()
            })
            .collect();
        let find = |name: &str| names.iter().position(|n| n == name);
        // A column named twice is ambiguous: which UPRN is the real one is a guess we refuse to make.
        let mut twice: Vec<&str> = names
            .iter()
            .enumerate()
            .filter(|(i, n)| !n.is_empty() && names[..*i].contains(n))
            .map(|(_, n)| n.as_str())
            .collect();
        twice.dedup();
        if !twice.is_empty() {
            return Err(HeaderError {
                problem: format!("column {} appears more than once", twice.join(", ")),
            });
        }
        let mut missing = Vec::new();
        let mut need = |name: &'static str| {
            let found = find(name);
            if found.is_none() {
                missing.push(name);
            }
            found.unwrap_or_default()
        };
        let uprn = need("uprn");
        let line1 = need("address_line_1");
        let town = need("town");
        let postcode = need("postcode");
        let grid = find("easting").zip(find("northing"));
        let lat_long = find("latitude").zip(find("longitude"));
        if grid.is_none() && lat_long.is_none() {
            missing.push("easting and northing, or latitude and longitude");
        }
        if !missing.is_empty() {
            return Err(HeaderError {
                problem: format!("missing {}", missing.join(", ")),
            });
        }
        Ok(Self {
            uprn,
            line1,
            line2: find("address_line_2"),
            line3: find("address_line_3"),
            town,
            postcode,
            grid,
            lat_long,
        })
    }

    /// Checks one row; the error is a reason a person can fix in the file.
    pub fn parse_row<S: AsRef<str>>(&self, row: &[S]) -> Result<GazetteerEntry, String> {
        let cell = |i: usize| row.get(i).map(|c| c.as_ref().trim()).unwrap_or("");
        let optional = |i: Option<usize>| i.map(cell).filter(|c| !c.is_empty()).map(str::to_owned);
        let uprn = Uprn::parse(cell(self.uprn))
            .map_err(|_| format!("UPRN {:?} is not up to 12 digits", cell(self.uprn)))?;
        let address_line_1 = cell(self.line1);
        if address_line_1.is_empty() {
            return Err("address_line_1 is empty".to_owned());
        }
        let town = cell(self.town);
        if town.is_empty() {
            return Err("town is empty".to_owned());
        }
        for (name, column, max) in [
            ("address_line_1", Some(self.line1), LINE_MAX),
            ("address_line_2", self.line2, LINE_MAX),
            ("address_line_3", self.line3, LINE_MAX),
            ("town", Some(self.town), TOWN_MAX),
        ] {
            if let Some(i) = column {
                check_text(name, cell(i), max)?;
            }
        }
        let postcode = Postcode::parse(cell(self.postcode))
            .map_err(|_| format!("postcode {:?} is not a UK postcode", cell(self.postcode)))?;
        let number = |i: usize, name: &str| -> Result<Option<f64>, String> {
            match cell(i) {
                "" => Ok(None),
                text => text
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .map(Some)
                    .ok_or_else(|| format!("{name} {text:?} is not a number")),
            }
        };
        let mut coordinates = None;
        if let Some((e, n)) = self.grid
            && let (Some(easting), Some(northing)) = (number(e, "easting")?, number(n, "northing")?)
        {
            coordinates = Some(Coordinates::Grid { easting, northing });
        }
        if let Some((la, lo)) = self.lat_long
            && let (Some(latitude), Some(longitude)) =
                (number(la, "latitude")?, number(lo, "longitude")?)
        {
            coordinates = Some(Coordinates::LatLong {
                latitude,
                longitude,
            });
        }
        if let Some(c) = &coordinates {
            c.check().map_err(str::to_owned)?;
        }
        Ok(GazetteerEntry {
            uprn,
            address_line_1: address_line_1.to_owned(),
            address_line_2: optional(self.line2),
            address_line_3: optional(self.line3),
            town: town.to_owned(),
            postcode,
            coordinates,
        })
    }
}

/// Refuses address text a household could not hold, or that would be dangerous to hand on:
/// too long for the household form, control characters (NUL cannot be stored at all), or a
/// leading `=`, `+`, `-` or `@` that a spreadsheet opening an export would run as a formula.
fn check_text(name: &str, text: &str, max: usize) -> Result<(), String> {
    let length = text.chars().count();
    if length > max {
        return Err(format!(
            "{name} is too long ({length} characters; at most {max})"
        ));
    }
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        return Err(format!(
            "{name} contains a control character (U+{:04X}): remove it from the file",
            u32::from(c)
        ));
    }
    if text.starts_with(['=', '+', '-', '@']) {
        return Err(format!(
            "{name} starts with {:?}, which spreadsheets run as a formula: no address starts so",
            text.chars().next().unwrap_or_default()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const HEADER: &[&str] = &[
        "UPRN",
        "address_line_1",
        "address_line_2",
        "address_line_3",
        "town",
        "postcode",
        "easting",
        "northing",
    ];

    #[test]
    fn header_in_any_case_is_accepted() {
        assert!(GazetteerColumns::from_header(HEADER).is_ok());
        let lat_long = [
            "uprn",
            "address_line_1",
            "town",
            "postcode",
            "latitude",
            "longitude",
        ];
        assert!(
            GazetteerColumns::from_header(&lat_long).is_ok(),
            "optional lines may be absent"
        );
    }

    #[test]
    fn a_wrong_header_names_what_is_missing_and_the_expected_header() {
        let err = GazetteerColumns::from_header(&["id", "street", "postcode"])
            .expect_err("not a gazetteer");
        let text = err.to_string();
        assert!(
            text.contains("uprn") && text.contains("address_line_1") && text.contains("town"),
            "{text}"
        );
        assert!(text.contains(EXPECTED_HEADER), "{text}");
    }

    #[test]
    fn a_column_named_twice_is_refused_by_name() {
        let err = GazetteerColumns::from_header(&[
            "uprn",
            "UPRN ",
            "address_line_1",
            "town",
            "postcode",
            "easting",
            "northing",
        ])
        .expect_err("two uprn columns are ambiguous");
        assert!(
            err.to_string()
                .contains("column uprn appears more than once"),
            "{err}"
        );
    }

    #[rstest]
    #[case(&["990000000001", "1 Lantern Walk", "", "", "Eastwick Vale", "ZY1 2AB", "456000", "362000"], None)]
    #[case(&["abc", "1 Lantern Walk", "", "", "Eastwick Vale", "ZY1 2AB", "", ""], Some("UPRN"))]
    #[case(&["990000000001", "", "", "", "Eastwick Vale", "ZY1 2AB", "", ""], Some("address_line_1"))]
    #[case(&["990000000001", "1 Lantern Walk", "", "", "", "ZY1 2AB", "", ""], Some("town"))]
    #[case(&["990000000001", "1 Lantern Walk", "", "", "Eastwick Vale", "ZZZ", "", ""], Some("postcode"))]
    #[case(&["990000000001", "1 Lantern Walk", "", "", "Eastwick Vale", "ZY1 2AB", "east", "1"], Some("easting"))]
    #[case(&["990000000001", "1 Lantern Walk", "", "", "Eastwick Vale", "ZY1 2AB", "-5", "1"], Some("Easting must"))]
    #[case(&["990000000001", "1 Lantern Walk"], Some("town"))]
    #[case(&["990000000001", "=cmd|' /C calc'!A0", "", "", "Eastwick Vale", "ZY1 2AB", "", ""], Some("formula"))]
    #[case(&["990000000001", "1 Lantern Walk", "", "", "@SUM(1+1)", "ZY1 2AB", "", ""], Some("formula"))]
    #[case(&["990000000001", "1 Lantern Walk", "-1 Flat", "", "Eastwick Vale", "ZY1 2AB", "", ""], Some("address_line_2 starts"))]
    #[case(&["990000000001", "1 Lantern\0 Walk", "", "", "Eastwick Vale", "ZY1 2AB", "", ""], Some("control character (U+0000)"))]
    #[case(&["990000000001", "1 Lantern Walk", "", "", "Eastwick\tVale", "ZY1 2AB", "", ""], Some("control character"))]
    #[case(&["990000000001", &"A".repeat(121), "", "", "Eastwick Vale", "ZY1 2AB", "", ""], Some("too long (121 characters; at most 120)"))]
    #[case(&["990000000001", "1 Lantern Walk", "", "", &"B".repeat(61), "ZY1 2AB", "", ""], Some("town is too long"))]
    fn rows(#[case] row: &[&str], #[case] problem: Option<&str>) {
        let columns = GazetteerColumns::from_header(HEADER).expect("header");
        match (columns.parse_row(row), problem) {
            (Ok(entry), None) => assert_eq!(entry.postcode.as_str(), "ZY1 2AB"),
            (Err(reason), Some(p)) => assert!(reason.contains(p), "{reason:?} should mention {p}"),
            (got, want) => panic!("row {row:?}: got {got:?}, wanted problem {want:?}"),
        }
    }
}
