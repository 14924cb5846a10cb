//! Files the officer attaches (photos of a door, the resident's drawn signature): which kinds
//! are accepted and how big they may be. Recognised by content, never by file name.

use serde::{Deserialize, Serialize};

use crate::validation::ValidationErrors;

/// Largest photo accepted by default: a phone photo fits, a video does not.
pub const DEFAULT_MAX_PHOTO_BYTES: u64 = 10 * 1024 * 1024;

/// Image types accepted as photos and signatures.
const ACCEPTED: &[&str] = &["image/jpeg", "image/png", "image/webp", "image/gif"];

/// An accepted file's media type and size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct CheckedImage {
    /// e.g. `image/jpeg`.
    pub media_type: String,
    /// Bytes.
    pub size: u64,
}

/// Accepts `bytes` as an image no larger than `max_bytes`, or says what is wrong under `field`.
pub fn check_image(
    bytes: &[u8],
    max_bytes: u64,
    field: &str,
) -> Result<CheckedImage, ValidationErrors> {
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    check_size(size, max_bytes, field)?;
    let mut errors = ValidationErrors::default();
    match infer::get(bytes).map(|t| t.mime_type()) {
        Some(m) if ACCEPTED.contains(&m) => match well_formed(m, bytes) {
            Ok(()) => Ok(CheckedImage {
                media_type: m.to_owned(),
                size,
            }),
            Err(problem) => {
                errors.add(field, problem.message());
                Err(errors)
            }
        },
        _ => {
            errors.add(
                field,
                "The file is not a photo: choose a JPEG, PNG, WebP or GIF image",
            );
            Err(errors)
        }
    }
}

/// Refuses an empty file or one over `max_bytes`, before it is read into memory.
pub fn check_size(size: u64, max_bytes: u64, field: &str) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::default();
    if size == 0 {
        errors.add(field, "The file is empty: choose a photo");
    } else if size > max_bytes {
        errors.add(
            field,
            format!(
                "The photo is {} but the largest allowed is {}: take it again at a lower resolution",
                megabytes(size),
                megabytes(max_bytes)
            ),
        );
    }
    errors.into_result(())
}

/// The file name extension for an attachment's bytes, read from their content (never from a
/// name, which a stored attachment does not have): `jpg`, `png`, `webp`, `gif`, else `bin`.
pub fn extension_of(bytes: &[u8]) -> &'static str {
    match infer::get(bytes).map(|t| t.mime_type()) {
        Some("image/jpeg") => "jpg",
        Some("image/png") => "png",
        Some("image/webp") => "webp",
        Some("image/gif") => "gif",
        _ => "bin",
    }
}

/// The most pixels an accepted image may claim. Doorstep never decodes a photo, but the
/// screens and the hub's portal show them: a file that claims billions of pixels in a few
/// bytes (a decompression bomb) would exhaust whatever tries. Phone cameras stay under 200 MP.
pub const MAX_PIXELS: u64 = 250_000_000;

/// Why bytes that start like an image are still refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Malformed {
    /// The structure is broken or ends early.
    Damaged,
    /// The header claims more than [`MAX_PIXELS`] (or no pixels at all).
    Dimensions(u64, u64),
}

impl Malformed {
    fn message(self) -> String {
        match self {
            Self::Damaged => {
                "The photo is damaged or cut short (its bytes are not a whole image): take or copy it again".to_owned()
            }
            Self::Dimensions(w, h) => format!(
                "The photo claims to be {w} × {h} pixels, which no camera takes: choose another photo"
            ),
        }
    }
}

/// Walks the container far enough to know the file is a whole image of a sane size, without
/// decoding it: `infer` only looks at the first bytes, so a header followed by garbage, or a
/// photo cut short in transfer, would otherwise be stored and synced as if it were a photo.
fn well_formed(media_type: &str, bytes: &[u8]) -> Result<(), Malformed> {
    match media_type {
        "image/png" => png(bytes),
        "image/jpeg" => jpeg(bytes),
        "image/gif" => gif(bytes),
        "image/webp" => webp(bytes),
        _ => Err(Malformed::Damaged),
    }
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    let b: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_be_bytes(b))
}

fn sane(width: u64, height: u64) -> Result<(), Malformed> {
    if width == 0 || height == 0 || width.saturating_mul(height) > MAX_PIXELS {
        return Err(Malformed::Dimensions(width, height));
    }
    Ok(())
}

/// PNG: the signature, then chunks (length, type of four letters, data, CRC) from IHDR,
/// which gives the size, to IEND.
fn png(bytes: &[u8]) -> Result<(), Malformed> {
    let mut at = 8;
    let mut size = None;
    loop {
        let length = be32(bytes, at).ok_or(Malformed::Damaged)? as usize;
        let kind = bytes.get(at + 4..at + 8).ok_or(Malformed::Damaged)?;
        if !kind.iter().all(u8::is_ascii_alphabetic) {
            return Err(Malformed::Damaged);
        }
        let end = at
            .checked_add(12)
            .and_then(|a| a.checked_add(length))
            .filter(|&e| e <= bytes.len())
            .ok_or(Malformed::Damaged)?;
        if size.is_none() {
            if kind != b"IHDR" || length != 13 {
                return Err(Malformed::Damaged);
            }
            let width = be32(bytes, at + 8).ok_or(Malformed::Damaged)?;
            let height = be32(bytes, at + 12).ok_or(Malformed::Damaged)?;
            size = Some((u64::from(width), u64::from(height)));
        }
        if kind == b"IEND" {
            // The size is judged once the whole file is known to be a PNG: garbage after
            // the signature is "damaged", not a claim of billions of pixels.
            let (width, height) = size.ok_or(Malformed::Damaged)?;
            return sane(width, height);
        }
        at = end;
    }
}

/// JPEG: start of image, then marker segments that stay inside the file up to the start
/// of scan, a frame header with the size, and an end-of-image marker after the scan.
fn jpeg(bytes: &[u8]) -> Result<(), Malformed> {
    let mut at = 2;
    let mut size = None;
    loop {
        if bytes.get(at) != Some(&0xFF) {
            return Err(Malformed::Damaged);
        }
        // Fill bytes (extra 0xFF) may come before a marker.
        while bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let marker = *bytes.get(at + 1).ok_or(Malformed::Damaged)?;
        match marker {
            0x01 | 0xD0..=0xD7 => at += 2,
            0xD8 | 0xD9 | 0x00 => return Err(Malformed::Damaged),
            _ => {
                let hi = *bytes.get(at + 2).ok_or(Malformed::Damaged)?;
                let lo = *bytes.get(at + 3).ok_or(Malformed::Damaged)?;
                let length = usize::from(u16::from_be_bytes([hi, lo]));
                if length < 2 || at + 2 + length > bytes.len() {
                    return Err(Malformed::Damaged);
                }
                // Start of frame (baseline, progressive, ...): precision, height, width.
                if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
                    let height = bytes.get(at + 5..at + 7).ok_or(Malformed::Damaged)?;
                    let width = bytes.get(at + 7..at + 9).ok_or(Malformed::Damaged)?;
                    size = Some((
                        u64::from(u16::from_be_bytes([width[0], width[1]])),
                        u64::from(u16::from_be_bytes([height[0], height[1]])),
                    ));
                }
                if marker == 0xDA {
                    break;
                }
                at += 2 + length;
            }
        }
    }
    // The scan's data never holds FF D9 (a data byte FF is always followed by 00), so the
    // first FF D9 after the scan starts is the end of the image. Bytes may follow it: phones
    // append a motion photo's video or a maker's trailer, and those photos are whole.
    if !bytes[at..].windows(2).any(|w| w == [0xFF, 0xD9]) {
        return Err(Malformed::Damaged);
    }
    let (width, height) = size.ok_or(Malformed::Damaged)?;
    sane(width, height)
}

/// GIF: the logical screen's size, and the trailer byte at the end.
fn gif(bytes: &[u8]) -> Result<(), Malformed> {
    // The trailer first: garbage after the signature is "damaged", not a size claim.
    if bytes.len() < 14 || bytes.last() != Some(&0x3B) {
        return Err(Malformed::Damaged);
    }
    let size = bytes.get(6..10).ok_or(Malformed::Damaged)?;
    sane(
        u64::from(u16::from_le_bytes([size[0], size[1]])),
        u64::from(u16::from_le_bytes([size[2], size[3]])),
    )
}

/// WebP: the RIFF length matches the file, and the first chunk is an image.
fn webp(bytes: &[u8]) -> Result<(), Malformed> {
    let riff: [u8; 4] = bytes
        .get(4..8)
        .and_then(|b| b.try_into().ok())
        .ok_or(Malformed::Damaged)?;
    let declared = u32::from_le_bytes(riff) as usize;
    let chunk = bytes.get(12..16).ok_or(Malformed::Damaged)?;
    // RIFF pads odd lengths with one byte.
    if declared.checked_add(8) != Some(bytes.len()) && declared.checked_add(9) != Some(bytes.len())
        || !matches!(chunk, b"VP8 " | b"VP8L" | b"VP8X")
    {
        return Err(Malformed::Damaged);
    }
    Ok(())
}

fn megabytes(bytes: u64) -> String {
    // Display only; a rounding error in the last decimal does no harm.
    #[allow(clippy::cast_precision_loss)]
    let mb = bytes as f64 / (1024.0 * 1024.0);
    format!("{mb:.1} MB")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    /// A whole 1 × 1 PNG: signature, IHDR, IDAT, IEND.
    const PNG: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0,
        0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89, 0, 0, 0, 13, b'I', b'D', b'A',
        b'T', 0x78, 0xDA, 0x63, 0x64, 0x60, 0xF8, 0x5F, 0x0F, 0, 0x02, 0x87, 0x01, 0x80, 0xEB,
        0x47, 0xBA, 0x92, 0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82,
    ];
    /// A JPEG's skeleton: SOI, APP0, a 1 × 1 frame header, a scan header, EOI.
    const JPEG: &[u8] = &[
        0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xFF,
        0xC0, 0, 11, 8, 0, 1, 0, 1, 1, 1, 0x11, 0, 0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0, 0x12,
        0x34, 0xFF, 0xD9,
    ];
    const GIF: &[u8] = &[
        b'G', b'I', b'F', b'8', b'9', b'a', 1, 0, 1, 0, 0, 0, 0, b',', 0, 0, 0, 0, 1, 0, 1, 0, 0,
        2, 2, 0x44, 0x01, 0, 0x3B,
    ];
    const PDF: &[u8] = b"%PDF-1.7\n";

    fn with_size(mut png: Vec<u8>, width: u32, height: u32) -> Vec<u8> {
        png[16..20].copy_from_slice(&width.to_be_bytes());
        png[20..24].copy_from_slice(&height.to_be_bytes());
        png
    }

    #[rstest]
    #[case::png(PNG, 100, Ok("image/png"))]
    #[case::jpeg(JPEG, 100, Ok("image/jpeg"))]
    #[case::gif(GIF, 100, Ok("image/gif"))]
    #[case::png_cut_short(&PNG[..40], 100, Err("damaged or cut short"))]
    #[case::png_header_then_garbage(&[&PNG[..16], &[0xAB; 64][..]].concat(), 100, Err("damaged"))]
    #[case::jpeg_without_its_end(&JPEG[..JPEG.len() - 2], 100, Err("damaged"))]
    #[case::jpeg_with_a_motion_photo_after_it(&[JPEG, &b"\0\0\0\x18ftypmp42"[..]].concat(), 100, Ok("image/jpeg"))]
    #[case::jpeg_header_then_garbage(&[&JPEG[..3], &[0x17; 64][..]].concat(), 100, Err("damaged"))]
    #[case::gif_without_trailer(&GIF[..GIF.len() - 1], 100, Err("damaged"))]
    #[case::png_claiming_billions_of_pixels(&with_size(PNG.to_vec(), 100_000, 100_000), 100, Err("100000 × 100000 pixels"))]
    #[case::png_of_no_pixels(&with_size(PNG.to_vec(), 0, 1), 100, Err("pixels"))]
    #[case::pdf(PDF, 100, Err("not a photo"))]
    #[case::text(b"hello, this is text", 100, Err("not a photo"))]
    #[case::empty(b"", 100, Err("empty"))]
    #[case::too_big(PNG, 4, Err("largest allowed"))]
    #[case::webp_cut_short(b"RIFF\x40\0\0\0WEBPVP8 ", 100, Err("damaged"))]
    fn photos_are_recognised_by_content(
        #[case] bytes: &[u8],
        #[case] max: u64,
        #[case] expected: Result<&str, &str>,
    ) {
        match (check_image(bytes, max, "photo"), expected) {
            (Ok(c), Ok(m)) => assert_eq!(c.media_type, m),
            (Err(e), Err(m)) => {
                assert_eq!(e.errors()[0].field, "photo");
                assert!(e.errors()[0].message.contains(m), "{e:?}");
            }
            (got, want) => panic!("got {got:?}, wanted {want:?}"),
        }
    }

    #[test]
    fn an_attachment_is_named_by_its_content() {
        assert_eq!(extension_of(PNG), "png");
        assert_eq!(extension_of(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), "jpg");
        assert_eq!(extension_of(b"GIF89a\x01\x00"), "gif");
        assert_eq!(extension_of(b"RIFF\x00\x00\x00\x00WEBPVP8 "), "webp");
        assert_eq!(
            extension_of(b"%PDF-1.7"),
            "bin",
            "not an image: no image name"
        );
        assert_eq!(extension_of(b""), "bin");
    }
}
