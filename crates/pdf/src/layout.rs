//! The layout engine: A4 pages with the council's header, wrapped text that flows onto new
//! pages (never clipped), bullet lists, key/value rows, tables, call-outs and write-in lines,
//! and a "Page N of M" footer on every page.
//!
//! Coordinates are PDF points from the bottom-left corner of the page. Each block asks for
//! the vertical space it needs before it draws; when the page is full a new page starts
//! with the continuation header, so nothing is ever drawn below the footer line.

use std::collections::HashSet;

use printpdf::{
    FontId, Line, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFont, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, Rect, TextItem, XObjectId, XObjectTransform,
};

use crate::PdfError;
use crate::branding::{Branding, Colour, PreparedLogo};
use crate::fonts::{Fonts, Style, fonts};

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

/// A run of text in one style, the unit the wrapper works with.
#[derive(Debug, Clone)]
pub(crate) struct Span {
    /// The text (may contain `\n` for a hard line break).
    pub(crate) text: String,
    /// Regular or bold.
    pub(crate) style: Style,
}

/// A regular-weight span.
pub(crate) fn r(text: impl Into<String>) -> Span {
    Span {
        text: text.into(),
        style: Style::Regular,
    }
}

/// A bold span.
pub(crate) fn b(text: impl Into<String>) -> Span {
    Span {
        text: text.into(),
        style: Style::Bold,
    }
}

/// One wrapped line: styled runs and their total width.
#[derive(Debug, Clone, Default)]
struct WrappedLine {
    runs: Vec<(Style, String)>,
    width: f32,
}

impl WrappedLine {
    fn push(&mut self, style: Style, text: &str, width: f32) {
        match self.runs.last_mut() {
            Some((s, t)) if *s == style => t.push_str(text),
            _ => self.runs.push((style, text.to_owned())),
        }
        self.width += width;
    }
}

/// A word: pieces glued together without a space (e.g. a bold name then a comma).
#[derive(Debug, Default)]
struct Word {
    pieces: Vec<(Style, String)>,
}

/// What the tokeniser found in a run of spans.
#[derive(Debug)]
enum Token {
    Word(Word),
    /// A space, in the style of the text around it.
    Space(Style),
    /// A hard line break.
    Break,
}

/// Replaces control characters (except newlines) so that nothing odd reaches the content
/// stream; tabs and carriage returns become spaces.
fn clean(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars().filter_map(|c| match c {
        '\n' => Some('\n'),
        '\r' => None,
        c if c.is_control() => Some(' '),
        '\u{00a0}' | '\u{2007}' | '\u{202f}' => Some(' '),
        c => Some(c),
    })
}

fn tokenise(spans: &[Span]) -> Vec<Token> {
    let mut tokens: Vec<Token> = Vec::new();
    for span in spans {
        for c in clean(&span.text) {
            match c {
                '\n' => tokens.push(Token::Break),
                c if c.is_whitespace() => {
                    if !matches!(tokens.last(), Some(Token::Space(_))) {
                        tokens.push(Token::Space(span.style));
                    }
                }
                c => {
                    if let Some(Token::Word(word)) = tokens.last_mut() {
                        match word.pieces.last_mut() {
                            Some((s, t)) if *s == span.style => t.push(c),
                            _ => word.pieces.push((span.style, c.to_string())),
                        }
                    } else {
                        tokens.push(Token::Word(Word {
                            pieces: vec![(span.style, c.to_string())],
                        }));
                    }
                }
            }
        }
    }
    tokens
}

/// Greedy wrap of `spans` at `size` points into lines no wider than `max_width`, measuring
/// with the real glyph widths. A word wider than a whole line is broken between characters.
fn wrap(fonts: &Fonts, spans: &[Span], size: f32, max_width: f32) -> Vec<WrappedLine> {
    let mut lines = Vec::new();
    let mut line = WrappedLine::default();
    let mut pending_space: Option<Style> = None;
    for token in tokenise(spans) {
        match token {
            Token::Break => {
                lines.push(std::mem::take(&mut line));
                pending_space = None;
            }
            Token::Space(style) => {
                if !line.runs.is_empty() {
                    pending_space = Some(style);
                }
            }
            Token::Word(word) => {
                let word_w: f32 = word
                    .pieces
                    .iter()
                    .map(|(s, t)| fonts.face(*s).width(t, size))
                    .sum();
                let space_w = pending_space.map_or(0.0, |s| fonts.face(s).width(" ", size));
                if !line.runs.is_empty() && line.width + space_w + word_w <= max_width {
                    if let Some(style) = pending_space {
                        line.push(style, " ", space_w);
                    }
                    for (s, t) in &word.pieces {
                        line.push(*s, t, fonts.face(*s).width(t, size));
                    }
                } else {
                    if !line.runs.is_empty() {
                        lines.push(std::mem::take(&mut line));
                    }
                    if word_w <= max_width {
                        for (s, t) in &word.pieces {
                            line.push(*s, t, fonts.face(*s).width(t, size));
                        }
                    } else {
                        // Too long for any line: break it between characters.
                        for (s, t) in &word.pieces {
                            let face = fonts.face(*s);
                            let mut buf = [0u8; 4];
                            for c in t.chars() {
                                let piece = c.encode_utf8(&mut buf);
                                let w = face.width(piece, size);
                                if line.width + w > max_width && !line.runs.is_empty() {
                                    lines.push(std::mem::take(&mut line));
                                }
                                line.push(*s, piece, w);
                            }
                        }
                    }
                }
                pending_space = None;
            }
        }
    }
    if !line.runs.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// How a table column's text is aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    /// Ragged right.
    Left,
    /// Flush right (numbers).
    Right,
}

/// A table column: heading, share of the body width, alignment.
#[derive(Debug, Clone)]
pub(crate) struct Column {
    /// Column heading.
    pub(crate) header: &'static str,
    /// Share of the body width (the shares of a table add up to 1).
    pub(crate) share: f32,
    /// Text alignment in the column.
    pub(crate) align: Align,
}

/// The logo placed on the first page. Its image objects are added to the finished file in
/// [`attach_logo`], from data compressed once per [`Branding`].
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
            Op::DrawRectangle {
                rectangle: Rect {
                    x: Pt(x),
                    y: Pt(y),
                    width: Pt(w),
                    height: Pt(h),
                    mode: Some(PaintMode::Fill),
                    winding_order: None,
                },
            },
        ]);
    }

    fn stroke_rect(&mut self, x: f32, y: f32, w: f32, h: f32, colour: Colour, thickness: f32) {
        self.ops().extend([
            Op::SetOutlineColor { col: colour.pdf() },
            Op::SetOutlineThickness { pt: Pt(thickness) },
            Op::DrawRectangle {
                rectangle: Rect {
                    x: Pt(x),
                    y: Pt(y),
                    width: Pt(w),
                    height: Pt(h),
                    mode: Some(PaintMode::Stroke),
                    winding_order: None,
                },
            },
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

    /// Page 1: logo, council name and contact details, the document title and a brand rule.
    fn first_page(&mut self) {
        self.pages.push(Vec::new());
        let top = PAGE_H - MARGIN_TOP;
        let brand = self.branding.brand;
        let mut header_bottom = top;
        let mut text_left = MARGIN_X;
        if let Some(logo) = &self.logo {
            let scale = (LOGO_W / logo.width_px).min(LOGO_MAX_H / logo.height_px);
            let (w, h) = (logo.width_px * scale, logo.height_px * scale);
            text_left = MARGIN_X + w + 5.0 * MM;
            // An image is drawn into the unit square: scale it to w × h, then move it.
            let op = Op::UseXobject {
                id: logo.id.clone(),
                transform: XObjectTransform {
                    translate_x: Some(Pt(MARGIN_X)),
                    translate_y: Some(Pt(top - h)),
                    scale_x: Some(w),
                    scale_y: Some(h),
                    no_auto_scale: true,
                    ..Default::default()
                },
            };
            self.ops().push(op);
            header_bottom = top - h;
        }
        // Council name and contact details, right-aligned.
        let right = PAGE_W - MARGIN_X;
        let name = self.branding.council_name.clone();
        let lines = [
            (name, Style::Bold, 12.0, brand),
            (self.branding.phone.clone(), Style::Regular, 11.0, MUTED),
            (self.branding.website.clone(), Style::Regular, 11.0, MUTED),
        ];
        let mut baseline = top - 11.0;
        for (text, style, size, colour) in lines {
            if text.trim().is_empty() {
                continue;
            }
            // Right-aligned, wrapped so that it never runs over the logo.
            let span = Span { text, style };
            for line in wrap(
                self.fonts,
                std::slice::from_ref(&span),
                size,
                right - text_left,
            ) {
                self.draw_runs(right - line.width, baseline, &line.runs, size, colour);
                baseline -= size * LEADING;
            }
        }
        header_bottom = header_bottom.min(baseline + 11.0 * LEADING - 4.0);
        if let Some(marking) = self.marking {
            self.draw_text(MARGIN_X, PAGE_H - 8.0 * MM, marking, Style::Bold, 11.0, INK);
        }
        // Title.
        self.y = header_bottom - 8.0 * MM;
        let title = self.title.clone();
        let size = 22.0;
        for line in wrap(self.fonts, &[b(title)], size, BODY_W) {
            let baseline = self.y - size;
            self.draw_runs(MARGIN_X, baseline, &line.runs, size, brand);
            self.y -= size * 1.25;
        }
        self.y -= 3.0;
        self.hline(MARGIN_X, PAGE_W - MARGIN_X, self.y, brand, 2.0);
        self.y -= 5.0 * MM;
    }

    /// A continuation page: a small header with the title and council, and a thin rule.
    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        let baseline = PAGE_H - MARGIN_TOP - 10.0;
        let title = self.title.clone();
        let council = self.branding.council_name.clone();
        let council_w = self.width(&council, Style::Bold, 10.0);
        let title_max = BODY_W - council_w - 6.0 * MM;
        let title = fit(self.fonts, &title, Style::Regular, 10.0, title_max);
        self.draw_text(MARGIN_X, baseline, &title, Style::Regular, 10.0, MUTED);
        self.draw_text(
            PAGE_W - MARGIN_X - council_w,
            baseline,
            &council,
            Style::Bold,
            10.0,
            self.branding.brand,
        );
        self.hline(
            MARGIN_X,
            PAGE_W - MARGIN_X,
            baseline - 5.0,
            self.branding.brand,
            1.0,
        );
        if let Some(marking) = self.marking {
            self.draw_text(MARGIN_X, PAGE_H - 8.0 * MM, marking, Style::Bold, 11.0, INK);
        }
        self.y = baseline - 5.0 - 6.0 * MM;
    }

    /// Makes sure `height` points are free on this page, starting a new page if not.
    fn ensure(&mut self, height: f32) {
        if self.y - height < CONTENT_BOTTOM {
            self.new_page();
        }
    }

    /// Whether a block of `height` should be kept on one page (short blocks only).
    fn keep_together(height: f32) -> bool {
        height <= (PAGE_H - MARGIN_TOP - CONTENT_BOTTOM) / 3.0
    }

    /// Starts a new page unless `height` points are still free, to keep a block together.
    pub(crate) fn keep(&mut self, height: f32) {
        self.ensure(height);
    }

    /// Vertical space.
    pub(crate) fn space(&mut self, points: f32) {
        self.y -= points;
    }

    /// A section heading in the brand colour, kept with the first lines that follow it.
    pub(crate) fn heading(&mut self, text: &str) {
        let size = 16.0;
        let lines = wrap(self.fonts, &[b(text)], size, BODY_W);
        let height = lines.len() as f32 * size * 1.3 + 6.0;
        // Space above the heading, unless it starts a new page.
        let above = 4.0 * MM;
        if self.y - above - height - 3.0 * BODY * LEADING < CONTENT_BOTTOM {
            self.new_page();
        } else {
            self.y -= above;
        }
        for line in lines {
            let baseline = self.y - size;
            self.draw_runs(MARGIN_X, baseline, &line.runs, size, self.branding.brand);
            self.y -= size * 1.3;
        }
        self.y -= 2.0;
        self.hline(
            MARGIN_X,
            PAGE_W - MARGIN_X,
            self.y,
            self.branding.brand,
            0.75,
        );
        self.y -= 4.0;
    }

    /// Draws one wrapped line at the cursor (after making room) and moves down.
    fn line_at(&mut self, x: f32, line: &WrappedLine, size: f32, colour: Colour) {
        let lh = size * LEADING;
        self.ensure(lh);
        let baseline = self.y - size * 1.05;
        self.draw_runs(x, baseline, &line.runs, size, colour);
        self.y -= lh;
    }

    /// A paragraph of body text.
    pub(crate) fn paragraph(&mut self, spans: &[Span]) {
        self.paragraph_at(0.0, spans, BODY, INK);
        self.y -= 0.4 * BODY;
    }

    /// A paragraph in a smaller, muted style (notes and small print, still ≥ 11 pt).
    pub(crate) fn note(&mut self, spans: &[Span]) {
        self.paragraph_at(0.0, spans, 11.0, MUTED);
        self.y -= 0.4 * BODY;
    }

    fn paragraph_at(&mut self, indent: f32, spans: &[Span], size: f32, colour: Colour) {
        for line in wrap(self.fonts, spans, size, BODY_W - indent) {
            self.line_at(MARGIN_X + indent, &line, size, colour);
        }
    }

    /// A bulleted list; long items wrap with a hanging indent and may continue on the next page.
    pub(crate) fn bullets(&mut self, items: &[Vec<Span>]) {
        let lh = BODY * LEADING;
        for item in items {
            let lines = wrap(self.fonts, item, BODY, BODY_W - BULLET_INDENT);
            let height = lines.len() as f32 * lh;
            if Self::keep_together(height) {
                self.ensure(height);
            }
            for (i, line) in lines.iter().enumerate() {
                self.ensure(lh);
                let baseline = self.y - BODY * 1.05;
                if i == 0 {
                    self.draw_text(
                        MARGIN_X + 1.5 * MM,
                        baseline,
                        "•",
                        Style::Bold,
                        BODY,
                        self.branding.brand,
                    );
                }
                self.draw_runs(MARGIN_X + BULLET_INDENT, baseline, &line.runs, BODY, INK);
                self.y -= lh;
            }
            self.y -= 0.25 * BODY;
        }
        self.y -= 0.2 * BODY;
    }

    /// Two-column rows: a bold label on the left, its value wrapped on the right.
    pub(crate) fn key_values(&mut self, rows: &[(&str, Vec<Span>)]) {
        let lh = BODY * LEADING;
        let key_w = 50.0 * MM;
        for (key, value) in rows {
            let keys = wrap(self.fonts, &[b(*key)], BODY, key_w - 3.0 * MM);
            let values = wrap(self.fonts, value, BODY, BODY_W - key_w);
            let n = keys.len().max(values.len());
            let height = n as f32 * lh;
            if Self::keep_together(height) {
                self.ensure(height);
            }
            for i in 0..n {
                self.ensure(lh);
                let baseline = self.y - BODY * 1.05;
                if let Some(k) = keys.get(i) {
                    self.draw_runs(MARGIN_X, baseline, &k.runs, BODY, INK);
                }
                if let Some(v) = values.get(i) {
                    self.draw_runs(MARGIN_X + key_w, baseline, &v.runs, BODY, INK);
                }
                self.y -= lh;
            }
            self.y -= 0.3 * BODY;
        }
        self.y -= 0.3 * BODY;
    }

    /// A boxed call-out with a brand-coloured bar, for the one thing a reader must not miss.
    pub(crate) fn callout(&mut self, spans: &[Span]) {
        let lh = BODY * LEADING;
        let pad = 3.0 * MM;
        let lines = wrap(self.fonts, spans, BODY, BODY_W - 2.0 * pad - 2.0 * MM);
        let tint = self.branding.brand.tint(0.9);
        let height = lines.len() as f32 * lh + 2.0 * pad;
        if Self::keep_together(height) {
            self.ensure(height);
        }
        let mut first = true;
        for (i, line) in lines.iter().enumerate() {
            let last = i + 1 == lines.len();
            let top_pad = if first { pad } else { 0.0 };
            let bottom_pad = if last { pad } else { 0.0 };
            let needed = top_pad + lh + bottom_pad;
            if self.y - needed < CONTENT_BOTTOM {
                self.new_page();
                first = true;
            }
            let top_pad = if first { pad } else { 0.0 };
            let block = top_pad + lh + bottom_pad;
            self.fill_rect(MARGIN_X, self.y - block, BODY_W, block, tint);
            self.fill_rect(
                MARGIN_X,
                self.y - block,
                1.5 * MM,
                block,
                self.branding.brand,
            );
            self.y -= top_pad;
            let baseline = self.y - BODY * 1.05;
            self.draw_runs(MARGIN_X + pad + 2.0 * MM, baseline, &line.runs, BODY, INK);
            self.y -= lh + bottom_pad;
            first = false;
        }
        self.y -= 0.6 * BODY;
    }

    /// A table with a heading row in the brand colour; rows wrap within their cells, short
    /// rows never split across pages, and the heading row repeats on each new page.
    pub(crate) fn table(&mut self, columns: &[Column], rows: &[Vec<Vec<Span>>]) {
        let lh = BODY * LEADING;
        let pad = 2.0 * MM;
        let widths: Vec<f32> = columns.iter().map(|c| c.share * BODY_W).collect();
        let header_h = lh + pad;
        self.ensure(header_h + lh + 2.0 * pad);
        self.table_header(columns, &widths);
        for row in rows {
            let cells: Vec<Vec<WrappedLine>> = row
                .iter()
                .zip(&widths)
                .map(|(cell, w)| wrap(self.fonts, cell, BODY, w - 2.0 * pad))
                .collect();
            let n = cells.iter().map(Vec::len).max().unwrap_or(1);
            let height = n as f32 * lh + pad;
            if Self::keep_together(height) && self.y - height < CONTENT_BOTTOM {
                self.new_page();
                self.table_header(columns, &widths);
            }
            self.y -= pad / 2.0;
            for i in 0..n {
                if self.y - lh < CONTENT_BOTTOM {
                    self.new_page();
                    self.table_header(columns, &widths);
                }
                let baseline = self.y - BODY * 1.05;
                let mut x = MARGIN_X;
                for ((lines, w), column) in cells.iter().zip(&widths).zip(columns) {
                    if let Some(line) = lines.get(i) {
                        let lx = match column.align {
                            Align::Left => x + pad,
                            Align::Right => x + w - pad - line.width,
                        };
                        self.draw_runs(lx, baseline, &line.runs, BODY, INK);
                    }
                    x += w;
                }
                self.y -= lh;
            }
            self.y -= pad / 2.0;
            self.hline(MARGIN_X, PAGE_W - MARGIN_X, self.y, RULE, 0.5);
        }
        self.y -= 0.8 * BODY;
    }

    fn table_header(&mut self, columns: &[Column], widths: &[f32]) {
        let lh = BODY * LEADING;
        let pad = 2.0 * MM;
        let h = lh + pad;
        self.fill_rect(MARGIN_X, self.y - h, BODY_W, h, self.branding.brand);
        let baseline = self.y - pad / 2.0 - BODY * 1.05;
        let mut x = MARGIN_X;
        for (column, w) in columns.iter().zip(widths) {
            let text = fit(self.fonts, column.header, Style::Bold, BODY, w - 2.0 * pad);
            let tw = self.width(&text, Style::Bold, BODY);
            let lx = match column.align {
                Align::Left => x + pad,
                Align::Right => x + w - pad - tw,
            };
            self.draw_text(
                lx,
                baseline,
                &text,
                Style::Bold,
                BODY,
                self.branding.on_brand,
            );
            x += w;
        }
        self.y -= h;
    }

    /// A labelled line to write on by hand.
    pub(crate) fn write_in(&mut self, label: &str) {
        let h = 2.4 * BODY * LEADING;
        self.ensure(h);
        let baseline = self.y - h + 0.5 * BODY;
        let label_w = self.width(label, Style::Bold, BODY);
        self.draw_text(MARGIN_X, baseline, label, Style::Bold, BODY, INK);
        let start = (MARGIN_X + label_w + 3.0 * MM).min(PAGE_W - MARGIN_X - 40.0 * MM);
        self.hline(start, PAGE_W - MARGIN_X, baseline - 2.0, MUTED, 0.75);
        self.y -= h;
    }

    /// A tick box followed by its label (wrapped if long).
    pub(crate) fn checkbox(&mut self, label: &str) {
        let lh = BODY * LEADING;
        let indent = 8.0 * MM;
        let lines = wrap(self.fonts, &[r(label)], BODY, BODY_W - indent);
        self.ensure(lines.len() as f32 * lh + 0.4 * BODY);
        let baseline = self.y - BODY * 1.05;
        let side = 0.85 * BODY;
        self.stroke_rect(MARGIN_X, baseline - 1.5, side, side, INK, 0.9);
        for line in lines {
            self.line_at(MARGIN_X + indent, &line, BODY, INK);
        }
        self.y -= 0.4 * BODY;
    }

    /// Adds the footer to every page, builds the PDF and returns its bytes.
    pub(crate) fn finish(mut self) -> Result<Vec<u8>, PdfError> {
        let total = self.pages.len();
        let pages = std::mem::take(&mut self.pages);
        let mut built = Vec::with_capacity(total);
        for (i, ops) in pages.into_iter().enumerate() {
            self.pages = vec![ops];
            self.footer(i + 1, total);
            let ops = self.pages.pop().unwrap_or_default();
            built.push(PdfPage::new(Mm(210.0), Mm(297.0), ops));
        }
        self.doc.with_pages(built);
        let regular = PdfFont::new(self.fonts.regular.subset(&self.used_regular));
        let bold = PdfFont::new(self.fonts.bold.subset(&self.used_bold));
        self.doc
            .resources
            .fonts
            .map
            .insert(self.regular.clone(), regular);
        self.doc.resources.fonts.map.insert(self.bold.clone(), bold);
        let mut warnings = Vec::new();
        // No images go through printpdf: the logo is added, already compressed, below.
        let options = PdfSaveOptions {
            image_optimization: None,
            ..PdfSaveOptions::default()
        };
        let mut pdf = self.doc.to_lopdf_document(&options, &mut warnings);
        for warning in &warnings {
            tracing::trace!(?warning, "printpdf");
        }
        set_language_and_dates(&mut pdf)?;
        if let (Some(placed), Some(logo)) = (&self.logo, self.branding.logo()) {
            attach_logo(&mut pdf, &placed.id, logo)?;
        }
        pdf.compress();
        let mut bytes = Vec::new();
        pdf.save_to(&mut bytes)
            .map_err(|e| PdfError::Serialize(e.to_string()))?;
        Ok(bytes)
    }

    fn footer(&mut self, page: usize, total: usize) {
        let rule_y = CONTENT_BOTTOM - 4.0 * MM;
        self.hline(MARGIN_X, PAGE_W - MARGIN_X, rule_y, RULE, 0.5);
        let baseline = rule_y - 5.0 * MM;
        let number = format!("Page {page} of {total}");
        let number_w = self.width(&number, Style::Bold, 11.0);
        self.draw_text(
            PAGE_W - MARGIN_X - number_w,
            baseline,
            &number,
            Style::Bold,
            11.0,
            INK,
        );
        let branding = self.branding;
        let room = BODY_W - number_w - 6.0 * MM;
        let (name, phone, web) = (
            branding.council_name.as_str(),
            branding.phone.as_str(),
            branding.website.as_str(),
        );
        let all = [name, phone, web];
        let candidates: [&[&str]; 3] = [&all, &all[..2], &all[..1]];
        let mut left = String::new();
        for parts in candidates {
            let text = parts
                .iter()
                .filter(|p| !p.trim().is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join("  ·  ");
            if self.width(&text, Style::Regular, 10.0) <= room {
                left = text;
                break;
            }
        }
        if left.is_empty() {
            left = fit(
                self.fonts,
                &branding.council_name,
                Style::Regular,
                10.0,
                room,
            );
        }
        self.draw_text(MARGIN_X, baseline, &left, Style::Regular, 10.0, MUTED);
        if let Some(marking) = self.marking {
            self.draw_text(MARGIN_X, 7.0 * MM, marking, Style::Bold, 11.0, INK);
        }
    }
}

/// `text` shortened with an ellipsis so it fits `max_width`.
fn fit(fonts: &Fonts, text: &str, style: Style, size: f32, max_width: f32) -> String {
    let face = fonts.face(style);
    if face.width(text, size) <= max_width {
        return text.to_owned();
    }
    let mut out = String::new();
    let ellipsis = face.width("…", size);
    let mut width = 0.0;
    for c in text.chars() {
        let mut buf = [0u8; 4];
        let w = face.width(c.encode_utf8(&mut buf), size);
        if width + w + ellipsis > max_width {
            break;
        }
        width += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// Adds the logo's image objects (already compressed) and names them in the pages'
/// XObject resources, so the `Do` operator drawn on page 1 finds them.
fn attach_logo(
    pdf: &mut lopdf::Document,
    id: &XObjectId,
    logo: &PreparedLogo,
) -> Result<(), PdfError> {
    use lopdf::{Dictionary, Object, Stream};
    let image_dict = |colour_space: &str| {
        Dictionary::from_iter(vec![
            ("Type", Object::Name(b"XObject".to_vec())),
            ("Subtype", Object::Name(b"Image".to_vec())),
            ("Width", Object::Integer(i64::from(logo.width))),
            ("Height", Object::Integer(i64::from(logo.height))),
            ("ColorSpace", Object::Name(colour_space.as_bytes().to_vec())),
            ("BitsPerComponent", Object::Integer(8)),
            ("Filter", Object::Name(b"FlateDecode".to_vec())),
        ])
    };
    let mut rgb = image_dict("DeviceRGB");
    if let Some(alpha) = &logo.alpha {
        let mut mask = Stream::new(image_dict("DeviceGray"), alpha.clone());
        mask.allows_compression = false;
        rgb.set("SMask", Object::Reference(pdf.add_object(mask)));
    }
    let mut image = Stream::new(rgb, logo.rgb.clone());
    image.allows_compression = false;
    let image_id = pdf.add_object(image);
    let serialize = |e: lopdf::Error| PdfError::Serialize(format!("cannot place the logo: {e}"));
    let xobject_dicts: Vec<lopdf::ObjectId> = pdf
        .get_pages()
        .values()
        .filter_map(|page| {
            let page = pdf.get_dictionary(*page).ok()?;
            let resources = pdf
                .get_dictionary(page.get(b"Resources").ok()?.as_reference().ok()?)
                .ok()?;
            resources.get(b"XObject").ok()?.as_reference().ok()
        })
        .collect();
    if xobject_dicts.is_empty() {
        return Err(PdfError::Serialize(
            "cannot place the logo: no XObject resources".to_owned(),
        ));
    }
    for dict_id in xobject_dicts {
        pdf.get_dictionary_mut(dict_id)
            .map_err(serialize)?
            .set(id.0.as_bytes(), Object::Reference(image_id));
    }
    Ok(())
}

/// Adds what printpdf does not: the document language (`/Lang en-GB`, read aloud correctly
/// by screen readers) and real creation and modification dates.
fn set_language_and_dates(pdf: &mut lopdf::Document) -> Result<(), PdfError> {
    use lopdf::{Object, StringFormat};
    let catalog = pdf
        .catalog_mut()
        .map_err(|e| PdfError::Serialize(e.to_string()))?;
    catalog.set(
        "Lang",
        Object::String(b"en-GB".to_vec(), StringFormat::Literal),
    );
    let info_id = pdf.trailer.get(b"Info").and_then(Object::as_reference).ok();
    if let Some(id) = info_id {
        let now = chrono::Utc::now()
            .format("D:%Y%m%d%H%M%SZ")
            .to_string()
            .into_bytes();
        if let Ok(info) = pdf.get_dictionary_mut(id) {
            info.set(
                "CreationDate",
                Object::String(now.clone(), StringFormat::Literal),
            );
            info.set("ModDate", Object::String(now, StringFormat::Literal));
            // printpdf writes a PDF/X version even when the document is not PDF/X.
            info.remove(b"GTS_PDFXVersion");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(line: &WrappedLine) -> String {
        line.runs.iter().map(|(_, t)| t.as_str()).collect()
    }

    #[test]
    fn wrap_respects_width_and_keeps_every_word() {
        let fonts = fonts().expect("fonts");
        let text = "We will fit a British Standard lock to your front door so that it cannot be opened without a key. ".repeat(8);
        let lines = wrap(fonts, &[r(text.clone())], BODY, 200.0);
        assert!(lines.len() > 5);
        for line in &lines {
            assert!(line.width <= 200.0 + 0.01, "{} > 200", line.width);
        }
        let joined: Vec<String> = lines.iter().map(text_of).collect();
        assert_eq!(
            joined.join(" ").split_whitespace().collect::<Vec<_>>(),
            text.split_whitespace().collect::<Vec<_>>()
        );
    }

    #[test]
    fn wrap_breaks_overlong_words_and_honours_newlines() {
        let fonts = fonts().expect("fonts");
        let long = "x".repeat(300);
        let lines = wrap(fonts, &[r(format!("a\n{long}"))], BODY, 100.0);
        assert_eq!(text_of(&lines[0]), "a");
        assert!(lines.len() > 3);
        assert!(lines.iter().all(|l| l.width <= 100.01));
        assert_eq!(
            lines.iter().map(text_of).collect::<String>(),
            format!("a{long}")
        );
    }

    #[test]
    fn wrap_keeps_glued_spans_together() {
        let fonts = fonts().expect("fonts");
        let lines = wrap(fonts, &[b("Name"), r(": value")], BODY, 500.0);
        assert_eq!(lines.len(), 1);
        assert_eq!(
            lines[0].runs,
            vec![
                (Style::Bold, "Name".to_owned()),
                (Style::Regular, ": value".to_owned())
            ]
        );
    }

    #[test]
    fn fit_adds_an_ellipsis_only_when_needed() {
        let fonts = fonts().expect("fonts");
        assert_eq!(fit(fonts, "Short", Style::Regular, 10.0, 200.0), "Short");
        let long = fit(
            fonts,
            &"Long title ".repeat(20),
            Style::Regular,
            10.0,
            100.0,
        );
        assert!(long.ends_with('…'));
        assert!(fonts.regular.width(&long, 10.0) <= 100.0);
    }
}
