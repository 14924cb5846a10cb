//! Document benchmarks: a three-page resident plan (target ≤ 20 ms), work orders per second
//! on one core (target ≥ 100/s), a day-of-action batch of 300 documents with progress
//! (target ≤ 3 s), and peak heap per document, measured with a counting global allocator.
//!
//! Run with `cargo bench -p doorstep-pdf`.

#![allow(clippy::print_stdout, clippy::expect_used, clippy::unwrap_used)]

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use doorstep_pdf::{
    Branding, Document, render_batch, render_day_of_action, render_referral, render_resident_plan,
    render_work_order, sample,
};
use peak_alloc::PeakAlloc;

/// Counts every allocation so the peak heap of one render can be read off.
#[global_allocator]
static ALLOCATOR: PeakAlloc = PeakAlloc;

fn branding() -> Branding {
    let council = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/branding/council.toml");
    let branding = Branding::load(&council).expect("branding");
    assert!(branding.has_logo());
    branding
}

/// 300 documents as on a busy day of action: plans, work orders, referrals and a summary.
fn day_of_action_batch() -> Vec<Document> {
    (0..300)
        .map(|i| match i % 10 {
            0..=4 => Document::ResidentPlan(sample::resident_plan()),
            5..=7 => Document::WorkOrder(sample::work_order()),
            8 => Document::Referral(sample::referral()),
            _ => Document::DayOfAction(sample::day_of_action()),
        })
        .collect()
}

/// Number of page objects (`/Type/Page`, not `/Type/Pages`) in a PDF that lopdf wrote.
fn pages(pdf: &[u8]) -> usize {
    let needle = b"/Type/Page";
    pdf.windows(needle.len() + 1)
        .filter(|w| w.starts_with(needle) && w[needle.len()] != b's')
        .count()
}

/// Peak heap above the baseline while rendering once (fonts already parsed and cached).
fn peak_bytes(render: impl FnOnce() -> Vec<u8>) -> (usize, usize) {
    let before = ALLOCATOR.current_usage();
    ALLOCATOR.reset_peak_usage();
    let pdf = render();
    let peak = ALLOCATOR.peak_usage().saturating_sub(before);
    (peak, pdf.len())
}

/// One way to render a sample document.
type Render<'a> = Box<dyn Fn() -> Vec<u8> + 'a>;

fn report_memory(branding: &Branding) {
    let before_fonts = ALLOCATOR.current_usage();
    // Parse and cache the embedded fonts (once per process).
    black_box(render_day_of_action(&sample::day_of_action(), branding).expect("render"));
    let cache = ALLOCATOR.current_usage().saturating_sub(before_fonts);
    println!("\nPeak heap per document (counting allocator; fonts parsed once per process first):");
    println!(
        "  one-time font cache + first render residue: {:.1} MiB",
        cache as f64 / 1_048_576.0
    );
    let plan = sample::resident_plan();
    let long_plan = sample::long_resident_plan();
    let order = sample::work_order();
    let referral = sample::referral();
    let summary = sample::day_of_action();
    let rows: [(&str, Render<'_>); 5] = [
        (
            "resident plan (3 pages)",
            Box::new(|| render_resident_plan(&plan, branding).expect("render")),
        ),
        (
            "resident plan (4 pages)",
            Box::new(|| render_resident_plan(&long_plan, branding).expect("render")),
        ),
        (
            "work order",
            Box::new(|| render_work_order(&order, branding).expect("render")),
        ),
        (
            "referral",
            Box::new(|| render_referral(&referral, branding).expect("render")),
        ),
        (
            "day-of-action summary",
            Box::new(|| render_day_of_action(&summary, branding).expect("render")),
        ),
    ];
    for (name, render) in rows {
        let (peak, size) = peak_bytes(render);
        println!(
            "  {name:<26} peak {:>6.2} MiB   PDF {:>4} KiB",
            peak as f64 / 1_048_576.0,
            size / 1024
        );
    }

    let items = day_of_action_batch();
    let mut calls = 0usize;
    let mut last = (0, 0);
    let start = Instant::now();
    let results = render_batch(&items, branding, |done, total| {
        calls += 1;
        last = (done, total);
    });
    let elapsed = start.elapsed();
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let bytes: usize = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(Vec::len)
        .sum();
    println!(
        "  batch of {}: {ok} rendered in {:.0} ms, {calls} progress calls (last {}/{}), {:.1} MiB of PDF\n",
        items.len(),
        elapsed.as_secs_f64() * 1000.0,
        last.0,
        last.1,
        bytes as f64 / 1_048_576.0
    );
}

fn benches(c: &mut Criterion, branding: &Branding) {
    let plan = sample::resident_plan();
    let pdf = render_resident_plan(&plan, branding).expect("render");
    let page_count = pages(&pdf);
    assert_eq!(page_count, 3, "the sample plan should be three pages");
    c.bench_function("resident_plan_3_pages", |b| {
        b.iter(|| render_resident_plan(black_box(&plan), branding).expect("render"))
    });

    let order = sample::work_order();
    let mut group = c.benchmark_group("work_orders");
    group.throughput(Throughput::Elements(1));
    group.bench_function("work_order", |b| {
        b.iter(|| render_work_order(black_box(&order), branding).expect("render"))
    });
    group.finish();

    let items = day_of_action_batch();
    let mut group = c.benchmark_group("batch");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(items.len() as u64));
    group.bench_function("day_of_action_300", |b| {
        b.iter(|| {
            let mut done = 0;
            let results = render_batch(black_box(&items), branding, |d, _| done = d);
            assert_eq!(done, 300);
            results
        })
    });
    group.finish();
}

fn main() {
    let branding = branding();
    report_memory(&branding);
    let mut criterion = Criterion::default().configure_from_args();
    benches(&mut criterion, &branding);
    criterion.final_summary();
}
