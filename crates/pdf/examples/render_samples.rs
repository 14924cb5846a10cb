//! Renders the sample documents into a folder for review:
//! `cargo run -p doorstep-pdf --example render_samples -- OUT_DIR`.

use std::path::{Path, PathBuf};

use doorstep_pdf::{Branding, Document, render_batch, sample, save_document};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "target/doorstep-samples".into()),
    );
    std::fs::create_dir_all(&out)?;
    let council = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/branding/council.toml");
    let branding = Branding::load(&council)?;
    let documents = [
        (
            "resident-plan",
            Document::ResidentPlan(sample::resident_plan()),
        ),
        (
            "resident-plan-long",
            Document::ResidentPlan(sample::long_resident_plan()),
        ),
        ("work-order", Document::WorkOrder(sample::work_order())),
        ("referral", Document::Referral(sample::referral())),
        (
            "day-of-action",
            Document::DayOfAction(sample::day_of_action()),
        ),
    ];
    let items: Vec<Document> = documents.iter().map(|(_, d)| d.clone()).collect();
    save_document(
        &doorstep_pdf::render_subject_access(&sample::subject_access(), &branding)?,
        &out.join("subject-access.pdf"),
    )?;
    let results = render_batch(&items, &branding, |done, total| eprintln!("{done}/{total}"));
    for ((name, _), result) in documents.iter().zip(results) {
        save_document(&result?, &out.join(format!("{name}.pdf")))?;
    }
    Ok(())
}
