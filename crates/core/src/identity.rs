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
    /// What they may do.
    pub role: Role,
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

stored_enum!(
    /// What a signed-in user is allowed to do.
    Role {
        /// Burglary reduction officer: surveys, drafts and agrees plans.
        Officer => "officer",
        /// Fire crew member on a Safe and Well or day of action.
        FireCrew => "fire_crew",
        /// Community warden.
        Warden => "warden",
        /// Approves plans and budgets.
        Supervisor => "supervisor",
        /// Fits measures.
        Contractor => "contractor",
        /// Reads aggregates only.
        Analyst => "analyst",
        /// Runs the system; makes no casework decisions.
        Admin => "admin",
        /// Data protection officer: reads the audit log and answers privacy requests in
        /// the council console; never uses a laptop.
        Dpo => "dpo",
        /// Someone at a partner agency who answers the referrals sent to it, in the hub's
        /// inbox; never uses a laptop.
        Agency => "agency",
    }
);

impl Role {
    /// The role as its holders would name it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Officer => "Burglary reduction officer",
            Self::FireCrew => "Fire crew",
            Self::Warden => "Neighbourhood warden",
            Self::Supervisor => "Supervisor",
            Self::Contractor => "Contractor",
            Self::Analyst => "Analyst",
            Self::Admin => "Administrator",
            Self::Dpo => "Data protection officer",
            Self::Agency => "Partner agency",
        }
    }

    /// Whether people in this role may enrol a laptop. A data protection officer works
    /// only in the council console: their access is to the audit log and privacy
    /// requests, and a laptop would hold a team's casework they have no need to carry.
    pub fn may_use_laptop(self) -> bool {
        !matches!(self, Self::Dpo | Self::Agency)
    }

    /// Whether people in this role may read the "My team" report on a laptop: supervisors
    /// only, who answer for their team's figures. Analysts and administrators read every
    /// team's in the console, never from one laptop's data.
    pub fn may_read_team_report(self) -> bool {
        matches!(self, Self::Supervisor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_data_protection_officer_is_a_role_that_never_uses_a_laptop() {
        assert_eq!(Role::parse("dpo"), Some(Role::Dpo));
        assert_eq!(Role::Dpo.label(), "Data protection officer");
        assert!(!Role::Dpo.may_use_laptop());
        assert!(
            Role::ALL
                .iter()
                .filter(|r| r.may_read_team_report())
                .eq([&Role::Supervisor]),
            "My team on a laptop is a supervisor's only"
        );
        assert!(
            Role::ALL
                .iter()
                .filter(|r| !matches!(r, Role::Dpo | Role::Agency))
                .all(|r| r.may_use_laptop())
        );
    }
}
