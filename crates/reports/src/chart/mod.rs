//! Charts, laid out once and drawn three ways (docs/decisions/025-one-chart-model-drawn-three-ways.md).
//!
//! A [`Chart`] holds what a chart says: its title, a summary in words, the labels, the
//! series with each value as it may be shown (suppressed values stay `None`, written
//! "[c]"), reference lines and a marked date. [`Chart::scene`] lays it out as a handful of
//! shapes in one coordinate box — scales, ticks, labels, legend, patterns — and thin
//! renderers draw that scene: [`Chart::to_svg`] for the console and the app, and the
//! document crate's printpdf renderer for the board report. [`Chart::table`] and
//! [`Chart::to_csv`] give the same values as text, for "show as table" and the download.
//!
//! Meaning never rests on colour alone: each series also has a fill (solid, hatched,
//! hollow), a line style and a marker shape, bars carry their value as a direct label,
//! and the legend repeats the swatch.

use serde::Serialize;

use crate::figure::Shown;

mod dashboard;
pub mod scene;
mod svg;

#[cfg(test)]
mod tests;

pub use dashboard::dashboard;
pub use scene::Scene;

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#rrggbb`.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// Contrast ratio against white (WCAG 2.2 relative luminance).
    pub fn contrast_on_white(self) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.040_45 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let l = 0.2126 * channel(self.0) + 0.7152 * channel(self.1) + 0.0722 * channel(self.2);
        1.05 / (l + 0.05)
    }
}

/// Text and axes: near black, 17:1 on white.
pub const INK: Rgb = Rgb(0x1a, 0x1a, 0x1a);
/// Secondary text (ticks, notes): 8.9:1 on white.
pub const MUTED: Rgb = Rgb(0x4a, 0x4a, 0x4a);
/// Grid lines: decoration only, so they need no contrast.
pub const GRID: Rgb = Rgb(0xdd, 0xdd, 0xdd);
/// The series colours, in order: each at least 4.5:1 on white, so they also serve as text.
pub const PALETTE: [Rgb; 3] = [
    Rgb(0x00, 0x5a, 0x9c), // blue, 7.0:1
    Rgb(0xa8, 0x4a, 0x00), // burnt orange, 5.8:1
    Rgb(0x3d, 0x7a, 0x2a), // green, 5.2:1
];

/// How a bar is filled, so that two series differ without colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fill {
    /// Filled with the colour.
    Solid,
    /// Diagonal lines in the colour, with an outline.
    Hatched,
    /// An outline in the colour only.
    Hollow,
}

/// How a line is stroked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dash {
    /// Unbroken.
    Solid,
    /// Long dashes.
    Dashed,
    /// Short dots.
    Dotted,
}

/// The shape marking a point on a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// A filled circle.
    Circle,
    /// A filled square.
    Square,
    /// A filled triangle, point up.
    Triangle,
}

/// How one series is drawn: colour plus a non-colour cue for every kind of mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SeriesStyle {
    /// The colour.
    pub colour: Rgb,
    /// The bar fill.
    pub fill: Fill,
    /// The line's stroke.
    pub dash: Dash,
    /// The points' marker.
    pub shape: Shape,
}

impl SeriesStyle {
    /// The style of the `i`th series of a chart: colour, fill, dash and marker all change
    /// together, so any one of them tells the series apart.
    pub fn nth(i: usize) -> Self {
        let (fill, dash, shape) = match i % 3 {
            0 => (Fill::Solid, Dash::Solid, Shape::Circle),
            1 => (Fill::Hatched, Dash::Dashed, Shape::Square),
            _ => (Fill::Hollow, Dash::Dotted, Shape::Triangle),
        };
        Self {
            colour: PALETTE[i % PALETTE.len()],
            fill,
            dash,
            shape,
        }
    }
}

/// What kind of chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Vertical bars, grouped when there is more than one series.
    Columns,
    /// Horizontal bars, grouped when there is more than one series (long labels read
    /// left to right).
    Bars,
    /// Lines with markers; a date may be marked.
    Line,
    /// Horizontal bars for the steps of a funnel, first step on top.
    Funnel,
}

/// What the values count, for the axis's tick labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A number of things.
    Count,
    /// Pounds.
    Pounds,
    /// A percentage.
    Percent,
}

/// One value as it may be shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Value {
    /// The number drawn; `None` when suppressed or when there is nothing to show.
    pub value: Option<f64>,
    /// As written, in the drawing, the table and the CSV: "12", "£3,450.00", "[c]", "–".
    pub text: String,
}

impl Value {
    /// Whether the value is hidden because it is small.
    pub fn suppressed(&self) -> bool {
        self.value.is_none() && self.text == Shown::Suppressed.text()
    }
}

impl From<Shown> for Value {
    fn from(shown: Shown) -> Self {
        Self {
            value: shown.value(),
            text: shown.text().to_owned(),
        }
    }
}

/// One series: a name and a value for each label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    /// Its name, in the legend and the table's heading.
    pub name: String,
    /// One value per label, in order.
    pub values: Vec<Value>,
    /// How it is drawn.
    pub style: SeriesStyle,
}

/// A horizontal reference line: a target, a budget, a baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reference {
    /// What it is: "Target".
    pub label: String,
    /// Its value.
    pub value: f64,
    /// As written.
    pub text: String,
}

/// A marked point on the label axis, such as the start of the work.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Marked {
    /// The label it stands at.
    pub at: usize,
    /// What happened: "Work started 1 Oct 2026".
    pub label: String,
}

/// A chart: what it says, independent of how it is drawn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chart {
    /// A stable id, unique on a page (the SVG's element ids start with it).
    pub id: &'static str,
    /// The title.
    pub title: String,
    /// The main finding in one or two sentences, respecting suppression.
    pub summary: String,
    /// The kind.
    pub kind: Kind,
    /// What the labels are ("Month", "Agency"): the table's first heading.
    pub label_title: String,
    /// The labels along the category axis.
    pub labels: Vec<String>,
    /// What the values are, written by the value axis.
    pub value_title: String,
    /// What the values count.
    pub unit: Unit,
    /// The series.
    pub series: Vec<Series>,
    /// Reference lines.
    pub references: Vec<Reference>,
    /// A marked label, on line charts.
    pub marked: Option<Marked>,
    /// The caveats a reader needs beside this chart.
    pub caveats: Vec<&'static str>,
}

/// A chart as a table: the "show as table" view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    /// The caption (the chart's title).
    pub caption: String,
    /// The column headings.
    pub headers: Vec<String>,
    /// The rows, each as long as `headers`.
    pub rows: Vec<Vec<String>>,
}

impl Chart {
    /// Whether any value is hidden because it is small.
    pub fn has_suppressed(&self) -> bool {
        self.series
            .iter()
            .any(|s| s.values.iter().any(Value::suppressed))
    }

    /// The same values as the drawing, as text: a row per label, a column per series, then
    /// a row per reference line.
    pub fn table(&self) -> Table {
        let mut headers = vec![self.label_title.clone()];
        headers.extend(self.series.iter().map(|s| s.name.clone()));
        let width = headers.len();
        let mut rows: Vec<Vec<String>> = self
            .labels
            .iter()
            .enumerate()
            .map(|(i, label)| {
                let mut row = vec![label.clone()];
                row.extend(self.series.iter().map(|s| {
                    s.values
                        .get(i)
                        .map_or_else(|| Shown::NoData.text().to_owned(), |v| v.text.clone())
                }));
                row
            })
            .collect();
        for r in &self.references {
            let mut row = vec![r.label.clone(), r.text.clone()];
            row.resize(width.max(2), String::new());
            rows.push(row);
        }
        Table {
            caption: self.title.clone(),
            headers,
            rows,
        }
    }

    /// The table as CSV: UTF-8 with a byte-order mark (so spreadsheets read "£" and "–"),
    /// CRLF line ends, every cell defused against formulas.
    pub fn to_csv(&self) -> Vec<u8> {
        let table = self.table();
        let mut out = String::from("\u{feff}");
        for row in std::iter::once(&table.headers).chain(&table.rows) {
            let cells: Vec<String> = row.iter().map(|c| csv_field(c)).collect();
            out.push_str(&cells.join(","));
            out.push_str("\r\n");
        }
        out.into_bytes()
    }

    /// The chart as accessible SVG, for the console (inline) and the app (over IPC).
    pub fn to_svg(&self) -> String {
        svg::render(self, &self.scene())
    }

    /// The chart laid out as shapes, for any renderer.
    pub fn scene(&self) -> Scene {
        scene::lay_out(self)
    }
}

/// A CSV cell: defused with `spreadsheet_safe`, quoted when it holds a separator or quote.
fn csv_field(cell: &str) -> String {
    let cell = doorstep_core::text::spreadsheet_safe(cell);
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.into_owned()
    }
}
