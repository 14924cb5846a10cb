//! Documents from the app: the resident's plan saved as a PDF where the officer chooses, and
//! opened in the system viewer to read or print.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Mutex;

use doorstep_core::fire::ReferralId;
use doorstep_core::security::PlanId;
use doorstep_pdf::from_plan::{PlanForResident, resident_plan};
use doorstep_pdf::from_records::{ReferralRecords, day_summary_document, referral_document};
use doorstep_pdf::{
    Branding, Contacts, PdfError, Referrer, render_day_of_action, render_referral,
    render_resident_plan, save_document,
};
use doorstep_store::StoreError;

use crate::events::{AppEvent, DocumentProgress};
use serde::{Deserialize, Serialize};

use crate::Api;
use crate::error::{AppError, ErrorCode};

use crate::session::today;

type Result<T> = std::result::Result<T, AppError>;

/// The council's branding and "who to call" list, built into the app.
#[derive(Debug)]
pub struct DocumentAssets {
    branding: Branding,
    contacts: Contacts,
}

impl DocumentAssets {
    /// The council's name as its branding gives it.
    pub fn council_name(&self) -> &str {
        &self.branding.council_name
    }

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
pub fn save_resident_plan(api: &Api, plan_id: PlanId, path: PathBuf) -> Result<SavedDocument> {
    let data = api.reference.get();
    let bytes = api.session.with_store(|s| -> Result<Vec<u8>> {
        let plan = s.plan(plan_id)?;
        let survey = s.survey(plan.survey_id)?;
        let ctx = data.plan_context(&survey.answers)?;
        let template = ctx.template;
        let assessment = ctx.assess()?;
        let page = s.household_page(survey.household_id)?;
        let resident_name = plan
            .agreement
            .as_ref()
            .map(|a| a.resident_name.clone())
            .or_else(|| page.persons.first().map(|p| p.full_name.clone()))
            .unwrap_or_else(|| "The resident".to_owned());
        let officer = s.officer().name.clone();
        let fire_safety = doorstep_core::fire::household_fire_advice(
            &data.charlie,
            &s.charlie_checks_for_household(survey.household_id)?,
            &s.referrals_for_household(survey.household_id)?,
            &data.agencies,
        );
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
            contacts: &api.assets.contacts,
            fire_safety: fire_safety.as_ref(),
            work_orders: &s.work_orders_for_plan(plan_id)?,
        });
        Ok(render_resident_plan(&document, &api.assets.branding)?)
    })?;
    save_document(&bytes, &path)?;
    remember(&api.saved, &path);
    Ok(SavedDocument {
        path: path.display().to_string(),
        bytes: u32::try_from(bytes.len()).unwrap_or(u32::MAX),
    })
}

/// The signed-in person as the referrer on a referral form.
fn referrer(s: &doorstep_store::Store, assets: &DocumentAssets, phone: &str) -> Referrer {
    Referrer {
        name: s.officer().name.clone(),
        organisation: assets.branding.council_name.clone(),
        role: s.officer().role.label().to_owned(),
        phone: phone.to_owned(),
        email: None,
    }
}

/// A referral's form as PDF bytes.
fn referral_pdf(
    s: &doorstep_store::Store,
    data: &crate::reference::ReferenceData,
    assets: &DocumentAssets,
    id: ReferralId,
) -> Result<Vec<u8>> {
    let referral = s.referral(id)?;
    let agency = data.agencies.agency(&referral.agency_id).ok_or_else(|| {
        AppError::new(
            ErrorCode::NotFound,
            format!(
                "The agency \"{}\" is no longer in the directory",
                referral.agency_id
            ),
        )
    })?;
    let page = s.household_page(referral.household_id)?;
    let person = page
        .persons
        .iter()
        .find(|p| p.id == referral.person_id)
        .ok_or(AppError::from(StoreError::NotFound { entity: "resident" }))?;
    let document = referral_document(&ReferralRecords {
        referral: &referral,
        agency,
        person,
        household: &page.household,
        referrer: &referrer(s, assets, &data.policy.resident_plan.phone),
        date: today(),
    });
    Ok(render_referral(&document, &assets.branding)?)
}

/// Remembers a saved file so "Open" may show it.
fn remember(saved: &SavedDocuments, path: &std::path::Path) {
    saved
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(path.to_owned());
}

/// Saves a referral's form as a PDF, for an agency that takes referrals by secure email.
pub fn save_referral_pdf(
    api: &Api,
    referral_id: ReferralId,
    path: PathBuf,
) -> Result<SavedDocument> {
    let data = api.reference.get();
    let bytes = api
        .session
        .with_store(|s| referral_pdf(s, &data, &api.assets, referral_id))?;
    save_document(&bytes, &path)?;
    remember(&api.saved, &path);
    Ok(SavedDocument {
        path: path.display().to_string(),
        bytes: u32::try_from(bytes.len()).unwrap_or(u32::MAX),
    })
}

/// What a batch of documents produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct BatchReport {
    /// The documents written.
    pub saved: Vec<SavedDocument>,
    /// The documents that could not be made or written, each with why.
    pub failed: Vec<String>,
}

/// Saves a day of action's documents into `folder`, reporting progress as
/// `document-progress` events: the summary, then the referral form of every referral made
/// that day for a household on its list.
pub fn save_day_documents(api: &Api, day_id: String, folder: PathBuf) -> Result<BatchReport> {
    let data = api.reference.get();
    let (day, referrals) = api.session.with_store(|s| -> Result<_> {
        let page = s.day_of_action_page(&day_id)?;
        let mut referrals = Vec::new();
        for household in page.doors.iter().filter_map(|d| d.household_id) {
            for r in s.referrals_for_household(household)? {
                if r.created_at.with_timezone(&chrono::Local).date_naive() == page.day.date {
                    referrals.push(r.id);
                }
            }
        }
        Ok((page, referrals))
    })?;
    let total = u32::try_from(referrals.len() + 1).unwrap_or(u32::MAX);
    let progress = |done: u32| {
        api.events
            .send(AppEvent::DocumentProgress(DocumentProgress { done, total }));
    };
    progress(0);
    let mut report = BatchReport {
        saved: Vec::new(),
        failed: Vec::new(),
    };
    let mut write = |name: String, made: Result<Vec<u8>>| {
        let path = folder.join(&name);
        match made.and_then(|bytes| {
            save_document(&bytes, &path)?;
            Ok(bytes.len())
        }) {
            Ok(len) => {
                remember(&api.saved, &path);
                report.saved.push(SavedDocument {
                    path: path.display().to_string(),
                    bytes: u32::try_from(len).unwrap_or(u32::MAX),
                });
            }
            Err(e) => report.failed.push(format!("{name}: {}", e.message)),
        }
    };
    let summary = day_summary_document(&day);
    write(
        format!("day-of-action-{}.pdf", day.day.date),
        render_day_of_action(&summary, &api.assets.branding).map_err(AppError::from),
    );
    progress(1);
    for (i, id) in referrals.iter().enumerate() {
        let made = api
            .session
            .with_store(|s| referral_pdf(s, &data, &api.assets, *id));
        write(format!("referral-{id}.pdf"), made);
        progress(u32::try_from(i + 2).unwrap_or(u32::MAX));
    }
    Ok(report)
}

/// A document saved in this session, ready for the system viewer: the shell opens it (the
/// bridge cannot). Any other path is refused, so the window cannot open arbitrary files.
pub fn saved_document(api: &Api, path: PathBuf) -> Result<PathBuf> {
    let known = api
        .saved
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .contains(&path);
    if known {
        Ok(path)
    } else {
        Err(AppError::new(
            ErrorCode::NotFound,
            "Doorstep only opens documents it saved since it was started: save the document again",
        ))
    }
}
