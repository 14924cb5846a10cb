//! "Who to call": the phone numbers printed on every resident plan (`assets/contacts.toml`).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::PdfError;

/// One service a resident can call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Who they are, e.g. "Crimestoppers".
    pub name: String,
    /// The number to dial, as it should be printed.
    pub number: String,
    /// When to call them, in plain words.
    pub when: String,
}

/// The "who to call" list, printed in this order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contacts {
    /// The services, most urgent first.
    #[serde(rename = "contact", default)]
    pub contacts: Vec<Contact>,
}

impl Contacts {
    /// Reads the list from the text of `contacts.toml`.
    pub fn from_toml(text: &str) -> Result<Self, PdfError> {
        let contacts: Self = toml::from_str(text).map_err(|e| PdfError::Contacts(e.to_string()))?;
        if let Some(blank) = contacts
            .contacts
            .iter()
            .find(|c| c.name.trim().is_empty() || c.number.trim().is_empty())
        {
            return Err(PdfError::Contacts(format!(
                "an entry has no name or number: {blank:?}"
            )));
        }
        Ok(contacts)
    }

    /// Reads `contacts.toml` at `path`.
    pub fn load(path: &Path) -> Result<Self, PdfError> {
        let text = std::fs::read_to_string(path).map_err(|source| PdfError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_has_the_national_numbers() {
        let contacts =
            Contacts::from_toml(include_str!("../../../assets/contacts.toml")).expect("valid");
        let numbers: Vec<&str> = contacts
            .contacts
            .iter()
            .map(|c| c.number.as_str())
            .collect();
        for expected in ["999", "101", "0800 555 111", "0808 2000 247"] {
            assert!(
                numbers.contains(&expected),
                "{expected} missing from {numbers:?}"
            );
        }
        assert_eq!(contacts.contacts.len(), 7);
    }

    #[test]
    fn an_entry_without_a_number_is_rejected() {
        let error = Contacts::from_toml("[[contact]]\nname = \"X\"\nnumber = \"\"\nwhen = \"\"\n")
            .expect_err("blank");
        assert!(matches!(error, PdfError::Contacts(_)));
    }
}
