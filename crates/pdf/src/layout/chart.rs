//! A chart's scene drawn with printpdf operations: the board report's renderer of the
//! model the console and the app draw as SVG (docs/decisions/025-one-chart-model-drawn-three-ways.md).
//! Nothing is laid out here: every position, tick and label comes from the scene, scaled
//! to the body width; only texts are placed by their real width in the embedded font.

use doorstep_reports::chart::scene::{Anchor, Item, Scene};
use doorstep_reports::chart::{Dash, Fill, Rgb, SeriesStyle, Shape};
use printpdf::{
    LineCapStyle, LineDashPattern, LinePoint, Op, PaintMode, Point, Polygon, PolygonRing, Pt,
    WindingOrder,
};

use crate::branding::Colour;
use crate::fonts::Style;

use super::text::{b, r, wrap};
use super::{BODY, BODY_W, CONTENT_BOTTOM, LEADING, Layout, MARGIN_TOP, MARGIN_X, MM, PAGE_H};

fn colour(c: Rgb) -> Colour {
    Colour::rgb(c.0, c.1, c.2)
}

fn point(x: f32, y: f32) -> LinePoint {
    LinePoint {
        p: Point { x: Pt(x), y: Pt(y) },
        bezier: false,
    }
}

/// The segments of 45° hatching inside a rectangle, `gap` apart, in page coordinates.
fn hatch(x0: f32, y0: f32, w: f32, h: f32, gap: f32) -> Vec<[(f32, f32); 2]> {
    let (x1, y1) = (x0 + w, y0 + h);
    let step = gap * std::f32::consts::SQRT_2;
    let mut out = Vec::new();
    // Lines x − y = c, from the bottom-right corner's c to the top-left's.
    let mut c = x0 - y1 + step / 2.0;
    while c < x1 - y0 {
        let lo = x0.max(y0 + c);
        let hi = x1.min(y1 + c);
        if hi > lo {
            out.push([(lo, lo - c), (hi, hi - c)]);
        }
        c += step;
    }
    out
}

impl Layout<'_> {
    /// A chart under its heading and summary, the three kept on one page: a heading at the
    /// foot of a page with its chart overleaf reads as a missing chart.
    pub(crate) fn titled_chart(&mut self, title: &str, summary: &str, scene: &Scene) {
        let heading = wrap(self.fonts, &[b(title)], 16.0, BODY_W).len() as f32 * 16.0 * 1.3
            + 6.0
            + 4.0 * MM
            + 6.0;
        let words = wrap(self.fonts, &[r(summary)], BODY, BODY_W).len() as f32 * BODY * LEADING
            + 0.4 * BODY;
        let whole = heading + words + scene.height * BODY_W / scene.width;
        // Only when it all fits on a fresh page; a taller block flows as it must.
        if whole <= PAGE_H - MARGIN_TOP - CONTENT_BOTTOM - 20.0 * MM {
            self.ensure(whole);
        }
        self.heading(title);
        self.paragraph(&[r(summary)]);
        self.chart(scene);
    }

    /// Draws a chart's scene across the body width, kept on one page.
    pub(crate) fn chart(&mut self, scene: &Scene) {
        let s = BODY_W / scene.width;
        let height = scene.height * s;
        self.ensure(height);
        let (ox, oy) = (MARGIN_X, self.y);
        let px = |x: f32| ox + x * s;
        let py = |y: f32| oy - y * s;
        for item in &scene.items {
            match item {
                Item::Rect {
                    x, y, w, h, style, ..
                } => self.bar(px(*x), py(y + h), w * s, h * s, style, s),
                Item::Line {
                    points,
                    colour: c,
                    width,
                    dash,
                } => {
                    let points = points.iter().map(|(x, y)| (px(*x), py(*y))).collect();
                    self.polyline(points, colour(*c), width * s, *dash, s);
                }
                Item::Marker {
                    x,
                    y,
                    radius,
                    shape,
                    colour: c,
                    ..
                } => self.marker(px(*x), py(*y), radius * s, *shape, colour(*c)),
                Item::Text {
                    x,
                    y,
                    text,
                    size,
                    anchor,
                    bold,
                    colour: c,
                } => {
                    let style = if *bold { Style::Bold } else { Style::Regular };
                    let size = size * s;
                    let w = self.width(text, style, size);
                    let left = match anchor {
                        Anchor::Start => px(*x),
                        Anchor::Middle => px(*x) - w / 2.0,
                        Anchor::End => px(*x) - w,
                    };
                    self.draw_text(left, py(*y), text, style, size, colour(*c));
                }
            }
        }
        self.y -= height + 0.5 * BODY;
    }

    /// A bar in its series' fill: solid, hatched with an outline, or an outline only.
    fn bar(&mut self, x: f32, y: f32, w: f32, h: f32, style: &SeriesStyle, s: f32) {
        let c = colour(style.colour);
        match style.fill {
            Fill::Solid => self.fill_rect(x, y, w, h, c),
            Fill::Hatched => {
                for [a, b] in hatch(x, y, w, h, 7.0 * s) {
                    self.polyline(vec![a, b], c, 2.5 * s, Dash::Solid, s);
                }
                self.stroke_rect(x, y, w, h, c, 1.5 * s);
            }
            Fill::Hollow => {
                let t = 2.5 * s;
                self.stroke_rect(
                    x + t / 2.0,
                    y + t / 2.0,
                    (w - t).max(0.5),
                    (h - t).max(0.5),
                    c,
                    t,
                );
            }
        }
    }

    fn polyline(&mut self, points: Vec<(f32, f32)>, c: Colour, width: f32, dash: Dash, s: f32) {
        let (pattern, cap) = match dash {
            Dash::Solid => (LineDashPattern::solid(), LineCapStyle::Butt),
            Dash::Dashed => (
                LineDashPattern::new(0.0, &[8.0 * s, 5.0 * s]),
                LineCapStyle::Butt,
            ),
            // Round caps turn very short dashes into dots.
            Dash::Dotted => (
                LineDashPattern::new(0.0, &[0.1, 4.0 * s]),
                LineCapStyle::Round,
            ),
        };
        self.ops().extend([
            Op::SetOutlineColor { col: c.pdf() },
            Op::SetOutlineThickness { pt: Pt(width) },
            Op::SetLineDashPattern { dash: pattern },
            Op::SetLineCapStyle { cap },
            Op::DrawLine {
                line: printpdf::Line {
                    points: points.into_iter().map(|(x, y)| point(x, y)).collect(),
                    is_closed: false,
                },
            },
            // Back to plain lines for the rules and tables drawn after the chart.
            Op::SetLineDashPattern {
                dash: LineDashPattern::solid(),
            },
            Op::SetLineCapStyle {
                cap: LineCapStyle::Butt,
            },
        ]);
    }

    fn marker(&mut self, x: f32, y: f32, r: f32, shape: Shape, c: Colour) {
        let points: Vec<LinePoint> = match shape {
            Shape::Square => {
                self.fill_rect(x - r, y - r, 2.0 * r, 2.0 * r, c);
                return;
            }
            Shape::Circle => (0..16)
                .map(|i| {
                    let a = i as f32 * std::f32::consts::TAU / 16.0;
                    point(x + r * a.cos(), y + r * a.sin())
                })
                .collect(),
            // Point up: the page's y grows upwards.
            Shape::Triangle => vec![
                point(x, y + r * 1.2),
                point(x + r * 1.1, y - r * 0.9),
                point(x - r * 1.1, y - r * 0.9),
            ],
        };
        self.ops().extend([
            Op::SetFillColor { col: c.pdf() },
            Op::DrawPolygon {
                polygon: Polygon {
                    rings: vec![PolygonRing { points }],
                    mode: PaintMode::Fill,
                    winding_order: WindingOrder::NonZero,
                },
            },
        ]);
    }
}

#[cfg(test)]
mod tests {
    use super::hatch;

    #[test]
    fn hatching_stays_inside_its_rectangle() {
        let segments = hatch(10.0, 20.0, 50.0, 12.0, 5.0);
        assert!(segments.len() > 5, "a 50-wide bar gets several strokes");
        for [a, b] in segments {
            for (x, y) in [a, b] {
                assert!((10.0 - 1e-3..=60.0 + 1e-3).contains(&x), "{x}");
                assert!((20.0 - 1e-3..=32.0 + 1e-3).contains(&y), "{y}");
            }
            assert!(((b.0 - a.0) - (b.1 - a.1)).abs() < 1e-3, "45 degrees");
        }
    }
}
