//! The corpus of bad data files (`tests/corpus/`, issue 18): every survey template, policy,
//! measure catalogue, CHARLIE check and data map in it is read as the app reads a council's file
//! (`std::fs::read_to_string`, then the loader, then the checks against the shipped survey)
//! and must be refused with a reason that names what is wrong, never a panic. The loaders
//! are pure, so "nothing changed" holds by construction: the app keeps its last good set.
//! A file `name.expect` beside a corpus file holds words its refusal must contain.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is a failed test

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use doorstep_core::fire::CharlieTemplate;
use doorstep_core::security::{Catalogue, LoadError, Policy, Template};

const SURVEY: &str = include_str!("../../../assets/templates/home-security-survey.toml");

/// The corpus files of one kind (not their `.expect` notes), in name order.
fn corpus(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/corpus")
        .join(kind);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_none_or(|x| x != "expect"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 4,
        "the {kind} corpus has at least four files, found {}",
        files.len()
    );
    files
}

/// Reads and loads every file of `kind`; returns what was not refused as it should be.
fn refuse_all(kind: &str, load: impl Fn(&str) -> Result<(), LoadError>) -> Vec<String> {
    let mut failures = Vec::new();
    for file in corpus(kind) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            // What the app does with a council's file (src-tauri/src/reference.rs).
            match fs::read_to_string(&file) {
                Err(e) => Err(e.to_string()),
                Ok(text) => load(&text).map_err(|e| {
                    let message = e.to_string();
                    match e {
                        // A list of problems must hold at least one.
                        LoadError::Invalid(problems) if problems.is_empty() => String::new(),
                        _ => message,
                    }
                }),
            }
        }));
        let message = match outcome {
            Err(_) => {
                failures.push(format!("{name}: panicked"));
                continue;
            }
            Ok(Ok(())) => {
                failures.push(format!("{name}: accepted"));
                continue;
            }
            Ok(Err(message)) => message,
        };
        if message.trim().is_empty() {
            failures.push(format!("{name}: refused without a reason"));
            continue;
        }
        let mut expect = file.as_os_str().to_owned();
        expect.push(".expect");
        if let Ok(words) = fs::read_to_string(PathBuf::from(expect)) {
            let words = words.trim();
            if !message.to_lowercase().contains(&words.to_lowercase()) {
                failures.push(format!(
                    "{name}: the refusal should say {words:?}, it said {message:?}"
                ));
            }
        }
    }
    failures
}

#[track_caller]
fn no_failures(kind: &str, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{kind} corpus files not refused as they should be:\n{}",
        failures.join("\n")
    );
}

fn survey() -> Template {
    Template::from_toml(SURVEY).expect("the shipped survey loads")
}

#[test]
fn every_bad_survey_template_is_refused_with_its_reason() {
    let failures = refuse_all("survey-template", |text| {
        Template::from_toml(text).map(|_| ())
    });
    no_failures("survey-template", &failures);
}

#[test]
fn every_bad_policy_is_refused_with_its_reason() {
    let survey = survey();
    let failures = refuse_all("policy", |text| {
        Policy::from_toml(text)?.check_against(&survey)
    });
    no_failures("policy", &failures);
}

#[test]
fn every_bad_catalogue_is_refused_with_its_reason() {
    let survey = survey();
    let failures = refuse_all("catalogue", |text| {
        Catalogue::from_toml(text)?.check_against(&survey)
    });
    no_failures("catalogue", &failures);
}

#[test]
fn every_bad_charlie_check_is_refused_with_its_reason() {
    let failures = refuse_all("charlie", |text| {
        CharlieTemplate::from_toml(text).map(|_| ())
    });
    no_failures("charlie", &failures);
}

#[test]
fn every_bad_data_map_is_refused_with_its_line_and_reason() {
    let failures = refuse_all("data-map", |text| {
        doorstep_core::privacy::data_map::DataMap::from_toml(text)
            .map(|_| ())
            // The same words, one problem to a line, as LoadError lists them.
            .map_err(|e| {
                LoadError::Invalid(
                    e.problems
                        .iter()
                        .map(|p| format!("line {}: {}", p.line, p.reason))
                        .collect(),
                )
            })
    });
    no_failures("data-map", &failures);
}

#[test]
fn every_bad_retention_schedule_is_refused_with_its_line_and_reason() {
    let failures = refuse_all("retention", |text| {
        doorstep_core::privacy::retention::Schedule::from_toml(text)
            .map(|_| ())
            .map_err(|e| {
                LoadError::Invalid(
                    e.problems
                        .iter()
                        .map(|p| format!("line {}: {}", p.line, p.reason))
                        .collect(),
                )
            })
    });
    no_failures("retention", &failures);
}
