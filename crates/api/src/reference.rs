//! The scheme's data files: survey templates, policy, measure catalogue, CHARLIE check,
//! partner agencies, contracted fitting firms, the data map and the retention schedule.
//!
//! The versions shipped with the app are built in. A council may put its own in the data
//! folder's `reference/` folder (`templates/*.toml`, `policy.toml`, `catalogue.toml`,
//! `charlie.toml`, `agencies.toml`, `contractors.toml`, `data-map.toml`, `retention.toml`);
//! each is checked on load, and one that is invalid is refused with its file, line and
//! reason while the previous good one stays in use. Template versions accumulate: an old survey is
//! always read with the version it was answered on.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use doorstep_core::fire::{AgencyDirectory, CharlieTemplate};
use doorstep_core::privacy::data_map::DataMap;
use doorstep_core::privacy::retention::Schedule;
use doorstep_core::security::{
    Answers, Catalogue, LoadError, PlanContext, Policy, SurveyError, Template, TemplateLibrary,
};
use doorstep_core::work_order::Contractors;
use serde::{Deserialize, Serialize};

/// The survey template every new home security survey uses, by id.
pub const SURVEY_TEMPLATE_ID: &str = "home-security-survey";

use doorstep_core::built_in::{
    AGENCIES as BUILT_IN_AGENCIES, CATALOGUE as BUILT_IN_CATALOGUE, CHARLIE as BUILT_IN_CHARLIE,
    CONTRACTORS as BUILT_IN_CONTRACTORS, DATA_MAP as BUILT_IN_DATA_MAP, POLICY as BUILT_IN_POLICY,
    RETENTION as BUILT_IN_RETENTION, SURVEY_TEMPLATE as BUILT_IN_TEMPLATE,
};

/// A data file that was refused, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ReferenceProblem {
    /// The file.
    pub file: String,
    /// What is wrong, with the line when the file could not be read as TOML.
    pub reason: String,
}

impl ReferenceProblem {
    fn new(file: &Path, reason: impl std::fmt::Display) -> Self {
        Self {
            file: file.display().to_string(),
            reason: reason.to_string(),
        }
    }
}

/// One consistent set of data files.
#[derive(Debug, Clone)]
pub struct ReferenceData {
    /// Every survey template version loaded.
    pub templates: TemplateLibrary,
    /// The scheme policy.
    pub policy: Policy,
    /// The measure catalogue.
    pub catalogue: Catalogue,
    /// The CHARLIE fire-risk check.
    pub charlie: CharlieTemplate,
    /// The partner agencies referrals go to.
    pub agencies: AgencyDirectory,
    /// The fitting firms an approved plan's work orders go to.
    pub contractors: Contractors,
    /// The data map: which retention class each kind of record is kept by.
    pub data_map: DataMap,
    /// The retention schedule this laptop applies to what it holds.
    pub retention: Schedule,
}

impl ReferenceData {
    /// The template new surveys are started on.
    pub fn survey_template(&self) -> Option<&Template> {
        self.templates.latest(SURVEY_TEMPLATE_ID)
    }

    /// The plan rules' context for a survey's answers, read with the form they were given on.
    pub fn plan_context<'a>(
        &'a self,
        answers: &'a Answers,
    ) -> Result<PlanContext<'a>, SurveyError> {
        Ok(PlanContext {
            template: self.templates.for_answers(answers)?,
            answers,
            policy: &self.policy,
            catalogue: &self.catalogue,
        })
    }

    /// The built-in files; tests prove they load, so failure here is a broken build.
    pub fn built_in() -> Result<Self, ReferenceProblem> {
        let parse = |(file, text): (&str, &str)| (Path::new(file).to_owned(), text.to_owned());
        let (tf, tt) = parse(BUILT_IN_TEMPLATE);
        let template = Template::from_toml(&tt).map_err(|e| ReferenceProblem::new(&tf, e))?;
        let mut templates = TemplateLibrary::default();
        templates
            .add(template)
            .map_err(|e| ReferenceProblem::new(&tf, e))?;
        let (pf, pt) = parse(BUILT_IN_POLICY);
        let policy = Policy::from_toml(&pt).map_err(|e| ReferenceProblem::new(&pf, e))?;
        let (cf, ct) = parse(BUILT_IN_CATALOGUE);
        let catalogue = Catalogue::from_toml(&ct).map_err(|e| ReferenceProblem::new(&cf, e))?;
        let (hf, ht) = parse(BUILT_IN_CHARLIE);
        let charlie = CharlieTemplate::from_toml(&ht).map_err(|e| ReferenceProblem::new(&hf, e))?;
        let (af, at) = parse(BUILT_IN_AGENCIES);
        let agencies =
            AgencyDirectory::from_toml(&at).map_err(|e| ReferenceProblem::new(&af, e))?;
        let (kf, kt) = parse(BUILT_IN_CONTRACTORS);
        let contractors = Contractors::from_toml(&kt).map_err(|e| ReferenceProblem::new(&kf, e))?;
        let (mf, mt) = parse(BUILT_IN_DATA_MAP);
        let data_map = DataMap::from_toml(&mt).map_err(|e| ReferenceProblem::new(&mf, e))?;
        let (rf, rt) = parse(BUILT_IN_RETENTION);
        let retention = Schedule::from_toml(&rt).map_err(|e| ReferenceProblem::new(&rf, e))?;
        let data = Self {
            templates,
            policy,
            catalogue,
            charlie,
            agencies,
            contractors,
            data_map,
            retention,
        };
        data.check_together()
            .map_err(|e| ReferenceProblem::new(&pf, e))?;
        Ok(data)
    }

    /// The policy and catalogue must fit the newest survey template, and every trade the
    /// catalogue needs fitted must have a firm.
    fn check_together(&self) -> Result<(), LoadError> {
        let Some(template) = self.survey_template() else {
            return Err(LoadError::Invalid(vec![format!(
                "no template with id \"{SURVEY_TEMPLATE_ID}\" is loaded"
            )]));
        };
        self.policy.check_against(template)?;
        self.catalogue.check_against(template)?;
        self.agencies.check_against(&self.charlie, template)?;
        self.contractors.check_against(&self.catalogue)
    }

    /// This set with the council's own files from `dir` laid over it; each refused file is
    /// reported and leaves what it would have replaced in place.
    pub fn with_overrides(&self, dir: &Path) -> (Self, Vec<ReferenceProblem>) {
        let mut next = self.clone();
        let mut problems = Vec::new();
        let templates_dir = dir.join("templates");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&templates_dir)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        for file in files {
            let loaded = read(&file).and_then(|text| {
                Template::from_toml(&text).map_err(|e| ReferenceProblem::new(&file, e))
            });
            match loaded {
                Ok(template) => {
                    let mut candidate = next.clone();
                    let added = candidate
                        .templates
                        .add(template)
                        .map_err(|e| ReferenceProblem::new(&file, e))
                        .and_then(|()| {
                            candidate
                                .check_together()
                                .map_err(|e| ReferenceProblem::new(&file, e))
                        });
                    match added {
                        Ok(()) => next = candidate,
                        Err(p) => problems.push(p),
                    }
                }
                Err(p) => problems.push(p),
            }
        }
        next.overlay(
            &dir.join("policy.toml"),
            &mut problems,
            Policy::from_toml,
            |d, v| {
                d.policy = v;
            },
        );
        next.overlay(
            &dir.join("catalogue.toml"),
            &mut problems,
            Catalogue::from_toml,
            |d, v| {
                d.catalogue = v;
            },
        );
        next.overlay(
            &dir.join("charlie.toml"),
            &mut problems,
            CharlieTemplate::from_toml,
            |d, v| {
                d.charlie = v;
            },
        );
        next.overlay(
            &dir.join("agencies.toml"),
            &mut problems,
            AgencyDirectory::from_toml,
            |d, v| {
                d.agencies = v;
            },
        );
        next.overlay(
            &dir.join("contractors.toml"),
            &mut problems,
            Contractors::from_toml,
            |d, v| {
                d.contractors = v;
            },
        );
        next.overlay(
            &dir.join("data-map.toml"),
            &mut problems,
            DataMap::from_toml,
            |d, v| {
                d.data_map = v;
            },
        );
        next.overlay(
            &dir.join("retention.toml"),
            &mut problems,
            Schedule::from_toml,
            |d, v| {
                d.retention = v;
            },
        );
        (next, problems)
    }
}

impl ReferenceData {
    /// Replaces one file's data with `file`'s when it exists, parses and fits with the rest;
    /// otherwise records why and keeps what was there.
    fn overlay<T, E: std::fmt::Display>(
        &mut self,
        file: &Path,
        problems: &mut Vec<ReferenceProblem>,
        parse: impl Fn(&str) -> Result<T, E>,
        put: impl Fn(&mut Self, T),
    ) {
        if !file.exists() {
            return;
        }
        let loaded =
            read(file).and_then(|text| parse(&text).map_err(|e| ReferenceProblem::new(file, e)));
        match loaded {
            Ok(value) => {
                let mut candidate = self.clone();
                put(&mut candidate, value);
                match candidate.check_together() {
                    Ok(()) => *self = candidate,
                    Err(e) => problems.push(ReferenceProblem::new(file, e)),
                }
            }
            Err(p) => problems.push(p),
        }
    }
}

fn read(file: &Path) -> Result<String, ReferenceProblem> {
    std::fs::read_to_string(file).map_err(|e| ReferenceProblem::new(file, e))
}

/// The data files in use, reloadable while the app runs.
#[derive(Debug)]
pub struct Reference {
    dir: PathBuf,
    built_in: ReferenceData,
    current: RwLock<(Arc<ReferenceData>, Vec<ReferenceProblem>)>,
}

impl Reference {
    /// The built-in files with the council's own from `dir` laid over them.
    pub fn load(dir: &Path) -> Result<Self, ReferenceProblem> {
        let built_in = ReferenceData::built_in()?;
        let (data, problems) = built_in.with_overrides(dir);
        for p in &problems {
            tracing::warn!(file = %p.file, reason = %p.reason, "data file refused");
        }
        Ok(Self {
            dir: dir.to_owned(),
            built_in,
            current: RwLock::new((Arc::new(data), problems)),
        })
    }

    /// The files in use now.
    pub fn get(&self) -> Arc<ReferenceData> {
        let current = self
            .current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(&current.0)
    }

    /// The files refused at the last load.
    pub fn problems(&self) -> Vec<ReferenceProblem> {
        let current = self
            .current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        current.1.clone()
    }

    /// Reads the folder again; a refused file keeps what was in use before it.
    pub fn reload(&self) -> Vec<ReferenceProblem> {
        let mut current = self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Lay the folder over what is in use, so a file that has broken since keeps its last good version.
        let mut base = (*current.0).clone();
        // Templates only ever accumulate, so start from the built-in ones plus those in use.
        if base.templates.latest(SURVEY_TEMPLATE_ID).is_none() {
            base = self.built_in.clone();
        }
        let (data, problems) = base.with_overrides(&self.dir);
        *current = (Arc::new(data), problems.clone());
        problems
    }

    /// Where the council's own files go.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        if let Some(parent) = dir.join(name).parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        assert!(std::fs::write(dir.join(name), text).is_ok());
    }

    #[test]
    fn the_built_in_files_load_and_fit_together() {
        let data = ReferenceData::built_in();
        assert!(data.is_ok(), "{data:?}");
    }

    #[test]
    fn a_councils_retention_schedule_replaces_the_built_in_one_and_a_faulty_one_is_refused() {
        use doorstep_core::privacy::data_map::RetentionClass;
        let Ok(dir) = tempfile::tempdir() else { return };
        let Ok(reference) = Reference::load(dir.path()) else {
            panic!("the built-in files load");
        };
        let months = |r: &Reference| {
            r.get()
                .retention
                .rule(RetentionClass::Conflict)
                .map(|rule| rule.keep_months)
        };
        assert_eq!(months(&reference), Some(12));
        let built_in = doorstep_core::built_in::RETENTION.1;
        let conflict = "[class.conflict]\ntrigger = \"recorded\"\nkeep_months = 12\n";
        assert!(built_in.contains(conflict));
        let good = built_in.replacen(conflict, &conflict.replace("= 12", "= 6"), 1);
        write(dir.path(), "retention.toml", &good);
        assert!(reference.reload().is_empty());
        assert_eq!(months(&reference), Some(6));
        let bad = built_in.replacen(conflict, &conflict.replace("= 12", "= -1"), 1);
        write(dir.path(), "retention.toml", &bad);
        let problems = reference.reload();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].file.ends_with("retention.toml"));
        assert!(problems[0].reason.contains("line "), "{problems:?}");
        assert!(problems[0].reason.contains("not -1"), "{problems:?}");
        assert_eq!(
            months(&reference),
            Some(6),
            "the last good one stays in use"
        );
    }

    #[test]
    fn a_broken_policy_is_refused_with_its_line_and_the_previous_one_stays() {
        let Ok(dir) = tempfile::tempdir() else { return };
        let Ok(reference) = Reference::load(dir.path()) else {
            panic!("built-in files must load")
        };
        let before = reference.get().policy.version.clone();
        write(dir.path(), "policy.toml", "scheme = \"x\"\nversion = [\n");
        let problems = reference.reload();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].file.ends_with("policy.toml"));
        assert!(problems[0].reason.contains("line 2"), "{:?}", problems[0]);
        assert_eq!(reference.get().policy.version, before);
    }

    #[test]
    fn a_good_override_replaces_and_a_later_broken_one_keeps_it() {
        let Ok(dir) = tempfile::tempdir() else { return };
        let Ok(reference) = Reference::load(dir.path()) else {
            panic!("built-in files must load")
        };
        let good = BUILT_IN_POLICY
            .1
            .replace("version = \"2026.1\"", "version = \"2026.9\"");
        write(dir.path(), "policy.toml", &good);
        assert!(reference.reload().is_empty());
        assert_eq!(reference.get().policy.version, "2026.9");
        write(dir.path(), "policy.toml", "not toml at all =");
        assert_eq!(reference.reload().len(), 1);
        assert_eq!(reference.get().policy.version, "2026.9");
    }

    #[test]
    fn a_new_template_version_is_added_and_old_ones_stay_readable() {
        let Ok(dir) = tempfile::tempdir() else { return };
        let v2 = BUILT_IN_TEMPLATE
            .1
            .replacen("version = 1", "version = 2", 1);
        write(dir.path(), "templates/home-security-survey-v2.toml", &v2);
        let Ok(reference) = Reference::load(dir.path()) else {
            panic!("built-in files must load")
        };
        let data = reference.get();
        assert_eq!(data.survey_template().map(|t| t.version), Some(2));
        assert!(data.templates.get(SURVEY_TEMPLATE_ID, 1).is_some());
    }

    #[test]
    fn a_catalogue_naming_an_unknown_weakness_is_refused() {
        let Ok(dir) = tempfile::tempdir() else { return };
        let bad = format!(
            "{}\n[[measures]]\nid = \"mystery\"\nname = \"Mystery\"\ntier = \"bronze\"\nunit_cost_pence = 100\ntrade = \"locksmith\"\naddresses = [\"no_such_weakness\"]\nexplanation = \"x\"\nspecification = \"x\"\n",
            BUILT_IN_CATALOGUE.1
        );
        write(dir.path(), "catalogue.toml", &bad);
        let Ok(reference) = Reference::load(dir.path()) else {
            panic!("built-in files must load")
        };
        assert_eq!(reference.problems().len(), 1, "{:?}", reference.problems());
        assert!(reference.get().catalogue.get("mystery").is_none());
    }

    #[test]
    fn a_council_contractors_file_replaces_the_built_in_one_and_a_broken_one_keeps_it() {
        let Ok(dir) = tempfile::tempdir() else { return };
        let Ok(reference) = Reference::load(dir.path()) else {
            panic!("built-in files must load")
        };
        assert_eq!(
            reference.get().contractors.version,
            "2026.1-synthetic",
            "the built-in list is in use until the council gives its own"
        );
        let own = BUILT_IN_CONTRACTORS
            .1
            .replace("version = \"2026.1-synthetic\"", "version = \"2026.2\"")
            .replace("due_days = 28", "due_days = 21");
        write(dir.path(), "contractors.toml", &own);
        assert!(reference.reload().is_empty(), "the council's list fits");
        assert_eq!(reference.get().contractors.version, "2026.2");
        assert_eq!(reference.get().contractors.due_days, 21);

        write(
            dir.path(),
            "contractors.toml",
            "version = \"2026.3\"\ndue_days = 28\n[[firms]\n",
        );
        let problems = reference.reload();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].file.ends_with("contractors.toml"),
            "{problems:?}"
        );
        assert!(
            problems[0].reason.contains("line 3"),
            "the reason names the line: {:?}",
            problems[0]
        );
        assert_eq!(
            reference.get().contractors.version,
            "2026.2",
            "the last good list stays in use"
        );
    }

    #[test]
    fn a_contractors_file_with_no_firm_for_a_trade_the_catalogue_needs_is_refused() {
        let Ok(dir) = tempfile::tempdir() else { return };
        write(
            dir.path(),
            "contractors.toml",
            "version = \"only-locks\"\ndue_days = 28\n\n[[firms]]\nid = \"locks_only\"\ncode = \"LO\"\nname = \"Locks Only Ltd\"\ntrades = [\"locksmith\"]\nareas = [\"ZY\"]\n",
        );
        let Ok(reference) = Reference::load(dir.path()) else {
            panic!("built-in files must load")
        };
        let problems = reference.problems();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].file.ends_with("contractors.toml"),
            "{problems:?}"
        );
        assert!(
            problems[0].reason.contains("no firm fits glazier work"),
            "the reason names the trade left without a firm: {:?}",
            problems[0]
        );
        assert_eq!(
            reference.get().contractors.version,
            "2026.1-synthetic",
            "the built-in list stays in use"
        );
    }
}
