//! Police crime data on the hub (issue 14): a crime CSV read by
//! [`doorstep_reports::crime::parse`] is written by [`Store::import_crime`] in one
//! transaction, and reports read a period's burglaries back with
//! [`Store::burglaries_between`]. The rows hold no names, but a UPRN points at a home, so
//! they are kept on the hub only and never sync to laptops (docs/reports.md).
//!
//! [`Store::import_crime`]: crate::store::Store::import_crime
//! [`Store::burglaries_between`]: crate::store::Store::burglaries_between

use std::path::Path;

use doorstep_reports::crime::{CrimeError, CrimeImport, CrimeSource};
use serde::Serialize;

use crate::model::{AuditEntry, StoreError};
use crate::store::SharedStore;

/// Who an import from the command line is recorded as: no hub user runs it.
pub const BY_ADMIN: &str = "admin";

/// The audit action of an import.
pub const AUDIT_ACTION: &str = "admin.import-crime";

/// What one import did, as `crime_imports` keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrimeImportSummary {
    /// The import's id.
    pub id: String,
    /// Which format the file was in.
    pub source: CrimeSource,
    /// The file's name as given (no folder), for the list of imports.
    pub file_label: String,
    /// Burglaries new to the hub.
    pub rows_added: u64,
    /// Burglaries the hub already held (by key), written again.
    pub rows_updated: u64,
    /// Rows rejected, each with a line and a reason at import time.
    pub rejected: u64,
    /// Rows of other crime types, left out.
    pub skipped: u64,
    /// Who imported it: a hub user's id, or [`BY_ADMIN`].
    pub imported_by: String,
    /// When (Unix ms).
    pub at: i64,
}

/// One burglary as the backends write it: the parser's row, flattened to stored text.
#[derive(Debug, Clone)]
pub(crate) struct StoredBurglary {
    pub key: String,
    pub day: String,
    pub uprn: Option<String>,
    pub postcode: Option<String>,
    pub lsoa: Option<String>,
}

impl StoredBurglary {
    /// The rows of an import, ready to bind.
    pub(crate) fn all(import: &CrimeImport) -> Vec<Self> {
        import
            .burglaries
            .iter()
            .map(|r| Self {
                key: r.key.clone(),
                day: r.burglary.date.format("%Y-%m-%d").to_string(),
                uprn: r.burglary.uprn.clone(),
                postcode: r.burglary.postcode.clone(),
                lsoa: r.burglary.lsoa.clone(),
            })
            .collect()
    }
}

/// A stored day back as a date; a damaged one is a backend error, not a panic.
pub(crate) fn stored_day(text: &str) -> Result<chrono::NaiveDate, StoreError> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| StoreError::Backend(format!("a stored burglary's day {text:?} is damaged")))
}

/// A stored source back; a damaged one is a backend error.
pub(crate) fn stored_source(text: &str) -> Result<CrimeSource, StoreError> {
    CrimeSource::parse(text)
        .ok_or_else(|| StoreError::Backend(format!("a stored crime source {text:?} is damaged")))
}

/// A count as stored (the databases keep signed integers).
pub(crate) fn stored_count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// A count to store.
pub(crate) fn to_stored(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Why `admin import-crime` did not import a file.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be opened.
    #[error("cannot read {path}: {source}")]
    Open {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file was refused as a whole; nothing was written.
    #[error("{path} was refused, nothing was imported: {reason}")]
    Refused {
        /// The file.
        path: String,
        /// Why.
        reason: CrimeError,
    },
    /// The database failed; the transaction wrote nothing.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An import done: what was stored, and the parser's view (the rejected rows, by line).
#[derive(Debug, Clone)]
pub struct Imported {
    /// What the hub stored.
    pub summary: CrimeImportSummary,
    /// What the file held, with every rejected row.
    pub import: CrimeImport,
}

/// `admin import-crime`: reads the crime CSV at `path`, writes its burglaries in one
/// transaction, and audits the import (or its refusal) as `actor` (None: the command line).
pub async fn import_file(
    store: &SharedStore,
    actor: Option<&str>,
    path: &Path,
    now: i64,
) -> Result<Imported, ImportError> {
    let shown = path.display().to_string();
    let label = path
        .file_name()
        .map_or_else(|| shown.clone(), |n| n.to_string_lossy().into_owned());
    let owned = path.to_owned();
    // Reading and parsing a file of up to two million rows blocks: off the runtime's threads.
    let parsed = tokio::task::spawn_blocking(move || {
        let file = std::fs::File::open(&owned)?;
        Ok::<_, std::io::Error>(doorstep_reports::crime::parse(std::io::BufReader::new(
            file,
        )))
    })
    .await
    .map_err(|e| StoreError::Backend(format!("the import task failed: {e}")))?;
    let audit = |outcome: String, id: Option<&str>| AuditEntry {
        at: now,
        user_id: actor.map(str::to_owned),
        device_id: None,
        action: AUDIT_ACTION.to_owned(),
        entity: id.map(|_| "crime_import".to_owned()),
        entity_id: id.map(str::to_owned),
        outcome,
    };
    let import = match parsed {
        Ok(Ok(import)) => import,
        Ok(Err(reason)) => {
            store
                .append_audit(&[audit("refused: the file's columns or size".into(), None)])
                .await?;
            return Err(ImportError::Refused {
                path: shown,
                reason,
            });
        }
        Err(source) => {
            return Err(ImportError::Open {
                path: shown,
                source,
            });
        }
    };
    let by = actor.unwrap_or(BY_ADMIN);
    let summary = match store.import_crime(&import, by, &label, now).await {
        Ok(summary) => summary,
        Err(e) => {
            // The transaction wrote nothing; the attempt is still on the record.
            if let Err(audit_error) = store
                .append_audit(&[audit(crate::admin::failure_code(&e).to_owned(), None)])
                .await
            {
                tracing::error!(error = %audit_error, "could not audit a failed crime import");
            }
            return Err(e.into());
        }
    };
    store
        .append_audit(&[audit(
            format!(
                "ok: {} from {}: {} added, {} updated, {} rejected, {} skipped",
                summary.source.as_str(),
                summary.file_label,
                summary.rows_added,
                summary.rows_updated,
                summary.rejected,
                summary.skipped
            ),
            Some(&summary.id),
        )])
        .await?;
    Ok(Imported { summary, import })
}

/// The lines `admin import-crime` prints: the summary, then each rejected row as
/// `line N: reason`, at most `listed` of them, then how many more.
pub fn report_lines(imported: &Imported, listed: usize) -> Vec<String> {
    let s = &imported.summary;
    let mut lines = vec![format!(
        "imported {} ({}): {} burglaries added, {} updated, {} rows rejected, {} rows of other crime types skipped",
        s.file_label,
        s.source.label(),
        s.rows_added,
        s.rows_updated,
        s.rejected,
        s.skipped
    )];
    for r in imported.import.rejected.iter().take(listed) {
        lines.push(format!("line {}: {}", r.line, r.reason));
    }
    let shown = imported.import.rejected.len().min(listed) as u64;
    if imported.import.rejected_total > shown {
        lines.push(format!(
            "and {} more",
            imported.import.rejected_total - shown
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a failed expectation is a failed test

    use super::*;

    #[test]
    fn the_report_lists_the_first_rejections_then_counts_the_rest() {
        let mut text = String::from("crime_reference,date,uprn\nr0,2026-01-02,1\n");
        for i in 1..=60 {
            text.push_str(&format!("r{i},bad,1\n"));
        }
        let import = doorstep_reports::crime::parse(text.as_bytes()).unwrap();
        let imported = Imported {
            summary: CrimeImportSummary {
                id: "i1".into(),
                source: import.source,
                file_label: "extract.csv".into(),
                rows_added: 1,
                rows_updated: 0,
                rejected: import.rejected_total,
                skipped: 0,
                imported_by: BY_ADMIN.into(),
                at: 0,
            },
            import,
        };
        let lines = report_lines(&imported, 50);
        assert!(lines[0].contains("1 burglaries added"), "{}", lines[0]);
        assert_eq!(
            lines[1],
            "line 3: date \"bad\" is not a day written YYYY-MM-DD"
        );
        assert_eq!(
            lines.len(),
            1 + 50 + 1,
            "summary, 50 rows, then the rest counted"
        );
        assert_eq!(lines[51], "and 10 more");
    }
}
