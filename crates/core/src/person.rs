//! A resident of a household and how they like to be contacted.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{HouseholdId, PersonId};
use crate::validation::{self, ValidationErrors, optional, required};

stored_enum!(
    /// An age band, for when a resident would rather not give a date of birth.
    AgeBand {
        /// Under 18.
        Under18 => "under_18",
        /// 18 to 34.
        From18To34 => "18_to_34",
        /// 35 to 49.
        From35To49 => "35_to_49",
        /// 50 to 64.
        From50To64 => "50_to_64",
        /// 65 to 74: "elderly" for CHARLIE starts here.
        From65To74 => "65_to_74",
        /// 75 to 84.
        From75To84 => "75_to_84",
        /// 85 and over.
        From85 => "85_plus",
    }
);

impl AgeBand {
    /// The band an age in whole years falls in.
    pub fn for_age(years: u32) -> Self {
        match years {
            0..=17 => Self::Under18,
            18..=34 => Self::From18To34,
            35..=49 => Self::From35To49,
            50..=64 => Self::From50To64,
            65..=74 => Self::From65To74,
            75..=84 => Self::From75To84,
            _ => Self::From85,
        }
    }
}

/// Whole years between a date of birth and a day.
pub fn age_on(date_of_birth: NaiveDate, on: NaiveDate) -> Option<u32> {
    let mut years = on.year() - date_of_birth.year();
    if (on.month(), on.day()) < (date_of_birth.month(), date_of_birth.day()) {
        years -= 1;
    }
    u32::try_from(years).ok()
}

/// How a resident agrees to be contacted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ContactPreferences {
    /// By phone call.
    pub phone: bool,
    /// By text message.
    pub text: bool,
    /// By email.
    pub email: bool,
    /// By letter.
    pub letter: bool,
}

/// Longest resident's name, in characters.
pub const NAME_MAX: usize = 120;
/// Longest phone number as typed, in characters (spaces and brackets included).
pub const PHONE_MAX: usize = 40;
/// Longest email address, in characters (RFC 5321's limit on a path).
pub const EMAIL_MAX: usize = 254;
/// Longest preferred language, in characters.
pub const LANGUAGE_MAX: usize = 60;

/// What an officer types to add or correct a resident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct PersonDraft {
    /// The household they live in.
    pub household_id: HouseholdId,
    /// Full name as they give it.
    pub full_name: String,
    /// Phone, or blank.
    pub phone: String,
    /// Email, or blank.
    pub email: String,
    /// Date of birth as YYYY-MM-DD, or blank.
    pub date_of_birth: String,
    /// Age band, when no date of birth is given.
    pub age_band: Option<AgeBand>,
    /// Preferred language, or blank.
    pub preferred_language: String,
    /// How they agree to be contacted.
    pub contact_preferences: ContactPreferences,
}

/// The validated content of a resident record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonDetails {
    /// Household.
    pub household_id: HouseholdId,
    /// Full name.
    pub full_name: String,
    /// Normalised phone.
    pub phone: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// Age band, derived from the date of birth when there is one.
    pub age_band: Option<AgeBand>,
    /// Preferred language.
    pub preferred_language: Option<String>,
    /// Contact preferences.
    pub contact_preferences: ContactPreferences,
}

impl PersonDraft {
    /// A resident known only by name, everything else blank.
    pub fn named(household_id: HouseholdId, full_name: &str) -> Self {
        Self {
            household_id,
            full_name: full_name.to_owned(),
            phone: String::new(),
            email: String::new(),
            date_of_birth: String::new(),
            age_band: None,
            preferred_language: String::new(),
            contact_preferences: ContactPreferences::default(),
        }
    }

    /// Checks every field against `today` (for dates of birth) and normalises it.
    pub fn validate(&self, today: NaiveDate) -> Result<PersonDetails, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let full_name = required(
            &mut errors,
            "full_name",
            &self.full_name,
            NAME_MAX,
            "Enter the resident's name",
        );
        let phone = optional(&mut errors, "phone", Some(&self.phone), PHONE_MAX).and_then(|p| {
            validation::phone(&p)
                .map_err(|m| errors.add("phone", m))
                .ok()
        });
        let email = optional(&mut errors, "email", Some(&self.email), EMAIL_MAX).and_then(|e| {
            validation::email(&e)
                .map_err(|m| errors.add("email", m))
                .ok()
        });
        let date_of_birth = match self.date_of_birth.trim() {
            "" => None,
            text => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                Ok(d) if d > today => {
                    errors.add("date_of_birth", "Date of birth must be in the past");
                    None
                }
                Ok(d) if age_on(d, today).is_some_and(|a| a > 120) => {
                    errors.add(
                        "date_of_birth",
                        "Check the year of birth: that would make them over 120",
                    );
                    None
                }
                Ok(d) => Some(d),
                Err(_) => {
                    errors.add(
                        "date_of_birth",
                        "Enter the date of birth as a real date, for example 27 3 1948",
                    );
                    None
                }
            },
        };
        let age_band = match (date_of_birth, self.age_band) {
            (Some(dob), given) => {
                let derived = age_on(dob, today).map(AgeBand::for_age);
                if given.is_some() && given != derived {
                    errors.add(
                        "age_band",
                        "The age band does not match the date of birth: clear one of them",
                    );
                }
                derived
            }
            (None, given) => given,
        };
        let preferred_language = optional(
            &mut errors,
            "preferred_language",
            Some(&self.preferred_language),
            LANGUAGE_MAX,
        );
        if self.contact_preferences.phone && phone.is_none() && self.phone.trim().is_empty() {
            errors.add("phone", "Enter a phone number, or untick contact by phone");
        }
        if self.contact_preferences.text && phone.is_none() && self.phone.trim().is_empty() {
            errors.add("phone", "Enter a mobile number, or untick contact by text");
        }
        if self.contact_preferences.email && email.is_none() && self.email.trim().is_empty() {
            errors.add(
                "email",
                "Enter an email address, or untick contact by email",
            );
        }
        errors.into_result(PersonDetails {
            household_id: self.household_id,
            full_name,
            phone,
            email,
            date_of_birth,
            age_band,
            preferred_language,
            contact_preferences: self.contact_preferences,
        })
    }
}

/// A resident as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Person {
    /// Its id.
    pub id: PersonId,
    /// Household.
    pub household_id: HouseholdId,
    /// Full name.
    pub full_name: String,
    /// Phone.
    pub phone: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// Age band.
    pub age_band: Option<AgeBand>,
    /// Preferred language.
    pub preferred_language: Option<String>,
    /// Contact preferences.
    pub contact_preferences: ContactPreferences,
    /// When first recorded.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).expect("valid date")
    }

    fn draft() -> PersonDraft {
        PersonDraft {
            household_id: HouseholdId::new(),
            full_name: "Ada Sampleton".into(),
            phone: "07700 900123".into(),
            email: "".into(),
            date_of_birth: "1950-11-28".into(),
            age_band: None,
            preferred_language: "English".into(),
            contact_preferences: ContactPreferences {
                phone: true,
                ..Default::default()
            },
        }
    }

    #[test]
    fn date_of_birth_sets_the_age_band() {
        let details = draft().validate(today()).expect("valid");
        assert_eq!(
            details.age_band,
            Some(AgeBand::From75To84),
            "75 the day before the 76th birthday"
        );
        assert_eq!(details.phone.as_deref(), Some("07700900123"));
    }

    #[rstest]
    #[case("2030-01-01", "date_of_birth")]
    #[case("1890-01-01", "date_of_birth")]
    #[case("27/03/1948", "date_of_birth")]
    fn bad_dates_of_birth(#[case] dob: &str, #[case] field: &str) {
        let errors = PersonDraft {
            date_of_birth: dob.into(),
            ..draft()
        }
        .validate(today())
        .expect_err("invalid");
        assert_eq!(errors.errors()[0].field, field);
    }

    #[test]
    fn contact_by_email_needs_an_email() {
        let errors = PersonDraft {
            contact_preferences: ContactPreferences {
                email: true,
                ..Default::default()
            },
            ..draft()
        }
        .validate(today())
        .expect_err("invalid");
        assert_eq!(errors.errors()[0].field, "email");
    }

    #[test]
    fn conflicting_age_band_is_refused() {
        let errors = PersonDraft {
            age_band: Some(AgeBand::Under18),
            ..draft()
        }
        .validate(today())
        .expect_err("invalid");
        assert_eq!(errors.errors()[0].field, "age_band");
    }

    #[rstest]
    #[case(0, AgeBand::Under18)]
    #[case(17, AgeBand::Under18)]
    #[case(18, AgeBand::From18To34)]
    #[case(64, AgeBand::From50To64)]
    #[case(65, AgeBand::From65To74)]
    #[case(85, AgeBand::From85)]
    fn age_bands(#[case] age: u32, #[case] band: AgeBand) {
        assert_eq!(AgeBand::for_age(age), band);
        assert_eq!(AgeBand::parse(band.as_str()), Some(band));
    }
}
