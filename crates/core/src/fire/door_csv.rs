//! A day of action's door list from a CSV with a `uprn` column: which rows name a UPRN and
//! why the others do not. The caller hands over the reader and looks each UPRN up in the
//! gazetteer; nothing here opens a file or touches a database, so it can be fuzzed alone.

use std::io::Read;

use crate::household::Uprn;
use crate::views::RowError;

/// A row of the file that names a UPRN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoorCsvRow {
    /// The line in the file (the header is line 1).
    pub line: u32,
    /// The UPRN it names.
    pub uprn: Uprn,
    /// The cell as written (trimmed), for a message about it ("not in the gazetteer").
    pub text: String,
}

/// A door CSV read through: the rows that name a UPRN and the rows refused, each by line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DoorCsv {
    /// Rows naming a UPRN, in file order.
    pub rows: Vec<DoorCsvRow>,
    /// Rows that could not be read or name no UPRN, in file order.
    pub rejected: Vec<RowError>,
}

/// A file whose first line is not a header with a `uprn` column; nothing was read from it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DoorCsvHeaderError(pub String);

/// Reads a door CSV: a header with a `uprn` column (any case, spaces ignored; other columns
/// are ignored), then one door per row. A bad row is listed by line and the rest are kept.
pub fn parse_door_csv<R: Read>(csv: R) -> Result<DoorCsv, DoorCsvHeaderError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(csv);
    let column = reader
        .headers()
        .map_err(|e| DoorCsvHeaderError(format!("The file could not be read as CSV: {e}")))?
        .iter()
        // Excel's "CSV UTF-8" starts the file with a byte order mark.
        .position(|h| {
            h.trim_start_matches('\u{feff}')
                .trim()
                .eq_ignore_ascii_case("uprn")
        })
        .ok_or_else(|| {
            DoorCsvHeaderError(
                "The file needs a column headed \"uprn\" (the council's property reference): nothing was added".into(),
            )
        })?;
    let mut read = DoorCsv::default();
    for (i, record) in reader.records().enumerate() {
        let line = u32::try_from(i + 2).unwrap_or(u32::MAX);
        let reject = |reason: String| RowError { line, reason };
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                // The csv reader returns the same I/O error on every later read (it never
                // reaches the end), so going on would list that row for ever.
                let stop = matches!(e.kind(), csv::ErrorKind::Io(_));
                read.rejected
                    .push(reject(format!("could not be read: {e}")));
                if stop {
                    break;
                }
                continue;
            }
        };
        let text = record.get(column).unwrap_or("").trim();
        match Uprn::parse(text) {
            Ok(uprn) => read.rows.push(DoorCsvRow {
                line,
                uprn,
                text: text.to_owned(),
            }),
            Err(_) => {
                // Quote only the start of a cell: a hostile file may hold megabytes in one.
                let shown: String = text.chars().take(40).collect();
                let more = if shown.len() < text.len() { "…" } else { "" };
                read.rejected.push(reject(format!(
                    "{shown:?}{more} is not a UPRN (up to 12 digits)"
                )));
            }
        }
    }
    Ok(read)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(rejected: &[RowError]) -> Vec<u32> {
        rejected.iter().map(|r| r.line).collect()
    }

    #[test]
    fn rows_naming_a_uprn_are_kept_and_the_others_listed_by_line() {
        let read =
            parse_door_csv(" UPRN ,note\n990000000003,x\n12x,y\n,z\n990000000099\n".as_bytes())
                .expect("a uprn column in any case is the header");
        let uprns: Vec<(u32, &str)> = read
            .rows
            .iter()
            .map(|r| (r.line, r.text.as_str()))
            .collect();
        assert_eq!(
            uprns,
            [(2, "990000000003"), (5, "990000000099")],
            "a short row is flexible, not refused"
        );
        assert_eq!(lines(&read.rejected), [3, 4], "bad and blank UPRNs by line");
    }

    #[test]
    fn a_file_without_a_uprn_column_is_refused_before_any_row() {
        let refused = parse_door_csv("address\n1 Ember Row\n".as_bytes());
        assert!(
            matches!(&refused, Err(DoorCsvHeaderError(m)) if m.contains("\"uprn\"")),
            "{refused:?}"
        );
    }

    #[test]
    fn text_that_is_not_utf8_is_a_row_error_not_a_panic() {
        let read = parse_door_csv(&b"uprn\n\xff\xfe\n990000000001\n"[..]).expect("header");
        assert_eq!(lines(&read.rejected), [2], "the bad row is listed");
        assert_eq!(read.rows.len(), 1, "the good row after it is kept");
    }

    /// A reader that gives the header, then fails every read (a file on a network drive
    /// that went away).
    struct FailsAfterHeader(&'static [u8]);

    impl Read for FailsAfterHeader {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                return Err(std::io::Error::other("the drive went away"));
            }
            let n = self.0.len().min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn a_read_error_ends_the_file_instead_of_repeating_for_ever() {
        let read = parse_door_csv(FailsAfterHeader(b"uprn\n990000000001\n"))
            .expect("the header was read before the failure");
        assert_eq!(read.rows.len(), 1, "the row before the failure is kept");
        assert_eq!(
            read.rejected.len(),
            1,
            "the failure is listed once and reading stops: {:?}",
            read.rejected
        );
    }
}
