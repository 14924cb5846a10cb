//! What the replica tests share: the test passphrase, a household to record, a hub user with
//! a one-time enrolment code, and a laptop's own encrypted store.

#![allow(clippy::unwrap_used, dead_code)]

use doorstep_core::{HouseholdDraft, Role};
use doorstep_hub::{SharedStore, secret};
use doorstep_store::{DataFolder, KdfParams, Store};
use tempfile::TempDir;

/// Every test laptop's passphrase.
pub const PASSPHRASE: &str = "kettle harbour violet sprocket";

/// How long a test enrolment code stays good, in milliseconds.
const CODE_LIFETIME_MS: i64 = 3_600_000;

/// A household in the synthetic test town.
pub fn household_draft(line_1: &str, line_2: &str) -> HouseholdDraft {
    HouseholdDraft {
        address_line_1: line_1.into(),
        address_line_2: line_2.into(),
        town: "Testbury".into(),
        postcode: "TE1 1ST".into(),
        ..HouseholdDraft::default()
    }
}

/// Adds a hub user in `team` and returns a one-time code for them, issued at `now_ms` on
/// whichever clock the hub is using (the bad-network test's runs days ahead).
pub async fn enrolment_code(
    admin: &SharedStore,
    team: &str,
    name: &str,
    role: Role,
    now_ms: i64,
) -> String {
    admin.add_user(team, name, role, now_ms).await.unwrap();
    let code = secret::new_enrolment_code().unwrap();
    admin
        .add_enrolment_code(
            name,
            &secret::code_digest(&code),
            now_ms,
            now_ms + CODE_LIFETIME_MS,
        )
        .await
        .unwrap();
    code
}

/// A laptop's encrypted store, with the folder and temporary directory it lives in; keep
/// all three alive as long as the store.
pub struct LaptopStore {
    /// The store, set up for one user.
    pub store: Store,
    /// The data folder holding it.
    pub folder: DataFolder,
    /// The temporary directory holding the folder.
    pub dir: TempDir,
}

/// A new store for `name` in a temporary directory, with test-only key stretching.
pub fn laptop_store(name: &str, role: Role) -> LaptopStore {
    let dir = tempfile::tempdir().unwrap();
    let folder = DataFolder::open(dir.path()).unwrap();
    let store = Store::set_up(
        &folder,
        name,
        role,
        PASSPHRASE,
        KdfParams::INSECURE_FOR_TESTS,
    )
    .unwrap();
    LaptopStore { store, folder, dir }
}
