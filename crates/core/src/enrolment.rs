//! Enrolling a laptop with the council's hub: what the enrolment form must hold, and the
//! text an enrolment QR code carries. The council console prints the code as a QR code
//! holding `doorstep-enrol:?hub=<address>&code=<code>` (both percent-encoded); a barcode
//! scanner types that text into the laptop's code box, and the laptop reads both the
//! address and the code from it, so nothing needs typing.

use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::validation::ValidationErrors;

/// How an enrolment QR code's text starts.
pub const SCHEME: &str = "doorstep-enrol:";

/// The hub's address and a one-time code, as the laptop enrols with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    /// The hub's address, as given.
    pub hub_url: String,
    /// The one-time code, as given.
    pub code: String,
}

impl Enrolment {
    /// The text of the enrolment QR code for this address and code.
    pub fn to_qr_text(&self) -> String {
        format!(
            "{SCHEME}?hub={}&code={}",
            utf8_percent_encode(&self.hub_url, NON_ALPHANUMERIC),
            utf8_percent_encode(&self.code, NON_ALPHANUMERIC)
        )
    }

    /// Reads the enrolment form: the address and the code as typed, or — when either box
    /// holds an enrolment QR code's text — both from that text. Every problem is reported at
    /// once, against its field (`hub_url`, `code`).
    pub fn from_form(hub_url: &str, code: &str) -> Result<Self, ValidationErrors> {
        let (hub_url, code) = (hub_url.trim(), code.trim());
        let mut errors = ValidationErrors::default();
        for (field, text) in [("code", code), ("hub_url", hub_url)] {
            if text.starts_with(SCHEME) {
                return Self::from_qr_text(text).ok_or_else(|| {
                    errors.add(
                        field,
                        "This QR code is not an enrolment code from the council console: type the hub's address and the code instead",
                    );
                    errors
                });
            }
        }
        if hub_url.is_empty() {
            errors.add(
                "hub_url",
                "Enter the hub's address, for example https://hub.example.gov.uk",
            );
        }
        if code.is_empty() {
            errors.add(
                "code",
                "Enter the enrolment code your administrator gave you",
            );
        }
        if errors.is_empty() {
            Ok(Self {
                hub_url: hub_url.to_owned(),
                code: code.to_owned(),
            })
        } else {
            Err(errors)
        }
    }

    /// The address and code an enrolment QR code's text holds, if it holds both.
    fn from_qr_text(text: &str) -> Option<Self> {
        let query = text.strip_prefix(SCHEME)?.strip_prefix('?')?;
        let (mut hub_url, mut code) = (None, None);
        for pair in query.split('&') {
            let (name, value) = pair.split_once('=')?;
            let value = percent_decode_str(value)
                .decode_utf8()
                .ok()?
                .trim()
                .to_owned();
            match name {
                "hub" => hub_url = Some(value),
                "code" => code = Some(value),
                _ => {}
            }
        }
        Some(Self {
            hub_url: hub_url.filter(|h| !h.is_empty())?,
            code: code.filter(|c| !c.is_empty())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fields(errors: &ValidationErrors) -> Vec<&str> {
        errors.errors().iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn both_blank_boxes_are_reported_at_once() {
        let errors = Enrolment::from_form(" ", "").expect_err("blank");
        assert_eq!(fields(&errors), ["hub_url", "code"]);
    }

    #[test]
    fn a_scanned_code_fills_in_the_address_too() {
        let text = "doorstep-enrol:?hub=https%3A%2F%2Fhub%2Ecouncil%2Eexample%2Fdoorstep&code=K7M2Q%2D9XRTA%2D4HWZC";
        let read = Enrolment::from_form("", text).expect("read");
        assert_eq!(read.hub_url, "https://hub.council.example/doorstep");
        assert_eq!(read.code, "K7M2Q-9XRTA-4HWZC");
        // Scanned into the address box instead, all the same.
        assert_eq!(Enrolment::from_form(text, ""), Ok(read));
    }

    #[test]
    fn a_qr_code_without_both_parts_is_refused_against_its_box() {
        for text in [
            "doorstep-enrol:",
            "doorstep-enrol:?hub=x",
            "doorstep-enrol:?code=%FF",
            "doorstep-enrol:?hub=&code=A",
        ] {
            let errors = Enrolment::from_form("https://hub.example", text).expect_err(text);
            assert_eq!(fields(&errors), ["code"], "{text}");
        }
    }

    proptest! {
        #[test]
        fn what_the_console_prints_the_laptop_reads(hub in "https://[a-z.]{1,20}(/[ -~]{0,20})?", code in "[A-Z0-9-]{1,30}") {
            let made = Enrolment { hub_url: hub.trim().to_owned(), code: code.clone() };
            prop_assert_eq!(Enrolment::from_form("", &made.to_qr_text()), Ok(made));
        }
    }
}
