//! The page furniture and page turns: the branded first page, the continuation header, the
//! footer with "Page N of M", and the checks that start a new page before a block would run
//! into the footer.

use printpdf::{Op, Pt, XObjectTransform};

use crate::fonts::Style;

use super::text::{Span, b, fit, wrap};
use super::{
    BODY_W, CONTENT_BOTTOM, INK, LEADING, LOGO_MAX_H, LOGO_W, Layout, MARGIN_TOP, MARGIN_X, MM,
    MUTED, PAGE_H, PAGE_W, RULE,
};

impl Layout<'_> {
    /// Page 1: logo, council name and contact details, the document title and a brand rule.
    pub(super) fn first_page(&mut self) {
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
    pub(super) fn new_page(&mut self) {
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
    pub(super) fn ensure(&mut self, height: f32) {
        if self.y - height < CONTENT_BOTTOM {
            self.new_page();
        }
    }

    /// Whether a block of `height` should be kept on one page (short blocks only).
    pub(super) fn keep_together(height: f32) -> bool {
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

    /// The footer of page `page` of `total`: a rule, the council as far as it fits, the page number.
    pub(super) fn footer(&mut self, page: usize, total: usize) {
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
