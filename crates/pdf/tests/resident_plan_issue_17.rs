//! The resident's plan as printed, for what a new officer's first visit turned up (issue 17):
//! fire advice given once per topic, findings that say where, and next steps that promise
//! only what will really happen. Needs `pdftotext` (poppler-utils).

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use doorstep_core::fire::CharlieTemplate;
use doorstep_pdf::{Branding, FireSafetyAdvice, render_resident_plan, sample};

const CHARLIE: &str = include_str!("../../../assets/templates/charlie.toml");

fn branding() -> Branding {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/branding/council.toml");
    Branding::load(&path).expect("branding loads")
}

/// The document's text with all runs of whitespace collapsed to one space.
fn pdf_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("plan.pdf");
    std::fs::write(&file, bytes).expect("write pdf");
    let output = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&file)
        .arg("-")
        .output()
        .expect("run pdftotext (install poppler-utils)");
    assert!(output.status.success(), "pdftotext failed");
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The sentences of `text` that mention every one of `words`.
fn sentences_about<'t>(text: &'t str, words: &[&str]) -> Vec<&'t str> {
    text.split(['.', ':', ';'])
        .filter(|s| {
            let s = s.to_lowercase();
            words.iter().all(|w| s.contains(w))
        })
        .collect()
}

#[test]
fn the_plan_gives_each_fire_safety_topic_once_and_adds_no_advice_of_its_own() {
    let charlie = CharlieTemplate::from_toml(CHARLIE).expect("charlie");
    let mut plan = sample::resident_plan();
    // Every topic core can give, as if the check had found everything.
    plan.fire_safety = Some(FireSafetyAdvice {
        advice: charlie.advice.iter().map(|a| a.text.clone()).collect(),
        fire_service_visit: charlie.fire_service_visit.offered.clone(),
    });
    let text = pdf_text(&render_resident_plan(&plan, &branding()).expect("renders"));
    for topic in &charlie.advice {
        let words = topic.text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(text.matches(&words).count(), 1, "{} once", topic.id);
    }
    let testing = sentences_about(&text, &["test", "smoke alarm"]);
    assert_eq!(testing.len(), 1, "one word on testing alarms: {testing:?}");
    assert!(!text.contains("once a month"), "{text}");
    assert_eq!(sentences_about(&text, &["stay out"]).len(), 1);
}

#[test]
fn the_sample_plan_never_repeats_a_topic_with_different_advice() {
    let text =
        pdf_text(&render_resident_plan(&sample::resident_plan(), &branding()).expect("renders"));
    for words in [
        &["test", "smoke alarm"][..],
        &["smoke in bed"],
        &["stay out"],
        &["keys", "bed"],
    ] {
        let about = sentences_about(&text, words);
        assert!(about.len() <= 1, "{words:?} is advised twice: {about:?}");
    }
}
