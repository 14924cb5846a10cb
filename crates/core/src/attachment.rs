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
        Some(m) if ACCEPTED.contains(&m) => Ok(CheckedImage {
            media_type: m.to_owned(),
            size,
        }),
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

    const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
    const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0];
    const PDF: &[u8] = b"%PDF-1.7\n";

    #[rstest]
    #[case::png(PNG, 100, Ok("image/png"))]
    #[case::jpeg(JPEG, 100, Ok("image/jpeg"))]
    #[case::pdf(PDF, 100, Err("not a photo"))]
    #[case::text(b"hello, this is text", 100, Err("not a photo"))]
    #[case::empty(b"", 100, Err("empty"))]
    #[case::too_big(PNG, 4, Err("largest allowed"))]
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
}
