//! The scene as SVG: `role="img"` named by its `<title>` and described by its `<desc>`,
//! a `<title>` on every bar and point so a screen reader or a hover gives its value, fill
//! patterns defined inline, no scripts and no external resources. Every text is escaped:
//! labels such as agency names come from data.

use std::fmt::Write;

use super::scene::{Anchor, Item, Scene};
use super::{Chart, Dash, Fill, Shape};

/// `text` safe inside XML text and attribute values; characters XML 1.0 cannot carry
/// (controls other than tab and newline) are dropped.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' => out.push(' '),
            c if c.is_control() || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A number written briefly: coordinates need no more than a tenth of a unit.
fn n(v: f32) -> String {
    let v = (v * 10.0).round() / 10.0;
    if v == v.trunc() {
        format!("{}", v as i64)
    } else {
        format!("{v:.1}")
    }
}

fn dash(d: Dash) -> &'static str {
    match d {
        Dash::Solid => "",
        Dash::Dashed => r#" stroke-dasharray="8 5""#,
        Dash::Dotted => r#" stroke-dasharray="2 4" stroke-linecap="round""#,
    }
}

fn title(t: Option<&String>) -> String {
    t.map(|t| format!("<title>{}</title>", escape(t)))
        .unwrap_or_default()
}

/// Renders `scene`, laid out from `chart`, as a standalone SVG document.
pub(super) fn render(chart: &Chart, scene: &Scene) -> String {
    let id = escape(chart.id);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-title {id}-desc" font-family="'DejaVu Sans', 'Segoe UI', Arial, sans-serif" class="chart">"#,
        w = n(scene.width),
        h = n(scene.height),
    );
    let _ = write!(
        out,
        r#"<title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(&chart.title),
        escape(&chart.summary)
    );
    // One hatch pattern per hatched series, named after the chart so that several charts
    // on one page keep their own.
    out.push_str("<defs>");
    for (i, s) in chart.series.iter().enumerate() {
        if s.style.fill == Fill::Hatched {
            let _ = write!(
                out,
                r#"<pattern id="{id}-hatch-{i}" patternUnits="userSpaceOnUse" width="7" height="7" patternTransform="rotate(45)"><rect width="7" height="7" fill="white"/><line x1="0" y1="0" x2="0" y2="7" stroke="{c}" stroke-width="3"/></pattern>"#,
                c = s.style.colour.hex()
            );
        }
    }
    out.push_str("</defs>");
    for item in &scene.items {
        match item {
            Item::Rect {
                x,
                y,
                w,
                h,
                series,
                style,
                title: t,
            } => {
                let c = style.colour.hex();
                let (fill, stroke) = match style.fill {
                    Fill::Solid => (c.clone(), String::new()),
                    Fill::Hatched => (
                        format!("url(#{id}-hatch-{series})"),
                        format!(r#" stroke="{c}" stroke-width="1.5""#),
                    ),
                    Fill::Hollow => (
                        "#ffffff".to_owned(),
                        format!(r#" stroke="{c}" stroke-width="2.5""#),
                    ),
                };
                // A hollow bar's outline is drawn inside its box, as in the PDF.
                let inset = if style.fill == Fill::Hollow {
                    1.25
                } else {
                    0.0
                };
                let _ = write!(
                    out,
                    r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}"{stroke}>{}</rect>"#,
                    n(x + inset),
                    n(y + inset),
                    n((w - 2.0 * inset).max(0.5)),
                    n((h - 2.0 * inset).max(0.5)),
                    title(t.as_ref())
                );
            }
            Item::Line {
                points,
                colour,
                width,
                dash: d,
            } => {
                let pts: Vec<String> = points
                    .iter()
                    .map(|(x, y)| format!("{},{}", n(*x), n(*y)))
                    .collect();
                let _ = write!(
                    out,
                    r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="{}"{}/>"#,
                    pts.join(" "),
                    colour.hex(),
                    n(*width),
                    dash(*d)
                );
            }
            Item::Marker {
                x,
                y,
                radius: r,
                shape,
                colour,
                title: t,
            } => {
                let c = colour.hex();
                let t = title(t.as_ref());
                let _ = match shape {
                    Shape::Circle => write!(
                        out,
                        r#"<circle cx="{}" cy="{}" r="{}" fill="{c}">{t}</circle>"#,
                        n(*x),
                        n(*y),
                        n(*r)
                    ),
                    Shape::Square => write!(
                        out,
                        r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{c}">{t}</rect>"#,
                        n(x - r),
                        n(y - r),
                        n(2.0 * r),
                        n(2.0 * r)
                    ),
                    Shape::Triangle => write!(
                        out,
                        r#"<polygon points="{},{} {},{} {},{}" fill="{c}">{t}</polygon>"#,
                        n(*x),
                        n(y - r * 1.2),
                        n(x + r * 1.1),
                        n(y + r * 0.9),
                        n(x - r * 1.1),
                        n(y + r * 0.9)
                    ),
                };
            }
            Item::Text {
                x,
                y,
                text,
                size,
                anchor,
                bold,
                colour,
            } => {
                let anchor = match anchor {
                    Anchor::Start => "start",
                    Anchor::Middle => "middle",
                    Anchor::End => "end",
                };
                let weight = if *bold { r#" font-weight="bold""# } else { "" };
                let _ = write!(
                    out,
                    r#"<text x="{}" y="{}" font-size="{}" text-anchor="{anchor}" fill="{}"{weight}>{}</text>"#,
                    n(*x),
                    n(*y),
                    n(*size),
                    colour.hex(),
                    escape(text)
                );
            }
        }
    }
    out.push_str("</svg>");
    out
}
