//! The data map the hub shows as the council's record of processing: the council's file
//! (`DOORSTEP_HUB_DATA_MAP`) when one is named, else the one built into Doorstep. A faulty file stops the hub at
//! start, naming the file, the line and the reason, so a council never publishes a record
//! of processing it did not mean.

use std::sync::OnceLock;

use doorstep_core::built_in;
use doorstep_core::privacy::data_map::DataMap;

static DATA_MAP: OnceLock<DataMap> = OnceLock::new();

/// Why the council's data map could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DataMapError {
    /// The file could not be read.
    #[error("cannot read the data map {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file was refused, with every problem and its line.
    #[error("the data map {path} was refused: {reason}")]
    Invalid {
        /// The file.
        path: String,
        /// Every problem found, each with its line.
        reason: String,
    },
    /// A data map was already chosen for this process.
    #[error("the data map was already loaded")]
    AlreadySet,
}

/// Loads the council's data map for this process; a faulty file is refused with its path,
/// and each problem with its line and reason.
pub fn load(path: &std::path::Path) -> Result<(), DataMapError> {
    let text = std::fs::read_to_string(path).map_err(|source| DataMapError::Read {
        path: path.display().to_string(),
        source,
    })?;
    let map = DataMap::from_toml(&text).map_err(|e| DataMapError::Invalid {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    DATA_MAP.set(map).map_err(|_| DataMapError::AlreadySet)
}

/// The data map in use: the council's when loaded, else the one built into Doorstep (None
/// only if the built-in one were faulty, which its tests rule out).
pub fn data_map() -> Option<&'static DataMap> {
    static BUILT_IN: OnceLock<Option<DataMap>> = OnceLock::new();
    DATA_MAP.get().or_else(|| {
        BUILT_IN
            .get_or_init(|| DataMap::from_toml(built_in::DATA_MAP.1).ok())
            .as_ref()
    })
}

/// Whether the council's own file is in use, rather than the one built into Doorstep.
pub fn councils_own() -> bool {
    DATA_MAP.get().is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{may_see_field, rules, syncs};
    use doorstep_core::Role;
    use doorstep_core::privacy::data_map::RECORD_KINDS;
    use doorstep_core::security::Template;
    use doorstep_sync::protocol::EntityKind;

    fn shipped() -> DataMap {
        DataMap::from_toml(built_in::DATA_MAP.1).unwrap()
    }

    #[test]
    fn the_data_map_knows_exactly_the_kinds_the_protocol_syncs() {
        let map: Vec<&str> = RECORD_KINDS.iter().map(|(e, _)| *e).collect();
        let protocol: Vec<&str> = EntityKind::ALL.iter().map(|e| e.as_str()).collect();
        assert_eq!(map, protocol);
    }

    /// Every field the map classifies, with survey patterns spelt out as the shipped
    /// template's items and sections (the fields a survey actually syncs).
    fn fields(map: &DataMap) -> Vec<(EntityKind, String)> {
        let template = Template::from_toml(built_in::SURVEY_TEMPLATE.1).unwrap();
        let mut out = Vec::new();
        for record in map.records() {
            let entity = EntityKind::parse(record.entity).unwrap();
            for e in &record.entries {
                if !e.is_pattern() {
                    out.push((entity, e.field.clone()));
                }
            }
        }
        for section in &template.sections {
            out.push((EntityKind::Survey, format!("section_notes.{}", section.id)));
            for item in &section.items {
                out.push((EntityKind::Survey, format!("answers.{}", item.id)));
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// The roles the map lists for a field and the roles the hub sends it to are the same.
    /// The check is exact for the roles that sync (officers, wardens, fire crews,
    /// supervisors): what `VISIBILITY` sends them is what the map says they see, both ways.
    /// The other roles never receive records by sync, so `VISIBILITY` cannot speak for
    /// them: contractors see their work orders in the portal and agencies the referrals
    /// sent to them (with the resident's name, contact and address) in their inbox, so the
    /// map may list them there and nowhere else; analysts and administrators read no
    /// casework, and the data protection officer reads everything, so none is listed.
    #[test]
    fn who_sees_a_field_agrees_with_the_hubs_visibility_table() {
        let map = shipped();
        let mut wrong = Vec::new();
        for (entity, field) in fields(&map) {
            let Some(entry) = map.classify(entity.as_str(), &field) else {
                wrong.push(format!("{entity}.{field} is not classified"));
                continue;
            };
            for role in Role::ALL {
                let listed = entry.roles.contains(role);
                if syncs(*role) {
                    let sent = may_see_field(*role, entity, &field);
                    if listed != sent {
                        wrong.push(format!(
                            "{entity}.{field}: the data map {} {}, VISIBILITY {} it to them",
                            if listed { "lists" } else { "leaves out" },
                            role.as_str(),
                            if sent { "sends" } else { "does not send" },
                        ));
                    }
                } else {
                    let may_be_listed = match role {
                        Role::Contractor => entity == EntityKind::WorkOrder,
                        Role::Agency => matches!(
                            entity,
                            EntityKind::Referral | EntityKind::Person | EntityKind::Household
                        ),
                        _ => false,
                    };
                    if listed && !may_be_listed {
                        wrong.push(format!(
                            "{entity}.{field}: {} is listed but never sees it",
                            role.as_str()
                        ));
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn every_field_the_visibility_table_names_is_classified_by_name() {
        let map = shipped();
        for (entity, fields, _, _) in rules() {
            if fields == "*" {
                continue;
            }
            for field in fields.split(", ") {
                assert!(
                    map.record(entity.as_str())
                        .is_some_and(|r| r.entries.iter().any(|e| e.field == field)),
                    "{entity}.{field} is narrowed by VISIBILITY, so it needs its own entry"
                );
            }
        }
    }

    #[test]
    fn the_built_in_map_is_used_without_a_council_file() {
        assert!(data_map().is_some(), "the shipped data map must load");
    }

    #[test]
    fn a_faulty_file_is_refused_with_its_path_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data-map.toml");
        let text = built_in::DATA_MAP.1.replacen(
            "classification = \"personal\"",
            "classification = \"secret\"",
            1,
        );
        std::fs::write(&path, &text).unwrap();
        let error = load(&path).unwrap_err().to_string();
        let line = text
            .lines()
            .position(|l| l.contains("\"secret\""))
            .map(|n| n + 1)
            .unwrap();
        assert!(error.contains(&path.display().to_string()), "{error}");
        assert!(error.contains(&format!("line {line}:")), "{error}");
        assert!(error.contains("secret"), "{error}");
        let missing = load(&dir.path().join("none.toml")).unwrap_err();
        assert!(matches!(missing, DataMapError::Read { .. }), "{missing}");
    }
}
