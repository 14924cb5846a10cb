//! Reading typed values out of rows: a damaged value becomes a conversion error naming it.

use std::str::FromStr;

use rusqlite::Row;

/// A conversion error for column `i`, saying what was damaged.
pub(crate) fn conversion(i: usize, message: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        i,
        rusqlite::types::Type::Text,
        message.to_owned().into(),
    )
}

/// Column `i` parsed from its text form (ids, dates, stored enums via `FromStr`).
pub(crate) fn parsed<T: FromStr>(row: &Row<'_>, i: usize, what: &str) -> rusqlite::Result<T> {
    row.get::<_, String>(i)?
        .parse()
        .map_err(|_| conversion(i, what))
}

/// Column `i` as JSON.
pub(crate) fn json<T: serde::de::DeserializeOwned>(
    row: &Row<'_>,
    i: usize,
    what: &str,
) -> rusqlite::Result<T> {
    serde_json::from_str(&row.get::<_, String>(i)?).map_err(|_| conversion(i, what))
}
