//! Who may do what in the console, by role. The console's own rules sit here, beside the
//! sync rules of [`crate::access`]; a route that a role may not use answers 404, as if
//! it were not there.

use doorstep_core::Role;

/// Whether people in `role` may sign in to the console at all. Contractors and partner
/// agencies work in the portal, with accounts of their own; every council role signs in
/// here (officers, wardens and fire crews to read their own team's work).
pub fn may_sign_in(role: Role) -> bool {
    !matches!(role, Role::Contractor | Role::Agency)
}

/// Whether `role` must have a TOTP second factor: the roles that can change who sees what
/// (admin) or read everyone's audit trail (dpo).
pub fn needs_totp(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Dpo)
}

/// Whether `role` looks after people and laptops (teams, users, enrolment codes, devices).
pub fn may_administer(role: Role) -> bool {
    matches!(role, Role::Admin)
}

/// Whether `role` may read the audit log (and export it): the administrator, who answers
/// for the hub, and the data protection officer, who answers for what it holds.
pub fn may_read_audit(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Dpo)
}

/// Whether `role` may read the data map, the council's record of processing: the data
/// protection officer, who answers for it, and the administrator, who loads the council's
/// file on the hub. Others get 404: it says where every sensitive field goes, a map of
/// what is worth asking for.
pub fn may_read_data_map(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Dpo)
}

/// Whether `role` sees the emails telling partner agencies of referrals (waiting, failing,
/// sent): supervisors, who answer for referrals reaching agencies, and administrators, who
/// look after the mail relay settings.
pub fn may_see_referral_emails(role: Role) -> bool {
    matches!(role, Role::Supervisor | Role::Admin)
}

/// Whether `role` works people's requests about their data (access, erasure,
/// restriction) and legal holds: the data protection officer alone. An administrator runs
/// the hub but decides nothing about what it holds.
pub fn may_handle_privacy_requests(role: Role) -> bool {
    matches!(role, Role::Dpo)
}

/// Whose figures `role` reads in the console's reports, as a member of `team`:
/// supervisors their own team's (`Some(Some(..))`), analysts and administrators every
/// team's (`Some(None)`); `None` for a role that reads no reports. Figures only: a report
/// shows no record, and every count below the threshold is hidden.
pub fn report_teams(role: Role, team: &str) -> Option<Option<Vec<String>>> {
    match role {
        Role::Supervisor => Some(Some(vec![team.to_owned()])),
        Role::Analyst | Role::Admin => Some(None),
        _ => None,
    }
}

/// Whether `role` may export a row per record (a person-level table), with a recorded
/// reason, audited: the analyst, whose work it is, and the administrator.
pub fn may_export_rows(role: Role) -> bool {
    matches!(role, Role::Analyst | Role::Admin)
}

/// Whether `role` loads the police's crime data: the analyst and the administrator.
pub fn may_import_crime(role: Role) -> bool {
    matches!(role, Role::Analyst | Role::Admin)
}

/// The roles an administrator may give a person in the console, in the order offered.
pub const ROLES_OFFERED: &[Role] = &[
    Role::Officer,
    Role::Warden,
    Role::FireCrew,
    Role::Supervisor,
    Role::Analyst,
    Role::Admin,
    Role::Dpo,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_administer_and_admins_and_dpos_need_a_second_factor() {
        for role in Role::ALL {
            assert_eq!(may_administer(*role), *role == Role::Admin, "{role:?}");
            assert_eq!(
                needs_totp(*role),
                matches!(role, Role::Admin | Role::Dpo),
                "{role:?}"
            );
            assert_eq!(
                may_sign_in(*role),
                !matches!(role, Role::Contractor | Role::Agency),
                "{role:?}"
            );
        }
        assert!(!ROLES_OFFERED.contains(&Role::Contractor));
        assert!(!ROLES_OFFERED.contains(&Role::Agency));
    }

    #[test]
    fn only_admins_and_dpos_read_the_data_map() {
        for role in Role::ALL {
            assert_eq!(
                may_read_data_map(*role),
                matches!(role, Role::Admin | Role::Dpo),
                "{role:?}"
            );
        }
    }

    #[test]
    fn only_admins_and_dpos_read_the_audit_log() {
        for role in Role::ALL {
            assert_eq!(
                may_read_audit(*role),
                matches!(role, Role::Admin | Role::Dpo),
                "{role:?}"
            );
        }
    }

    #[test]
    fn only_the_dpo_handles_privacy_requests() {
        for role in Role::ALL {
            assert_eq!(
                may_handle_privacy_requests(*role),
                *role == Role::Dpo,
                "{role:?}"
            );
        }
    }
}
