//! Every published template version, so each survey is always read with the version it was given on.

use std::collections::BTreeMap;

use super::answers::Answers;
use super::template::Template;

/// Why answers could not be read against a template.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SurveyError {
    /// The named template version is not loaded.
    #[error(
        "Form {id} version {version} is not loaded: load that version's template file (old versions must be kept)"
    )]
    UnknownTemplate {
        /// Template id.
        id: String,
        /// Version.
        version: u32,
    },
    /// The answers name a different template or version than the one given.
    #[error(
        "These answers were given on {answers_id} version {answers_version}, not {template_id} version {template_version}: read them with their own version"
    )]
    WrongTemplate {
        /// The answers' template.
        answers_id: String,
        /// The answers' version.
        answers_version: u32,
        /// The template offered.
        template_id: String,
        /// Its version.
        template_version: u32,
    },
    /// A version was loaded twice with different content; published versions never change.
    #[error(
        "Form {id} version {version} is already loaded with different questions: publish the change as a new version"
    )]
    VersionChanged {
        /// Template id.
        id: String,
        /// Version.
        version: u32,
    },
}

/// Refuses a template that is not the one the answers name.
pub fn ensure_same_template(template: &Template, answers: &Answers) -> Result<(), SurveyError> {
    if template.id == answers.template_id && template.version == answers.template_version {
        Ok(())
    } else {
        Err(SurveyError::WrongTemplate {
            answers_id: answers.template_id.clone(),
            answers_version: answers.template_version,
            template_id: template.id.clone(),
            template_version: template.version,
        })
    }
}

/// Loaded template versions by id and version.
#[derive(Debug, Clone, Default)]
pub struct TemplateLibrary {
    templates: BTreeMap<(String, u32), Template>,
}

impl TemplateLibrary {
    /// Adds a version; the same version again must be identical.
    pub fn add(&mut self, template: Template) -> Result<(), SurveyError> {
        let key = (template.id.clone(), template.version);
        match self.templates.get(&key) {
            Some(existing) if *existing != template => Err(SurveyError::VersionChanged {
                id: template.id,
                version: template.version,
            }),
            Some(_) => Ok(()),
            None => {
                self.templates.insert(key, template);
                Ok(())
            }
        }
    }

    /// One version.
    pub fn get(&self, id: &str, version: u32) -> Option<&Template> {
        self.templates.get(&(id.to_owned(), version))
    }

    /// The newest version of a template, for starting new surveys.
    pub fn latest(&self, id: &str) -> Option<&Template> {
        self.templates
            .range((id.to_owned(), 0)..=(id.to_owned(), u32::MAX))
            .next_back()
            .map(|(_, t)| t)
    }

    /// The version these answers were given on; never a newer one.
    pub fn for_answers(&self, answers: &Answers) -> Result<&Template, SurveyError> {
        self.get(&answers.template_id, answers.template_version)
            .ok_or_else(|| SurveyError::UnknownTemplate {
                id: answers.template_id.clone(),
                version: answers.template_version,
            })
    }
}
