//! The embedded DejaVu Sans faces and glyph-width measurement.
//!
//! DejaVu Sans covers the Latin, Greek and Cyrillic letters used by residents in the area
//! (é, ł, ş, ț, ğ, ü and many more), so names print as written. Both faces are parsed once
//! per process and shared by every document.

use std::collections::{BTreeSet, HashSet};
use std::sync::OnceLock;

use printpdf::ParsedFont;

use crate::PdfError;

/// DejaVu Sans, regular weight (free licence: `assets/fonts/LICENSE-DejaVu.txt`).
static REGULAR_TTF: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
/// DejaVu Sans, bold weight.
static BOLD_TTF: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");

/// Which of the two embedded faces a piece of text uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// DejaVu Sans.
    Regular,
    /// DejaVu Sans Bold.
    Bold,
}

/// One parsed face with a fast width table for the first 512 code points.
#[derive(Debug)]
pub(crate) struct Face {
    /// The whole font file.
    bytes: &'static [u8],
    /// PostScript name, e.g. "DejaVuSans".
    name: &'static str,
    /// The parsed whole font, used for measuring.
    pub(crate) parsed: ParsedFont,
    /// Advance widths in em for U+0000..U+01FF (Latin-1 and Latin Extended-A/B).
    fast: Box<[f32; 512]>,
    /// Advance of the `.notdef` glyph in em, used for characters the face lacks.
    notdef: f32,
    /// Font units per em.
    units_per_em: f32,
}

impl Face {
    /// Parses `bytes`; `name` is used in the error.
    fn parse(bytes: &'static [u8], name: &'static str) -> Result<Self, PdfError> {
        let mut warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(bytes, 0, &mut warnings).ok_or(PdfError::Font(name))?;
        let units_per_em = f32::from(parsed.units_per_em.max(1));
        let width_of_gid = |gid: u16| {
            parsed
                .get_glyph_width(gid)
                .map(|w| f32::from(w) / units_per_em)
        };
        let notdef = width_of_gid(0).unwrap_or(0.6);
        let mut fast = Box::new([notdef; 512]);
        for (cp, slot) in (0u32..).zip(fast.iter_mut()) {
            if let Some(w) = parsed.lookup_glyph_index(cp).and_then(width_of_gid) {
                *slot = w;
            }
        }
        if parsed.lookup_glyph_index(u32::from('a')).is_none() {
            return Err(PdfError::Font(name));
        }
        Ok(Self {
            bytes,
            name,
            parsed,
            fast,
            notdef,
            units_per_em,
        })
    }

    /// Advance width of `c` in em.
    fn advance_em(&self, c: char) -> f32 {
        let cp = u32::from(c);
        match usize::try_from(cp).ok().and_then(|i| self.fast.get(i)) {
            Some(w) => *w,
            None => self
                .parsed
                .lookup_glyph_index(cp)
                .and_then(|gid| self.parsed.get_glyph_width(gid))
                .map_or(self.notdef, |w| f32::from(w) / self.units_per_em),
        }
    }

    /// A copy of this face cut down to the glyphs for `used`, so each document embeds a few
    /// kilobytes of font instead of the whole 700 KB file. Falls back to the whole face (with
    /// a warning) if the font cannot be cut down.
    pub(crate) fn subset(&self, used: &HashSet<char>) -> ParsedFont {
        match self.try_subset(used) {
            Ok(mut font) => {
                // ISO 32000-1 §9.6.4: a subset is named with a six-letter tag and a plus.
                font.font_name = Some(format!("{}+{}", subset_tag(used), self.name));
                font
            }
            Err(error) => {
                tracing::warn!(%error, "cannot subset the embedded font; embedding all of it");
                let mut font = self.parsed.clone();
                font.font_name = Some(self.name.to_owned());
                font
            }
        }
    }

    fn try_subset(&self, used: &HashSet<char>) -> Result<ParsedFont, String> {
        use allsorts::binary::read::ReadScope;
        use allsorts::font_data::FontData;
        use allsorts::subset::{CmapTarget, SubsetProfile, subset};

        let glyphs: BTreeSet<u16> = used
            .iter()
            .filter_map(|c| self.parsed.lookup_glyph_index(u32::from(*c)))
            .filter(|g| *g != 0)
            .collect();
        // Glyph 0 (.notdef) must come first.
        let ids: Vec<u16> = std::iter::once(0).chain(glyphs).collect();
        let font_file = ReadScope::new(self.bytes)
            .read::<FontData<'_>>()
            .map_err(|e| e.to_string())?;
        let provider = font_file.table_provider(0).map_err(|e| e.to_string())?;
        let bytes = subset(&provider, &ids, &SubsetProfile::Pdf, CmapTarget::Unicode)
            .map_err(|e| e.to_string())?;
        let mut warnings = Vec::new();
        ParsedFont::from_bytes(&bytes, 0, &mut warnings)
            .ok_or_else(|| "the subset font does not parse".to_owned())
    }

    /// Width of `text` set at `size` points, in points.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance_em(c)).sum::<f32>() * size
    }
}

/// Six capital letters that depend only on the set of characters in a subset.
fn subset_tag(used: &HashSet<char>) -> String {
    let mut chars: Vec<char> = used.iter().copied().collect();
    chars.sort_unstable();
    // FNV-1a: stable across runs and platforms, unlike the std hasher.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for c in chars {
        hash ^= u64::from(u32::from(c));
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (0..6)
        .map(|i| char::from(b'A' + u8::try_from((hash >> (i * 8)) % 26).unwrap_or(0)))
        .collect()
}

/// Both embedded faces.
#[derive(Debug)]
pub(crate) struct Fonts {
    /// DejaVu Sans.
    pub(crate) regular: Face,
    /// DejaVu Sans Bold.
    pub(crate) bold: Face,
}

impl Fonts {
    /// The face for `style`.
    pub(crate) fn face(&self, style: Style) -> &Face {
        match style {
            Style::Regular => &self.regular,
            Style::Bold => &self.bold,
        }
    }
}

/// The shared faces, parsed on first use.
pub(crate) fn fonts() -> Result<&'static Fonts, PdfError> {
    static FONTS: OnceLock<Result<Fonts, PdfError>> = OnceLock::new();
    let parsed = FONTS.get_or_init(|| {
        Ok(Fonts {
            regular: Face::parse(REGULAR_TTF, "DejaVuSans")?,
            bold: Face::parse(BOLD_TTF, "DejaVuSans-Bold")?,
        })
    });
    match parsed {
        Ok(fonts) => Ok(fonts),
        Err(PdfError::Font(name)) => Err(PdfError::Font(name)),
        Err(_) => Err(PdfError::Font("DejaVu Sans")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faces_cover_local_names() {
        let fonts = fonts().expect("fonts parse");
        for c in "éłşțğüŁŞȚĞÜ€£•".chars() {
            assert!(
                fonts
                    .regular
                    .parsed
                    .lookup_glyph_index(u32::from(c))
                    .is_some(),
                "regular lacks {c}"
            );
            assert!(
                fonts.bold.parsed.lookup_glyph_index(u32::from(c)).is_some(),
                "bold lacks {c}"
            );
        }
    }

    #[test]
    fn subset_keeps_the_used_characters_with_the_same_widths() {
        let fonts = fonts().expect("fonts parse");
        let used: HashSet<char> = "Ayşe Łukasz".chars().collect();
        let small = fonts.regular.subset(&used);
        assert!(small.original_bytes.len() < fonts.regular.bytes.len() / 10);
        for c in used {
            let full = fonts
                .regular
                .parsed
                .lookup_glyph_index(u32::from(c))
                .and_then(|g| fonts.regular.parsed.get_glyph_width(g));
            let cut = small
                .lookup_glyph_index(u32::from(c))
                .and_then(|g| small.get_glyph_width(g));
            assert_eq!(full, cut, "width of {c:?}");
        }
    }

    #[test]
    fn bold_is_wider_and_width_scales_with_size() {
        let fonts = fonts().expect("fonts parse");
        let regular = fonts.regular.width("Ayşe Sampleton", 12.0);
        assert!(regular > 50.0 && regular < 120.0, "{regular}");
        assert!(fonts.bold.width("Ayşe Sampleton", 12.0) > regular);
        let double = fonts.regular.width("Ayşe Sampleton", 24.0);
        assert!((double - 2.0 * regular).abs() < 0.01);
    }
}
