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

#[cfg(test)]
mod tests {
    use super::*;
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
