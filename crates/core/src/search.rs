//! Turning what an officer types into a safe full-text query.

/// Builds an FTS5 MATCH expression from free text: each word becomes a quoted prefix
/// term and all must match. Returns `None` when nothing searchable was typed.
///
/// Only letters and digits survive, so nothing typed can change the query's syntax.
pub fn match_expression(input: &str) -> Option<String> {
    // Lower-case first: some letters lower-case to a letter plus a combining mark.
    let lowered = input.to_lowercase();
    let terms: Vec<String> = lowered
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
        .map(|w| format!("\"{w}\"*"))
        .collect();
    if terms.is_empty() {
        None
    } else {
        Some(terms.join(" "))
    }
}

/// A key that sorts addresses as people read them: by postcode, then by address with
/// numbers compared as numbers ("2 Acacia Road" before "10 Acacia Road").
pub fn address_sort_key(postcode: &str, address: &str) -> (String, String) {
    let mut natural = String::with_capacity(address.len() + 16);
    let mut digits = String::new();
    for c in address.to_lowercase().chars().chain(std::iter::once('\0')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if !digits.is_empty() {
            natural.push_str(&format!("{digits:0>10}"));
            digits.clear();
        }
        if c != '\0' {
            natural.push(c);
        }
    }
    (postcode.to_owned(), natural)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_sort_by_postcode_then_house_number() {
        let mut addresses = vec![
            ("ZY1 2AB", "10 Acacia Road"),
            ("ZY1 2AB", "2 Acacia Road"),
            ("ZY1 1AA", "99 Birch Lane"),
            ("ZY1 2AB", "Flat 1, 2 Acacia Road"),
        ];
        addresses.sort_by_key(|(p, a)| address_sort_key(p, a));
        let order: Vec<&str> = addresses.iter().map(|(_, a)| *a).collect();
        assert_eq!(
            order,
            [
                "99 Birch Lane",
                "2 Acacia Road",
                "10 Acacia Road",
                "Flat 1, 2 Acacia Road"
            ]
        );
    }

    use proptest::prelude::*;
    use rstest::rstest;

    #[rstest]
    #[case("NG18 2", Some("\"ng18\"* \"2\"*"))]
    #[case("  acacia  ", Some("\"acacia\"*"))]
    #[case("o'brien", Some("\"o\"* \"brien\"*"))]
    #[case("\" OR 1=1 --", Some("\"or\"* \"1\"* \"1\"*"))]
    #[case("Zoë Łukasz", Some("\"zoë\"* \"łukasz\"*"))]
    #[case("  -- ", None)]
    fn expressions(#[case] input: &str, #[case] expected: Option<&str>) {
        assert_eq!(match_expression(input).as_deref(), expected);
    }

    proptest! {
        #[test]
        fn output_has_only_quoted_alphanumeric_terms(input in ".{0,60}") {
            if let Some(expr) = match_expression(&input) {
                for term in expr.split(' ') {
                    prop_assert!(term.starts_with('"') && term.ends_with("\"*"));
                    let inner = &term[1..term.len() - 2];
                    prop_assert!(!inner.is_empty() && inner.chars().all(char::is_alphanumeric));
                }
            }
        }
    }
}
