//! Small text shaping shared by every place that turns stored words into a label.

/// The text with its first letter in capitals: "declined" → "Declined".
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A stored name as words: "visit_booked" → "Visit booked".
pub fn sentence_case(name: &str) -> String {
    capitalised(name.replace('_', " ").trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_as_words() {
        for (from, capital, sentence) in [
            ("declined", "Declined", "Declined"),
            ("visit_booked", "Visit_booked", "Visit booked"),
            ("", "", ""),
            ("élan", "Élan", "Élan"),
        ] {
            assert_eq!(capitalised(from), capital);
            assert_eq!(sentence_case(from), sentence);
        }
    }
}
