//! The partnership's reports on the hub: the facts kept beside the records
//! (`report_facts`, written with the case index), read back for a report's period and
//! handed to the one engine in `doorstep-reports`.

pub mod load;
pub mod settings;
pub mod sql;

use std::sync::Arc;

use async_trait::async_trait;
use doorstep_reports::fact::Fact;

use crate::casework::sql::Sql;
use crate::model::StoreError;

/// The hub's report facts, on either backend.
#[async_trait]
pub trait ReportStore: Send + Sync + std::fmt::Debug {
    /// The facts a query built by [`sql`] selects (its one column is a fact's JSON).
    async fn read_facts(&self, query: Sql) -> Result<Vec<Fact>, StoreError>;
}

/// The shared handle.
pub type SharedReportStore = Arc<dyn ReportStore>;

/// A stored fact's JSON read back; `None` (and a log line) for one this build cannot read,
/// so one odd row never stops a report.
pub fn parse_fact(json: &str) -> Option<Fact> {
    match serde_json::from_str(json) {
        Ok(fact) => Some(fact),
        Err(error) => {
            tracing::warn!(%error, "reports: a stored fact could not be read; rebuild the index");
            None
        }
    }
}
