//! Partner referrals on the hub (issue 13): a referral an officer sends waits on the laptop
//! until it syncs; when the hub receives it, it delivers it to the agency's inbox in the
//! same transaction ([`deliver`]) — the change that starts the agency's response clock —
//! and queues an email to the agency's mailbox; the agency's people answer in the portal
//! ([`inbox`]), each answer a change the hub makes to the referral that the officer's
//! laptop pulls. An agency sees only the referrals addressed to it, and of each only what
//! the referral form holds ([`form`]): never the survey, the crime, the plan or another
//! agency's referrals.

pub mod deliver;
pub mod export;
pub mod form;
pub mod inbox;
pub mod store;

use std::sync::OnceLock;

use doorstep_core::built_in;
use doorstep_core::fire::AgencyDirectory;

pub use store::{ReferralStore, SharedReferralStore};

static DIRECTORY: OnceLock<AgencyDirectory> = OnceLock::new();

/// Why the council's agency directory could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// The file could not be read.
    #[error("cannot read the agency directory {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file was refused, with every problem and its line.
    #[error("the agency directory {path} was refused: {reason}")]
    Invalid {
        /// The file.
        path: String,
        /// Every problem found.
        reason: String,
    },
    /// A directory was already chosen for this process.
    #[error("the agency directory was already loaded")]
    AlreadySet,
}

/// Loads the council's agency directory (`DOORSTEP_HUB_AGENCIES`, the same file the
/// laptops get in `reference/agencies.toml`) for this process; a malformed entry stops
/// the hub starting, naming its line and reason.
pub fn load_directory(path: &std::path::Path) -> Result<(), DirectoryError> {
    let text = std::fs::read_to_string(path).map_err(|source| DirectoryError::Read {
        path: path.display().to_string(),
        source,
    })?;
    let directory = AgencyDirectory::from_toml(&text).map_err(|e| DirectoryError::Invalid {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    DIRECTORY
        .set(directory)
        .map_err(|_| DirectoryError::AlreadySet)
}

/// The agency directory referrals are delivered by: the council's when loaded, else the
/// one built into Doorstep (which every laptop without a council file uses too).
pub fn directory() -> Option<&'static AgencyDirectory> {
    static BUILT_IN: OnceLock<Option<AgencyDirectory>> = OnceLock::new();
    DIRECTORY.get().or_else(|| {
        BUILT_IN
            .get_or_init(|| AgencyDirectory::from_toml(built_in::AGENCIES.1).ok())
            .as_ref()
    })
}

/// The name of the agency with this directory id, when the directory has it.
pub fn agency_name(id: &str) -> Option<String> {
    directory()?.agency(id).map(|a| a.name.clone())
}

/// How often the hub looks again for referrals it holds but has not delivered.
pub const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Delivers, every [`SWEEP_EVERY`], the referrals the hub holds but could not deliver when
/// they arrived (an agency added to the directory since, say). Pushes deliver at once;
/// this catches the rest. Runs until the task is dropped.
pub async fn deliver_waiting_every(store: crate::store::SharedStore, clock: crate::clock::Clock) {
    let Some(portal) = store.portal() else {
        return;
    };
    let device = store.hub_identity().device_id;
    let mut every = tokio::time::interval(SWEEP_EVERY);
    loop {
        every.tick().await;
        match portal.deliver_waiting(device, clock.now_ms()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(delivered = n, "referrals waiting on the hub delivered"),
            Err(error) => {
                tracing::error!(%error, "could not deliver the referrals waiting on the hub")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_directory_loads() {
        assert!(directory().is_some());
    }

    #[test]
    fn a_malformed_notify_address_stops_the_hub_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agencies.toml");
        let text = built_in::AGENCIES.1.replacen(
            "notify = \"safeandwell@fire.example.org\"",
            "notify = \"safeandwell@\"",
            1,
        );
        std::fs::write(&path, text).unwrap();
        let error = load_directory(&path).unwrap_err().to_string();
        assert!(
            error.contains("line 46") && error.contains("notify \"safeandwell@\""),
            "{error}"
        );
    }
}
