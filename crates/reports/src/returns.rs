//! A funder's return: a TOML mapping from the engine's measures to the funder's sheets, rows
//! and columns, filled from a [`Report`] and written as XLSX and CSV.
//!
//! No funder publishes its monitoring template, and each round changes it, so a return is a
//! data file (`assets/returns/` ships two; a council adds its own in `reference/returns/`),
//! not code. The format:
//!
//! ```toml
//! id = "safer-streets-quarterly"        # letters, digits and -; a council file with a
//!                                       # built-in's id replaces it
//! name = "Safer Streets quarterly monitoring return"
//! version = "2026.1"
//! funder = "Home Office, through the police and crime commissioner"   # optional
//!
//! [[sheet]]
//! name = "Outputs"                      # the workbook's tab: at most 31 characters
//! title = "Quarterly outputs"           # optional, written in A1 (else the name)
//! columns = ["Output", "This quarter", "Previous quarter"]   # the header row; the first
//!                                       # column holds each row's label
//!
//! [[sheet.row]]
//! label = "Home security surveys done"
//! cells = [
//!     { column = "This quarter", measure = "surveys" },
//!     { column = "Previous quarter", measure = "surveys", period = "previous" },
//! ]
//! ```
//!
//! A cell names a column by its header and a measure by its key (`docs/reports.md`,
//! "Measures"); `period = "previous"` takes the figure from the baseline report (the period
//! before) when the caller passes one, and shows no data when it does not. A row with no
//! cells is a heading. A file naming an unknown measure or column, the same cell twice, or a
//! sheet with no figures is refused with its file, line and what to do, and the previous
//! good mapping stays in use ([`reload_returns`]).
//!
//! Every figure goes through [`Figure::shown`](crate::figure::Figure::shown), so a small
//! count is "[c]" in both files; the workbook has a Notes sheet (the period in words, the
//! threshold, what "[c]" means, the report's caveats) and the CSV ends with the same notes.

use std::collections::BTreeSet;

use doorstep_core::security::template::MAX_DATA_FILE_BYTES;
use doorstep_core::text::spreadsheet_safe;
use rust_xlsxwriter::{Format, Workbook};
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::engine::{CAVEAT_SMALL_NUMBERS, Report};
use crate::figure::{SUPPRESSED_NOTE, Shown, Threshold};
use crate::measure::{self, Measure, Unit};
use crate::period::Period;

/// The returns shipped with Doorstep, each as (path in the repository, text).
pub const BUILT_IN_RETURNS: &[(&str, &str)] = &[
    (
        "assets/returns/safer-streets-quarterly.toml",
        include_str!("../../../assets/returns/safer-streets-quarterly.toml"),
    ),
    (
        "assets/returns/home-fire-safety-visits.toml",
        include_str!("../../../assets/returns/home-fire-safety-visits.toml"),
    ),
];

/// The tab every workbook ends with; a mapping may not use the name.
pub const NOTES_SHEET: &str = "Notes";

/// The most columns a sheet may have: funders' returns have a handful, and the cap keeps a
/// runaway file from asking for a sheet wider than a spreadsheet opens comfortably.
pub const MAX_COLUMNS: usize = 100;

/// The longest label, title or column header, in characters: a spreadsheet cell holds at
/// most 32,767, and a funder's row label is a line, so a longer one is a mistake.
pub const MAX_TEXT_CHARS: usize = 500;

/// In the workbook, the row (0-based) of each sheet's header: A1 holds the title, A2 the
/// period, A3 is blank.
pub const XLSX_HEADER_ROW: u32 = 3;

/// Where the reference to the measures' keys is, for an error about a measure.
const MEASURES_DOC: &str = "docs/reports.md";

/// Why a return mapping was refused, or a return could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReturnError {
    /// The mapping file is not valid, at this line; the previous good mapping stays.
    #[error("{file} line {line}: {reason}")]
    Refused {
        /// The file, as the caller named it.
        file: String,
        /// 1-based line.
        line: usize,
        /// What is wrong and what to do.
        reason: String,
    },
    /// The spreadsheet library refused the workbook.
    #[error("The return \"{id}\" could not be written as a workbook: {reason}")]
    Workbook {
        /// The return's id.
        id: String,
        /// The library's reason.
        reason: String,
    },
}

/// Which report a cell's figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodChoice {
    /// The period the return is for.
    #[default]
    Current,
    /// The period before it (the baseline report).
    Previous,
}

/// One cell a row fills with a measure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellMapping {
    /// The column, counted from 0 (0 is the label column, so never 0).
    pub column: usize,
    /// The measure shown.
    pub measure: &'static Measure,
    /// From which report.
    pub period: PeriodChoice,
}

/// One row of a sheet: its label and its figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowMapping {
    /// The label, in the first column.
    pub label: String,
    /// The figures, in any order; no two in one column.
    pub cells: Vec<CellMapping>,
}

/// One sheet of a return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SheetMapping {
    /// The tab's name.
    pub name: String,
    /// The title in A1, when not the name.
    pub title: Option<String>,
    /// The header row; the first column holds the rows' labels.
    pub columns: Vec<String>,
    /// The rows, in order.
    pub rows: Vec<RowMapping>,
}

/// A funder's return: which measure goes in which cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReturnMapping {
    /// Its id: a council file with a built-in's id replaces it.
    pub id: String,
    /// Its name, as the funder calls it.
    pub name: String,
    /// The funder's version of the template.
    pub version: String,
    /// Who asks for it.
    pub funder: Option<String>,
    /// The file it was read from, as the caller named it.
    pub file: String,
    /// The sheets, in order.
    pub sheets: Vec<SheetMapping>,
    /// The line of the id, for an error about two files with one id.
    #[serde(skip)]
    id_line: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReturn {
    id: Spanned<String>,
    name: String,
    version: String,
    #[serde(default)]
    funder: Option<String>,
    #[serde(default)]
    sheet: Vec<RawSheet>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSheet {
    name: Spanned<String>,
    #[serde(default)]
    title: Option<Spanned<String>>,
    columns: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    row: Vec<RawRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRow {
    label: Spanned<String>,
    #[serde(default)]
    cells: Vec<RawCell>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCell {
    column: Spanned<String>,
    measure: Spanned<String>,
    #[serde(default)]
    period: PeriodChoice,
}

/// The 1-based line of a byte offset.
fn line_at(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()
        .get(..offset)
        .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
        + 1
}

/// Why a label, title or header is too long, if it is.
fn too_long(what: &str, text: &str) -> Option<String> {
    let n = text.chars().count();
    (n > MAX_TEXT_CHARS).then(|| {
        format!("the {what} is {n} characters long; at most {MAX_TEXT_CHARS} fit: shorten it")
    })
}

/// Whether an id is lower-case letters, digits and -, starting with a letter.
fn is_return_id(id: &str) -> bool {
    id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Why a tab name would be refused by a spreadsheet, if it would.
fn sheet_name_problem(name: &str) -> Option<String> {
    if name.trim().is_empty() {
        return Some("a sheet needs a name: give it one".to_owned());
    }
    if name.chars().count() > 31 {
        return Some(format!(
            "the sheet name \"{name}\" is longer than the 31 characters a spreadsheet allows: shorten it"
        ));
    }
    if let Some(c) = name.chars().find(|c| "[]:*?/\\".contains(*c)) {
        return Some(format!(
            "the sheet name \"{name}\" contains \"{c}\", which a spreadsheet does not allow in a tab's name: remove it"
        ));
    }
    if name.starts_with('\'') || name.ends_with('\'') {
        return Some(format!(
            "the sheet name \"{name}\" starts or ends with an apostrophe, which a spreadsheet does not allow: remove it"
        ));
    }
    if name.eq_ignore_ascii_case(NOTES_SHEET) || name.eq_ignore_ascii_case("History") {
        return Some(format!(
            "the sheet name \"{name}\" is reserved (Doorstep writes the notes on \"{NOTES_SHEET}\", and spreadsheets keep \"History\"): choose another"
        ));
    }
    None
}

impl ReturnMapping {
    /// Reads a return mapping; `file_label` names the file in errors.
    pub fn parse(file_label: &str, text: &str) -> Result<Self, ReturnError> {
        let refuse = |offset: usize, reason: String| ReturnError::Refused {
            file: file_label.to_owned(),
            line: line_at(text, offset),
            reason,
        };
        if text.len() > MAX_DATA_FILE_BYTES {
            return Err(refuse(
                0,
                format!(
                    "the file is too large ({} KiB; a return may be at most {} KiB): a return lists a few dozen rows",
                    text.len().div_ceil(1024),
                    MAX_DATA_FILE_BYTES / 1024
                ),
            ));
        }
        let raw: RawReturn = toml::from_str(text).map_err(|e| {
            let message = e.message().trim().replace('\n', "; ");
            refuse(
                e.span().map_or(0, |s| s.start),
                format!("{message} (the format is in {MEASURES_DOC}, \"Returns\")"),
            )
        })?;

        let id_offset = raw.id.span().start;
        let id = raw.id.into_inner();
        if !is_return_id(&id) {
            return Err(refuse(
                id_offset,
                format!(
                    "the id \"{id}\" must be lower-case letters, digits and -, starting with a letter: rename it"
                ),
            ));
        }
        if raw.sheet.is_empty() {
            return Err(refuse(
                id_offset,
                "the return has no sheets: add a [[sheet]] with its columns and rows".to_owned(),
            ));
        }

        let mut sheets = Vec::with_capacity(raw.sheet.len());
        let mut sheet_names: BTreeSet<String> = BTreeSet::new();
        for sheet in raw.sheet {
            let name_offset = sheet.name.span().start;
            let name = sheet.name.into_inner();
            if let Some(problem) = sheet_name_problem(&name) {
                return Err(refuse(name_offset, problem));
            }
            // Spreadsheets compare tab names without regard to case.
            if !sheet_names.insert(name.to_lowercase()) {
                return Err(refuse(
                    name_offset,
                    format!("two sheets are named \"{name}\": give each sheet its own name"),
                ));
            }

            let title = match sheet.title {
                Some(t) => {
                    let offset = t.span().start;
                    let t = t.into_inner();
                    if let Some(problem) = too_long("title", &t) {
                        return Err(refuse(offset, problem));
                    }
                    Some(t)
                }
                None => None,
            };

            let columns_offset = sheet.columns.span().start;
            let raw_columns = sheet.columns.into_inner();
            if raw_columns.len() < 2 {
                return Err(refuse(
                    columns_offset,
                    format!(
                        "the sheet \"{name}\" needs at least two columns: the rows' labels, then the figures"
                    ),
                ));
            }
            if raw_columns.len() > MAX_COLUMNS {
                return Err(refuse(
                    columns_offset,
                    format!(
                        "the sheet \"{name}\" has {} columns; a return may have at most {MAX_COLUMNS}: split it into sheets",
                        raw_columns.len()
                    ),
                ));
            }
            let mut columns: Vec<String> = Vec::with_capacity(raw_columns.len());
            for column in raw_columns {
                let offset = column.span().start;
                let column = column.into_inner();
                if column.trim().is_empty() {
                    return Err(refuse(
                        offset,
                        format!("a column of the sheet \"{name}\" has no header: name it"),
                    ));
                }
                if let Some(problem) = too_long("column header", &column) {
                    return Err(refuse(offset, problem));
                }
                if columns.contains(&column) {
                    return Err(refuse(
                        offset,
                        format!(
                            "the sheet \"{name}\" has two columns headed \"{column}\": give each column its own header"
                        ),
                    ));
                }
                columns.push(column);
            }

            let mut rows = Vec::with_capacity(sheet.row.len());
            let mut figures = 0usize;
            for row in sheet.row {
                let label_offset = row.label.span().start;
                let label = row.label.into_inner();
                if let Some(problem) = too_long("row label", &label) {
                    return Err(refuse(label_offset, problem));
                }
                let mut cells: Vec<CellMapping> = Vec::with_capacity(row.cells.len());
                for cell in row.cells {
                    let column_offset = cell.column.span().start;
                    let column_name = cell.column.into_inner();
                    let column = match columns.iter().position(|c| *c == column_name) {
                        Some(0) => {
                            return Err(refuse(
                                column_offset,
                                format!(
                                    "\"{column_name}\" is the sheet's first column, which holds the rows' labels: put the figure in another column"
                                ),
                            ));
                        }
                        Some(i) => i,
                        None => {
                            return Err(refuse(
                                column_offset,
                                format!(
                                    "\"{column_name}\" is not a column of the sheet \"{name}\": use one of {}",
                                    columns
                                        .iter()
                                        .skip(1)
                                        .map(|c| format!("\"{c}\""))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ),
                            ));
                        }
                    };
                    if cells.iter().any(|c| c.column == column) {
                        return Err(refuse(
                            column_offset,
                            format!(
                                "the row \"{label}\" fills the column \"{column_name}\" twice: keep one of the two cells"
                            ),
                        ));
                    }
                    let measure_offset = cell.measure.span().start;
                    let key = cell.measure.into_inner();
                    let Some(measure) = measure::by_key(&key) else {
                        return Err(refuse(
                            measure_offset,
                            format!(
                                "\"{key}\" is not a measure Doorstep computes; the measures are listed in {MEASURES_DOC}"
                            ),
                        ));
                    };
                    cells.push(CellMapping {
                        column,
                        measure,
                        period: cell.period,
                    });
                }
                figures += cells.len();
                rows.push(RowMapping { label, cells });
            }
            if figures == 0 {
                return Err(refuse(
                    name_offset,
                    format!(
                        "the sheet \"{name}\" has no figures: add [[sheet.row]] tables with cells, or remove the sheet"
                    ),
                ));
            }
            sheets.push(SheetMapping {
                name,
                title,
                columns,
                rows,
            });
        }

        Ok(Self {
            id,
            name: raw.name,
            version: raw.version,
            funder: raw.funder,
            file: file_label.to_owned(),
            sheets,
            id_line: line_at(text, id_offset),
        })
    }

    /// Whether any cell takes its figure from the period before.
    pub fn uses_previous(&self) -> bool {
        self.sheets
            .iter()
            .flat_map(|s| &s.rows)
            .flat_map(|r| &r.cells)
            .any(|c| c.period == PeriodChoice::Previous)
    }

    /// The return filled from one report; cells for the period before show no data.
    pub fn fill(&self, report: &Report, threshold: Threshold) -> FilledReturn {
        self.fill_with_baseline(report, None, threshold)
    }

    /// The return filled from a report and, for cells with `period = "previous"`, the report
    /// for the period before.
    pub fn fill_with_baseline(
        &self,
        report: &Report,
        baseline: Option<&Report>,
        threshold: Threshold,
    ) -> FilledReturn {
        let sheets: Vec<FilledSheet> = self
            .sheets
            .iter()
            .map(|sheet| FilledSheet {
                name: sheet.name.clone(),
                title: sheet.title.clone().unwrap_or_else(|| sheet.name.clone()),
                columns: sheet.columns.clone(),
                rows: sheet
                    .rows
                    .iter()
                    .map(|row| {
                        let mut cells = vec![Cell::Blank; sheet.columns.len()];
                        if let Some(first) = cells.first_mut() {
                            *first = Cell::Text(row.label.clone());
                        }
                        for c in &row.cells {
                            let source = match c.period {
                                PeriodChoice::Current => Some(report),
                                PeriodChoice::Previous => baseline,
                            };
                            // The only way a figure is shown: through its threshold.
                            let shown = source
                                .and_then(|r| r.figures.get(c.measure))
                                .map_or(Shown::NoData, |f| f.shown(threshold));
                            if let Some(slot) = cells.get_mut(c.column) {
                                *slot = Cell::Figure {
                                    measure: c.measure,
                                    period: c.period,
                                    shown,
                                };
                            }
                        }
                        cells
                    })
                    .collect(),
            })
            .collect();

        let any_suppressed = sheets.iter().any(FilledSheet::has_suppressed);
        let mut notes = vec![
            (
                "Return".to_owned(),
                format!("{} (version {})", self.name, self.version),
            ),
            ("Period".to_owned(), report.period.to_string()),
        ];
        if let Some(funder) = &self.funder {
            notes.insert(1, ("Funder".to_owned(), funder.clone()));
        }
        if self.uses_previous() {
            notes.push((
                "Period before".to_owned(),
                baseline.map_or_else(
                    || "Not given: its cells show no data".to_owned(),
                    |b| b.period.to_string(),
                ),
            ));
        }
        notes.push((
            "Suppression".to_owned(),
            if threshold.get() > 1 {
                format!(
                    "Counts from 1 to {} are not shown, nor any figure resting on one.",
                    threshold.get() - 1
                )
            } else {
                "No figure is suppressed: the threshold is 1.".to_owned()
            },
        ));
        notes.push(("[c]".to_owned(), SUPPRESSED_NOTE.to_owned()));
        notes.push((
            Shown::NoData.text().to_owned(),
            "No data: nothing to compute the figure from in the period.".to_owned(),
        ));
        let mut caveats: Vec<&str> = report.caveats.clone();
        if any_suppressed && !caveats.contains(&CAVEAT_SMALL_NUMBERS) {
            caveats.insert(0, CAVEAT_SMALL_NUMBERS);
        }
        notes.extend(
            caveats
                .into_iter()
                .map(|c| ("Caveat".to_owned(), c.to_owned())),
        );

        FilledReturn {
            id: self.id.clone(),
            name: self.name.clone(),
            period: report.period,
            threshold,
            sheets,
            notes,
        }
    }
}

/// One cell of a filled return.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Cell {
    /// Nothing mapped here.
    Blank,
    /// A row's label.
    Text(String),
    /// A measure's figure, as it may be shown.
    Figure {
        /// The measure.
        measure: &'static Measure,
        /// From which report.
        period: PeriodChoice,
        /// The figure through its threshold.
        shown: Shown,
    },
}

impl Cell {
    /// The cell as CSV writes it: plain numbers a spreadsheet reads (counts and days whole,
    /// money in pounds to the penny, shares as "12.5%", scores to one place), "[c]" or "–".
    pub fn csv_text(&self) -> String {
        match self {
            Self::Blank => String::new(),
            Self::Text(t) => spreadsheet_safe(t).into_owned(),
            Self::Figure {
                measure,
                shown: Shown::Number { value, .. },
                ..
            } => match measure.unit {
                Unit::Count | Unit::Days => format!("{value:.0}"),
                Unit::Pence => format!("{value:.2}"),
                Unit::Share => format!("{value:.1}%"),
                Unit::Score => format!("{value:.1}"),
            },
            Self::Figure { shown, .. } => shown.text().to_owned(),
        }
    }
}

/// One sheet of a filled return: a grid, header first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FilledSheet {
    /// The tab's name.
    pub name: String,
    /// The title in A1.
    pub title: String,
    /// The header row.
    pub columns: Vec<String>,
    /// The rows, each as wide as the header; the first cell is the label.
    pub rows: Vec<Vec<Cell>>,
}

impl FilledSheet {
    fn has_suppressed(&self) -> bool {
        self.rows.iter().flatten().any(|c| {
            matches!(
                c,
                Cell::Figure {
                    shown: Shown::Suppressed,
                    ..
                }
            )
        })
    }
}

/// A return filled from a report, ready to write.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FilledReturn {
    /// The return's id.
    pub id: String,
    /// The return's name.
    pub name: String,
    /// The period it is for.
    pub period: Period,
    /// The smallest count shown.
    pub threshold: Threshold,
    /// The sheets.
    pub sheets: Vec<FilledSheet>,
    /// What a reader needs beside the figures, as (what, text): the period in words, the
    /// suppression rule and the caveats.
    pub notes: Vec<(String, String)>,
}

/// How a unit's numbers are formatted in the workbook, and the value written for a shown
/// figure (a share is shown as a percentage, but a spreadsheet keeps it as a fraction).
fn number_format(unit: Unit, value: f64) -> (&'static str, f64) {
    match unit {
        Unit::Count => ("#,##0", value),
        Unit::Pence => ("£#,##0.00", value),
        Unit::Share => ("0.0%", value / 100.0),
        Unit::Days => ("0", value),
        Unit::Score => ("0.0", value),
    }
}

impl FilledReturn {
    /// The return as an XLSX workbook: one tab per sheet, then the notes.
    pub fn to_xlsx(&self) -> Result<Vec<u8>, ReturnError> {
        let fail = |e: rust_xlsxwriter::XlsxError| ReturnError::Workbook {
            id: self.id.clone(),
            reason: e.to_string(),
        };
        let too_wide = || ReturnError::Workbook {
            id: self.id.clone(),
            reason: format!("a sheet is wider than {MAX_COLUMNS} columns"),
        };
        let bold = Format::new().set_bold();
        let wrap = Format::new().set_text_wrap();
        let mut workbook = Workbook::new();
        for sheet in &self.sheets {
            let ws = workbook.add_worksheet();
            ws.set_name(&sheet.name).map_err(fail)?;
            ws.write_string_with_format(0, 0, &sheet.title, &bold)
                .map_err(fail)?;
            ws.write_string(1, 0, format!("Period: {}", self.period))
                .map_err(fail)?;
            ws.set_column_width(0, 48).map_err(fail)?;
            for (c, header) in sheet.columns.iter().enumerate() {
                let col = u16::try_from(c).map_err(|_| too_wide())?;
                if col > 0 {
                    ws.set_column_width(col, 18).map_err(fail)?;
                }
                ws.write_string_with_format(XLSX_HEADER_ROW, col, header, &bold)
                    .map_err(fail)?;
            }
            let mut row = XLSX_HEADER_ROW;
            for cells in &sheet.rows {
                row += 1;
                for (c, cell) in cells.iter().enumerate() {
                    let col = u16::try_from(c).map_err(|_| too_wide())?;
                    match cell {
                        Cell::Blank => {}
                        Cell::Text(t) => {
                            ws.write_string(row, col, t).map_err(fail)?;
                        }
                        Cell::Figure {
                            measure,
                            shown: Shown::Number { value, .. },
                            ..
                        } => {
                            let (format, value) = number_format(measure.unit, *value);
                            ws.write_number_with_format(
                                row,
                                col,
                                value,
                                &Format::new().set_num_format(format),
                            )
                            .map_err(fail)?;
                        }
                        Cell::Figure { shown, .. } => {
                            ws.write_string(row, col, shown.text()).map_err(fail)?;
                        }
                    }
                }
            }
            // The note goes beside every table that hides a figure, not only on Notes.
            row += 2;
            if sheet.has_suppressed() {
                ws.write_string(row, 0, SUPPRESSED_NOTE).map_err(fail)?;
                row += 1;
            }
            ws.write_string(
                row,
                0,
                format!("The period, the suppression rule and the caveats are on the \"{NOTES_SHEET}\" sheet."),
            )
            .map_err(fail)?;
        }
        let ws = workbook.add_worksheet();
        ws.set_name(NOTES_SHEET).map_err(fail)?;
        ws.write_string_with_format(0, 0, &self.name, &bold)
            .map_err(fail)?;
        ws.set_column_width(0, 16).map_err(fail)?;
        ws.set_column_width(1, 100).map_err(fail)?;
        for (i, (what, text)) in self.notes.iter().enumerate() {
            let row = u32::try_from(i + 2).unwrap_or(u32::MAX);
            ws.write_string_with_format(row, 0, what, &bold)
                .map_err(fail)?;
            ws.write_string_with_format(row, 1, text, &wrap)
                .map_err(fail)?;
        }
        workbook.save_to_buffer().map_err(fail)
    }

    /// The return as one CSV: UTF-8 with a byte-order mark (so spreadsheets read it as
    /// UTF-8), CRLF line ends, every text cell defused against formulas. With several
    /// sheets each line starts with its sheet's name, and each sheet's header line repeats;
    /// the notes come last. Every line is as wide as the widest.
    pub fn to_csv(&self) -> Vec<u8> {
        let prefix = self.sheets.len() > 1;
        let mut lines: Vec<Vec<String>> = Vec::new();
        for sheet in &self.sheets {
            let lead = || prefix.then(|| spreadsheet_safe(&sheet.name).into_owned());
            let mut header: Vec<String> = Vec::new();
            if prefix {
                header.push("sheet".to_owned());
            }
            header.extend(
                sheet
                    .columns
                    .iter()
                    .map(|c| spreadsheet_safe(c).into_owned()),
            );
            lines.push(header);
            for cells in &sheet.rows {
                lines.push(
                    lead()
                        .into_iter()
                        .chain(cells.iter().map(Cell::csv_text))
                        .collect(),
                );
            }
        }
        for (what, text) in &self.notes {
            let lead = prefix.then(|| NOTES_SHEET.to_owned());
            lines.push(
                lead.into_iter()
                    .chain([
                        spreadsheet_safe(what).into_owned(),
                        spreadsheet_safe(text).into_owned(),
                    ])
                    .collect(),
            );
        }
        let width = lines.iter().map(Vec::len).max().unwrap_or(0);
        let mut out = "\u{feff}".as_bytes().to_vec();
        for mut line in lines {
            line.resize(width, String::new());
            let joined = line
                .iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(",");
            out.extend_from_slice(joined.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out
    }
}

/// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
fn csv_field(field: &str) -> std::borrow::Cow<'_, str> {
    if field.contains([',', '"', '\r', '\n']) {
        std::borrow::Cow::Owned(format!("\"{}\"", field.replace('"', "\"\"")))
    } else {
        std::borrow::Cow::Borrowed(field)
    }
}

/// The returns in use: the built-in ones, each replaced by a council file with its id that
/// parses; a council file with a new id is added. Every refused file is reported, and the
/// built-in it would have replaced stays.
pub fn load_returns(
    built_in: &[(&str, &str)],
    council: &[(String, String)],
) -> (Vec<ReturnMapping>, Vec<ReturnError>) {
    reload_returns(&[], built_in, council)
}

/// As [`load_returns`], when the files change while running: a council file that is now
/// refused keeps the mapping it gave before (from `previous`), so one bad edit does not
/// take a return away.
pub fn reload_returns(
    previous: &[ReturnMapping],
    built_in: &[(&str, &str)],
    council: &[(String, String)],
) -> (Vec<ReturnMapping>, Vec<ReturnError>) {
    let mut errors = Vec::new();
    let mut out: Vec<ReturnMapping> = Vec::new();
    let mut built_in_ids: BTreeSet<String> = BTreeSet::new();
    for (label, text) in built_in {
        match ReturnMapping::parse(label, text) {
            Ok(m) if built_in_ids.contains(&m.id) => errors.push(ReturnError::Refused {
                file: m.file.clone(),
                line: m.id_line,
                reason: format!(
                    "another built-in return has the id \"{}\": give each its own id",
                    m.id
                ),
            }),
            Ok(m) => {
                built_in_ids.insert(m.id.clone());
                out.push(m);
            }
            Err(e) => errors.push(e),
        }
    }
    // The council files that gave a return so far, by id.
    let mut council_ids: Vec<(String, String)> = Vec::new();
    for (label, text) in council {
        let mapping = match ReturnMapping::parse(label, text) {
            Ok(m) => m,
            Err(e) => {
                errors.push(e);
                // The mapping this file gave before, if it did.
                match previous.iter().find(|p| p.file == *label) {
                    Some(p) => p.clone(),
                    None => continue,
                }
            }
        };
        if let Some((_, other)) = council_ids.iter().find(|(id, _)| *id == mapping.id) {
            errors.push(ReturnError::Refused {
                file: mapping.file.clone(),
                line: mapping.id_line,
                reason: format!(
                    "the council file {other} already has the id \"{}\": give each return its own id",
                    mapping.id
                ),
            });
            continue;
        }
        council_ids.push((mapping.id.clone(), label.clone()));
        match out.iter_mut().find(|m| m.id == mapping.id) {
            Some(slot) => *slot = mapping,
            None => out.push(mapping),
        }
    }
    (out, errors)
}

#[cfg(test)]
mod tests;
