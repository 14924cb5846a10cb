//! The council's duties about the data Doorstep holds: what it holds, why, who sees it and
//! how long it is kept (the data map), and people's requests about their data.

pub mod data_map;
pub mod lookup;
pub mod request;
pub mod restriction;
pub mod retention;

use data_map::Problem;

/// The line (from 1) of byte `offset` in `text`.
pub(crate) fn line_at(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()
        .get(..offset)
        .map_or(0, |b| b.iter().filter(|c| **c == b'\n').count())
        + 1
}

/// Reads a privacy data file (the data map, the retention schedule) as TOML, refusing one
/// too large or that does not parse, with the line to fix.
pub(crate) fn parse_file<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, Problem> {
    use crate::security::template::MAX_DATA_FILE_BYTES;
    if text.len() > MAX_DATA_FILE_BYTES {
        return Err(Problem {
            line: 1,
            reason: format!(
                "the file is too large ({} KiB; a data file may be at most {} KiB)",
                text.len().div_ceil(1024),
                MAX_DATA_FILE_BYTES / 1024
            ),
        });
    }
    toml::from_str(text).map_err(|e| Problem {
        line: e.span().map_or(1, |s| line_at(text, s.start)),
        reason: e.message().trim().to_owned(),
    })
}
