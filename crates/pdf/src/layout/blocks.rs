//! The blocks documents are made of: headings, paragraphs, bullets, key/value rows, call-outs,
//! tables, write-in lines and tick boxes. Each asks for its space before drawing, so a short
//! block never splits across a page and a long one flows on without losing a line.

use crate::branding::Colour;
use crate::fonts::Style;

use super::text::{Span, WrappedLine, b, r, wrap};
use super::{
    BODY, BODY_W, BULLET_INDENT, CONTENT_BOTTOM, INK, LEADING, Layout, MARGIN_X, MM, MUTED, PAGE_W,
    RULE,
};

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
pub(crate) struct Column<'h> {
    /// Column heading (borrowed: the board report's come from its charts).
    pub(crate) header: &'h str,
    /// Share of the body width (the shares of a table add up to 1).
    pub(crate) share: f32,
    /// Text alignment in the column.
    pub(crate) align: Align,
}

impl Layout<'_> {
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
    pub(crate) fn table(&mut self, columns: &[Column<'_>], rows: &[Vec<Vec<Span>>]) {
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

    fn table_header(&mut self, columns: &[Column<'_>], widths: &[f32]) {
        let lh = BODY * LEADING;
        let pad = 2.0 * MM;
        // A long heading wraps onto a second line rather than losing its end.
        let heads: Vec<Vec<WrappedLine>> = columns
            .iter()
            .zip(widths)
            .map(|(column, w)| wrap(self.fonts, &[b(column.header)], BODY, w - 2.0 * pad))
            .collect();
        let n = heads.iter().map(Vec::len).max().unwrap_or(1);
        let h = n as f32 * lh + pad;
        self.fill_rect(MARGIN_X, self.y - h, BODY_W, h, self.branding.brand);
        let mut x = MARGIN_X;
        for ((lines, column), w) in heads.iter().zip(columns).zip(widths) {
            for (i, line) in lines.iter().enumerate() {
                let baseline = self.y - pad / 2.0 - BODY * 1.05 - i as f32 * lh;
                let lx = match column.align {
                    Align::Left => x + pad,
                    Align::Right => x + w - pad - line.width,
                };
                self.draw_runs(lx, baseline, &line.runs, BODY, self.branding.on_brand);
            }
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
}
