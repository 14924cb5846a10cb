//! Doorstep documents as PDF: the resident's plan, the contractor's work order, referral forms,
//! day-of-action summaries and the partnership board's report.
//!
//! Each document has a plain-data view model (`*Document`) that the app fills in and a
//! `render_*` function that turns it into PDF bytes with the council's [`Branding`]. Fonts
//! (DejaVu Sans, regular and bold) are embedded, so names with accents print as written.
//! [`save_document`] writes a PDF atomically; [`render_batch`] renders a day's documents
//! with progress.
//!
//! The partnership board's quarterly report ([`BoardReport`]) is built from the reports
//! crate's figures by [`board_report::from_report`], its charts drawn from the same chart
//! model as the console's and the app's.
//!
//! The answer to a subject access request ([`SubjectAccessDocument`]) is filled by the hub
//! from the reviewed bundle it also gives as JSON.
//!
//! The work order cannot carry sensitive data: [`WorkOrderDocument`] has no field for it,
//! and [`work_order::from_case`] narrows a full case to what a contractor may see.
//! [`from_work_order::from_work_order`] prints a stored work order, narrowed when it was raised.

pub mod board_report;
mod branding;
mod contacts;
mod day_of_action;
mod fonts;
pub mod from_plan;
pub mod from_records;
pub mod from_work_order;
mod layout;
mod referral;
mod resident_plan;
pub mod sample;
mod subject_access;
pub mod work_order;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use board_report::{BoardReport, Headline, render_board_report};
pub use branding::{Branding, Colour};
pub use contacts::{Contact, Contacts};
pub use day_of_action::{DayOfActionCounts, DayOfActionSummaryDocument, render_day_of_action};
pub use referral::{ReferralDocument, ReferredPerson, Referrer, SharingBasis, render_referral};
pub use resident_plan::{
    FireSafetyAdvice, NextSteps, PlanFinding, PlanMeasure, ResidentPlanDocument, Tier,
    render_resident_plan,
};
pub use subject_access::{
    AccessField, AccessRecord, AccessSection, SubjectAccessDocument, render_subject_access,
};
pub use work_order::{WorkItem, WorkOrderDocument, WorkPriority, render_work_order};

/// Why a document could not be made or saved.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// An embedded font could not be parsed (a build problem, not bad input).
    #[error("the embedded font {0} could not be read")]
    Font(&'static str),
    /// The council branding file is not valid.
    #[error("the council branding file is not valid: {0}")]
    Branding(String),
    /// The contacts file is not valid.
    #[error("the contacts file is not valid: {0}")]
    Contacts(String),
    /// A settings file could not be read.
    #[error("could not read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The PDF could not be assembled.
    #[error("could not build the PDF: {0}")]
    Serialize(String),
    /// A work order for a case involving domestic abuse has no safe contact to arrange access.
    #[error(
        "work order {order_number} needs an access contact (such as a support worker): the \
         contractor must not contact this resident directly"
    )]
    NoSafeContact {
        /// The work order number.
        order_number: String,
    },
    /// The document could not be saved; the caller still holds its bytes.
    #[error(
        "could not save the document to {path}: {source}. The document has not been lost: choose another place to save it"
    )]
    Save {
        /// Where it was to be saved.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
}

/// Any one document, for batches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Document {
    /// A resident's plan.
    ResidentPlan(ResidentPlanDocument),
    /// A contractor's work order.
    WorkOrder(WorkOrderDocument),
    /// A referral form.
    Referral(ReferralDocument),
    /// A day-of-action summary.
    DayOfAction(DayOfActionSummaryDocument),
}

impl Document {
    /// Renders this document as PDF bytes.
    pub fn render(&self, branding: &Branding) -> Result<Vec<u8>, PdfError> {
        match self {
            Self::ResidentPlan(d) => render_resident_plan(d, branding),
            Self::WorkOrder(d) => render_work_order(d, branding),
            Self::Referral(d) => render_referral(d, branding),
            Self::DayOfAction(d) => render_day_of_action(d, branding),
        }
    }
}

/// Renders `items` in order, calling `on_progress(done, total)` after each one (and once with
/// `(0, total)` before the first). One failed document does not stop the rest.
pub fn render_batch(
    items: &[Document],
    branding: &Branding,
    mut on_progress: impl FnMut(usize, usize),
) -> Vec<Result<Vec<u8>, PdfError>> {
    let total = items.len();
    on_progress(0, total);
    let mut out = Vec::with_capacity(total);
    for (i, item) in items.iter().enumerate() {
        out.push(item.render(branding));
        on_progress(i + 1, total);
    }
    out
}

/// Writes `bytes` to `path` atomically: to a temporary file in the same folder, flushed to
/// disk, then renamed over `path`. On failure nothing is left behind, `path` keeps whatever
/// it held before, and the bytes stay with the caller to save elsewhere.
pub fn save_document(bytes: &[u8], path: &Path) -> Result<(), PdfError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let fail = |source| PdfError::Save {
        path: path.to_path_buf(),
        source,
    };
    let file_name = path.file_name().ok_or_else(|| {
        fail(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the path has no file name",
        ))
    })?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(file_name);
    temp_name.push(format!(
        ".{}-{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let temp = dir.join(temp_name);
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, path)
    })();
    written.map_err(|source| {
        let _ = std::fs::remove_file(&temp);
        fail(source)
    })
}

/// A date the way residents read it: "Friday 27 March 2026".
pub(crate) fn long_date(date: NaiveDate) -> String {
    date.format("%A %-d %B %Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_date_is_plain() {
        let date = NaiveDate::from_ymd_opt(2026, 3, 27).expect("date");
        assert_eq!(long_date(date), "Friday 27 March 2026");
    }

    #[test]
    fn save_replaces_atomically_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("plan.pdf");
        std::fs::write(&path, b"old").expect("write");
        save_document(b"%PDF-new", &path).expect("saved");
        assert_eq!(std::fs::read(&path).expect("read"), b"%PDF-new");
        let names: Vec<_> = std::fs::read_dir(dir.path()).expect("list").collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn save_to_a_missing_folder_fails_clearly() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("no-such-folder").join("plan.pdf");
        let error = save_document(b"%PDF", &path).expect_err("cannot save");
        assert!(matches!(error, PdfError::Save { .. }));
        assert!(error.to_string().contains("no-such-folder"), "{error}");
    }
}
