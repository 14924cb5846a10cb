//! Field-level validation errors, so a form can show each message beside its field.

use serde::{Deserialize, Serialize};

/// One problem with one field of a form, in words the officer can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct FieldError {
    /// The form field's name, as the UI names it (snake_case).
    pub field: String,
    /// What is wrong and what to do, e.g. "Enter a postcode, like NG18 2AB".
    pub message: String,
}

/// All the problems found in one form; empty means valid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{} field(s) need attention", .0.len())]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    /// Records a problem with a field.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    /// True when no problem was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The problems recorded so far.
    pub fn errors(&self) -> &[FieldError] {
        &self.0
    }

    /// `Ok(value)` when nothing was recorded, otherwise these errors.
    pub fn into_result<T>(self, value: T) -> Result<T, ValidationErrors> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

/// A required text field left blank: the field's name, and what "Enter …" asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Enter {what}")]
pub struct Blank {
    /// The form field's name, as the UI names it (snake_case).
    pub field: &'static str,
    /// What to enter, e.g. "why the plan was refused".
    pub what: &'static str,
}

impl FromIterator<Blank> for ValidationErrors {
    fn from_iter<I: IntoIterator<Item = Blank>>(blanks: I) -> Self {
        let mut errors = Self::default();
        for blank in blanks {
            errors.add(blank.field, blank.to_string());
        }
        errors
    }
}

/// Trims a text field that must not be blank.
pub fn not_blank(value: &str, field: &'static str, what: &'static str) -> Result<String, Blank> {
    let value = value.trim();
    if value.is_empty() {
        Err(Blank { field, what })
    } else {
        Ok(value.to_owned())
    }
}

/// Trims a required text field, recording `message` when it is blank or longer than `max`.
pub fn required(
    errors: &mut ValidationErrors,
    field: &str,
    value: &str,
    max: usize,
    message: &str,
) -> String {
    let value = value.trim();
    if value.is_empty() {
        errors.add(field, message);
    } else if value.chars().count() > max {
        errors.add(field, format!("Use {max} characters or fewer"));
    }
    value.to_owned()
}

/// Trims an optional text field: blank becomes `None`; too long is recorded.
pub fn optional(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Option<String> {
    let value = value.map(str::trim).filter(|v| !v.is_empty())?;
    if value.chars().count() > max {
        errors.add(field, format!("Use {max} characters or fewer"));
    }
    Some(value.to_owned())
}

/// Normalises a UK phone number to digits (with a leading + for international),
/// or explains what a valid one looks like.
pub fn phone(value: &str) -> Result<String, &'static str> {
    let trimmed = value.trim();
    if trimmed
        .chars()
        .any(|c| !(c.is_ascii_digit() || " +-()".contains(c)))
    {
        return Err("Enter a phone number using digits only, like 0115 496 0123 or 07700 900123");
    }
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    let plus = trimmed.starts_with('+');
    let ok = if plus {
        (digits.starts_with("44") && (11..=12).contains(&digits.len()))
            || (!digits.starts_with("44") && (8..=15).contains(&digits.len()))
    } else {
        digits.starts_with('0') && (10..=11).contains(&digits.len())
    };
    if !ok {
        return Err("Enter a UK phone number with 10 or 11 digits starting with 0, or +44");
    }
    Ok(if plus { format!("+{digits}") } else { digits })
}

/// Checks an email address has the shape name@domain.tld.
pub fn email(value: &str) -> Result<String, &'static str> {
    let value = value.trim();
    let message = "Enter an email address like name@example.com";
    let (local, domain) = value.split_once('@').ok_or(message)?;
    let shape_ok = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !value.chars().any(char::is_whitespace)
        && value.len() <= 254;
    if shape_ok {
        Ok(value.to_owned())
    } else {
        Err(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("0115 496 0123", Some("01154960123"))]
    #[case("07700 900123", Some("07700900123"))]
    #[case("(01623) 555012", Some("01623555012"))]
    #[case("+44 7700 900123", Some("+447700900123"))]
    #[case("+33 1 23 45 67 89", Some("+33123456789"))]
    #[case("12345", None)]
    #[case("0770090012345", None)]
    #[case("call me", None)]
    #[case("07700 9OO123", None)]
    fn phone_numbers(#[case] input: &str, #[case] expected: Option<&str>) {
        assert_eq!(phone(input).ok().as_deref(), expected, "phone {input:?}");
    }

    #[rstest]
    #[case("ada@example.org", true)]
    #[case("a.b+c@sub.example.co.uk", true)]
    #[case("no-at-sign.example.org", false)]
    #[case("@example.org", false)]
    #[case("ada@localhost", false)]
    #[case("ada @example.org", false)]
    #[case("ada@@example.org", false)]
    fn email_addresses(#[case] input: &str, #[case] ok: bool) {
        assert_eq!(email(input).is_ok(), ok, "email {input:?}");
    }

    #[test]
    fn required_fields_are_trimmed_and_reported() {
        let mut errors = ValidationErrors::default();
        assert_eq!(
            required(&mut errors, "town", "  Mansfield ", 50, "Enter a town"),
            "Mansfield"
        );
        assert!(errors.is_empty());
        required(&mut errors, "town", "   ", 50, "Enter a town");
        assert_eq!(errors.errors()[0].field, "town");
        assert_eq!(errors.errors()[0].message, "Enter a town");
    }
}
