//! How strong a passphrase is. The same rule decides in the backend and advises in the UI.

use serde::{Deserialize, Serialize};

/// Shortest passphrase accepted.
pub const MIN_LENGTH: usize = 10;
/// Lowest zxcvbn score (0–4) accepted: 3 is "safely unguessable" for offline attacks
/// slowed by Argon2id.
pub const MIN_SCORE: u8 = 3;

/// Advice on a passphrase, to show while the officer types.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct PassphraseAssessment {
    /// Whether it may be used.
    pub acceptable: bool,
    /// 0 (guessable at once) to 4 (very strong).
    pub score: u8,
    /// The main problem, when there is one.
    pub warning: Option<String>,
    /// What would make it stronger.
    pub suggestions: Vec<String>,
}

/// Assesses a passphrase; `context` holds words an attacker would try first (the officer's name).
pub fn assess(passphrase: &str, context: &[&str]) -> PassphraseAssessment {
    let length = passphrase.chars().count();
    if length == 0 {
        return PassphraseAssessment {
            acceptable: false,
            score: 0,
            warning: Some("Enter a passphrase".to_owned()),
            suggestions: vec![format!(
                "Use at least {MIN_LENGTH} characters; a few unrelated words work well"
            )],
        };
    }
    let entropy = zxcvbn::zxcvbn(passphrase, context);
    let score = u8::from(entropy.score());
    let feedback = entropy.feedback();
    let mut warning = feedback.and_then(|f| f.warning()).map(|w| w.to_string());
    let mut suggestions: Vec<String> = feedback
        .map(|f| f.suggestions().iter().map(ToString::to_string).collect())
        .unwrap_or_default();
    if length < MIN_LENGTH {
        warning = Some(format!("Use at least {MIN_LENGTH} characters"));
        suggestions.insert(
            0,
            "A few unrelated words are easy to remember and hard to guess".to_owned(),
        );
    } else if score < MIN_SCORE && warning.is_none() {
        warning = Some("This passphrase would be too easy to guess".to_owned());
    }
    PassphraseAssessment {
        acceptable: length >= MIN_LENGTH && score >= MIN_SCORE,
        score,
        warning,
        suggestions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("", false)]
    #[case("password", false)]
    #[case("password123", false)]
    #[case("Mansfield2026", false)]
    #[case("kettle harbour violet sprocket", true)]
    #[case("correct-horse-battery-staple-42", true)]
    fn acceptance(#[case] passphrase: &str, #[case] acceptable: bool) {
        let a = assess(passphrase, &["Mansfield"]);
        assert_eq!(a.acceptable, acceptable, "{passphrase:?}: {a:?}");
        if !acceptable {
            assert!(a.warning.is_some(), "a refused passphrase always says why");
        }
    }

    #[test]
    fn the_officers_name_does_not_make_a_strong_passphrase() {
        let a = assess("Ada Sampleton", &["Ada", "Sampleton"]);
        assert!(!a.acceptable, "{a:?}");
    }
}
