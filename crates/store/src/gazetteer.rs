//! Importing the council's address gazetteer from CSV: streamed, one transaction per
//! chunk, bad rows reported by line and reason while good rows are kept.

use std::io::Read;

use doorstep_core::cocoon::street_position;
use doorstep_core::gazetteer::{GazetteerColumns, GazetteerEntry};
use doorstep_core::geo::to_grid;
use doorstep_core::views::{ImportProgress, ImportReport, RowError};
use rusqlite::{Connection, params};

use crate::error::{Result, StoreError};
use crate::households::postcode_terms;
use crate::store::Store;

/// Rows written per transaction: big enough to be fast, small enough that progress moves.
pub const CHUNK_ROWS: usize = 5_000;

/// Inserts or updates gazetteer entries and their search entries (call inside a transaction).
pub(crate) fn upsert(conn: &Connection, entries: &[GazetteerEntry]) -> Result<()> {
    let mut row = conn.prepare_cached(
        "INSERT INTO gazetteer (uprn, address_line_1, address_line_2, address_line_3, town, postcode, coordinates,
             easting, northing, street)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (uprn) DO UPDATE SET address_line_1 = excluded.address_line_1,
             address_line_2 = excluded.address_line_2, address_line_3 = excluded.address_line_3,
             town = excluded.town, postcode = excluded.postcode, coordinates = excluded.coordinates,
             easting = excluded.easting, northing = excluded.northing, street = excluded.street",
    )?;
    let mut unindex = conn.prepare_cached("DELETE FROM gazetteer_search WHERE rowid = ?1")?;
    let mut index = conn.prepare_cached(
        "INSERT INTO gazetteer_search (rowid, address, postcode) VALUES (?1, ?2, ?3)",
    )?;
    for e in entries {
        let uprn = e.uprn.value();
        let grid = e.coordinates.map(to_grid);
        row.execute(params![
            uprn,
            e.address_line_1,
            e.address_line_2,
            e.address_line_3,
            e.town,
            e.postcode.as_str(),
            e.coordinates
                .map(|c| serde_json::to_string(&c))
                .transpose()?,
            grid.map(|p| p.easting),
            grid.map(|p| p.northing),
            street_position(&e.address_line_1).map(|(_, street)| street),
        ])?;
        unindex.execute([uprn])?;
        let address = [
            Some(e.address_line_1.as_str()),
            e.address_line_2.as_deref(),
            e.address_line_3.as_deref(),
            Some(&e.town),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        index.execute(params![uprn, address, postcode_terms(e.postcode.as_str())])?;
    }
    Ok(())
}

impl Store {
    /// Imports a gazetteer CSV. A wrong header is refused before anything is written;
    /// each bad row is reported by line and reason and the good rows are kept.
    pub fn import_gazetteer<R: Read>(
        &mut self,
        reader: R,
        total_bytes: u64,
        mut progress: impl FnMut(ImportProgress),
    ) -> Result<ImportReport> {
        let mut csv = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .from_reader(reader);
        let header = csv
            .byte_headers()
            .map_err(|e| {
                StoreError::ImportHeader(format!("This file could not be read as CSV: {e}"))
            })?
            .iter()
            .map(|h| String::from_utf8_lossy(h).into_owned())
            .collect::<Vec<_>>();
        let columns = GazetteerColumns::from_header(&header)
            .map_err(|e| StoreError::ImportHeader(e.to_string()))?;
        let mut report = ImportReport::default();
        let mut chunk = Vec::with_capacity(CHUNK_ROWS);
        let mut record = csv::ByteRecord::new();
        let total = u32::try_from(total_bytes).unwrap_or(u32::MAX);
        loop {
            let more = match csv.read_byte_record(&mut record) {
                Ok(more) => more,
                Err(e) => {
                    let line = e.position().map(|p| p.line()).unwrap_or(0);
                    reject(&mut report, line, format!("could not be read: {e}"));
                    report.rows_read += 1;
                    // An I/O error will repeat for ever; a format error moves on.
                    if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                        break;
                    }
                    continue;
                }
            };
            if !more {
                break;
            }
            report.rows_read += 1;
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            if record.iter().all(|c| c.iter().all(u8::is_ascii_whitespace)) {
                report.rows_read -= 1; // a blank line is not a row
                continue;
            }
            let cells: std::result::Result<Vec<&str>, _> =
                record.iter().map(std::str::from_utf8).collect();
            match cells {
                Err(_) => reject(
                    &mut report,
                    line,
                    "the text is not UTF-8: save the file as \"CSV UTF-8\"".to_owned(),
                ),
                Ok(cells) => match columns.parse_row(&cells) {
                    Ok(entry) => chunk.push(entry),
                    Err(reason) => reject(&mut report, line, reason),
                },
            }
            if chunk.len() >= CHUNK_ROWS {
                report.imported += self.write_chunk(&chunk)?;
                chunk.clear();
                let bytes = u32::try_from(record.position().map(|p| p.byte()).unwrap_or(0))
                    .unwrap_or(u32::MAX);
                progress(ImportProgress {
                    rows_read: report.rows_read,
                    bytes_read: bytes,
                    total_bytes: total,
                });
            }
        }
        report.imported += self.write_chunk(&chunk)?;
        progress(ImportProgress {
            rows_read: report.rows_read,
            bytes_read: total,
            total_bytes: total,
        });
        Ok(report)
    }

    fn write_chunk(&mut self, chunk: &[GazetteerEntry]) -> Result<u32> {
        if chunk.is_empty() {
            return Ok(0);
        }
        let tx = self.conn.transaction()?;
        upsert(&tx, chunk)?;
        tx.commit()?;
        Ok(u32::try_from(chunk.len()).unwrap_or(u32::MAX))
    }

    /// Number of gazetteer addresses held.
    pub fn gazetteer_count(&self) -> Result<u64> {
        let n: i64 = self
            .conn()
            .query_row("SELECT count(*) FROM gazetteer", [], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

fn reject(report: &mut ImportReport, line: u64, reason: String) {
    report.rejected_total += 1;
    if report.rejected.len() < ImportReport::MAX_LISTED {
        report.rejected.push(RowError {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            reason,
        });
    }
}
