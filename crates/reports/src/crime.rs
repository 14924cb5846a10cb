//! Police crime data: the burglaries a report compares, read from one of two CSV formats.
//!
//! **The police's street-level CSV** (data.police.uk, Open Government Licence), one file a
//! force a month, with the header
//!
//! ```text
//! Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context
//! ```
//!
//! Only `Crime ID`, `Month` (`YYYY-MM`), `LSOA code` and `Crime type` are needed; the
//! others may be absent. Rows whose crime type is not `Burglary` are counted as skipped,
//! not rejected. A burglary is dated the first day of its month (the file gives no day) and
//! has no UPRN: the position is moved to an anonymising point, so it is good for trends in
//! an area and useless for matching to homes.
//!
//! **A force's burglary extract matched to UPRNs**, which the force sends the partnership
//! under its data sharing agreement, with the header
//!
//! ```text
//! crime_reference,date,uprn,postcode,lsoa_code
//! ```
//!
//! `crime_reference` (the force's own, non-empty), `date` (`YYYY-MM-DD`) and `uprn` (1 to
//! 12 digits) are needed; `postcode` and `lsoa_code` may be empty or absent. Every row is a
//! burglary. This is what repeat victimisation is counted from.
//!
//! Which format a file is comes from its header (names in any case, a UTF-8 byte order
//! mark allowed). A header that is neither, or that lacks a needed column, refuses the whole
//! file before any row is read, so a caller writes nothing. Each bad row is rejected with its
//! line and a reason a person can fix in the file, as the laptop's gazetteer import does,
//! and the good rows are kept. Each row gets a key from the police's crime id or the force's
//! reference, so importing the same file again updates rows rather than adding them.
//!
//! Pure: the caller opens the file and hands in a reader; nothing here panics on any input.

use std::cell::Cell;
use std::collections::HashMap;
use std::io::Read;
use std::rc::Rc;

use chrono::{Datelike, NaiveDate};
use doorstep_core::household::Uprn;
use doorstep_core::postcode::Postcode;
use serde::Serialize;

use crate::engine::Burglary;

/// The most data rows a file may have (all crime types counted): a month of every force in
/// England and Wales is about half a million, so more is a mistake, or an attack.
pub const MAX_ROWS: u64 = 2_000_000;

/// The most characters a cell may hold; the longest real ones (a location, an LSOA name,
/// an outcome) are well under a hundred.
pub const MAX_CELL_CHARS: usize = 500;

/// The most characters a crime id or reference may hold (the police's are 64).
pub const MAX_KEY_CHARS: usize = 100;

/// The most bytes one row may take before the file is refused as not a crime CSV: bounds
/// the memory an unterminated quote or a file with no line breaks can take.
pub const MAX_ROW_BYTES: u64 = 1024 * 1024;

/// The most rejected rows listed one by one; the rest are only counted
/// ([`CrimeImport::rejected_total`]), so a file of junk cannot fill memory with reasons.
pub const MAX_LISTED_REJECTIONS: usize = 10_000;

/// The header of the police's street-level CSV.
pub const STREET_LEVEL_HEADER: &str = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context";

/// The header of a force's burglary extract.
pub const FORCE_EXTRACT_HEADER: &str = "crime_reference,date,uprn,postcode,lsoa_code";

/// The street-level columns a file must have.
const STREET_LEVEL_NEEDED: &[&str] = &["crime id", "month", "lsoa code", "crime type"];

/// The force extract's columns a file must have.
const FORCE_EXTRACT_NEEDED: &[&str] = &["crime_reference", "date", "uprn"];

/// The earliest and latest years a crime may be dated: police open data starts in
/// December 2010; a year outside these is a typing mistake (0224 for 2024).
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2099;

/// Which format a crime file is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrimeSource {
    /// The police's street-level CSV (data.police.uk): month and LSOA, no UPRN.
    StreetLevel,
    /// A force's burglary extract, matched to UPRNs.
    ForceExtract,
}

impl CrimeSource {
    /// The name stored in the hub's tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::StreetLevel => "street_level",
            Self::ForceExtract => "force_extract",
        }
    }

    /// Reads a stored name back.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "street_level" => Some(Self::StreetLevel),
            "force_extract" => Some(Self::ForceExtract),
            _ => None,
        }
    }

    /// How a person would name the format.
    pub fn label(self) -> &'static str {
        match self {
            Self::StreetLevel => "the police's street-level crime CSV",
            Self::ForceExtract => "a force's burglary extract",
        }
    }

    /// The header this format's files have.
    pub fn expected_header(self) -> &'static str {
        match self {
            Self::StreetLevel => STREET_LEVEL_HEADER,
            Self::ForceExtract => FORCE_EXTRACT_HEADER,
        }
    }

    /// The prefix of this format's keys, so a police id and a force reference never meet.
    fn key_prefix(self) -> &'static str {
        match self {
            Self::StreetLevel => "police:",
            Self::ForceExtract => "force:",
        }
    }
}

/// One burglary read from a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrimeRow {
    /// Stable across imports of the same data: `police:` and the crime id, or `force:` and
    /// the force's crime reference.
    pub key: String,
    /// The line of the file it was read from.
    pub line: u64,
    /// The burglary, as the report engine takes it.
    pub burglary: Burglary,
}

/// A row of the file that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedRow {
    /// Its line in the file (the header is line 1).
    pub line: u64,
    /// Why, in words a person can act on in the file.
    pub reason: String,
}

/// What a crime file held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrimeImport {
    /// Which format it was in.
    pub source: CrimeSource,
    /// The burglaries that were read whole.
    pub burglaries: Vec<CrimeRow>,
    /// Rows of other crime types (street-level files hold every type), left out.
    pub skipped_other_types: u64,
    /// The first [`MAX_LISTED_REJECTIONS`] rows rejected, by line.
    pub rejected: Vec<RejectedRow>,
    /// Every row rejected, including those not listed.
    pub rejected_total: u64,
    /// Data rows read (blank lines not counted).
    pub rows_read: u64,
}

/// Why a whole file was refused; nothing from it should be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CrimeError {
    /// The file could not be read at all.
    #[error("This file could not be read: {0}")]
    Unreadable(String),
    /// The file has no header line.
    #[error("This file is empty: a crime file starts with a line of column names")]
    Empty,
    /// The header is neither format's.
    #[error(
        "This file's columns are not a crime file's. The police's street-level CSV starts: {STREET_LEVEL_HEADER}; a force's burglary extract starts: {FORCE_EXTRACT_HEADER}"
    )]
    UnknownFormat,
    /// The header is one format's, but lacks columns that format needs.
    #[error(
        "This file looks like {} but has no {} column{}. The first line must be: {}",
        .format.label(),
        .missing.join(", "),
        if .missing.len() == 1 { "" } else { "s" },
        .format.expected_header()
    )]
    MissingColumns {
        /// The format the header looks like.
        format: CrimeSource,
        /// The columns it lacks, as the format names them.
        missing: Vec<String>,
    },
    /// A column is named twice, so which one holds the data is a guess.
    #[error("This file names the column {0} more than once: which one to read is a guess")]
    DuplicateColumns(String),
    /// Too many rows.
    #[error(
        "This file has more than {MAX_ROWS} rows: split it (by month, say) and import each part"
    )]
    TooManyRows,
    /// A row is far longer than any crime row.
    #[error(
        "The row starting on line {line} is longer than {MAX_ROW_BYTES} bytes (a quote never closed?): this is not a crime CSV"
    )]
    RowTooLong {
        /// Where the row starts.
        line: u64,
    },
}

/// Reads a crime CSV (either format, told apart by its header) from `reader`.
///
/// A wrong header, too many rows, or a row far too long refuses the whole file; bad rows
/// are listed in [`CrimeImport::rejected`] and the good ones kept.
pub fn parse<R: Read>(reader: R) -> Result<CrimeImport, CrimeError> {
    parse_limited(reader, MAX_ROWS)
}

/// [`parse`] with another row limit, so a test need not read two million rows.
fn parse_limited<R: Read>(reader: R, max_rows: u64) -> Result<CrimeImport, CrimeError> {
    let since_row = Rc::new(Cell::new(0u64));
    let bounded = Bounded {
        inner: reader,
        since_row: Rc::clone(&since_row),
    };
    let mut csv = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(bounded);
    let header: Vec<String> = match csv.byte_headers() {
        Ok(h) => h
            .iter()
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect(),
        Err(e) => return Err(whole_file_error(&e, 1)),
    };
    let columns = Columns::from_header(&header)?;
    since_row.set(0);
    let mut import = CrimeImport {
        source: columns.source,
        burglaries: Vec::new(),
        skipped_other_types: 0,
        rejected: Vec::new(),
        rejected_total: 0,
        rows_read: 0,
    };
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut record = csv::ByteRecord::new();
    // The line the next row starts on, for errors that come before a row has a position.
    let mut next_line = 2u64;
    loop {
        let more = match csv.read_byte_record(&mut record) {
            Ok(more) => more,
            Err(e) => {
                let line = e.position().map_or(next_line, |p| p.line());
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    return Err(whole_file_error(&e, line));
                }
                // A format error (bad UTF-8 is not one: rows are read as bytes) moves on.
                import.rows_read += 1;
                reject(&mut import, line, format!("could not be read: {e}"));
                since_row.set(0);
                continue;
            }
        };
        since_row.set(0);
        if !more {
            break;
        }
        let line = record.position().map_or(next_line, |p| p.line());
        next_line = line + 1;
        if record.iter().all(|c| c.iter().all(u8::is_ascii_whitespace)) {
            continue; // a blank line is not a row
        }
        import.rows_read += 1;
        if import.rows_read > max_rows {
            return Err(CrimeError::TooManyRows);
        }
        let cells: Result<Vec<&str>, _> = record.iter().map(std::str::from_utf8).collect();
        let Ok(cells) = cells else {
            reject(
                &mut import,
                line,
                "the text is not UTF-8: save the file as \"CSV UTF-8\"".to_owned(),
            );
            continue;
        };
        match columns.read_row(&cells, &header) {
            Row::OtherType => import.skipped_other_types += 1,
            Row::Rejected(reason) => reject(&mut import, line, reason),
            Row::Burglary { key, burglary } => {
                if let Some(first) = seen.get(&key) {
                    let reason = format!(
                        "{} {} appears again (first on line {first}): each crime once",
                        columns.key_name(),
                        quoted(&key[columns.source.key_prefix().len()..])
                    );
                    reject(&mut import, line, reason);
                    continue;
                }
                seen.insert(key.clone(), line);
                import.burglaries.push(CrimeRow {
                    key,
                    line,
                    burglary,
                });
            }
        }
    }
    Ok(import)
}

/// Why a read error stops the whole file: a row too long, or the reader failing.
fn whole_file_error(e: &csv::Error, line: u64) -> CrimeError {
    if let csv::ErrorKind::Io(io) = e.kind()
        && io.kind() == std::io::ErrorKind::FileTooLarge
    {
        return CrimeError::RowTooLong { line };
    }
    CrimeError::Unreadable(e.to_string())
}

fn reject(import: &mut CrimeImport, line: u64, reason: String) {
    import.rejected_total += 1;
    if import.rejected.len() < MAX_LISTED_REJECTIONS {
        import.rejected.push(RejectedRow { line, reason });
    }
}

/// A cell's text for a reason, cut short so a long cell does not make a long reason.
fn quoted(text: &str) -> String {
    const SHOWN: usize = 40;
    if text.chars().count() > SHOWN {
        let cut: String = text.chars().take(SHOWN).collect();
        format!("\"{}…\"", cut.escape_debug())
    } else {
        format!("{text:?}")
    }
}

/// A reader that fails once one row has taken more than [`MAX_ROW_BYTES`]; the parser
/// resets the count after each row. The csv reader reads ahead a buffer at a time, so the
/// bound is loose by a buffer, which is all it needs to be.
struct Bounded<R> {
    inner: R,
    since_row: Rc<Cell<u64>>,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.since_row.get() > MAX_ROW_BYTES {
            return Err(std::io::Error::new(
                std::io::ErrorKind::FileTooLarge,
                "a row is too long",
            ));
        }
        let n = self.inner.read(buf)?;
        self.since_row
            .set(self.since_row.get().saturating_add(n as u64));
        Ok(n)
    }
}

/// What one row turned out to be.
enum Row {
    /// A crime of another type, left out.
    OtherType,
    /// A burglary read whole.
    Burglary { key: String, burglary: Burglary },
    /// A row that cannot be used, and why.
    Rejected(String),
}

/// Where each needed field sits in a row, found from the header.
#[derive(Debug)]
struct Columns {
    source: CrimeSource,
    width: usize,
    key: usize,
    /// Month (street-level) or date (force extract).
    date: usize,
    lsoa: Option<usize>,
    /// Street-level only.
    crime_type: Option<usize>,
    /// Force extract only.
    uprn: Option<usize>,
    postcode: Option<usize>,
}

impl Columns {
    fn from_header(header: &[String]) -> Result<Self, CrimeError> {
        let names: Vec<String> = header
            .iter()
            .map(|h| {
                h.trim()
                    .trim_start_matches('\u{feff}')
                    .trim()
                    .to_lowercase()
            })
            .collect();
        if names.iter().all(String::is_empty) {
            return Err(CrimeError::Empty);
        }
        let street = names
            .iter()
            .filter(|n| {
                STREET_LEVEL_HEADER
                    .split(',')
                    .any(|s| s.eq_ignore_ascii_case(n))
            })
            .count();
        let force = names
            .iter()
            .filter(|n| {
                FORCE_EXTRACT_HEADER
                    .split(',')
                    .any(|s| s.eq_ignore_ascii_case(n))
            })
            .count();
        let source = match street.cmp(&force) {
            _ if street == 0 && force == 0 => return Err(CrimeError::UnknownFormat),
            std::cmp::Ordering::Greater => CrimeSource::StreetLevel,
            std::cmp::Ordering::Less => CrimeSource::ForceExtract,
            // As many of each: `crime_reference` is the force's own mark.
            std::cmp::Ordering::Equal if names.iter().any(|n| n == "crime_reference") => {
                CrimeSource::ForceExtract
            }
            std::cmp::Ordering::Equal => CrimeSource::StreetLevel,
        };
        // A column named twice is ambiguous: which month is the real one is a guess we refuse.
        let mut twice: Vec<&str> = names
            .iter()
            .enumerate()
            .filter(|(i, n)| !n.is_empty() && names[..*i].contains(n))
            .map(|(_, n)| n.as_str())
            .collect();
        twice.dedup();
        if !twice.is_empty() {
            return Err(CrimeError::DuplicateColumns(twice.join(", ")));
        }
        let find = |name: &str| names.iter().position(|n| n == name);
        let needed = match source {
            CrimeSource::StreetLevel => STREET_LEVEL_NEEDED,
            CrimeSource::ForceExtract => FORCE_EXTRACT_NEEDED,
        };
        let missing: Vec<String> = needed
            .iter()
            .filter(|n| find(n).is_none())
            .map(|n| display_name(source, n))
            .collect();
        if !missing.is_empty() {
            return Err(CrimeError::MissingColumns {
                format: source,
                missing,
            });
        }
        let at = |name: &str| find(name).unwrap_or_default();
        Ok(match source {
            CrimeSource::StreetLevel => Self {
                source,
                width: names.len(),
                key: at("crime id"),
                date: at("month"),
                lsoa: find("lsoa code"),
                crime_type: find("crime type"),
                uprn: None,
                postcode: None,
            },
            CrimeSource::ForceExtract => Self {
                source,
                width: names.len(),
                key: at("crime_reference"),
                date: at("date"),
                lsoa: find("lsoa_code"),
                crime_type: None,
                uprn: find("uprn"),
                postcode: find("postcode"),
            },
        })
    }

    /// The name of the key column, as the format spells it.
    fn key_name(&self) -> &'static str {
        match self.source {
            CrimeSource::StreetLevel => "Crime ID",
            CrimeSource::ForceExtract => "crime_reference",
        }
    }

    fn read_row(&self, row: &[&str], header: &[String]) -> Row {
        // Checked first: in a row with a cell too few, the crime type is some other column.
        if row.len() != self.width {
            return Row::Rejected(format!(
                "has {} cells where the header has {}: a comma too many or too few?",
                row.len(),
                self.width
            ));
        }
        let cell = |i: usize| row.get(i).map_or("", |c| c.trim());
        // A row of another type is left out before it is checked: a street-level file's
        // anti-social behaviour rows have no crime id, and that is not a fault here.
        if let Some(t) = self.crime_type
            && !cell(t).eq_ignore_ascii_case("burglary")
        {
            return Row::OtherType;
        }
        match self.check_row(row, header) {
            Ok(row) => row,
            Err(reason) => Row::Rejected(reason),
        }
    }

    fn check_row(&self, row: &[&str], header: &[String]) -> Result<Row, String> {
        for (i, text) in row.iter().enumerate() {
            let length = text.chars().count();
            if length > MAX_CELL_CHARS {
                let name = header
                    .get(i)
                    .map_or("a cell", |h| h.trim().trim_start_matches('\u{feff}').trim());
                return Err(format!(
                    "{name} is too long ({length} characters; at most {MAX_CELL_CHARS})"
                ));
            }
        }
        let cell = |i: usize| row.get(i).map_or("", |c| c.trim());
        let key_name = self.key_name();
        let id = cell(self.key);
        if id.is_empty() {
            return Err(format!(
                "{key_name} is empty: without it the row could not be matched when the file is imported again"
            ));
        }
        let id_length = id.chars().count();
        if id_length > MAX_KEY_CHARS {
            return Err(format!(
                "{key_name} is too long ({id_length} characters; at most {MAX_KEY_CHARS})"
            ));
        }
        if let Some(c) = id.chars().find(|c| c.is_control()) {
            return Err(format!(
                "{key_name} contains a control character (U+{:04X}): remove it from the file",
                u32::from(c)
            ));
        }
        let date = match self.source {
            CrimeSource::StreetLevel => parse_month(cell(self.date))?,
            CrimeSource::ForceExtract => parse_day(cell(self.date))?,
        };
        let lsoa_name = match self.source {
            CrimeSource::StreetLevel => "LSOA code",
            CrimeSource::ForceExtract => "lsoa_code",
        };
        let lsoa = match self.lsoa.map(cell).unwrap_or("") {
            // Street-level rows with no LSOA are those the police could not place: such a
            // burglary can be counted neither in a target area nor outside it.
            "" if self.source == CrimeSource::StreetLevel => {
                return Err(
                    "LSOA code is empty (the police could not place it): it cannot be counted in or out of an area"
                        .to_owned(),
                );
            }
            "" => None,
            code => Some(parse_lsoa(lsoa_name, code)?),
        };
        let uprn = match self.uprn.map(cell) {
            None => None,
            Some(text) => Some(
                Uprn::parse(text)
                    .map_err(|_| {
                        if text.is_empty() {
                            "uprn is empty: a force's extract gives each burglary's home".to_owned()
                        } else {
                            format!("uprn {} is not up to 12 digits", quoted(text))
                        }
                    })?
                    .as_str()
                    .to_owned(),
            ),
        };
        let postcode = match self.postcode.map(cell).unwrap_or("") {
            "" => None,
            text => Some(
                Postcode::parse(text)
                    .map_err(|_| format!("postcode {} is not a UK postcode", quoted(text)))?
                    .as_str()
                    .to_owned(),
            ),
        };
        Ok(Row::Burglary {
            key: format!("{}{id}", self.source.key_prefix()),
            burglary: Burglary {
                date,
                uprn,
                postcode,
                lsoa,
            },
        })
    }
}

/// A needed column as the format's own header spells it, for the refusal.
fn display_name(source: CrimeSource, lower: &str) -> String {
    source
        .expected_header()
        .split(',')
        .find(|s| s.eq_ignore_ascii_case(lower))
        .unwrap_or(lower)
        .to_owned()
}

/// A street-level month, `YYYY-MM`, as its first day.
fn parse_month(text: &str) -> Result<NaiveDate, String> {
    let wrong = || format!("Month {} is not a month written YYYY-MM", quoted(text));
    let (year, month) = text.split_once('-').ok_or_else(wrong)?;
    if year.len() != 4
        || month.len() != 2
        || !(year.chars().chain(month.chars())).all(|c| c.is_ascii_digit())
    {
        return Err(wrong());
    }
    let year: i32 = year.parse().map_err(|_| wrong())?;
    let month: u32 = month.parse().map_err(|_| wrong())?;
    let day = NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(wrong)?;
    plausible("Month", text, day)
}

/// A force extract's day, `YYYY-MM-DD`.
fn parse_day(text: &str) -> Result<NaiveDate, String> {
    let wrong = || format!("date {} is not a day written YYYY-MM-DD", quoted(text));
    // chrono's %Y takes any number of digits and a sign: insist on the shape first.
    let shape = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shape {
        return Err(wrong());
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| wrong())?;
    plausible("date", text, day)
}

fn plausible(name: &str, text: &str, day: NaiveDate) -> Result<NaiveDate, String> {
    if YEARS.contains(&day.year()) {
        Ok(day)
    } else {
        Err(format!(
            "{name} {} is not between {} and {}: a typing mistake?",
            quoted(text),
            YEARS.start(),
            YEARS.end()
        ))
    }
}

/// An LSOA code: a letter for the nation and eight digits (`E01012345`, `W01000001`).
fn parse_lsoa(name: &str, text: &str) -> Result<String, String> {
    let code = text.to_ascii_uppercase();
    let mut chars = code.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && code.len() == 9
        && chars.all(|c| c.is_ascii_digit());
    if ok {
        Ok(code)
    } else {
        Err(format!(
            "{name} {} is not an LSOA code like E01012345",
            quoted(text)
        ))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // a failed expectation is a failed test

    use super::*;
    use proptest::prelude::*;

    const BOM: &str = "\u{feff}";

    fn street(rows: &[&str]) -> String {
        let mut text = format!("{STREET_LEVEL_HEADER}\n");
        for r in rows {
            text.push_str(r);
            text.push('\n');
        }
        text
    }

    fn force(rows: &[&str]) -> String {
        let mut text = format!("{FORCE_EXTRACT_HEADER}\n");
        for r in rows {
            text.push_str(r);
            text.push('\n');
        }
        text
    }

    /// A street-level row; synthetic LSOAs (E010999xx) and locations, never real ones.
    fn street_row(id: &str, month: &str, lsoa: &str, kind: &str) -> String {
        format!(
            "{id},{month},Testshire Police,Testshire Police,-1.100000,53.100000,On or near Test Lane,{lsoa},Testtown 001A,{kind},Under investigation,"
        )
    }

    #[test]
    fn a_street_level_file_keeps_burglaries_and_counts_the_rest_as_skipped() {
        let a = "a".repeat(64);
        let b = "b".repeat(64);
        let rows = [
            street_row(&a, "2026-03", "E01099901", "Burglary"),
            street_row("", "2026-03", "E01099901", "Anti-social behaviour"),
            street_row(&"c".repeat(64), "2026-03", "E01099902", "Vehicle crime"),
            street_row(&b, "2026-04", "e01099902", "burglary"),
        ];
        let text = format!(
            "{BOM}{}",
            street(&rows.iter().map(String::as_str).collect::<Vec<_>>())
        );
        let import = parse(text.as_bytes()).unwrap();
        assert_eq!(
            import.source,
            CrimeSource::StreetLevel,
            "told by its header"
        );
        assert_eq!(
            import.skipped_other_types, 2,
            "ASB and vehicle crime left out"
        );
        assert!(import.rejected.is_empty(), "{:?}", import.rejected);
        assert_eq!(import.rows_read, 4);
        assert_eq!(
            import.burglaries,
            vec![
                CrimeRow {
                    key: format!("police:{a}"),
                    line: 2,
                    burglary: Burglary {
                        date: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
                        uprn: None,
                        postcode: None,
                        lsoa: Some("E01099901".into()),
                    },
                },
                CrimeRow {
                    key: format!("police:{b}"),
                    line: 5,
                    burglary: Burglary {
                        date: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
                        uprn: None,
                        postcode: None,
                        lsoa: Some("E01099902".into()),
                    },
                },
            ],
            "dated the first of the month, no UPRN, the LSOA in capitals"
        );
    }

    #[test]
    fn a_force_extract_gives_uprns_and_optional_postcode_and_lsoa() {
        let text = force(&[
            "TS/2026/0001,2026-03-14,000100012345,zy5  2ab,E01099901",
            "TS/2026/0002,2026-03-15,100012346,,",
        ]);
        let import = parse(text.as_bytes()).unwrap();
        assert_eq!(import.source, CrimeSource::ForceExtract);
        assert!(import.rejected.is_empty(), "{:?}", import.rejected);
        assert_eq!(import.burglaries.len(), 2);
        let first = &import.burglaries[0];
        assert_eq!(first.key, "force:TS/2026/0001");
        assert_eq!(
            first.burglary,
            Burglary {
                date: NaiveDate::from_ymd_opt(2026, 3, 14).unwrap(),
                uprn: Some("100012345".into()),
                postcode: Some("ZY5 2AB".into()),
                lsoa: Some("E01099901".into()),
            },
            "the UPRN without leading zeros and the postcode in its normal form, as households hold them"
        );
        assert_eq!(import.burglaries[1].burglary.postcode, None);
        assert_eq!(import.burglaries[1].burglary.lsoa, None);
    }

    #[test]
    fn optional_columns_may_be_absent() {
        let import = parse(
            "Crime type,Month,Crime ID,LSOA code\nBurglary,2026-01,x1,E01099901\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(
            import.burglaries.len(),
            1,
            "columns in any order, only the needed ones"
        );
        let import = parse("UPRN,Date,Crime_Reference\n1,2026-01-02,r1\n".as_bytes()).unwrap();
        assert_eq!(import.source, CrimeSource::ForceExtract);
        assert_eq!(import.burglaries.len(), 1, "names in any case");
    }

    #[test]
    fn a_wrong_header_is_refused_naming_the_missing_columns() {
        let err = parse("Crime ID,Month,Location\nx,2026-01,Test Lane\n".as_bytes()).unwrap_err();
        assert_eq!(
            err,
            CrimeError::MissingColumns {
                format: CrimeSource::StreetLevel,
                missing: vec!["LSOA code".into(), "Crime type".into()],
            }
        );
        let text = err.to_string();
        assert!(
            text.contains("LSOA code, Crime type") && text.contains(STREET_LEVEL_HEADER),
            "{text}"
        );
        let err = parse("crime_reference,postcode\nr1,ZZ9 9ZZ\n".as_bytes()).unwrap_err();
        assert!(err.to_string().contains("no date, uprn columns"), "{err}");
        assert_eq!(
            parse("name,address\nA,B\n".as_bytes()).unwrap_err(),
            CrimeError::UnknownFormat
        );
        assert_eq!(parse("".as_bytes()).unwrap_err(), CrimeError::Empty);
        assert_eq!(
            parse("crime_reference,date,uprn,DATE\n".as_bytes()).unwrap_err(),
            CrimeError::DuplicateColumns("date".into())
        );
    }

    /// Every reason a row is rejected, with the line it is reported on.
    #[test]
    fn every_rejection_names_its_line_and_reason() {
        let id = "d".repeat(64);
        let long = "x".repeat(MAX_CELL_CHARS + 1);
        let street_cases: Vec<(String, &str)> = vec![
            (
                street_row("", "2026-01", "E01099901", "Burglary"),
                "Crime ID is empty",
            ),
            (
                street_row(
                    &"k".repeat(MAX_KEY_CHARS + 1),
                    "2026-01",
                    "E01099901",
                    "Burglary",
                ),
                "Crime ID is too long (101 characters; at most 100)",
            ),
            (
                street_row("a\u{7}b", "2026-01", "E01099901", "Burglary"),
                "Crime ID contains a control character (U+0007)",
            ),
            (
                street_row(&id, "2026-1", "E01099901", "Burglary"),
                "Month \"2026-1\" is not a month written YYYY-MM",
            ),
            (
                street_row(&id, "2026-13", "E01099901", "Burglary"),
                "Month \"2026-13\" is not a month",
            ),
            (
                street_row(&id, "Jan 2026", "E01099901", "Burglary"),
                "Month \"Jan 2026\" is not a month",
            ),
            (
                street_row(&id, "1899-01", "E01099901", "Burglary"),
                "Month \"1899-01\" is not between 2000 and 2099",
            ),
            (
                street_row(&id, "2026-01", "", "Burglary"),
                "LSOA code is empty",
            ),
            (
                street_row(&id, "2026-01", "E0109990", "Burglary"),
                "LSOA code \"E0109990\" is not an LSOA code",
            ),
            (
                street_row(&id, "2026-01", "Testtown 001A", "Burglary"),
                "LSOA code \"Testtown 001A\" is not an LSOA code",
            ),
            (
                format!("{id},2026-01,Police,,,,{long},E01099901,,Burglary,,"),
                "Location is too long (501 characters; at most 500)",
            ),
            (
                format!("{id},2026-01,E01099901,Burglary"),
                "has 4 cells where the header has 12",
            ),
        ];
        for (row, reason) in &street_cases {
            let good = street_row(&"f".repeat(64), "2026-01", "E01099901", "Burglary");
            let text = street(&[good.as_str(), row.as_str()]);
            let import = parse(text.as_bytes()).unwrap();
            assert_eq!(
                import.burglaries.len(),
                1,
                "the good row is kept beside {row}"
            );
            assert_eq!(import.rejected.len(), 1, "{row}: {:?}", import.rejected);
            assert_eq!(import.rejected[0].line, 3, "{row}");
            assert!(
                import.rejected[0].reason.contains(reason),
                "{row}: {} (expected {reason})",
                import.rejected[0].reason
            );
        }
        let force_cases: &[(&str, &str)] = &[
            (",2026-01-02,1,,", "crime_reference is empty"),
            ("r2,,1,,", "date \"\" is not a day written YYYY-MM-DD"),
            ("r2,02/01/2026,1,,", "date \"02/01/2026\" is not a day"),
            ("r2,2026-02-30,1,,", "date \"2026-02-30\" is not a day"),
            ("r2,+2026-01-0,1,,", "is not a day"),
            (
                "r2,0224-01-02,1,,",
                "date \"0224-01-02\" is not between 2000 and 2099",
            ),
            ("r2,2026-01-02,,,", "uprn is empty"),
            (
                "r2,2026-01-02,1234567890123,,",
                "uprn \"1234567890123\" is not up to 12 digits",
            ),
            ("r2,2026-01-02,12a,,", "uprn \"12a\" is not up to 12 digits"),
            (
                "r2,2026-01-02,1,NOT A POSTCODE,",
                "postcode \"NOT A POSTCODE\" is not a UK postcode",
            ),
            (
                "r2,2026-01-02,1,,E01",
                "lsoa_code \"E01\" is not an LSOA code",
            ),
            (
                "r1,2026-01-03,2,,",
                "crime_reference \"r1\" appears again (first on line 2)",
            ),
            ("r2,2026-01-02,1,,,", "has 6 cells where the header has 5"),
        ];
        for (row, reason) in force_cases {
            let text = force(&["r1,2026-01-02,1,,", *row]);
            let import = parse(text.as_bytes()).unwrap();
            assert_eq!(
                import.burglaries.len(),
                1,
                "the good row is kept beside {row}"
            );
            assert_eq!(import.rejected.len(), 1, "{row}: {:?}", import.rejected);
            assert_eq!(import.rejected[0].line, 3, "{row}");
            assert!(
                import.rejected[0].reason.contains(reason),
                "{row}: {} (expected {reason})",
                import.rejected[0].reason
            );
        }
        // Bytes that are not UTF-8.
        let mut bytes = force(&["r1,2026-01-02,1,,"]).into_bytes();
        bytes.extend_from_slice(b"r\xff,2026-01-02,1,,\n");
        let import = parse(&bytes[..]).unwrap();
        assert_eq!(import.rejected[0].line, 3);
        assert!(
            import.rejected[0].reason.contains("not UTF-8"),
            "{:?}",
            import.rejected
        );
    }

    #[test]
    fn rejected_rows_keep_their_lines_past_blank_lines_and_quoted_line_breaks() {
        let text = "crime_reference,date,uprn\n\nr1,2026-01-02,\"1\n\"\nr2,bad,1\n";
        let import = parse(text.as_bytes()).unwrap();
        assert_eq!(import.rows_read, 2, "the blank line is not a row");
        assert_eq!(
            import.rejected,
            vec![RejectedRow {
                line: 5,
                reason: "date \"bad\" is not a day written YYYY-MM-DD".into()
            }],
            "the quoted line break is counted"
        );
    }

    #[test]
    fn a_row_longer_than_the_limit_refuses_the_file() {
        let mut text = force(&["r1,2026-01-02,1,,"]);
        text.push('"');
        text.push_str(&"x".repeat(usize::try_from(MAX_ROW_BYTES).unwrap() + 20_000));
        let err = parse(text.as_bytes()).unwrap_err();
        assert_eq!(err, CrimeError::RowTooLong { line: 3 }, "{err}");
    }

    #[test]
    fn too_many_rows_refuse_the_file() {
        /// Endless rows of vehicle crime, made as they are read.
        struct Endless {
            header: bool,
            row: Vec<u8>,
            at: usize,
        }
        impl Read for Endless {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if !self.header {
                    self.header = true;
                    let h = format!("{STREET_LEVEL_HEADER}\n");
                    buf[..h.len()].copy_from_slice(h.as_bytes());
                    return Ok(h.len());
                }
                let n = buf.len().min(self.row.len() - self.at);
                buf[..n].copy_from_slice(&self.row[self.at..self.at + n]);
                self.at = (self.at + n) % self.row.len();
                Ok(n)
            }
        }
        let reader = Endless {
            header: false,
            row: b",2026-01,,,,,,E01099901,,Vehicle crime,,\n".to_vec(),
            at: 0,
        };
        assert_eq!(
            parse_limited(reader, 1_000).unwrap_err(),
            CrimeError::TooManyRows
        );
    }

    #[test]
    fn a_reader_that_fails_refuses_the_file() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk gone"))
            }
        }
        assert!(matches!(
            parse(Failing).unwrap_err(),
            CrimeError::Unreadable(_)
        ));
    }

    #[test]
    fn rejections_past_the_listed_limit_are_counted() {
        let mut text = format!("{FORCE_EXTRACT_HEADER}\n");
        for i in 0..MAX_LISTED_REJECTIONS + 5 {
            text.push_str(&format!("r{i},bad,1,,\n"));
        }
        let import = parse(text.as_bytes()).unwrap();
        assert_eq!(import.rejected.len(), MAX_LISTED_REJECTIONS);
        assert_eq!(import.rejected_total, MAX_LISTED_REJECTIONS as u64 + 5);
    }

    #[test]
    fn a_synthetic_month_of_street_level_data() {
        // A month of a made-up force over made-up LSOAs E01099901..E01099910.
        let types = [
            "Burglary",
            "Vehicle crime",
            "Anti-social behaviour",
            "Shoplifting",
        ];
        let mut text = format!("{BOM}{STREET_LEVEL_HEADER}\r\n");
        for i in 0..400u32 {
            let kind = types[(i % 4) as usize];
            let id = if kind == "Anti-social behaviour" {
                String::new()
            } else {
                format!("{i:064x}")
            };
            let lsoa = format!("E010999{:02}", i % 10 + 1);
            text.push_str(&format!(
                "{id},2026-02,Testshire Police,Testshire Police,-1.1,53.1,\"On or near Test Lane, {i}\",{lsoa},Testtown {:03}A,{kind},Investigation complete; no suspect identified,\r\n",
                i % 10 + 1
            ));
        }
        let import = parse(text.as_bytes()).unwrap();
        assert_eq!(import.burglaries.len(), 100);
        assert_eq!(import.skipped_other_types, 300);
        assert!(import.rejected.is_empty(), "{:?}", import.rejected);
        let in_first = import
            .burglaries
            .iter()
            .filter(|r| r.burglary.lsoa.as_deref() == Some("E01099901"))
            .count();
        assert_eq!(
            in_first, 20,
            "every twentieth row is a burglary in E01099901"
        );
        assert!(
            import
                .burglaries
                .iter()
                .all(|r| r.burglary.date == NaiveDate::from_ymd_opt(2026, 2, 1).unwrap())
        );
    }

    #[test]
    fn refusals_and_labels_read_as_sentences() {
        assert_eq!(
            CrimeSource::parse("street_level"),
            Some(CrimeSource::StreetLevel)
        );
        assert_eq!(
            CrimeSource::parse(CrimeSource::ForceExtract.as_str()),
            Some(CrimeSource::ForceExtract)
        );
        assert_eq!(CrimeSource::parse("other"), None);
        assert!(CrimeError::TooManyRows.to_string().contains("2000000"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Arbitrary bytes never panic.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = parse(&bytes[..]);
        }

        /// Arbitrary rows under a real header never panic, and every row is accounted for.
        #[test]
        fn arbitrary_rows_are_kept_skipped_or_rejected(
            street_level in any::<bool>(),
            rows in proptest::collection::vec(
                proptest::collection::vec("[ -~\u{e9}\u{feff}\"\n]{0,16}", 0..14), 0..20),
        ) {
            let header = if street_level { STREET_LEVEL_HEADER } else { FORCE_EXTRACT_HEADER };
            let mut text = format!("{header}\n");
            for r in &rows {
                text.push_str(&r.join(","));
                text.push('\n');
            }
            if let Ok(import) = parse(text.as_bytes()) {
                prop_assert_eq!(
                    import.rows_read,
                    import.burglaries.len() as u64 + import.skipped_other_types + import.rejected_total
                );
                for b in &import.burglaries {
                    prop_assert!(b.line >= 2);
                }
            }
        }
    }
}
