//! The layout engine: A4 pages with the council's header, wrapped text that flows onto new
//! pages (never clipped), bullet lists, key/value rows, tables, call-outs and write-in lines,
//! and a "Page N of M" footer on every page.
//!
//! Coordinates are PDF points from the bottom-left corner of the page. Each block asks for
//! the vertical space it needs before it draws; when the page is full a new page starts
//! with the continuation header, so nothing is ever drawn below the footer line.
//!
//! One idea per module: this one holds the page geometry and the drawing primitives, `text`
//! measures and wraps text, `pages` is the page furniture and when a page turns, `blocks`
//! are what documents are made of, and `file` turns the pages into a PDF file.

use std::collections::HashSet;

use printpdf::{
    FontId, Line, LinePoint, Op, PaintMode, PdfDocument, PdfFontHandle, Point, Pt, Rect, TextItem,
    XObjectId,
};

use crate::PdfError;
use crate::branding::{Branding, Colour};
use crate::fonts::{Fonts, Style, fonts};

mod blocks;
mod chart;
mod file;
mod pages;
mod text;

#[cfg(test)]
mod tests;

pub(crate) use blocks::{Align, Column};
pub(crate) use text::{Span, b, r};

use text::clean;

/// A4 width in points.
const PAGE_W: f32 = 595.276;
/// A4 height in points.
const PAGE_H: f32 = 841.89;
/// One millimetre in points.
const MM: f32 = 72.0 / 25.4;
/// Left and right margin.
const MARGIN_X: f32 = 20.0 * MM;
/// Top margin (to the top of the header).
const MARGIN_TOP: f32 = 15.0 * MM;
/// Lowest point body content may reach; the footer lives below it.
const CONTENT_BOTTOM: f32 = 24.0 * MM;
/// Width available to body content.
const BODY_W: f32 = PAGE_W - 2.0 * MARGIN_X;
/// Body text size: at least 12 pt for readability.
pub(crate) const BODY: f32 = 12.0;
/// Line height as a multiple of the font size.
const LEADING: f32 = 1.4;
/// Width of the logo on the first page.
const LOGO_W: f32 = 48.0 * MM;
/// Tallest the logo may be on the first page.
const LOGO_MAX_H: f32 = 22.0 * MM;
/// Indent of bullet text from the bullet.
const BULLET_INDENT: f32 = 6.0 * MM;

/// Body text colour (near black).
const INK: Colour = Colour::rgb(0x1a, 0x1a, 0x1a);
/// Secondary text colour (still 7:1 on white).
const MUTED: Colour = Colour::rgb(0x4a, 0x4a, 0x4a);
/// Table rules.
const RULE: Colour = Colour::rgb(0xb0, 0xb0, 0xb0);

/// The logo placed on the first page. Its image objects are added to the finished file in
/// `file`, from data compressed once per [`Branding`].
#[derive(Debug)]
struct PlacedLogo {
    id: XObjectId,
    width_px: f32,
    height_px: f32,
}

/// Builds one document page by page.
#[derive(Debug)]
pub(crate) struct Layout<'a> {
    doc: PdfDocument,
    branding: &'a Branding,
    fonts: &'static Fonts,
    regular: FontId,
    bold: FontId,
    logo: Option<PlacedLogo>,
    title: String,
    marking: Option<&'static str>,
    pages: Vec<Vec<Op>>,
    /// Characters drawn in each face, for font subsetting.
    used_regular: HashSet<char>,
    used_bold: HashSet<char>,
    /// Top of the free space on the current page.
    y: f32,
}

impl<'a> Layout<'a> {
    /// Starts a document titled `title`; `marking` (e.g. "OFFICIAL-SENSITIVE") is printed at
    /// the top and bottom of every page when given.
    pub(crate) fn new(
        title: &str,
        subject: &str,
        branding: &'a Branding,
        marking: Option<&'static str>,
    ) -> Result<Self, PdfError> {
        let fonts = fonts()?;
        let mut doc = PdfDocument::new(title);
        let info = &mut doc.metadata.info;
        info.author = branding.council_name.clone();
        info.creator = "Doorstep".to_owned();
        info.producer = concat!("Doorstep ", env!("CARGO_PKG_VERSION"), " (printpdf)").to_owned();
        info.subject = subject.to_owned();
        // The fonts themselves are added in `finish`, cut down to the characters used.
        let (regular, bold) = (FontId::new(), FontId::new());
        let logo = branding.logo().map(|logo| PlacedLogo {
            width_px: logo.width as f32,
            height_px: logo.height as f32,
            id: XObjectId::new(),
        });
        let mut layout = Self {
            doc,
            branding,
            fonts,
            regular,
            bold,
            logo,
            title: title.to_owned(),
            marking,
            pages: Vec::new(),
            used_regular: HashSet::new(),
            used_bold: HashSet::new(),
            y: 0.0,
        };
        layout.first_page();
        Ok(layout)
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn font(&self, style: Style) -> PdfFontHandle {
        PdfFontHandle::External(match style {
            Style::Regular => self.regular.clone(),
            Style::Bold => self.bold.clone(),
        })
    }

    /// Draws one line of styled runs with its baseline at `baseline`, starting at `x`.
    fn draw_runs(
        &mut self,
        x: f32,
        baseline: f32,
        runs: &[(Style, String)],
        size: f32,
        colour: Colour,
    ) {
        if runs.is_empty() {
            return;
        }
        let mut ops = vec![
            Op::SetFillColor { col: colour.pdf() },
            Op::StartTextSection,
            Op::SetTextCursor {
                pos: Point {
                    x: Pt(x),
                    y: Pt(baseline),
                },
            },
        ];
        for (style, text) in runs {
            match style {
                Style::Regular => self.used_regular.extend(text.chars()),
                Style::Bold => self.used_bold.extend(text.chars()),
            }
            ops.push(Op::SetFont {
                font: self.font(*style),
                size: Pt(size),
            });
            ops.push(Op::ShowText {
                items: vec![TextItem::Text(text.clone())],
            });
        }
        ops.push(Op::EndTextSection);
        self.ops().extend(ops);
    }

    /// Draws a single run of text.
    fn draw_text(
        &mut self,
        x: f32,
        baseline: f32,
        text: &str,
        style: Style,
        size: f32,
        colour: Colour,
    ) {
        let runs = [(
            style,
            clean(text)
                .map(|c| if c == '\n' { ' ' } else { c })
                .collect(),
        )];
        self.draw_runs(x, baseline, &runs, size, colour);
    }

    fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, colour: Colour) {
        self.ops().extend([
            Op::SetFillColor { col: colour.pdf() },
            rectangle(x, y, w, h, PaintMode::Fill),
        ]);
    }

    fn stroke_rect(&mut self, x: f32, y: f32, w: f32, h: f32, colour: Colour, thickness: f32) {
        self.ops().extend([
            Op::SetOutlineColor { col: colour.pdf() },
            Op::SetOutlineThickness { pt: Pt(thickness) },
            rectangle(x, y, w, h, PaintMode::Stroke),
        ]);
    }

    fn hline(&mut self, x1: f32, x2: f32, y: f32, colour: Colour, thickness: f32) {
        let point = |x: f32| LinePoint {
            p: Point { x: Pt(x), y: Pt(y) },
            bezier: false,
        };
        self.ops().extend([
            Op::SetOutlineColor { col: colour.pdf() },
            Op::SetOutlineThickness { pt: Pt(thickness) },
            Op::DrawLine {
                line: Line {
                    points: vec![point(x1), point(x2)],
                    is_closed: false,
                },
            },
        ]);
    }

    fn width(&self, text: &str, style: Style, size: f32) -> f32 {
        self.fonts.face(style).width(text, size)
    }
}

/// The operator drawing a `w` × `h` rectangle from (`x`, `y`), filled or outlined.
fn rectangle(x: f32, y: f32, w: f32, h: f32, mode: PaintMode) -> Op {
    Op::DrawRectangle {
        rectangle: Rect {
            x: Pt(x),
            y: Pt(y),
            width: Pt(w),
            height: Pt(h),
            mode: Some(mode),
            winding_order: None,
        },
    }
}
