//! The council's branding (name, contact details, colours, logo) from `assets/branding/council.toml`.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use printpdf::{Color, Rgb};
use serde::Deserialize;

use crate::PdfError;

/// An sRGB colour from the branding file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colour {
    /// Red, 0–255.
    pub r: u8,
    /// Green, 0–255.
    pub g: u8,
    /// Blue, 0–255.
    pub b: u8,
}

impl Colour {
    /// A colour from its three channels.
    pub const fn rgb(r: u8, g: u8, b: u8) -> Self {
        Self { r, g, b }
    }

    /// Parses `#rrggbb` or `#rgb`.
    pub fn from_hex(text: &str) -> Option<Self> {
        let hex = text.trim().strip_prefix('#')?;
        if !hex.is_ascii() {
            return None;
        }
        let channel = |s: &str| u8::from_str_radix(s, 16).ok();
        match hex.len() {
            6 => Some(Self::rgb(
                channel(&hex[0..2])?,
                channel(&hex[2..4])?,
                channel(&hex[4..6])?,
            )),
            3 => {
                let short = |i: usize| channel(&hex[i..=i]).map(|v| v * 17);
                Some(Self::rgb(short(0)?, short(1)?, short(2)?))
            }
            _ => None,
        }
    }

    /// This colour mixed with white: `amount` 0 keeps it, 1 gives white.
    pub fn tint(self, amount: f32) -> Self {
        let amount = amount.clamp(0.0, 1.0);
        let mix = |c: u8| {
            (f32::from(c) + (255.0 - f32::from(c)) * amount)
                .round()
                .clamp(0.0, 255.0) as u8
        };
        Self::rgb(mix(self.r), mix(self.g), mix(self.b))
    }

    /// The printpdf colour.
    pub(crate) fn pdf(self) -> Color {
        Color::Rgb(Rgb::new(
            f32::from(self.r) / 255.0,
            f32::from(self.g) / 255.0,
            f32::from(self.b) / 255.0,
            None,
        ))
    }
}

/// The council's branding for documents.
#[derive(Debug, Clone)]
pub struct Branding {
    /// Full council name: document author and header.
    pub council_name: String,
    /// Short council name.
    pub short_name: String,
    /// Council website, printed in the header and footer.
    pub website: String,
    /// Council phone number, printed in the header and footer.
    pub phone: String,
    /// Brand colour for headings, rules and table headings.
    pub brand: Colour,
    /// Text colour on the brand colour.
    pub on_brand: Colour,
    /// Accent colour.
    pub accent: Colour,
    /// Text alternative for the logo.
    pub logo_alt: String,
    /// The logo, ready to embed, when one was supplied and could be read.
    logo: Option<Arc<PreparedLogo>>,
}

#[derive(Debug, Deserialize)]
struct BrandingFile {
    council: CouncilSection,
    #[serde(default)]
    colours: ColoursSection,
    #[serde(default)]
    logo: Option<LogoSection>,
}

#[derive(Debug, Deserialize)]
struct CouncilSection {
    name: String,
    #[serde(default)]
    short_name: Option<String>,
    #[serde(default)]
    website: String,
    #[serde(default)]
    phone: String,
}

#[derive(Debug, Default, Deserialize)]
struct ColoursSection {
    brand: Option<String>,
    on_brand: Option<String>,
    accent: Option<String>,
}

#[derive(Debug, Deserialize)]
struct LogoSection {
    path: String,
    #[serde(default)]
    alt: String,
}

/// Doorstep's default brand colour, used when the file gives none.
const DEFAULT_BRAND: Colour = Colour::rgb(0x00, 0x62, 0x5e);

impl Branding {
    /// Reads the branding from the text of `council.toml`; `logo_bytes` is the logo file it
    /// names. A missing or unreadable logo is left out with a warning, never an error.
    pub fn from_toml(text: &str, logo_bytes: Option<Vec<u8>>) -> Result<Self, PdfError> {
        Self::parse(text, logo_bytes, true)
    }

    /// Reads `council.toml` at `path` and the logo it names (relative to that file).
    pub fn load(path: &Path) -> Result<Self, PdfError> {
        let text = std::fs::read_to_string(path).map_err(|source| PdfError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let file: BrandingFile =
            toml::from_str(&text).map_err(|e| PdfError::Branding(e.to_string()))?;
        let Some(logo) = file.logo else {
            return Self::parse(&text, None, false);
        };
        let logo_path = path
            .parent()
            .unwrap_or_else(|| Path::new("."))
            .join(&logo.path);
        match std::fs::read(&logo_path) {
            Ok(bytes) => Self::parse(&text, Some(bytes), true),
            Err(error) => {
                tracing::warn!(
                    path = %logo_path.display(),
                    %error,
                    "cannot read the council logo; documents are made without it"
                );
                Self::parse(&text, None, false)
            }
        }
    }

    fn parse(
        text: &str,
        logo_bytes: Option<Vec<u8>>,
        warn_if_missing: bool,
    ) -> Result<Self, PdfError> {
        let file: BrandingFile =
            toml::from_str(text).map_err(|e| PdfError::Branding(e.to_string()))?;
        let colour = |value: &Option<String>, field: &str, default: Colour| match value {
            None => Ok(default),
            Some(v) => Colour::from_hex(v).ok_or_else(|| {
                PdfError::Branding(format!("colours.{field} = {v:?} is not a #rrggbb colour"))
            }),
        };
        let brand = colour(&file.colours.brand, "brand", DEFAULT_BRAND)?;
        let on_brand = colour(
            &file.colours.on_brand,
            "on_brand",
            Colour::rgb(255, 255, 255),
        )?;
        let accent = colour(&file.colours.accent, "accent", brand)?;
        let logo = match (&file.logo, logo_bytes) {
            (_, Some(bytes)) => decode_logo(&bytes),
            (Some(section), None) => {
                if warn_if_missing {
                    tracing::warn!(path = %section.path, "the council logo is missing; documents are made without it");
                }
                None
            }
            (None, None) => None,
        };
        let short_name = file
            .council
            .short_name
            .unwrap_or_else(|| file.council.name.clone());
        Ok(Self {
            council_name: file.council.name,
            short_name,
            website: file.council.website,
            phone: file.council.phone,
            brand,
            on_brand,
            accent,
            logo_alt: file.logo.map(|l| l.alt).unwrap_or_default(),
            logo,
        })
    }

    /// Whether documents will carry the logo.
    pub fn has_logo(&self) -> bool {
        self.logo.is_some()
    }

    /// The same branding without its logo.
    pub fn without_logo(mut self) -> Self {
        self.logo = None;
        self
    }

    /// The logo, ready to embed.
    pub(crate) fn logo(&self) -> Option<&PreparedLogo> {
        self.logo.as_deref()
    }
}

/// The logo as PDF image data: 8-bit RGB and, when not fully opaque, an 8-bit alpha mask,
/// each Flate-compressed once so that every document only copies a few kilobytes.
#[derive(Debug)]
pub(crate) struct PreparedLogo {
    /// Width in pixels.
    pub(crate) width: u32,
    /// Height in pixels.
    pub(crate) height: u32,
    /// Zlib-compressed RGB samples.
    pub(crate) rgb: Vec<u8>,
    /// Zlib-compressed alpha samples, when any pixel is not opaque.
    pub(crate) alpha: Option<Vec<u8>>,
}

fn zlib(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes)?;
    encoder.finish()
}

/// Decodes and compresses the logo; on failure logs a warning and returns `None`.
fn decode_logo(bytes: &[u8]) -> Option<Arc<PreparedLogo>> {
    let image = match image::load_from_memory(bytes) {
        Ok(image) => image.to_rgba8(),
        Err(error) => {
            tracing::warn!(%error, "cannot decode the council logo; documents are made without it");
            return None;
        }
    };
    let (width, height) = image.dimensions();
    if width == 0 || height == 0 {
        tracing::warn!("the council logo is empty; documents are made without it");
        return None;
    }
    let pixels = image.as_raw();
    let rgb: Vec<u8> = pixels
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    let alpha: Vec<u8> = pixels.chunks_exact(4).map(|p| p[3]).collect();
    let opaque = alpha.iter().all(|a| *a == u8::MAX);
    let prepared = zlib(&rgb).and_then(|rgb| {
        let alpha = if opaque { None } else { Some(zlib(&alpha)?) };
        Ok(PreparedLogo {
            width,
            height,
            rgb,
            alpha,
        })
    });
    match prepared {
        Ok(logo) => Some(Arc::new(logo)),
        Err(error) => {
            tracing::warn!(%error, "cannot compress the council logo; documents are made without it");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r##"
[council]
name = "Example Borough Council"
website = "https://www.example.gov.uk"
phone = "0115 496 0000"
[colours]
brand = "#00625e"
on_brand = "#fff"
[logo]
path = "logo.png"
alt = "Logo"
"##;

    #[test]
    fn parses_colours_and_falls_back_without_logo() {
        let branding = Branding::from_toml(FILE, None).expect("valid");
        assert_eq!(branding.brand, Colour::rgb(0, 0x62, 0x5e));
        assert_eq!(branding.on_brand, Colour::rgb(255, 255, 255));
        assert_eq!(branding.short_name, "Example Borough Council");
        assert!(!branding.has_logo());
    }

    #[test]
    fn undecodable_logo_is_skipped() {
        let branding = Branding::from_toml(FILE, Some(b"not a png".to_vec())).expect("valid");
        assert!(!branding.has_logo());
    }

    #[test]
    fn bad_colour_is_an_error() {
        let text = FILE.replace("#00625e", "teal");
        let error = Branding::from_toml(&text, None).expect_err("invalid colour");
        assert!(error.to_string().contains("colours.brand"), "{error}");
    }

    #[test]
    fn tint_moves_towards_white() {
        assert_eq!(
            Colour::rgb(0, 100, 200).tint(1.0),
            Colour::rgb(255, 255, 255)
        );
        assert_eq!(Colour::rgb(0, 100, 200).tint(0.0), Colour::rgb(0, 100, 200));
        assert_eq!(
            Colour::from_hex("#abc"),
            Some(Colour::rgb(0xaa, 0xbb, 0xcc))
        );
        assert_eq!(Colour::from_hex("#ééé"), None);
    }
}
