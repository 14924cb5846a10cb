//! What text every store can hold. SQLite keeps any UTF-8, but PostgreSQL refuses the NUL
//! character (U+0000) in `text` and in `jsonb`, and Rust strings are already valid UTF-8
//! (no lone surrogates), so NUL is the one character text may not contain. The hub refuses
//! it at every door (JSON bodies, forms, paths, queries) so that both of its backends take
//! exactly the same input; the laptop may use the same rule before it saves.

/// Text holding a character no store can keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the text contains the NUL character (U+0000), which cannot be stored: remove it and send again"
)]
pub struct UnstorableText;

/// Whether `text` may be stored as it is.
pub fn check_storable(text: &str) -> Result<(), UnstorableText> {
    if text.contains('\0') {
        Err(UnstorableText)
    } else {
        Ok(())
    }
}

/// A cell a spreadsheet opening a CSV export would not run as a formula (CSV injection):
/// one starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a `'` in front.
pub fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_nul_is_refused() {
        assert_eq!(check_storable("Ann \u{0}Sampleton"), Err(UnstorableText));
        assert_eq!(check_storable("\u{0}"), Err(UnstorableText));
        for ok in [
            "",
            "Ann Sampleton",
            "tab\tnewline\n",
            "\u{1}\u{7f}",
            "💡 ÿ \u{fffd}",
        ] {
            assert_eq!(check_storable(ok), Ok(()), "{ok:?} is storable");
        }
    }
}
