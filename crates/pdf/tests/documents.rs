//! End-to-end checks of the documents and the board report: text content via `pdftotext`,
//! validity via `qpdf --check`, the contractor redaction rule, text flow across pages, bad
//! input, and a loose comparison of page 1 of the resident plan with a reviewed reference image.
//!
//! Needs poppler-utils (`pdftotext`, `pdfinfo`, `pdffonts`, `pdfimages`, `pdftoppm`) and `qpdf`.
//!
//! To regenerate the reference image after an intended layout change, run
//! `UPDATE_REFERENCE_IMAGES=1 cargo test -p doorstep-pdf --test documents reference`, look at
//! `crates/pdf/tests/reference/resident-plan-1.png`, and commit it only if it looks right.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;
use support::{branding, council_toml, pdf_text, run_tool};

use std::path::Path;

use doorstep_pdf::work_order::{CaseForWorkOrder, PersonContact, from_case};
use doorstep_pdf::{
    Branding, Document, PdfError, PlanMeasure, SharingBasis, render_batch, render_board_report,
    render_day_of_action, render_referral, render_resident_plan, render_subject_access,
    render_work_order, sample, save_document,
};

fn branding_without_logo_file() -> Branding {
    let text = council_toml();
    Branding::from_toml(&text, None).expect("branding parses")
}

/// Writes `bytes` to a temporary file and runs `tool args… file`, returning stdout.
fn pages(bytes: &[u8]) -> usize {
    let (ok, out) = run_tool("pdfinfo", &[], bytes);
    assert!(ok, "pdfinfo failed: {out}");
    out.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("page count")
}

fn assert_valid(bytes: &[u8]) {
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let (ok, out) = run_tool("qpdf", &["--check"], bytes);
    assert!(ok, "qpdf --check failed:\n{out}");
    assert!(
        out.contains("No syntax or stream encoding errors found"),
        "{out}"
    );
}

fn assert_contains_all(haystack: &str, needles: &[&str]) {
    for needle in needles {
        let needle = needle.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            haystack.contains(&needle),
            "missing {needle:?} in:\n{haystack}"
        );
    }
}

fn assert_page_numbers(text: &str, total: usize) {
    for page in 1..=total {
        assert!(
            text.contains(&format!("Page {page} of {total}")),
            "no \"Page {page} of {total}\" in:\n{text}"
        );
    }
}

#[test]
fn resident_plan_has_everything_the_resident_needs() {
    let plan = sample::resident_plan();
    let bytes = render_resident_plan(&plan, &branding()).expect("renders");
    assert_valid(&bytes);
    let text = pdf_text(&bytes);
    assert_contains_all(
        &text,
        &[
            "Your home safety plan",
            "Ayşe Sampleton",
            "14 Exampleby Road",
            "Sampleford",
            "ZY1 4AB",
            "Thursday 12 March 2026",
            "Silver",
            "What we found",
            "Door 2: The lock can be snapped in under a minute.",
            "What we will do",
            "What happens next",
            "Demo Locks Ltd and Demo Sparks Ltd will contact you by Friday 27 March 2026 to arrange a time that suits you.",
            "Things you can do today",
            "Move the bins away from the back fence.",
            "Staying safe from fire",
            "Who to call",
            "If you are in danger now, call 999.",
            "Eastwick Vale District Council (demo)",
        ],
    );
    for measure in &plan.measures {
        assert_contains_all(&text, &[&measure.name, &measure.why_it_helps()]);
    }
    for contact in &plan.contacts.contacts {
        assert_contains_all(&text, &[&contact.name, &contact.number]);
    }
    assert_page_numbers(&text, pages(&bytes));
}

#[test]
fn resident_plan_metadata_fonts_and_language() {
    let bytes = render_resident_plan(&sample::resident_plan(), &branding()).expect("renders");
    let (_, info) = run_tool("pdfinfo", &[], &bytes);
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(':')))
            .map(str::trim)
            .unwrap_or_else(|| panic!("no {name} in:\n{info}"))
            .to_owned()
    };
    assert_eq!(field("Title"), "Your home safety plan");
    assert_eq!(field("Author"), "Eastwick Vale District Council (demo)");
    assert_eq!(field("Page size"), "595.276 x 841.89 pts (A4)");
    let raw = String::from_utf8_lossy(&bytes);
    assert!(
        raw.contains("/Lang(en-GB)") || raw.contains("/Lang (en-GB)"),
        "no /Lang en-GB"
    );
    let (_, fonts) = run_tool("pdffonts", &[], &bytes);
    for face in ["DejaVuSans", "DejaVuSans-Bold"] {
        let line = fonts.lines().find(|l| {
            l.split_whitespace()
                .next()
                .is_some_and(|n| n.ends_with(&format!("+{face}")))
        });
        let line = line.unwrap_or_else(|| panic!("no subset of {face} in:\n{fonts}"));
        // Embedded, subset, with a Unicode map (so text can be copied and read aloud).
        assert!(line.contains("yes yes yes"), "{face}: {line}");
    }
    let (_, images) = run_tool("pdfimages", &["-list"], &bytes);
    let logo = images.lines().filter(|l| l.contains(" image ")).count();
    assert_eq!(logo, 1, "expected the logo:\n{images}");
}

#[test]
fn names_with_accents_print_as_written() {
    let mut plan = sample::resident_plan();
    plan.resident_name = "Renée Łaska-Ţurcanu Doğan Müller Ștefănescu".into();
    let bytes = render_resident_plan(&plan, &branding()).expect("renders");
    assert_contains_all(
        &pdf_text(&bytes),
        &["Renée Łaska-Ţurcanu Doğan Müller Ștefănescu"],
    );
}

#[test]
fn work_order_has_what_the_fitter_needs() {
    let order = sample::work_order();
    let bytes = render_work_order(&order, &branding()).expect("renders");
    assert_valid(&bytes);
    let text = pdf_text(&bytes);
    assert_contains_all(
        &text,
        &[
            "Work order WO-2026-00042",
            "Demo Locks Ltd",
            "Flat 2, 7 Sample Court",
            "ZY3 9QX",
            "Łukasz Exampleby",
            "0115 496 0871",
            "Ring the flat 2 buzzer",
            "Thursday 9 April 2026",
            "Anti-snap lock cylinder",
            "TS 007 3 star",
            "Door viewer",
            "Completion",
            "Signature:",
            "Do not leave this order or any copy of it at the property.",
        ],
    );
    assert_page_numbers(&text, pages(&bytes));
}

/// A full case in which every sensitive field holds its own marker.
fn case_with_markers() -> (CaseForWorkOrder, Vec<&'static str>) {
    let markers = vec![
        "MARKER-CASE-REF-01",
        "MARKER-PRIORITY-REASON-02",
        "MARKER-DOB-03",
        "MARKER-ETHNICITY-04",
        "MARKER-CRIME-REF-05",
        "MARKER-CRIME-DETAILS-06",
        "MARKER-VULNERABILITY-07",
        "MARKER-HEALTH-08",
        "MARKER-CHARLIE-09",
        "MARKER-REFERRAL-10",
        "MARKER-DA-NOTES-11",
        "MARKER-ELIGIBILITY-12",
        "MARKER-NARRATIVE-13",
        "MARKER-OFFICER-NOTES-14",
        "MARKER-EXPLANATION-15",
        "MARKER-RESIDENT-PHONE-16",
        "MARKER-RESIDENT-NAME-17",
        "MARKER-COST-18",
    ];
    let mut case = sample::case_for_work_order();
    case.case_reference = markers[0].into();
    case.priority_reason = Some(markers[1].into());
    case.date_of_birth = Some(markers[2].into());
    case.ethnicity = Some(markers[3].into());
    case.crime_references = vec![markers[4].into()];
    case.crime_details = Some(markers[5].into());
    case.vulnerabilities = vec![markers[6].into()];
    case.health_notes = vec![markers[7].into()];
    case.charlie_answers = vec![markers[8].into()];
    case.referrals = vec![markers[9].into()];
    case.domestic_abuse = true;
    case.domestic_abuse_notes = Some(markers[10].into());
    case.eligibility_reasons = vec![markers[11].into()];
    case.survey_narrative = Some(markers[12].into());
    case.officer_notes = Some(markers[13].into());
    for measure in &mut case.measures {
        measure.resident_explanation = Some(markers[14].into());
        measure.unit_cost_pence = 987_654;
    }
    // With domestic abuse on the case, the resident's own name and phone must not be used.
    case.resident_phone = markers[15].into();
    case.resident_name = markers[16].into();
    case.access_contact = Some(PersonContact {
        name: "Pat Supportworker".into(),
        phone: "0115 496 0999".into(),
    });
    (case, markers)
}

#[test]
fn work_order_never_shows_sensitive_case_data() {
    let (case, markers) = case_with_markers();
    let order = from_case(&case).expect("maps");
    let bytes = render_work_order(&order, &branding()).expect("renders");
    assert_valid(&bytes);
    let text = pdf_text(&bytes);
    for marker in &markers {
        assert!(
            !text.contains(marker),
            "{marker} leaked into the work order"
        );
    }
    for hint in [
        "9876", "domestic", "abuse", "CHARLIE", "referral", "vulnerab", "health",
    ] {
        assert!(
            !text.to_lowercase().contains(&hint.to_lowercase()),
            "{hint:?} appears in:\n{text}"
        );
    }
    // The raw file must not carry them either (metadata, hidden text).
    let raw = String::from_utf8_lossy(&bytes);
    for marker in &markers {
        assert!(!raw.contains(marker), "{marker} is in the raw PDF");
    }
    // What the contractor may see is all there.
    let mut allowed = vec![
        case.order_number.as_str(),
        case.firm.as_str(),
        "Flat 2, 7 Sample Court",
        "Exampleton",
        case.postcode.as_str(),
        "Pat Supportworker",
        "0115 496 0999",
        "Weekday mornings, 9am to 12pm",
        "Priority",
    ];
    allowed.extend(case.access_notes.iter().map(String::as_str));
    for measure in &case.measures {
        allowed.push(measure.name.as_str());
        allowed.push(measure.specification.as_str());
    }
    assert_contains_all(&text, &allowed);
}

#[test]
fn domestic_abuse_case_without_a_safe_contact_gets_no_work_order() {
    let (mut case, _) = case_with_markers();
    case.access_contact = None;
    assert!(matches!(
        from_case(&case),
        Err(PdfError::NoSafeContact { .. })
    ));
}

#[test]
fn referral_states_consent_or_lawful_basis() {
    let referral = sample::referral();
    let bytes = render_referral(&referral, &branding()).expect("renders");
    assert_valid(&bytes);
    let text = pdf_text(&bytes);
    assert_contains_all(
        &text,
        &[
            "OFFICIAL-SENSITIVE",
            "Referral to Demo Fire and Rescue Service",
            "REF-2026-0009",
            "Soon: within 7 days",
            "Łukasz Exampleby",
            "Home safety officer",
            "Ayşe Sampleton",
            "2 November 1949 (age 76)",
            "ZY1 4AB",
            "Hard of hearing",
            "Only one smoke alarm",
            "Uses a plug-in heater in the bedroom overnight.",
            "Key safe by the front door",
            "Consent",
            "Ayşe Sampleton (the person referred)",
            "In person, verbally, during the home visit",
            "for a home fire safety visit.",
        ],
    );
    assert_page_numbers(&text, pages(&bytes));

    let mut without_consent = referral;
    without_consent.basis = SharingBasis::LawfulBasis {
        basis: "Public task (UK GDPR Art. 6(1)(e)); safeguarding (DPA 2018 Sch. 1 para 18)".into(),
        justification: "Significant fire risk: no working smoke alarm and a heater by the bed."
            .into(),
        authorised_by: Some("Team leader, home safety".into()),
    };
    let bytes = render_referral(&without_consent, &branding()).expect("renders");
    assert_valid(&bytes);
    assert_contains_all(
        &pdf_text(&bytes),
        &[
            "Shared without consent",
            "Public task (UK GDPR Art. 6(1)(e))",
            "Significant fire risk",
            "Team leader, home safety",
        ],
    );
}

#[test]
fn day_of_action_summary_has_the_counts() {
    let summary = sample::day_of_action();
    let bytes = render_day_of_action(&summary, &branding()).expect("renders");
    assert_valid(&bytes);
    let text = pdf_text(&bytes);
    assert_contains_all(
        &text,
        &[
            "Day of action: Oak Tree Lane safer homes day",
            "Saturday 18 April 2026",
            "Oak Tree Lane estate, ZY2",
            "Blue Watch",
            "Doors knocked",
            "300",
            "Doors answered",
            "171",
            "57% of 300",
            "Alarms fitted",
            "64",
            "People at higher risk found",
            "23",
            "Referrals made",
            "9",
        ],
    );
    assert_page_numbers(&text, pages(&bytes));
}

#[test]
fn subject_access_answer_gives_every_record_in_words_and_the_notice() {
    let answer = sample::subject_access();
    let bytes = render_subject_access(&answer, &branding()).expect("renders");
    assert_valid(&bytes);
    let text = pdf_text(&bytes);
    assert_contains_all(
        &text,
        &[
            "Your data: subject access request SAR-2026-017",
            "What we hold",
            "Resident: 1 record",
            "Resident 1 of 1",
            "The resident's name",
            "Rowan Testwell",
            "Their phone number",
            "07700 900123",
            "Visit 1 of 1",
            "[redacted]",
            "What we left out",
            "1 Resident record about someone else",
            "Who received your data",
            "Demo Locks Ltd",
            "Photos and signatures",
            "Information Commissioner's Office",
        ],
    );
    assert!(
        text.contains("4f2c9a0d1e6b7a8c3d5e9f0a1b2c3d4e")
            && text
                .replace(' ', "")
                .contains("4f2c9a0d1e6b7a8c3d5e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9012a3b4c5d"),
        "the attachment's long name is broken across lines, never cut: {text}"
    );
    assert_page_numbers(&text, pages(&bytes));
    let (_, info) = run_tool("pdfinfo", &[], &bytes);
    assert!(
        info.contains("Title:") && info.contains("SAR-2026-017") && !info.contains("Rowan"),
        "the file's title names the request, never the person:\n{info}"
    );
    let raw = String::from_utf8_lossy(&bytes);
    assert!(raw.contains("/Lang(en-GB)") || raw.contains("/Lang (en-GB)"));
    // Every page renders (what a reader sees), not only extracts.
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = dir.path().join("answer.pdf");
    std::fs::write(&pdf, &bytes).expect("write");
    let status = std::process::Command::new("pdftoppm")
        .args(["-r", "30", "-png"])
        .arg(&pdf)
        .arg(dir.path().join("page"))
        .status()
        .expect("run pdftoppm");
    assert!(status.success());
    let rendered = std::fs::read_dir(dir.path())
        .expect("list")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".png"))
        })
        .count();
    assert_eq!(rendered, pages(&bytes), "a PNG per page");
}

#[test]
fn a_subject_access_answer_with_nothing_held_says_so() {
    let mut answer = sample::subject_access();
    answer.sections.clear();
    answer.attachments.clear();
    answer.left_out.clear();
    answer.recipients.clear();
    let bytes = render_subject_access(&answer, &branding()).expect("renders");
    let text = pdf_text(&bytes);
    assert_contains_all(
        &text,
        &[
            "We hold no records about you.",
            "None come with this answer.",
            "No one outside the council.",
        ],
    );
}

#[test]
fn a_long_measure_description_flows_across_pages() {
    let sentence = "This lock is tested to a British Standard and it makes the door much harder to force open. ";
    let mut description = sentence.repeat(2_000 / sentence.len() + 1);
    description.push_str("These are the very last words of the description.");
    assert!(description.len() >= 2_000);
    let mut plan = sample::resident_plan();
    plan.measures.insert(
        0,
        PlanMeasure {
            name: "Very long measure".into(),
            explanation: Some(description.clone()),
            location: None,
            quantity: 1,
        },
    );
    let bytes = render_resident_plan(&plan, &branding()).expect("renders");
    assert_valid(&bytes);
    let total = pages(&bytes);
    assert!(total > 1, "expected more than one page, got {total}");
    let text = pdf_text(&bytes);
    assert_contains_all(
        &text,
        &["These are the very last words of the description."],
    );
    // Every sentence survives: nothing was clipped at a page edge.
    assert_eq!(
        text.matches("harder to force open.").count(),
        description.matches("harder to force open.").count()
    );
    assert_page_numbers(&text, total);

    // And a description longer than a whole page.
    let mut plan = sample::resident_plan();
    plan.measures[0].explanation = Some(sentence.repeat(60) + "Truly the end.");
    let bytes = render_resident_plan(&plan, &branding()).expect("renders");
    assert_valid(&bytes);
    let text = pdf_text(&bytes);
    assert_eq!(text.matches("harder to force open.").count(), 60);
    assert_contains_all(&text, &["Truly the end."]);
}

#[test]
fn a_missing_logo_still_makes_a_valid_document() {
    let branding = branding_without_logo_file();
    assert!(!branding.has_logo());
    let bytes = render_resident_plan(&sample::resident_plan(), &branding).expect("renders");
    assert_valid(&bytes);
    let (_, images) = run_tool("pdfimages", &["-list"], &bytes);
    assert_eq!(
        images.lines().count(),
        2,
        "expected only the header of an empty list:\n{images}"
    );
    assert_contains_all(
        &pdf_text(&bytes),
        &["Ayşe Sampleton", "Eastwick Vale District Council (demo)"],
    );

    // A logo file that is not an image is skipped the same way.
    let text = council_toml();
    let branding = Branding::from_toml(&text, Some(b"this is not a PNG".to_vec())).expect("parses");
    assert!(!branding.has_logo());
    assert_valid(&render_work_order(&sample::work_order(), &branding).expect("renders"));

    // So is a logo path that does not exist.
    let dir = tempfile::tempdir().expect("tempdir");
    let toml_path = dir.path().join("council.toml");
    std::fs::write(&toml_path, text).expect("write");
    let branding = Branding::load(&toml_path).expect("loads without the logo");
    assert!(!branding.has_logo());
}

#[test]
fn a_measure_without_an_explanation_shows_its_name() {
    let mut plan = sample::resident_plan();
    plan.measures = vec![PlanMeasure {
        name: "Letterbox guard".into(),
        explanation: None,
        location: None,
        quantity: 1,
    }];
    let bytes = render_resident_plan(&plan, &branding()).expect("renders");
    let text = pdf_text(&bytes);
    assert_contains_all(&text, &["Letterbox guard"]);
    assert!(!text.contains("None"), "{text}");
}

#[test]
fn saving_to_an_unwritable_path_keeps_the_document() {
    let bytes = render_work_order(&sample::work_order(), &branding()).expect("renders");
    let copy = bytes.clone();
    let dir = tempfile::tempdir().expect("tempdir");
    // A path under a regular file cannot be written, even by root.
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, b"x").expect("write");
    let bad = blocker.join("work-order.pdf");
    let error = save_document(&bytes, &bad).expect_err("cannot save there");
    assert!(matches!(error, PdfError::Save { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("could not save the document to") && message.contains("not-a-folder"),
        "{message}"
    );
    assert_eq!(bytes, copy, "the caller still has the document");

    let good = dir.path().join("work-order.pdf");
    save_document(&bytes, &good).expect("saves elsewhere");
    assert_eq!(std::fs::read(&good).expect("read back"), copy);
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("list").count(),
        2,
        "no temporary file left behind"
    );
}

#[test]
fn batch_renders_every_document_with_progress() {
    let documents = vec![
        Document::ResidentPlan(sample::resident_plan()),
        Document::WorkOrder(sample::work_order()),
        Document::Referral(sample::referral()),
        Document::DayOfAction(sample::day_of_action()),
    ];
    let mut progress = Vec::new();
    let results = render_batch(&documents, &branding(), |done, total| {
        progress.push((done, total))
    });
    assert_eq!(progress, vec![(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]);
    for result in results {
        assert_valid(&result.expect("renders"));
    }
}

/// Mean absolute difference per channel (0–255) between two RGB images of the same size.
fn mean_abs_diff(a: &image::RgbImage, b: &image::RgbImage) -> f64 {
    let total: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    total as f64 / a.as_raw().len() as f64
}

#[test]
fn reference_image_of_resident_plan_page_one() {
    let bytes = render_resident_plan(&sample::resident_plan(), &branding()).expect("renders");
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = dir.path().join("plan.pdf");
    std::fs::write(&pdf, &bytes).expect("write");
    let prefix = dir.path().join("page");
    let status = std::process::Command::new("pdftoppm")
        .args(["-r", "40", "-png", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&pdf)
        .arg(&prefix)
        .status()
        .expect("run pdftoppm");
    assert!(status.success());
    let rendered_path = dir.path().join("page.png");
    let reference_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/resident-plan-1.png");
    if std::env::var_os("UPDATE_REFERENCE_IMAGES").is_some_and(|v| v == "1") {
        std::fs::copy(&rendered_path, &reference_path).expect("update reference");
        eprintln!("updated {}", reference_path.display());
        return;
    }
    let rendered = image::open(&rendered_path).expect("rendered png").to_rgb8();
    let reference = image::open(&reference_path)
        .unwrap_or_else(|e| {
            panic!(
                "no reference image at {} ({e}); run with UPDATE_REFERENCE_IMAGES=1 and review it",
                reference_path.display()
            )
        })
        .to_rgb8();
    assert_eq!(
        rendered.dimensions(),
        reference.dimensions(),
        "page size changed"
    );
    let diff = mean_abs_diff(&rendered, &reference);
    // Loose on purpose: font hinting and anti-aliasing differ between poppler versions. A moved
    // heading, a missing logo or a lost section changes far more than this.
    let failed = dir.path().join("resident-plan-1.actual.png");
    if diff >= 2.5 {
        std::fs::copy(&rendered_path, &failed).ok();
        let keep = std::env::temp_dir().join("doorstep-resident-plan-1.actual.png");
        std::fs::copy(&rendered_path, &keep).ok();
        panic!(
            "page 1 differs from the reference by {diff:.2} (limit 2.5); rendered page saved to {}",
            keep.display()
        );
    }
}

#[test]
fn long_lists_tables_and_names_flow_without_losing_text() {
    let mut referral = sample::referral();
    referral.agency =
        "The Extremely Long Named Multi-Agency Safeguarding Hub for Sampleshire and District"
            .into();
    referral.reasons = (1..=45)
        .map(|i| format!("Reason number {i}: the smoke alarm on landing {i} did not sound."))
        .collect();
    referral.access_and_safety =
        vec!["A very long note that goes on. ".repeat(40) + "Final access note words."];
    let bytes = render_referral(&referral, &branding()).expect("renders");
    assert_valid(&bytes);
    let total = pages(&bytes);
    assert!(total >= 3, "{total} pages");
    let text = pdf_text(&bytes);
    for i in 1..=45 {
        assert_contains_all(
            &text,
            &[&format!(
                "Reason number {i}: the smoke alarm on landing {i} did not sound."
            )],
        );
    }
    assert_contains_all(&text, &["Final access note words.", "OFFICIAL-SENSITIVE"]);
    assert_page_numbers(&text, total);

    let mut order = sample::work_order();
    order.items = (1..=30)
        .map(|i| doorstep_pdf::WorkItem {
            name: format!("Item {i}"),
            specification: format!(
                "Specification for item {i}, fitted to the relevant British Standard."
            ),
            location: Some(format!("Window {i}")),
            quantity: i,
        })
        .collect();
    let bytes = render_work_order(&order, &branding()).expect("renders");
    assert_valid(&bytes);
    let text = pdf_text(&bytes);
    for i in 1..=30 {
        assert_contains_all(
            &text,
            &[&format!(
                "Specification for item {i}, fitted to the relevant British Standard."
            )],
        );
    }
    assert_page_numbers(&text, pages(&bytes));
}

#[test]
fn a_logo_with_transparency_keeps_its_mask() {
    let mut logo = image::RgbaImage::new(40, 12);
    for (x, _, pixel) in logo.enumerate_pixels_mut() {
        *pixel = if x < 20 {
            image::Rgba([0, 98, 94, 255])
        } else {
            image::Rgba([0, 0, 0, 0])
        };
    }
    let mut png = std::io::Cursor::new(Vec::new());
    logo.write_to(&mut png, image::ImageFormat::Png)
        .expect("encode png");
    let text = council_toml();
    let branding = Branding::from_toml(&text, Some(png.into_inner())).expect("parses");
    assert!(branding.has_logo());
    let bytes = render_day_of_action(&sample::day_of_action(), &branding).expect("renders");
    assert_valid(&bytes);
    let (_, images) = run_tool("pdfimages", &["-list"], &bytes);
    assert!(images.lines().any(|l| l.contains(" image ")), "{images}");
    assert!(images.lines().any(|l| l.contains(" smask ")), "{images}");
}

/// Every demo name is invented (README): the demo's council is the demo's own invented town,
/// never a real council's.
#[test]
fn the_demo_council_is_the_invented_demo_town() {
    let name = branding().council_name;
    assert!(
        name.starts_with(doorstep_core::demo::DEMO_TOWN) && name.ends_with("(demo)"),
        "{name}"
    );
}

#[test]
fn the_board_report_has_its_charts_tables_and_caveats_and_hides_small_numbers() {
    let doc = sample::board_report();
    let bytes = render_board_report(&doc, &branding()).expect("renders");
    assert_valid(&bytes);
    let text = pdf_text(&bytes);
    let total = pages(&bytes);
    assert!(
        total >= 3,
        "charts and tables take several pages, not {total}"
    );
    assert_page_numbers(&text, total);
    let mut expected = vec![
        "Board report: Exampleby Safer Homes",
        "Q2 2026–27 (July to September 2026)",
        "Headline figures",
        "Homes hardened (every item fitted) 42",
        "Counts from 1 to 4 are hidden and shown as [c]",
        "Work started 1 Apr 2026",
        "Target areas before the work (mean a month): 13.1",
        "Target: 250",
        "Budget: £250,000",
        "Age UK Exampleby",
        "Regression to the mean",
        "Displacement and diffusion",
        "[c]: fewer than the suppression threshold",
    ];
    let titles: Vec<&str> = doc.charts.iter().map(|c| c.title.as_str()).collect();
    let summaries: Vec<&str> = doc.charts.iter().map(|c| c.summary.as_str()).collect();
    expected.extend(&titles);
    expected.extend(&summaries);
    assert_contains_all(&text, &expected);
    // Three homes fitted after a day of action: hidden in the chart, its table and its words.
    assert!(text.contains("Homes fitted [c]"), "{text}");
    assert!(
        !text.contains("Homes fitted 3"),
        "a small count is never printed"
    );

    // Every page renders; one is kept as the docs' screenshot when asked for.
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = dir.path().join("board.pdf");
    std::fs::write(&pdf, &bytes).expect("write");
    let status = std::process::Command::new("pdftoppm")
        .args(["-r", "60", "-png"])
        .arg(&pdf)
        .arg(dir.path().join("page"))
        .status()
        .expect("run pdftoppm");
    assert!(status.success());
    let mut pngs: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    pngs.sort();
    assert_eq!(pngs.len(), total, "a PNG per page");
    if let Some(out) = std::env::var_os("DOORSTEP_BOARD_REPORT_PNGS") {
        for png in &pngs {
            std::fs::copy(png, Path::new(&out).join(png.file_name().expect("name"))).expect("copy");
        }
    }
}
