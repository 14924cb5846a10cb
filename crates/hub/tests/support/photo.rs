//! Photos for the upload tests: a whole PNG (the hub checks an image from signature to
//! IEND), variants whose bytes differ, and digests as the hub names them.

use sha2::{Digest, Sha256};

/// A whole 1 × 1 PNG.
pub const PNG_1X1: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0,
    1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89, 0, 0, 0, 13, b'I', b'D', b'A', b'T',
    0x78, 0xDA, 0x63, 0x64, 0x60, 0xF8, 0x5F, 0x0F, 0, 0x02, 0x87, 0x01, 0x80, 0xEB, 0x47, 0xBA,
    0x92, 0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82,
];

/// The PNG with a text chunk of `text` before IEND, so its bytes are its own.
pub fn png_with_text(text: &[u8]) -> Vec<u8> {
    let (image, end) = PNG_1X1.split_at(PNG_1X1.len() - 12);
    let mut bytes = image.to_vec();
    bytes.extend(u32::try_from(text.len()).unwrap().to_be_bytes());
    bytes.extend(b"tEXt");
    bytes.extend(text);
    bytes.extend([0; 4]); // CRC: not checked
    bytes.extend(end);
    bytes
}

/// The SHA-256 of `bytes` as lowercase hex, the name the hub stores an attachment under.
pub fn sha256_hex(bytes: &[u8]) -> String {
    doorstep_hub::secret::hex(&Sha256::digest(bytes))
}
