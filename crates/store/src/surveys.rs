//! Home security surveys: started on a visit, answered one question at a time, each
//! answer saved (with its outbox row) the moment it is given, so nothing is lost.

use std::collections::BTreeMap;

use doorstep_core::security::answers::{path_after_removal, removed_instance};
use doorstep_core::security::survey::MAX_SECTION_NOTE;
use doorstep_core::security::{
    AnswerMap, AnswerValue, Answers, Survey, SurveyId, Template, validate_answer,
};
use doorstep_core::{ChangeSource, HouseholdId, ValidationErrors, VisitId};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::{Result, StoreError};
use crate::households;
use crate::rows::{conversion, json};
use crate::store::Store;
use crate::synced::{self, Held, Stamp, Synced};
use crate::tracking::{Writer, stored_versions};

const COLUMNS: &str = "id, household_id, visit_id, template_id, template_version, answers, created_at, updated_at, section_notes";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Survey> {
    let answers: String = row.get(5)?;
    Ok(Survey {
        id: row
            .get::<_, String>(0)?
            .parse()
            .map_err(|_| conversion(0, "bad survey id"))?,
        household_id: row
            .get::<_, String>(1)?
            .parse()
            .map_err(|_| conversion(1, "bad household id"))?,
        visit_id: match row.get::<_, Option<String>>(2)? {
            Some(v) => Some(v.parse().map_err(|_| conversion(2, "bad visit id"))?),
            None => None,
        },
        answers: Answers {
            template_id: row.get(3)?,
            template_version: row.get(4)?,
            values: serde_json::from_str(&answers).map_err(|_| conversion(5, "damaged answers"))?,
        },
        created_at: row.get(6)?,
        updated_at: row.get(7)?,
        section_notes: json(row, 8, "damaged section notes")?,
    })
}

fn get(conn: &Connection, id: SurveyId) -> Result<Survey> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM surveys WHERE id = ?1"))?
        .query_row([id.to_string()], from_row)
        .optional()?
        .ok_or(StoreError::NotFound { entity: "survey" })
}

/// The synced fields of a survey: who and what it is about, then one field per answer.
/// A cleared answer is present as null, so the change is sent.
fn fields(survey: &Survey, cleared: Option<&str>) -> Result<Value> {
    let mut map = Map::new();
    map.insert(
        "household_id".into(),
        Value::String(survey.household_id.to_string()),
    );
    map.insert(
        "visit_id".into(),
        survey
            .visit_id
            .map(|v| Value::String(v.to_string()))
            .unwrap_or(Value::Null),
    );
    map.insert(
        "template_id".into(),
        Value::String(survey.answers.template_id.clone()),
    );
    map.insert(
        "template_version".into(),
        Value::from(survey.answers.template_version),
    );
    for (item, value) in &survey.answers.values {
        map.insert(format!("answers.{item}"), serde_json::to_value(value)?);
    }
    for (section, note) in &survey.section_notes {
        map.insert(
            format!("section_notes.{section}"),
            Value::String(note.clone()),
        );
    }
    if let Some(item) = cleared {
        map.insert(format!("answers.{item}"), Value::Null);
    }
    Ok(Value::Object(map))
}

/// Writes a survey row (insert, or update keeping `seq` and `created_at`) with its versions.
fn save_row(conn: &Connection, survey: &Survey, s: &Stamp<'_>) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO surveys (id, household_id, visit_id, template_id, template_version, answers, created_at, updated_at,
             updated_by, device_id, hlc, field_versions, section_notes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (id) DO UPDATE SET household_id = excluded.household_id, visit_id = excluded.visit_id,
             template_id = excluded.template_id, template_version = excluded.template_version,
             answers = excluded.answers, section_notes = excluded.section_notes,
             updated_at = excluded.updated_at,
             updated_by = excluded.updated_by, device_id = excluded.device_id, hlc = excluded.hlc,
             field_versions = excluded.field_versions",
    )?
    .execute(params![
        survey.id.to_string(),
        survey.household_id.to_string(),
        survey.visit_id.map(|v| v.to_string()),
        survey.answers.template_id,
        survey.answers.template_version,
        serde_json::to_string(&survey.answers.values)?,
        s.created_at,
        s.updated_at,
        s.updated_by,
        s.device_id,
        s.hlc,
        s.field_versions,
        serde_json::to_string(&survey.section_notes)?,
    ])?;
    Ok(())
}

/// The fields of a survey that are not answers or notes.
#[derive(Debug, Deserialize)]
struct SurveyHead {
    household_id: HouseholdId,
    visit_id: Option<VisitId>,
    template_id: String,
    template_version: u32,
}

/// A survey as it syncs: `answers.<item>` and `section_notes.<section>` fields become its
/// answers and notes; a cleared answer (null) or note (empty) is left out, as a local clear
/// leaves it. Its times are its row's stamp's.
#[derive(Debug, Deserialize)]
#[serde(try_from = "Map<String, Value>")]
pub(crate) struct SyncedSurvey {
    head: SurveyHead,
    values: AnswerMap,
    notes: BTreeMap<String, String>,
}

impl TryFrom<Map<String, Value>> for SyncedSurvey {
    type Error = serde_json::Error;

    fn try_from(map: Map<String, Value>) -> std::result::Result<Self, Self::Error> {
        let mut head = Map::new();
        let mut values = AnswerMap::new();
        let mut notes = BTreeMap::new();
        for (name, value) in map {
            if let Some(item) = name.strip_prefix("answers.") {
                if !value.is_null() {
                    let answer = serde_json::from_value(value).map_err(|e| {
                        serde::de::Error::custom(format!(
                            "its answer to {item} cannot be read ({e})"
                        ))
                    })?;
                    values.insert(item.to_owned(), answer);
                }
            } else if let Some(section) = name.strip_prefix("section_notes.") {
                match value {
                    Value::String(note) if !note.is_empty() => {
                        notes.insert(section.to_owned(), note);
                    }
                    Value::String(_) | Value::Null => {}
                    _ => {
                        return Err(serde::de::Error::custom(format!(
                            "its note on section {section} is not text"
                        )));
                    }
                }
            } else {
                head.insert(name, value);
            }
        }
        let head = SurveyHead::deserialize(Value::Object(head))?;
        Ok(Self {
            head,
            values,
            notes,
        })
    }
}

/// Every survey's synced fields (one per answer and per section note), in one query.
pub(crate) fn all_synced(conn: &Connection) -> Result<Vec<synced::Listed>> {
    let mut statement = conn.prepare(&format!("SELECT {COLUMNS} FROM surveys"))?;
    let rows = statement.query_map([], from_row)?;
    let mut out = Vec::new();
    for survey in rows {
        let survey = survey?;
        out.push((
            survey.id.to_string(),
            synced::object(fields(&survey, None)?),
        ));
    }
    Ok(out)
}

impl Synced for SyncedSurvey {
    const ENTITY: &'static str = "survey";
    const TABLE: &'static str = "surveys";

    /// One field per answer and per section note.
    fn read(conn: &Connection, id: &str) -> Result<Option<Held>> {
        let row = conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS}, field_versions FROM surveys WHERE id = ?1"
            ))?
            .query_row([id], |r| Ok((from_row(r)?, r.get::<_, String>(9)?)))
            .optional()?;
        row.map(|(survey, versions)| Ok((synced::object(fields(&survey, None)?), versions)))
            .transpose()
    }

    fn from_fields(id: &str, fields: &Map<String, Value>) -> Result<Self> {
        // The id first: a record with a bad id and bad fields is refused for its id.
        synced::parse_id::<SurveyId>(Self::ENTITY, id)?;
        synced::decode(id, fields)
    }

    fn save(&self, conn: &Connection, id: &str, s: &Stamp<'_>) -> Result<()> {
        let survey = Survey {
            id: synced::parse_id(Self::ENTITY, id)?,
            household_id: self.head.household_id,
            visit_id: self.head.visit_id,
            answers: Answers {
                template_id: self.head.template_id.clone(),
                template_version: self.head.template_version,
                values: self.values.clone(),
            },
            section_notes: self.notes.clone(),
            created_at: s.created_at,
            updated_at: s.updated_at,
        };
        save_row(conn, &survey, s)
    }
}

/// Re-paths a survey's photos after instance `removed` of `group` was taken out: later
/// instances' photos move up with them; the removed instance's go to its section.
fn move_photos(
    w: &mut Writer<'_>,
    survey: SurveyId,
    group: &str,
    removed: usize,
    section: &str,
) -> Result<()> {
    let photos: Vec<(String, String, String)> = w
        .tx
        .prepare_cached(
            "SELECT id, item, field_versions FROM survey_photos WHERE survey_id = ?1 AND item LIKE ?2 || '[%'",
        )?
        .query_map(params![survey.to_string(), group], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (photo, path, versions) in photos {
        let moved = path_after_removal(&path, group, removed).unwrap_or_else(|| section.to_owned());
        if moved == path {
            continue;
        }
        let Some(t) = w.track(
            "survey_photo",
            &photo,
            Some((&serde_json::json!({ "item": path }), &versions)),
            &serde_json::json!({ "item": moved }),
        )?
        else {
            continue;
        };
        w.tx.prepare_cached(
            "UPDATE survey_photos SET item = ?2, updated_at = ?3, updated_by = ?4, device_id = ?5,
                 hlc = ?6, field_versions = ?7 WHERE id = ?1",
        )?
        .execute(params![
            photo,
            moved,
            t.at,
            w.actor.officer.to_string(),
            w.actor.device.to_string(),
            t.hlc.to_string(),
            t.field_versions,
        ])?;
    }
    Ok(())
}

impl Store {
    /// Starts an empty survey of a household on `template` (its latest version).
    pub fn start_survey(
        &mut self,
        household: HouseholdId,
        visit: Option<VisitId>,
        template: &Template,
        source: ChangeSource,
    ) -> Result<Survey> {
        households::get(self.conn(), household)?;
        let now = doorstep_core::clock::now();
        let mut survey = Survey {
            id: SurveyId::new(),
            household_id: household,
            visit_id: visit,
            answers: Answers::new(template),
            created_at: now,
            updated_at: now,
            section_notes: Default::default(),
        };
        self.write(source, |w| {
            let t = w
                .track(
                    "survey",
                    &survey.id.to_string(),
                    None,
                    &fields(&survey, None)?,
                )?
                .ok_or(StoreError::NotFound { entity: "survey" })?;
            survey.updated_at = t.at;
            survey.created_at = t.at;
            save_row(w.tx, &survey, &Stamp::local(w, &t))?;
            Ok(survey)
        })
    }

    /// Saves one answer (or clears it, with `None`) the moment it is given. The answer
    /// is checked against the exact template version the survey was started on.
    pub fn save_answer(
        &mut self,
        id: SurveyId,
        template: &Template,
        item: &str,
        value: Option<AnswerValue>,
        source: ChangeSource,
    ) -> Result<Survey> {
        let before = get(self.conn(), id)?;
        if before.answers.template_id != template.id
            || before.answers.template_version != template.version
        {
            let mut errors = ValidationErrors::default();
            errors.add(
                "template",
                format!(
                    "This survey was started on {} version {}: answer it on that form",
                    before.answers.template_id, before.answers.template_version
                ),
            );
            return Err(errors.into());
        }
        if let Some(v) = &value {
            let errors = validate_answer(template, item, v);
            if !errors.is_empty() {
                return Err(errors.into());
            }
        }
        let mut after = before.clone();
        let cleared = match value {
            Some(v) => {
                after.answers.values.insert(item.to_owned(), v);
                None
            }
            None if after.answers.values.remove(item).is_some() => Some(item),
            None => return Ok(before),
        };
        // A door or window taken out of a group: its photos must not slide onto the next one.
        let removed = match (
            before.answers.values.get(item),
            after.answers.values.get(item),
        ) {
            (Some(AnswerValue::Group(b)), Some(AnswerValue::Group(a))) => removed_instance(b, a),
            _ => None,
        };
        let section = template
            .sections
            .iter()
            .find(|s| s.items.iter().any(|i| i.id == item))
            .map(|s| format!("section:{}", s.id));
        let versions = stored_versions(self.conn(), "surveys", &id.to_string())?;
        self.write(source, |w| {
            let previous = fields(&before, None)?;
            let Some(t) = w.track(
                "survey",
                &id.to_string(),
                Some((&previous, &versions)),
                &fields(&after, cleared)?,
            )?
            else {
                return Ok(before.clone());
            };
            after.updated_at = t.at;
            save_row(w.tx, &after, &Stamp::local(w, &t))?;
            if let (Some(index), Some(section)) = (removed, &section) {
                move_photos(w, id, item, index, section)?;
            }
            Ok(after)
        })
    }

    /// Saves the officer's note on one section (an empty note clears it).
    pub fn save_section_note(
        &mut self,
        id: SurveyId,
        template: &Template,
        section: &str,
        note: &str,
        source: ChangeSource,
    ) -> Result<Survey> {
        let before = get(self.conn(), id)?;
        let mut errors = ValidationErrors::default();
        if !template.sections.iter().any(|s| s.id == section) {
            errors.add("note", "That section is not on this survey's form");
        } else if note.chars().count() > MAX_SECTION_NOTE {
            errors.add(
                "note",
                format!("Use {MAX_SECTION_NOTE} characters or fewer"),
            );
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let mut after = before.clone();
        let note = note.trim_end();
        if note.is_empty() {
            after.section_notes.remove(section);
        } else {
            after
                .section_notes
                .insert(section.to_owned(), note.to_owned());
        }
        let versions = stored_versions(self.conn(), "surveys", &id.to_string())?;
        self.write(source, |w| {
            let previous = fields(&before, None)?;
            let mut current = fields(&after, None)?;
            if note.is_empty()
                && let Some(map) = current.as_object_mut()
            {
                map.insert(
                    format!("section_notes.{section}"),
                    Value::String(String::new()),
                );
            }
            let Some(t) = w.track(
                "survey",
                &id.to_string(),
                Some((&previous, &versions)),
                &current,
            )?
            else {
                return Ok(before.clone());
            };
            after.updated_at = t.at;
            save_row(w.tx, &after, &Stamp::local(w, &t))?;
            Ok(after)
        })
    }

    /// One survey.
    pub fn survey(&self, id: SurveyId) -> Result<Survey> {
        get(self.conn(), id)
    }

    /// A household's surveys, newest first.
    pub fn surveys_for_household(&self, household: HouseholdId) -> Result<Vec<Survey>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {COLUMNS} FROM surveys WHERE household_id = ?1 ORDER BY seq DESC"
        ))?;
        let rows = stmt.query_map([household.to_string()], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
