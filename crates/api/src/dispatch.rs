//! Every command by its IPC name, for callers that are not the Tauri window: the development
//! bridge serves [`dispatch`] over HTTP with the same names and the same camelCase argument
//! objects the window's `invoke` sends, so the UI's generated bindings work unchanged.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;
use doorstep_core::cocoon::CocoonOutcome;
use doorstep_core::fire::{
    AgencyDirectory, BasisRecord, CharlieDraft, CharlieTemplate, Consent, ReferralDraft,
    ReferralId, ReferralStep,
};
use doorstep_core::passphrase::PassphraseAssessment;
use doorstep_core::security::{
    AnswerValue, FollowUpFindings, PlanId, PlanStatus, PlanStep, SurveyId,
};
use doorstep_core::sync_status::ConflictChoice;
use doorstep_core::views::{DayOfActionDraft, KnockDraft};
use doorstep_core::{
    HouseholdDraft, HouseholdId, PersonDraft, PersonId, Role, VisitDraft, VisitId,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{AppError, ErrorCode};
use crate::reference::ReferenceProblem;
use crate::security::PlanEdit;
use crate::{Api, app, documents, fire, households, hub, security, team, users};

/// A command's answer as JSON, or the error the window would have been sent.
pub trait IntoReply {
    /// Serialises the answer.
    fn into_reply(self) -> Result<Value, AppError>;
}

fn to_json(value: impl Serialize) -> Result<Value, AppError> {
    serde_json::to_value(value).map_err(|e| {
        AppError::new(
            ErrorCode::Internal,
            format!("Doorstep could not encode its answer: {e}"),
        )
    })
}

impl<T: Serialize> IntoReply for Result<T, AppError> {
    fn into_reply(self) -> Result<Value, AppError> {
        self.and_then(to_json)
    }
}

macro_rules! infallible {
    ($($t:ty),*) => {$(
        impl IntoReply for $t {
            fn into_reply(self) -> Result<Value, AppError> {
                to_json(self)
            }
        }
    )*};
}
infallible!(
    (),
    PassphraseAssessment,
    Vec<ReferenceProblem>,
    CharlieTemplate,
    AgencyDirectory
);

/// The arguments of a call, refused with the reason when they do not fit the command.
fn arguments<T: serde::de::DeserializeOwned>(command: &str, args: Value) -> Result<T, AppError> {
    let args = if args.is_null() {
        Value::Object(serde_json::Map::new())
    } else {
        args
    };
    serde_json::from_value(args).map_err(|e| {
        AppError::new(
            ErrorCode::Validation,
            format!("The arguments of {command} were refused: {e}"),
        )
    })
}

macro_rules! commands {
    (
        blocking { $( $b:ident => $bpath:path { $($barg:ident : $bty:ty),* } ; )* }
        awaited { $( $a:ident => $apath:path { $($aarg:ident : $aty:ty),* } ; )* }
    ) => {
        /// Every command's IPC name.
        pub const COMMANDS: &[&str] = &[$(stringify!($b),)* $(stringify!($a),)*];

        /// Runs `command` with its JSON arguments (camelCase, as `invoke` sends them) and
        /// answers with its JSON result; blocking commands run off the async runtime.
        pub async fn dispatch(api: &Arc<Api>, command: &str, args: Value) -> Result<Value, AppError> {
            match command {
                $( stringify!($b) => {
                    #[derive(Deserialize)]
                    #[serde(rename_all = "camelCase", deny_unknown_fields)]
                    struct Args { $($barg: $bty,)* }
                    let Args { $($barg,)* } = arguments(command, args)?;
                    let api = Arc::clone(api);
                    tokio::task::spawn_blocking(move || $bpath(&api, $($barg),*).into_reply())
                        .await
                        .map_err(|e| AppError::new(ErrorCode::Internal, format!("{} stopped: {e}", stringify!($b))))?
                } )*
                $( stringify!($a) => {
                    #[derive(Deserialize)]
                    #[serde(rename_all = "camelCase", deny_unknown_fields)]
                    struct Args { $($aarg: $aty,)* }
                    let Args { $($aarg,)* } = arguments(command, args)?;
                    $apath(api, $($aarg),*).await.into_reply()
                } )*
                _ => Err(AppError::new(ErrorCode::NotFound, format!("Doorstep has no command called {command}"))),
            }
        }
    };
}

commands! {
    blocking {
        app_status => app::app_status {};
        assess_passphrase => app::assess_passphrase { passphrase: String };
        set_up => app::set_up { officer_name: String, role: Role, passphrase: String };
        unlock => app::unlock { passphrase: String };
        lock => app::lock {};
        change_passphrase => app::change_passphrase { current: String, replacement: String };
        touch => app::touch {};
        set_idle_lock_minutes => app::set_idle_lock_minutes { minutes: u32 };
        load_demo_data => app::load_demo_data {};
        search => households::search { query: String };
        create_household => households::create_household { draft: HouseholdDraft };
        create_household_from_gazetteer => households::create_household_from_gazetteer { uprn: String };
        update_household => households::update_household { id: HouseholdId, draft: HouseholdDraft };
        get_household => households::get_household { id: HouseholdId };
        add_person => households::add_person { draft: PersonDraft };
        update_person => households::update_person { id: PersonId, draft: PersonDraft };
        create_visit => households::create_visit { draft: VisitDraft };
        visits_for_day => households::visits_for_day { date: NaiveDate };
        visits_for_household => households::visits_for_household { household_id: HouseholdId };
        import_gazetteer => households::import_gazetteer { path: PathBuf };
        backup => app::backup { path: PathBuf };
        reference_problems => security::reference_problems {};
        reload_reference_data => security::reload_reference_data {};
        start_survey => security::start_survey { household_id: HouseholdId, visit_id: Option<VisitId> };
        get_survey => security::get_survey { id: SurveyId };
        surveys_for_household => security::surveys_for_household { household_id: HouseholdId };
        save_answer => security::save_answer { survey_id: SurveyId, item: String, value: Option<AnswerValue> };
        save_section_note => security::save_section_note { survey_id: SurveyId, section: String, note: String };
        add_survey_photo => security::add_survey_photo { survey_id: SurveyId, item: String, path: PathBuf };
        attachment_data_url => security::attachment_data_url { sha256: String };
        draft_plan => security::draft_plan { survey_id: SurveyId };
        get_plan => security::get_plan { id: PlanId };
        edit_plan => security::edit_plan { id: PlanId, edit: PlanEdit };
        agree_plan => security::agree_plan { id: PlanId, resident_name: String, signature_png_base64: String, disclaimer_version: String };
        plan_step => security::plan_step { id: PlanId, step: PlanStep };
        plans_with_status => security::plans_with_status { status: PlanStatus };
        plans_for_household => security::plans_for_household { household_id: HouseholdId };
        record_follow_up => security::record_follow_up { id: PlanId, findings: FollowUpFindings };
        open_cocoon => security::open_cocoon { household_id: HouseholdId };
        get_cocoon => security::get_cocoon { id: String };
        record_cocoon_outcome => security::record_cocoon_outcome { door_id: String, outcome: CocoonOutcome };
        cocoons => security::cocoons { household_id: Option<HouseholdId> };
        charlie_template => fire::charlie_template {};
        agencies => fire::agencies {};
        save_charlie_check => fire::save_charlie_check { draft: CharlieDraft };
        charlie_checks_for_household => fire::charlie_checks_for_household { household_id: HouseholdId };
        draft_referral => fire::draft_referral { draft: ReferralDraft };
        get_referral => fire::get_referral { id: ReferralId };
        record_referral_authority => fire::record_referral_authority { id: ReferralId, consent: Option<Consent>, lawful_basis: Option<BasisRecord> };
        referral_step => fire::referral_step { id: ReferralId, step: ReferralStep };
        referrals_for_household => fire::referrals_for_household { household_id: HouseholdId };
        overdue_referral_list => fire::overdue_referral_list {};
        queued_referral_list => fire::queued_referral_list {};
        create_day_of_action => fire::create_day_of_action { draft: DayOfActionDraft };
        days_of_action => fire::days_of_action {};
        get_day_of_action => fire::get_day_of_action { id: String };
        add_day_doors => fire::add_day_doors { day_id: String, street_or_postcode: String };
        import_day_doors => fire::import_day_doors { day_id: String, path: PathBuf };
        record_knock => fire::record_knock { day_id: String, door_id: String, knock: KnockDraft };
        save_day_summary_csv => fire::save_day_summary_csv { day_id: String, path: PathBuf };
        team_report => team::team_report { period: Option<String> };
        save_team_chart_csv => team::save_team_chart_csv { period: Option<String>, chart_id: String, path: PathBuf };
        save_resident_plan => documents::save_resident_plan { plan_id: PlanId, path: PathBuf };
        save_referral_pdf => documents::save_referral_pdf { referral_id: ReferralId, path: PathBuf };
        save_day_documents => documents::save_day_documents { day_id: String, folder: PathBuf };
        open_document => documents::saved_document { path: PathBuf };
        sync_status => hub::sync_status {};
        set_aside_changes => hub::set_aside_changes {};
        discard_set_aside_change => hub::discard_set_aside_change { id: String };
        conflicts => hub::conflicts {};
        resolve_conflict => hub::resolve_conflict { id: String, choice: ConflictChoice };
        add_user => users::add_user { name: String, role: Role, passphrase: String };
        list_users => users::list_users {};
    }
    awaited {
        hub_enrol => hub::hub_enrol { hub_url: String, code: String };
        sync_now => hub::sync_now {};
    }
}
