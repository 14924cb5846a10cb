//! Photo and signature checks: any bytes are accepted as a JPEG, PNG, WebP or GIF of the
//! right size or refused with a field error, never a panic; the size limit always holds.
#![no_main]

use doorstep_core::attachment::{DEFAULT_MAX_PHOTO_BYTES, check_image, check_size};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte scales the limit down, so the too-large path is reached without
    // multi-megabyte inputs.
    let Some((&limit, bytes)) = data.split_first() else {
        return;
    };
    let max = if limit == 0 {
        DEFAULT_MAX_PHOTO_BYTES
    } else {
        u64::from(limit) * 64
    };
    match check_image(bytes, max, "photo") {
        Ok(image) => {
            assert_eq!(image.size, bytes.len() as u64, "the size is the file's");
            assert!(image.size > 0 && image.size <= max, "the limit held");
            assert!(
                image.media_type.starts_with("image/"),
                "{}",
                image.media_type
            );
        }
        Err(errors) => assert!(!errors.is_empty(), "a refusal says why"),
    }
    let _ = check_size(bytes.len() as u64, max, "photo");
});
