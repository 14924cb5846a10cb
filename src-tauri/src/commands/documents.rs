//! Documents from the app: the resident's plan saved as a PDF where the officer chooses, and
//! opened in the system viewer to read or print.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Mutex;

use doorstep_core::security::PlanContext;
use doorstep_core::security::PlanId;
use doorstep_pdf::from_plan::{PlanForResident, resident_plan};
use doorstep_pdf::{Branding, Contacts, PdfError, render_resident_plan, save_document};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;

use crate::error::{AppError, ErrorCode};
use crate::reference::Reference;
use crate::session::{Session, today};

type Result<T> = std::result::Result<T, AppError>;

/// The council's branding and "who to call" list, built into the app.
#[derive(Debug)]
pub struct DocumentAssets {
    branding: Branding,
    contacts: Contacts,
}

impl DocumentAssets {
    /// The shipped branding (with its logo) and contacts.
    pub fn built_in() -> std::result::Result<Self, PdfError> {
        Ok(Self {
            branding: Branding::from_toml(
                include_str!("../../../assets/branding/council.toml"),
                Some(include_bytes!("../../../assets/branding/logo.png").to_vec()),
            )?,
            contacts: Contacts::from_toml(include_str!("../../../assets/contacts.toml"))?,
        })
    }
}

/// Documents saved in this session: the only files "Open" will hand to the system viewer.
#[derive(Debug, Default)]
pub struct SavedDocuments(Mutex<BTreeSet<PathBuf>>);

/// A document written to disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SavedDocument {
    /// Where it was saved.
    pub path: String,
    /// Its size in bytes.
    pub bytes: u32,
}

impl From<PdfError> for AppError {
    fn from(e: PdfError) -> Self {
        let code = match e {
            PdfError::Save { .. } | PdfError::Read { .. } => ErrorCode::Io,
            _ => ErrorCode::Internal,
        };
        Self::new(code, e.to_string())
    }
}

/// Saves the resident's copy of a plan as a PDF at `path` (chosen with the save dialog).
#[tauri::command(async)]
#[specta::specta]
pub fn save_resident_plan(
    session: State<'_, Session>,
    reference: State<'_, Reference>,
    assets: State<'_, DocumentAssets>,
    saved: State<'_, SavedDocuments>,
    plan_id: PlanId,
    path: PathBuf,
) -> Result<SavedDocument> {
    let data = reference.get();
    let bytes = session.with_store(|s| -> Result<Vec<u8>> {
        let plan = s.plan(plan_id)?;
        let survey = s.survey(plan.survey_id)?;
        let template = data.templates.for_answers(&survey.answers)?;
        let ctx = PlanContext {
            template,
            answers: &survey.answers,
            policy: &data.policy,
            catalogue: &data.catalogue,
        };
        let assessment = ctx.assess()?;
        let page = s.household_page(survey.household_id)?;
        let resident_name = plan
            .agreement
            .as_ref()
            .map(|a| a.resident_name.clone())
            .or_else(|| page.persons.first().map(|p| p.full_name.clone()))
            .unwrap_or_else(|| "The resident".to_owned());
        let officer = s.officer().name.clone();
        let date = plan
            .agreement
            .as_ref()
            .map_or_else(today, |a| a.at.date_naive());
        let document = resident_plan(&PlanForResident {
            plan: &plan,
            assessment: &assessment,
            template,
            catalogue: &data.catalogue,
            policy: &data.policy,
            household: &page.household,
            resident_name: &resident_name,
            officer: &officer,
            date,
            contacts: &assets.contacts,
        });
        Ok(render_resident_plan(&document, &assets.branding)?)
    })?;
    save_document(&bytes, &path)?;
    saved
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(path.clone());
    Ok(SavedDocument {
        path: path.display().to_string(),
        bytes: u32::try_from(bytes.len()).unwrap_or(u32::MAX),
    })
}

/// Opens a document saved in this session in the system's PDF viewer (to read or print).
#[tauri::command(async)]
#[specta::specta]
pub fn open_document(
    app: AppHandle,
    saved: State<'_, SavedDocuments>,
    path: PathBuf,
) -> Result<()> {
    let known = saved
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .contains(&path);
    if !known {
        return Err(AppError::new(
            ErrorCode::NotFound,
            "Doorstep only opens documents it saved since it was started: save the document again",
        ));
    }
    app.opener()
        .open_path(path.display().to_string(), None::<&str>)
        .map_err(|e| {
            AppError::new(
                ErrorCode::Io,
                format!(
                    "The document was saved at {} but could not be opened ({e}): open it from your files",
                    path.display()
                ),
            )
        })
}
