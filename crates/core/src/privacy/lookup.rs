//! Finding a person for a subject access request: what the data protection officer types
//! (a name, a date of birth, a phone number) read into one query, and the index words a
//! resident's date of birth and phone number are found by. Pure: the hub writes the words
//! beside its records and reads them back with the same functions, so a date typed as
//! `14/03/1951` finds one stored as `1951-03-14`, and `+44 7700 900123` finds `07700900123`.

use chrono::NaiveDate;

use crate::search::index_words;

/// What the officer searched for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonQuery {
    /// A whole date of birth.
    DateOfBirth(NaiveDate),
    /// A phone number, as [`normalise_phone`] reads it.
    Phone(String),
    /// The starts of the words of a name (lower case, at most eight).
    Name(Vec<String>),
}

/// Why a search for a person could not be read; each says what to type instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// Nothing searchable was typed.
    #[error(
        "Enter a name, a date of birth (like 14/03/1951) or a phone number (like 07700 900123)"
    )]
    Empty,
    /// It reads as a date, but not a real one.
    #[error("Enter a real date of birth, like 14/03/1951 or 1951-03-14")]
    NotADate,
    /// A date with a year of two digits, which could be either century.
    #[error("Enter the year of birth in full, like 14/03/1951")]
    ShortYear,
    /// Digits that are neither a whole date nor a whole phone number.
    #[error(
        "Enter a whole date of birth (like 14/03/1951) or a whole phone number (like 07700 900123)"
    )]
    Incomplete,
}

/// The first characters of the index words below: never a letter or a digit, so no word
/// typed into a search (only letters and digits survive [`index_words`]) can reach them.
const DOB: &str = "#dob ";
const PHONE: &str = "#tel ";

/// The index word a date of birth is found by.
pub fn dob_word(date: NaiveDate) -> String {
    format!("{DOB}{}", date.format("%Y-%m-%d"))
}

/// The index word a phone number (as [`normalise_phone`] reads it) is found by.
pub fn phone_word(phone: &str) -> String {
    format!("{PHONE}{phone}")
}

/// Reads a date of birth as people write it in the UK: day, month, year (`14/03/1951`,
/// `14-3-1951`, `14.03.1951`, `14 3 1951`), or the ISO form `1951-03-14`.
pub fn parse_date_of_birth(text: &str) -> Result<NaiveDate, LookupError> {
    let parts: Vec<&str> = text
        .trim()
        .split(['/', '-', '.', ' '])
        .filter(|p| !p.is_empty())
        .collect();
    let numbers: Vec<u32> = parts
        .iter()
        .map(|p| p.parse::<u32>())
        .collect::<Result<_, _>>()
        .map_err(|_| LookupError::NotADate)?;
    let (year, month, day) = match (parts.as_slice(), numbers.as_slice()) {
        ([y, _, _], [yv, m, d]) if y.len() == 4 => (*yv, *m, *d),
        ([_, _, y], [d, m, yv]) if y.len() == 4 => (*yv, *m, *d),
        ([_, _, y], _) if y.len() <= 2 => return Err(LookupError::ShortYear),
        _ => return Err(LookupError::NotADate),
    };
    let year = i32::try_from(year).map_err(|_| LookupError::NotADate)?;
    NaiveDate::from_ymd_opt(year, month, day).ok_or(LookupError::NotADate)
}

/// Reads a phone number whatever its spacing and prefix: a UK number becomes its national
/// digits without the leading `0` (`07700 900123`, `+44 7700 900123`, `+44 (0)7700 900123`
/// and `0044 7700 900123` are all `7700900123`); a number from another country keeps its
/// `+` and country code. `None` when it is not a phone number.
pub fn normalise_phone(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty()
        || text
            .chars()
            .any(|c| !(c.is_ascii_digit() || " +-().".contains(c)))
        || text.chars().skip(1).any(|c| c == '+')
    {
        return None;
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let international = if text.starts_with('+') {
        Some(digits.as_str())
    } else {
        digits.strip_prefix("00")
    };
    let national = match international {
        Some(rest) => match rest.strip_prefix("44") {
            Some(uk) => uk.strip_prefix('0').unwrap_or(uk),
            None if (8..=15).contains(&rest.len()) => return Some(format!("+{rest}")),
            None => return None,
        },
        None => digits.strip_prefix('0')?,
    };
    (9..=10)
        .contains(&national.len())
        .then(|| national.to_owned())
}

/// Whether `text` is made only of digits and the marks a date or a phone number is written
/// with, so it is read as one of those rather than as a name.
fn numeric(text: &str) -> bool {
    text.chars().any(|c| c.is_ascii_digit())
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || " +-()./".contains(c))
}

/// Reads what the officer typed: a date of birth, a phone number or a name.
///
/// Text of digits with `/`, `.` or `-` between three parts, one a four-digit year, is a
/// date; other digits (spaces, `+` and brackets allowed) a phone number; anything with a
/// letter a name. Digits that are neither are refused rather than guessed at.
pub fn read_person_query(text: &str) -> Result<PersonQuery, LookupError> {
    let text = text.trim();
    if index_words(text).is_empty() {
        return Err(LookupError::Empty);
    }
    if !numeric(text) {
        return Ok(PersonQuery::Name(
            index_words(text).into_iter().take(8).collect(),
        ));
    }
    let groups: Vec<&str> = text
        .split(['/', '-', '.', ' '])
        .filter(|p| !p.is_empty())
        .collect();
    let looks_like_date = groups.len() == 3
        && !text.contains(['+', '(', ')'])
        && groups.iter().all(|g| g.len() <= 4)
        && (text.contains(['/', '.']) || groups.iter().any(|g| g.len() == 4))
        && groups[1].len() <= 2;
    if looks_like_date {
        return parse_date_of_birth(text).map(PersonQuery::DateOfBirth);
    }
    normalise_phone(text)
        .map(PersonQuery::Phone)
        .ok_or(LookupError::Incomplete)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[rstest]
    #[case::uk_slashes("14/03/1951", date(1951, 3, 14))]
    #[case::uk_no_zeros("14/3/1951", date(1951, 3, 14))]
    #[case::uk_dashes("14-03-1951", date(1951, 3, 14))]
    #[case::uk_dots("14.03.1951", date(1951, 3, 14))]
    #[case::uk_spaces("14 3 1951", date(1951, 3, 14))]
    #[case::iso("1951-03-14", date(1951, 3, 14))]
    #[case::padded("  1951-03-14 ", date(1951, 3, 14))]
    #[case::leap_day("29/02/1952", date(1952, 2, 29))]
    fn dates_of_birth_are_read_day_first_or_iso(#[case] text: &str, #[case] want: NaiveDate) {
        assert_eq!(parse_date_of_birth(text), Ok(want), "{text}");
        assert_eq!(
            read_person_query(text),
            Ok(PersonQuery::DateOfBirth(want)),
            "{text} is searched as a date of birth"
        );
    }

    #[rstest]
    #[case::no_such_day("31/02/1951", LookupError::NotADate)]
    #[case::not_a_leap_year("29/02/1951", LookupError::NotADate)]
    #[case::month_thirteen("14/13/1951", LookupError::NotADate)]
    #[case::two_digit_year("14/03/51", LookupError::ShortYear)]
    fn an_impossible_or_ambiguous_date_is_refused_with_what_to_type(
        #[case] text: &str,
        #[case] want: LookupError,
    ) {
        assert_eq!(read_person_query(text), Err(want.clone()), "{text}");
        assert!(
            want.to_string().contains("14/03/1951"),
            "the message shows the form"
        );
    }

    #[rstest]
    #[case::spaced("07700 900123", "7700900123")]
    #[case::run_together("07700900123", "7700900123")]
    #[case::plus_44("+44 7700 900123", "7700900123")]
    #[case::plus_44_bracketed_zero("+44 (0)7700 900123", "7700900123")]
    #[case::double_zero("0044 7700 900123", "7700900123")]
    #[case::dashes("07700-900-123", "7700900123")]
    #[case::landline("0115 496 0123", "1154960123")]
    #[case::landline_brackets("(0115) 496 0123", "1154960123")]
    #[case::stored_international("+447700900123", "7700900123")]
    #[case::abroad("+33 1 23 45 67 89", "+33123456789")]
    fn phone_numbers_are_read_whatever_their_spacing_and_prefix(
        #[case] text: &str,
        #[case] want: &str,
    ) {
        assert_eq!(normalise_phone(text).as_deref(), Some(want), "{text}");
        assert_eq!(
            read_person_query(text),
            Ok(PersonQuery::Phone(want.to_owned())),
            "{text} is searched as a phone number"
        );
    }

    #[rstest]
    #[case::too_short("0770 090")]
    #[case::no_leading_zero("7700 900123")]
    #[case::letters("07700 9OO123")]
    #[case::two_pluses("+44 +7700 900123")]
    #[case::too_long("077009001234567")]
    fn what_is_not_a_phone_number_is_not_read_as_one(#[case] text: &str) {
        assert_eq!(normalise_phone(text), None, "{text}");
    }

    #[rstest]
    #[case::empty("", LookupError::Empty)]
    #[case::only_marks(" / - ", LookupError::Empty)]
    #[case::a_year("1951", LookupError::Incomplete)]
    #[case::half_a_phone("07700", LookupError::Incomplete)]
    fn empty_or_partial_numbers_are_refused_not_guessed(
        #[case] text: &str,
        #[case] want: LookupError,
    ) {
        assert_eq!(read_person_query(text), Err(want), "{text}");
    }

    #[test]
    fn a_name_is_read_as_the_starts_of_its_words() {
        assert_eq!(
            read_person_query("Rowan  TESTWELL"),
            Ok(PersonQuery::Name(vec!["rowan".into(), "testwell".into()]))
        );
        assert_eq!(
            read_person_query("O'Test 2"),
            Ok(PersonQuery::Name(vec![
                "o".into(),
                "test".into(),
                "2".into()
            ])),
            "a name with a digit in it is still a name"
        );
    }

    #[test]
    fn the_index_words_cannot_be_reached_by_anything_typed() {
        let words = [dob_word(date(1951, 3, 14)), phone_word("7700900123")];
        assert_eq!(words[0], "#dob 1951-03-14");
        assert_eq!(words[1], "#tel 7700900123");
        for w in &words {
            let first = w.chars().next().unwrap_or('a');
            assert!(
                !first.is_alphanumeric(),
                "a search word (letters and digits only) never starts a range that holds {w}"
            );
        }
    }
}
