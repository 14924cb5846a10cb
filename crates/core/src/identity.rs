//! Who makes a change and on which laptop, and where the change came from.

use serde::{Deserialize, Serialize};

use crate::ids::{DeviceId, OfficerId};

/// The person using the app: an officer, warden or crew member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Officer {
    /// Their id.
    pub id: OfficerId,
    /// Their name as shown on visits.
    pub name: String,
}

/// One installation of the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Device {
    /// Its id.
    pub id: DeviceId,
    /// A name people recognise, e.g. the laptop's host name.
    pub name: String,
}

/// Who is making a change, on which device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    /// The officer.
    pub officer: OfficerId,
    /// The device.
    pub device: DeviceId,
}

stored_enum!(
    /// Where a change came from, so sync can tell its own echoes from news.
    ChangeSource {
        /// Typed by the officer.
        Ui => "ui",
        /// Loaded from a file (gazetteer, demo data).
        Import => "import",
        /// Received from the hub.
        Sync => "sync",
    }
);
