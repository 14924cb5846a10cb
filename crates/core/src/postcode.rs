//! UK postcodes: validation against the Royal Mail format and one normal form.

use serde::{Deserialize, Serialize};

/// A UK postcode in normal form: upper case, one space before the inward code ("NG18 2AB").
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(transparent)]
pub struct Postcode(String);

/// Why a postcode was refused.
pub const POSTCODE_MESSAGE: &str = "Enter a full UK postcode, like NG18 2AB";

impl Postcode {
    /// Parses a postcode typed in any case and spacing.
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let compact: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if compact == "GIR0AA" {
            return Ok(Self("GIR 0AA".to_owned()));
        }
        if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
            return Err(POSTCODE_MESSAGE);
        }
        let (outward, inward) = compact.split_at(compact.len() - 3);
        if valid_outward(outward) && valid_inward(inward) {
            Ok(Self(format!("{outward} {inward}")))
        } else {
            Err(POSTCODE_MESSAGE)
        }
    }

    /// The normal form, e.g. "NG18 2AB".
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The postcode without its space, e.g. "NG182AB", as people often type it.
    pub fn compact(&self) -> String {
        self.0.replace(' ', "")
    }

    /// The outward code (area and district), e.g. "NG18".
    pub fn outward(&self) -> &str {
        self.0.split(' ').next().unwrap_or_default()
    }
}

impl std::fmt::Display for Postcode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn valid_outward(outward: &str) -> bool {
    let b = outward.as_bytes();
    let first_ok = |c: u8| c.is_ascii_uppercase() && !b"QVX".contains(&c);
    let second_letter_ok = |c: u8| c.is_ascii_uppercase() && !b"IJZ".contains(&c);
    let digit = |c: u8| c.is_ascii_digit();
    match b {
        // A9, A99
        [a, d] => first_ok(*a) && digit(*d),
        [a, d1, d2] if digit(*d1) && digit(*d2) => first_ok(*a),
        // A9A
        [a, d, l] if digit(*d) => first_ok(*a) && b"ABCDEFGHJKPSTUW".contains(l),
        // AA9
        [a, l, d] => first_ok(*a) && second_letter_ok(*l) && digit(*d),
        // AA99, AA9A
        [a, l, d, x] => {
            first_ok(*a)
                && second_letter_ok(*l)
                && digit(*d)
                && (digit(*x) || b"ABEHMNPRVWXY".contains(x))
        }
        _ => false,
    }
}

fn valid_inward(inward: &str) -> bool {
    let b = inward.as_bytes();
    let letter_ok = |c: u8| c.is_ascii_uppercase() && !b"CIKMOV".contains(&c);
    matches!(b, [d, l1, l2] if d.is_ascii_digit() && letter_ok(*l1) && letter_ok(*l2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    #[rstest]
    #[case("NG18 2AB", "NG18 2AB")]
    #[case("ng182ab", "NG18 2AB")]
    #[case("  m1 1aa ", "M1 1AA")]
    #[case("B33 8TH", "B33 8TH")]
    #[case("CR2 6XH", "CR2 6XH")]
    #[case("DN55 1PT", "DN55 1PT")]
    #[case("W1A 0AX", "W1A 0AX")]
    #[case("EC1A 1BB", "EC1A 1BB")]
    #[case("ZY4 7HT", "ZY4 7HT")]
    #[case("gir 0aa", "GIR 0AA")]
    fn accepts_and_normalises(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(
            Postcode::parse(input).map(|p| p.to_string()),
            Ok(expected.to_owned())
        );
    }

    #[rstest]
    #[case("")]
    #[case("NG18")]
    #[case("NG18 2A")]
    #[case("QG18 2AB")] // Q never starts a postcode
    #[case("NZ18 2AB")] // Z never second
    #[case("NG18 2CB")] // C never in the inward code
    #[case("1234 5AB")]
    #[case("NG18 2AB EXTRA")]
    #[case("NĞ18 2AB")]
    fn refuses(#[case] input: &str) {
        assert_eq!(
            Postcode::parse(input),
            Err(POSTCODE_MESSAGE),
            "{input:?} is not a postcode"
        );
    }

    #[test]
    fn parts() {
        let p = Postcode::parse("ng18 2ab").expect("valid");
        assert_eq!(p.outward(), "NG18");
        assert_eq!(p.compact(), "NG182AB");
    }

    proptest! {
        #[test]
        fn normal_form_is_a_fixed_point(input in "[A-Za-z0-9 ]{0,10}") {
            if let Ok(p) = Postcode::parse(&input) {
                prop_assert_eq!(Postcode::parse(p.as_str()), Ok(p.clone()));
                prop_assert_eq!(p.as_str().matches(' ').count(), 1);
            }
        }
    }
}
