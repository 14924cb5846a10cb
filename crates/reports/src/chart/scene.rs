//! A chart laid out as shapes: the one place scales, ticks, label spacing, legends, direct
//! labels and the placing of suppressed values are decided. Renderers only translate
//! these shapes (SVG here, printpdf in the document crate), so the console, the app and
//! the board report cannot disagree.
//!
//! Coordinates are in a box [`WIDTH`] units wide, y growing downwards, text sizes in the
//! same units. Text widths are estimated (a renderer with real font metrics may place
//! text a little differently, never more than the estimate's slack).

use serde::Serialize;

use super::{Chart, Dash, INK, Kind, MUTED, Rgb, SeriesStyle, Shape, Unit, Value};
use crate::chart::GRID;
use crate::figure::thousands;

/// The scene's width. At the board report's body width one unit is about 0.86 pt, so
/// 13-unit text prints at 11 pt.
pub const WIDTH: f32 = 560.0;
/// Label text size.
pub const TEXT: f32 = 13.0;
/// Height of the plot of a line or column chart.
const PLOT_H: f32 = 230.0;
/// Thickness of one horizontal bar.
const BAR_H: f32 = 18.0;

/// Where a text's `x` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    /// Its left end.
    Start,
    /// Its middle.
    Middle,
    /// Its right end.
    End,
}

/// One shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Item {
    /// A bar or a legend swatch, filled in its series' style.
    Rect {
        /// Left.
        x: f32,
        /// Top.
        y: f32,
        /// Width.
        w: f32,
        /// Height.
        h: f32,
        /// Which series (for the renderer's fill pattern).
        series: usize,
        /// Its style.
        style: SeriesStyle,
        /// What it shows, in words ("May 2026, Target areas: 12"); `None` for a swatch.
        title: Option<String>,
    },
    /// A line through points.
    Line {
        /// The points.
        points: Vec<(f32, f32)>,
        /// Its colour.
        colour: Rgb,
        /// Its thickness.
        width: f32,
        /// Its stroke.
        dash: Dash,
    },
    /// A point's marker.
    Marker {
        /// Centre.
        x: f32,
        /// Centre.
        y: f32,
        /// Half its width.
        radius: f32,
        /// Its shape.
        shape: Shape,
        /// Its colour.
        colour: Rgb,
        /// What it shows, in words; `None` for a swatch.
        title: Option<String>,
    },
    /// A text.
    Text {
        /// Where, by `anchor`.
        x: f32,
        /// The baseline.
        y: f32,
        /// The words.
        text: String,
        /// Its size.
        size: f32,
        /// Where `x` is on the text.
        anchor: Anchor,
        /// Bold or not.
        bold: bool,
        /// Its colour.
        colour: Rgb,
    },
}

/// A chart's shapes in a box `width` × `height`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scene {
    /// The box's width.
    pub width: f32,
    /// The box's height.
    pub height: f32,
    /// The shapes, drawn in order.
    pub items: Vec<Item>,
}

/// A text's estimated width: DejaVu Sans and common UI fonts average about 0.6 em.
pub fn text_width(text: &str, size: f32) -> f32 {
    text.chars().count() as f32 * size * 0.6
}

/// `text` cut with an ellipsis to fit `width`.
fn fit(text: &str, size: f32, width: f32) -> String {
    if text_width(text, size) <= width {
        return text.to_owned();
    }
    let keep = ((width / (size * 0.6)) as usize).saturating_sub(1);
    let mut out: String = text.chars().take(keep).collect();
    out.push('…');
    out
}

/// A bar's label in one line, or in two where there is room for two (grouped bars), cut
/// with an ellipsis only if it still does not fit.
fn label_lines(label: &str, width: f32, two: bool) -> Vec<String> {
    if !two || text_width(label, TEXT) <= width {
        return vec![fit(label, TEXT, width)];
    }
    let words: Vec<&str> = label.split_whitespace().collect();
    // The longest first line that fits; the rest goes on the second.
    let mut split = 0;
    for k in 1..words.len() {
        if text_width(&words[..k].join(" "), TEXT) <= width {
            split = k;
        }
    }
    if split == 0 {
        return vec![fit(label, TEXT, width)];
    }
    vec![
        words[..split].join(" "),
        fit(&words[split..].join(" "), TEXT, width),
    ]
}

fn text(x: f32, y: f32, words: impl Into<String>, size: f32, anchor: Anchor, colour: Rgb) -> Item {
    Item::Text {
        x,
        y,
        text: words.into(),
        size,
        anchor,
        bold: false,
        colour,
    }
}

fn line(points: Vec<(f32, f32)>, colour: Rgb, width: f32, dash: Dash) -> Item {
    Item::Line {
        points,
        colour,
        width,
        dash,
    }
}

/// The value axis: a round step and top so that ticks fall on 1, 2 or 5 times a power of ten.
#[derive(Debug, Clone, Copy)]
struct Scale {
    step: f64,
    top: f64,
}

impl Scale {
    fn of(max: f64, unit: Unit) -> Self {
        let max = if max.is_finite() && max > 0.0 {
            max
        } else {
            0.0
        };
        let raw = (max / 5.0).max(f64::MIN_POSITIVE);
        let magnitude = 10f64.powf(raw.log10().floor());
        let step = match raw / magnitude {
            n if n <= 1.0 => magnitude,
            n if n <= 2.0 => 2.0 * magnitude,
            n if n <= 5.0 => 5.0 * magnitude,
            _ => 10.0 * magnitude,
        };
        // Counts and money tick on whole numbers; an empty chart still gets an axis.
        let step = if unit == Unit::Percent {
            step.max(1.0)
        } else {
            step.max(1.0).round()
        };
        let top = if max == 0.0 {
            5.0 * step
        } else {
            (max / step).ceil() * step
        };
        Self { step, top }
    }

    fn ticks(self) -> Vec<f64> {
        let n = (self.top / self.step).round() as usize;
        (0..=n).map(|i| i as f64 * self.step).collect()
    }

    /// Where `v` falls along an axis of `length`, from 0 at the axis.
    fn at(self, v: f64, length: f32) -> f32 {
        ((v / self.top).clamp(0.0, 1.0) as f32) * length
    }
}

fn tick_text(v: f64, unit: Unit) -> String {
    let whole = v.round().max(0.0) as u64;
    match unit {
        Unit::Count => thousands(whole),
        Unit::Pounds if whole >= 10_000 && whole.is_multiple_of(1_000) => {
            format!("£{}k", thousands(whole / 1_000))
        }
        Unit::Pounds => format!("£{}", thousands(whole)),
        Unit::Percent => format!("{whole}%"),
    }
}

/// Words for one value, for a mark's title.
fn describe(chart: &Chart, label: &str, series: &str, v: &Value) -> String {
    if chart.series.len() > 1 {
        format!("{label}, {series}: {}", v.text)
    } else {
        format!("{label}: {}", v.text)
    }
}

/// Lays a chart out.
pub fn lay_out(chart: &Chart) -> Scene {
    let mut items = Vec::new();
    let mut y = legend(chart, &mut items);
    if chart.labels.is_empty() || chart.series.is_empty() {
        items.push(text(
            WIDTH / 2.0,
            y + 30.0,
            "Nothing to show for this period.",
            TEXT,
            Anchor::Middle,
            MUTED,
        ));
        return Scene {
            width: WIDTH,
            height: y + 50.0,
            items,
        };
    }
    items.push(text(
        0.0,
        y + 14.0,
        &chart.value_title,
        TEXT,
        Anchor::Start,
        MUTED,
    ));
    y += 24.0;
    let height = match chart.kind {
        Kind::Bars | Kind::Funnel => horizontal(chart, y, &mut items),
        Kind::Columns | Kind::Line => vertical(chart, y, &mut items),
    };
    Scene {
        width: WIDTH,
        height,
        items,
    }
}

/// The legend along the top, wrapping; returns the y below it.
fn legend(chart: &Chart, items: &mut Vec<Item>) -> f32 {
    let mut x = 0.0;
    let mut y = 0.0;
    for (i, s) in chart.series.iter().enumerate() {
        let swatch = if chart.kind == Kind::Line { 28.0 } else { 16.0 };
        let w = swatch + 6.0 + text_width(&s.name, TEXT) + 18.0;
        if x > 0.0 && x + w > WIDTH {
            x = 0.0;
            y += 22.0;
        }
        if chart.kind == Kind::Line {
            items.push(line(
                vec![(x, y + 9.0), (x + swatch, y + 9.0)],
                s.style.colour,
                2.5,
                s.style.dash,
            ));
            items.push(Item::Marker {
                x: x + swatch / 2.0,
                y: y + 9.0,
                radius: 4.5,
                shape: s.style.shape,
                colour: s.style.colour,
                title: None,
            });
        } else {
            items.push(Item::Rect {
                x,
                y: y + 1.0,
                w: swatch,
                h: 16.0,
                series: i,
                style: s.style,
                title: None,
            });
        }
        items.push(text(
            x + swatch + 6.0,
            y + 14.0,
            &s.name,
            TEXT,
            Anchor::Start,
            INK,
        ));
        x += w;
    }
    // On lines and columns a reference is named in the legend, where its words cannot
    // cross the data; horizontal bars label theirs above the plot.
    if matches!(chart.kind, Kind::Line | Kind::Columns) {
        for r in &chart.references {
            let words = format!("{}: {}", r.label, r.text);
            let w = 28.0 + 6.0 + text_width(&words, TEXT) + 18.0;
            if x > 0.0 && x + w > WIDTH {
                x = 0.0;
                y += 22.0;
            }
            items.push(line(
                vec![(x, y + 9.0), (x + 28.0, y + 9.0)],
                INK,
                1.5,
                Dash::Dashed,
            ));
            items.push(text(x + 34.0, y + 14.0, words, TEXT, Anchor::Start, INK));
            x += w;
        }
    }
    y + 26.0
}

/// The largest number drawn, references included.
fn max_value(chart: &Chart) -> f64 {
    chart
        .series
        .iter()
        .flat_map(|s| s.values.iter().filter_map(|v| v.value))
        .chain(chart.references.iter().map(|r| r.value))
        .fold(0.0, f64::max)
}

/// Horizontal bars: labels on the left, values at the bars' ends. Returns the height.
fn horizontal(chart: &Chart, top: f32, items: &mut Vec<Item>) -> f32 {
    let scale = Scale::of(max_value(chart), chart.unit);
    let label_w = chart
        .labels
        .iter()
        .map(|l| text_width(l, TEXT))
        .fold(0.0, f32::max)
        .min(WIDTH * 0.38)
        + 10.0;
    let value_w = chart
        .series
        .iter()
        .flat_map(|s| s.values.iter().map(|v| text_width(&v.text, TEXT)))
        .chain(std::iter::once(
            text_width(&tick_text(scale.top, chart.unit), 12.0) / 2.0,
        ))
        .fold(0.0, f32::max)
        + 10.0;
    // Room above the bars for the references' labels.
    let plot_top = top + 18.0 * chart.references.len() as f32;
    let left = label_w;
    let length = WIDTH - left - value_w;
    let n = chart.series.len() as f32;
    let group = n * BAR_H + 12.0;
    let plot_h = group * chart.labels.len() as f32;
    let bottom = plot_top + plot_h;
    for t in scale.ticks() {
        let x = left + scale.at(t, length);
        items.push(line(
            vec![(x, plot_top), (x, bottom)],
            GRID,
            1.0,
            Dash::Solid,
        ));
        items.push(text(
            x,
            bottom + 16.0,
            tick_text(t, chart.unit),
            12.0,
            Anchor::Middle,
            MUTED,
        ));
    }
    for (row, label) in chart.labels.iter().enumerate() {
        let gy = plot_top + row as f32 * group + 6.0;
        let lines = label_lines(label, label_w - 10.0, n >= 2.0);
        let first = gy + n * BAR_H / 2.0 + TEXT * 0.35 - 8.0 * (lines.len() as f32 - 1.0);
        for (k, words) in lines.into_iter().enumerate() {
            items.push(text(
                left - 8.0,
                first + 16.0 * k as f32,
                words,
                TEXT,
                Anchor::End,
                INK,
            ));
        }
        for (si, s) in chart.series.iter().enumerate() {
            let Some(v) = s.values.get(row) else {
                continue;
            };
            let by = gy + si as f32 * BAR_H;
            let mut end = left;
            if let Some(value) = v.value {
                let w = scale.at(value, length);
                if w > 0.0 {
                    items.push(Item::Rect {
                        x: left,
                        y: by + 1.0,
                        w,
                        h: BAR_H - 2.0,
                        series: si,
                        style: s.style,
                        title: Some(describe(chart, label, &s.name, v)),
                    });
                }
                end += w;
            }
            items.push(text(
                end + 5.0,
                by + BAR_H / 2.0 + TEXT * 0.35,
                &v.text,
                TEXT,
                Anchor::Start,
                if n > 1.0 { s.style.colour } else { INK },
            ));
        }
    }
    items.push(line(
        vec![(left, plot_top), (left, bottom)],
        INK,
        1.5,
        Dash::Solid,
    ));
    for (i, r) in chart.references.iter().enumerate() {
        let x = left + scale.at(r.value, length);
        let label_y = top + 18.0 * i as f32 + 13.0;
        items.push(line(
            vec![(x, label_y + 3.0), (x, bottom)],
            INK,
            1.5,
            Dash::Dashed,
        ));
        let words = format!("{}: {}", r.label, r.text);
        let anchor = if x + text_width(&words, 12.0) + 4.0 > WIDTH {
            Anchor::End
        } else {
            Anchor::Start
        };
        let tx = if anchor == Anchor::End {
            x - 4.0
        } else {
            x + 4.0
        };
        items.push(text(tx, label_y, words, 12.0, anchor, INK));
    }
    bottom + 26.0
}

/// Lines or columns over the labels. Returns the height.
fn vertical(chart: &Chart, top: f32, items: &mut Vec<Item>) -> f32 {
    let scale = Scale::of(max_value(chart), chart.unit);
    let left = scale
        .ticks()
        .iter()
        .map(|t| text_width(&tick_text(*t, chart.unit), 12.0))
        .fold(0.0, f32::max)
        + 10.0;
    // Lines end in a direct label of their last value.
    let right = if chart.kind == Kind::Line {
        chart
            .series
            .iter()
            .filter_map(|s| s.values.iter().rev().find(|v| v.value.is_some()))
            .map(|v| text_width(&v.text, TEXT))
            .fold(0.0, f32::max)
            + 14.0
    } else {
        8.0
    };
    let (plot_top, bottom) = (top + 6.0, top + 6.0 + PLOT_H);
    let length = WIDTH - left - right;
    let y_of = |v: f64| bottom - scale.at(v, PLOT_H);
    for t in scale.ticks() {
        let y = y_of(t);
        items.push(line(
            vec![(left, y), (left + length, y)],
            GRID,
            1.0,
            Dash::Solid,
        ));
        items.push(text(
            left - 6.0,
            y + 4.0,
            tick_text(t, chart.unit),
            12.0,
            Anchor::End,
            MUTED,
        ));
    }
    let n = chart.labels.len();
    let slot = length / n as f32;
    let centre = |i: usize| left + slot * (i as f32 + 0.5);
    // Every k-th label, so that labels never overlap.
    let widest = chart
        .labels
        .iter()
        .map(|l| text_width(l, 12.0))
        .fold(0.0, f32::max);
    let every = ((widest + 8.0) / slot).ceil().max(1.0) as usize;
    for (i, label) in chart.labels.iter().enumerate() {
        if i % every == 0 {
            items.push(text(
                centre(i),
                bottom + 17.0,
                label,
                12.0,
                Anchor::Middle,
                INK,
            ));
            items.push(line(
                vec![(centre(i), bottom), (centre(i), bottom + 4.0)],
                INK,
                1.0,
                Dash::Solid,
            ));
        }
    }
    let ns = chart.series.len();
    match chart.kind {
        Kind::Line => {
            let mut ends: Vec<(f32, String, Rgb)> = Vec::new();
            for (si, s) in chart.series.iter().enumerate() {
                // A gap where a value is hidden: the line never guesses across it.
                let mut run: Vec<(f32, f32)> = Vec::new();
                let mut runs = Vec::new();
                for (i, v) in s.values.iter().enumerate().take(n) {
                    match v.value {
                        Some(value) => run.push((centre(i), y_of(value))),
                        None => {
                            runs.push(std::mem::take(&mut run));
                            items.push(text(
                                centre(i),
                                bottom - 5.0 - 13.0 * si as f32,
                                &v.text,
                                12.0,
                                Anchor::Middle,
                                s.style.colour,
                            ));
                        }
                    }
                }
                runs.push(run);
                for r in runs.into_iter().filter(|r| r.len() > 1) {
                    items.push(line(r, s.style.colour, 2.5, s.style.dash));
                }
                for (i, v) in s.values.iter().enumerate().take(n) {
                    if let Some(value) = v.value {
                        items.push(Item::Marker {
                            x: centre(i),
                            y: y_of(value),
                            radius: if n > 30 { 3.0 } else { 4.0 },
                            shape: s.style.shape,
                            colour: s.style.colour,
                            title: Some(describe(chart, &chart.labels[i], &s.name, v)),
                        });
                    }
                }
                if let Some((i, v)) = s
                    .values
                    .iter()
                    .enumerate()
                    .take(n)
                    .rev()
                    .find(|(_, v)| v.value.is_some())
                    && let Some(value) = v.value
                    && i + 1 == n
                {
                    ends.push((y_of(value), v.text.clone(), s.style.colour));
                }
            }
            // Direct labels at the lines' ends, pushed apart when they would touch.
            ends.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut last = f32::MIN;
            for (y, words, colour) in ends {
                let y = (y + 4.0).max(last + 14.0);
                last = y;
                items.push(Item::Text {
                    x: left + length + 8.0,
                    y,
                    text: words,
                    size: TEXT,
                    anchor: Anchor::Start,
                    bold: true,
                    colour,
                });
            }
        }
        _ => {
            let bar = slot * 0.8 / ns.max(1) as f32;
            for (si, s) in chart.series.iter().enumerate() {
                for (i, v) in s.values.iter().enumerate().take(n) {
                    let x = left + slot * i as f32 + slot * 0.1 + bar * si as f32;
                    let h = v.value.map_or(0.0, |value| scale.at(value, PLOT_H));
                    if h > 0.0 {
                        items.push(Item::Rect {
                            x: x + 1.0,
                            y: bottom - h,
                            w: bar - 2.0,
                            h,
                            series: si,
                            style: s.style,
                            title: Some(describe(chart, &chart.labels[i], &s.name, v)),
                        });
                    }
                    items.push(text(
                        x + bar / 2.0,
                        bottom - h - 5.0,
                        &v.text,
                        12.0,
                        Anchor::Middle,
                        INK,
                    ));
                }
            }
        }
    }
    items.push(line(
        vec![(left, bottom), (left + length, bottom)],
        INK,
        1.5,
        Dash::Solid,
    ));
    for r in &chart.references {
        let y = y_of(r.value);
        items.push(line(
            vec![(left, y), (left + length, y)],
            INK,
            1.5,
            Dash::Dashed,
        ));
    }
    if let Some(m) = &chart.marked
        && m.at < n
    {
        let x = centre(m.at);
        items.push(line(
            vec![(x, plot_top), (x, bottom)],
            INK,
            1.5,
            Dash::Dotted,
        ));
        let (anchor, tx) = if x + text_width(&m.label, 12.0) + 6.0 > WIDTH {
            (Anchor::End, x - 5.0)
        } else {
            (Anchor::Start, x + 5.0)
        };
        items.push(Item::Text {
            x: tx,
            y: plot_top + 10.0,
            text: m.label.clone(),
            size: 12.0,
            anchor,
            bold: true,
            colour: INK,
        });
    }
    bottom + 28.0
}
