//! The people who may unlock this laptop's store, each with their own passphrase and role.
//!
//! Each person has a row in `officers` and a slot in the key file wrapping the same
//! database key under their passphrase ([`crate::keyfile`]); whoever's passphrase
//! unlocks the store is who every change is recorded against.
//!
//! Who may add people: a signed-in supervisor or administrator, or the laptop's first
//! user while nobody on it is a supervisor or administrator yet, so that a lone officer
//! can bring in the supervisor who approves their plans and then hands that power over.
//! Roles are declared on the laptop until the hub enrols devices (ADR 009), so the hub
//! re-checks them.

use std::collections::HashSet;

use doorstep_core::{Officer, OfficerId, Role, ValidationErrors, passphrase};
use rusqlite::{OptionalExtension, params};

use crate::error::{Result, StoreError};
use crate::folder::DataFolder;
use crate::keyfile::{KdfParams, KeyFile};
use crate::store::Store;

/// The roles a person may be given on the laptop, in the order the UI offers them.
/// Contractors, analysts and administrators are set up by the hub, not here.
pub const LAPTOP_ROLES: &[Role] = &[
    Role::Officer,
    Role::Warden,
    Role::FireCrew,
    Role::Supervisor,
];

/// The longest name accepted, as for the first user.
pub const MAX_NAME_CHARS: usize = 80;

/// Why a passphrase already opening someone else's slot is refused.
pub(crate) const PASSPHRASE_IN_USE: &str = "Choose a different passphrase. Someone else on this laptop already uses this one, and each person needs their own";

const NOT_ALLOWED: &str = "Only a supervisor can add people to Doorstep on this laptop. Ask a supervisor to unlock Doorstep with their own passphrase and add them";

/// Records a problem when `role` is not one that can be given on the laptop.
pub(crate) fn check_laptop_role(errors: &mut ValidationErrors, role: Role) {
    if !LAPTOP_ROLES.contains(&role) {
        errors.add(
            "role",
            format!(
                "{} accounts are set up by the council's hub, not on this laptop. Choose another role",
                role.label()
            ),
        );
    }
}

impl Store {
    /// The people who can unlock this laptop's store (those with a key slot), by name.
    pub fn users(&self) -> Result<Vec<Officer>> {
        let with_slot = self.live_slot_owners(&KeyFile::read(&self.key_path)?)?;
        let mut stmt = self
            .conn()
            .prepare("SELECT id, name, role FROM officers ORDER BY name COLLATE NOCASE, id")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut people = Vec::new();
        for row in rows {
            let (id, name, role) = row?;
            let id: OfficerId = id
                .parse()
                .map_err(|_| self.corrupt("a stored id is damaged"))?;
            if !with_slot.contains(&id) {
                // Someone known to the store (from the hub, later) who cannot unlock here.
                continue;
            }
            let role = Role::parse(&role)
                .ok_or_else(|| self.corrupt(&format!("unknown role \"{role}\"")))?;
            people.push(Officer { id, name, role });
        }
        Ok(people)
    }

    /// Whether the signed-in person may add people (see the module documentation).
    pub fn may_add_users(&self) -> Result<bool> {
        if matches!(self.officer().role, Role::Supervisor | Role::Admin) {
            return Ok(true);
        }
        if self.officer().id != self.first_officer_id()? {
            return Ok(false);
        }
        let approvers: i64 = self.conn().query_row(
            "SELECT count(*) FROM officers WHERE role IN (?1, ?2)",
            params![Role::Supervisor.as_str(), Role::Admin.as_str()],
            |r| r.get(0),
        )?;
        Ok(approvers == 0)
    }

    /// Adds a person who unlocks this laptop's store with their own `passphrase` and
    /// works in `role`. Form problems come back as field errors on `name`, `role` and
    /// `passphrase`; on any error nothing is changed.
    pub fn add_user(
        &mut self,
        folder: &DataFolder,
        name: &str,
        role: Role,
        passphrase: &str,
        kdf: KdfParams,
    ) -> Result<Officer> {
        let mut errors = ValidationErrors::default();
        if !self.may_add_users()? {
            errors.add("role", NOT_ALLOWED);
            return Err(errors.into());
        }
        let key_path = folder.key_path();
        let previous = KeyFile::read(&key_path)?;
        let name = name.trim();
        if name.is_empty() {
            errors.add(
                "name",
                "Enter their full name, as residents and colleagues know them",
            );
        } else if name.chars().count() > MAX_NAME_CHARS {
            errors.add("name", format!("Use {MAX_NAME_CHARS} characters or fewer"));
        } else {
            let wanted = name.to_lowercase();
            if let Some(same) = self
                .users()?
                .into_iter()
                .find(|p| p.name.to_lowercase() == wanted)
            {
                errors.add(
                    "name",
                    format!(
                        "{} can already unlock Doorstep on this laptop. If this is someone else with the same name, add something to tell them apart, like a middle initial",
                        same.name
                    ),
                );
            }
        }
        check_laptop_role(&mut errors, role);
        // The same rule as at set-up, with their name as words an attacker would try first.
        let context: Vec<&str> = name.split_whitespace().collect();
        let assessment = passphrase::assess(passphrase, &context);
        if !assessment.acceptable {
            errors.add(
                "passphrase",
                assessment
                    .warning
                    .unwrap_or_else(|| "Choose a stronger passphrase".to_owned()),
            );
        } else if self.passphrase_in_use(&previous, passphrase, None)? {
            // Unlocking finds a person by their passphrase, so no two may share one.
            errors.add("passphrase", PASSPHRASE_IN_USE);
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }

        let officer = Officer {
            id: OfficerId::new(),
            name: name.to_owned(),
            role,
        };
        let mut next = previous.clone();
        // Slots left by an earlier add that crashed before its row was saved go now.
        let holders = self.live_slot_owners(&previous)?;
        next.retain(|owner| owner.is_none() || owner.is_some_and(|id| holders.contains(&id)));
        next.set_slot(&self.key, officer.id, passphrase, kdf)?;

        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO officers (id, name, role) VALUES (?1, ?2, ?3)",
            params![officer.id.to_string(), officer.name, officer.role.as_str()],
        )?;
        // The slot is written last, before the row is committed: if it cannot be written
        // the row is rolled back, and a crash after it leaves a slot without a row, which
        // unlock ignores. Either way there is never a person who is half added.
        next.write(&key_path)?;
        if let Err(e) = tx.commit() {
            if let Err(restore) = previous.write(&key_path) {
                tracing::warn!(error = %restore, "could not remove the slot of a person not added");
            }
            return Err(e.into());
        }
        Ok(officer)
    }

    /// The laptop's first user: the person who set it up, kept in `settings`.
    pub(crate) fn first_officer_id(&self) -> Result<OfficerId> {
        let id: Option<String> = self
            .conn()
            .query_row(
                "SELECT value FROM settings WHERE key = 'officer_id'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        id.ok_or_else(|| self.corrupt("setting officer_id is missing"))?
            .parse()
            .map_err(|_| self.corrupt("a stored id is damaged"))
    }

    /// Whose a slot is: a version 1 slot (no id) is the first user's.
    pub(crate) fn resolve_owner(&self, owner: Option<OfficerId>) -> Result<OfficerId> {
        match owner {
            Some(id) => Ok(id),
            None => self.first_officer_id(),
        }
    }

    /// Whether `passphrase` opens a live slot of anyone other than `except`.
    pub(crate) fn passphrase_in_use(
        &self,
        file: &KeyFile,
        passphrase: &str,
        except: Option<OfficerId>,
    ) -> Result<bool> {
        let first = self.first_officer_id()?;
        let live = self.live_slot_owners(file)?;
        let others = |owner: Option<OfficerId>| {
            let id = owner.unwrap_or(first);
            live.contains(&id) && Some(id) != except
        };
        match file.unwrap_where(passphrase, others) {
            Ok(_) => Ok(true),
            Err(StoreError::WrongPassphrase) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Everyone whose slot can sign them in: the owners of slots whose officer row exists.
    fn live_slot_owners(&self, file: &KeyFile) -> Result<HashSet<OfficerId>> {
        let first = self.first_officer_id()?;
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM officers WHERE id = ?1)")?;
        let mut live = HashSet::new();
        for id in file
            .owners()
            .into_iter()
            .map(|owner| owner.unwrap_or(first))
        {
            if stmt.query_row([id.to_string()], |r| r.get::<_, bool>(0))? {
                live.insert(id);
            }
        }
        Ok(live)
    }

    fn corrupt(&self, reason: &str) -> StoreError {
        StoreError::Corrupt {
            path: self.database_path.clone(),
            reason: reason.to_owned(),
        }
    }
}
