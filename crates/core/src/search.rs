//! Turning what an officer types into a safe full-text query.

/// What someone typed into a search box, read once for every place that searches: the
/// laptop's full-text index and the hub's console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchTerms {
    /// The start of a postcode: its outward code and as much of the inward code as was
    /// typed (maybe none), lower case.
    Postcode {
        /// The outward code, e.g. `ng18`.
        outward: String,
        /// The start of the inward code, e.g. `2` (empty when only the outward was typed).
        inward: String,
    },
    /// Words (letters and digits only, lower case, at most eight), each the start of a word
    /// of the address, the name or the UPRN.
    Words(Vec<String>),
}

/// Reads a search. Returns `None` when nothing searchable was typed.
///
/// Text that looks like the start of a postcode ("NG18 2", "ng182", "NG1") searches
/// postcodes only, so "ZY10 3" never matches "ZY1 0JN" at number 3. Anything else becomes
/// one prefix term per word, all of which must match. Only letters and digits survive,
/// so nothing typed can change a query's syntax.
pub fn parse_search(input: &str) -> Option<SearchTerms> {
    let words = index_words(input);
    let words: Vec<&str> = words.iter().map(String::as_str).take(8).collect();
    if words.is_empty() {
        return None;
    }
    if let Some((outward, inward)) = postcode_prefix(&words) {
        return Some(SearchTerms::Postcode {
            outward: outward.to_owned(),
            inward: inward.to_owned(),
        });
    }
    Some(SearchTerms::Words(
        words.iter().map(|w| (*w).to_owned()).collect(),
    ))
}

/// The words a text is found by: lower case, split at anything that is not a letter or a
/// digit.
pub fn index_words(text: &str) -> Vec<String> {
    // Lower-case first: some letters lower-case to a letter plus a combining mark.
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Builds an FTS5 MATCH expression from free text ([`parse_search`]). Returns `None`
/// when nothing searchable was typed.
pub fn match_expression(input: &str) -> Option<String> {
    Some(match parse_search(input)? {
        SearchTerms::Postcode { outward, inward } if inward.is_empty() => {
            format!("postcode : \"{outward}\"*")
        }
        SearchTerms::Postcode { outward, inward } => {
            format!("postcode : (\"{outward} {inward}\"* OR \"{outward}{inward}\"*)")
        }
        SearchTerms::Words(words) => words
            .iter()
            .map(|w| format!("\"{w}\"*"))
            .collect::<Vec<_>>()
            .join(" "),
    })
}

/// Splits words that read as the start of a UK postcode into (outward, inward-so-far).
fn postcode_prefix<'a>(words: &[&'a str]) -> Option<(&'a str, &'a str)> {
    let is_outward = |w: &str| {
        let b = w.as_bytes();
        let letters = b.iter().take_while(|c| c.is_ascii_lowercase()).count();
        (1..=2).contains(&letters)
            && b.len() > letters
            && b.len() <= 4
            && b[letters].is_ascii_digit()
            && b[letters..].iter().all(|c| c.is_ascii_alphanumeric())
    };
    let is_inward_start = |w: &str| {
        let b = w.as_bytes();
        !b.is_empty()
            && b.len() <= 3
            && b[0].is_ascii_digit()
            && b[1..].iter().all(u8::is_ascii_lowercase)
    };
    match words {
        [outward] if is_outward(outward) => Some((outward, "")),
        [outward, inward] if is_outward(outward) && is_inward_start(inward) => {
            Some((outward, inward))
        }
        // Typed without the space: the inward code is the last digit and what follows it.
        [compact] if compact.len() >= 5 && compact.is_ascii() => {
            let split = compact.rfind(|c: char| c.is_ascii_digit())?;
            let (outward, inward) = compact.split_at(split);
            (is_outward(outward) && is_inward_start(inward)).then_some((outward, inward))
        }
        _ => None,
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
        let mut addresses = [
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
    #[case("NG18 2", Some("postcode : (\"ng18 2\"* OR \"ng182\"*)"))]
    #[case("ng182ab", Some("postcode : (\"ng18 2ab\"* OR \"ng182ab\"*)"))]
    #[case("ZY1", Some("postcode : \"zy1\"*"))]
    #[case("12 acacia", Some("\"12\"* \"acacia\"*"))]
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
                // Strip the only syntax we emit; what is left inside quotes must be
                // letters, digits and single spaces.
                let body = expr.trim_start_matches("postcode : ").trim_start_matches('(').trim_end_matches(')');
                for term in body.split(" OR ").flat_map(|t| t.split("* ")) {
                    let term = term.trim_end_matches('*');
                    prop_assert!(term.starts_with('"') && term.ends_with('"') && term.len() > 2, "{expr}");
                    let inner = &term[1..term.len() - 1];
                    prop_assert!(inner.chars().all(|c| c.is_alphanumeric() || c == ' '), "{expr}");
                }
            }
        }
    }
}
