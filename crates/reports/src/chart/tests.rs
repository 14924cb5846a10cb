#![allow(clippy::expect_used, clippy::unwrap_used)]

use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::events::Event;

use super::scene::Item;
use super::*;
use crate::engine::{AgencyReferrals, Report};
use crate::figure::Threshold;
use crate::sample;

fn charts(report: &Report) -> Vec<Chart> {
    dashboard(report, Threshold::default(), &sample::agency_name)
}

/// Every element's name, every <title>'s text, and all text content, after checking that
/// the SVG is well-formed XML: quick-xml refuses broken markup, and every entity must be
/// one of XML's own.
struct Parsed {
    elements: Vec<String>,
    titles: Vec<String>,
    texts: Vec<String>,
    root_attributes: Vec<(String, String)>,
}

fn parse(svg: &str) -> Parsed {
    let mut reader = Reader::from_str(svg);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut parsed = Parsed {
        elements: Vec::new(),
        titles: Vec::new(),
        texts: Vec::new(),
        root_attributes: Vec::new(),
    };
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                if parsed.elements.is_empty() {
                    for a in e.attributes() {
                        let a = a.expect("attribute");
                        parsed.root_attributes.push((
                            a.key.0.to_owned(),
                            a.normalized_value(XmlVersion::Implicit1_0)
                                .expect("value")
                                .into_owned(),
                        ));
                    }
                }
                parsed.elements.push(e.name().0.to_owned());
                stack.push(e.name().0.to_owned());
                text.clear();
            }
            Event::Empty(e) => parsed.elements.push(e.name().0.to_owned()),
            Event::End(e) => {
                assert_eq!(stack.pop().as_deref(), Some(e.name().0), "nesting");
                if !text.is_empty() {
                    if e.name().0 == "title" {
                        parsed.titles.push(text.clone());
                    }
                    parsed.texts.push(std::mem::take(&mut text));
                }
            }
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref().expect("character reference") {
                    Some(c) => c,
                    None => match &*r.xml10_content() {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        other => panic!("unknown entity &{other};"),
                    },
                };
                text.push(c);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(stack.is_empty(), "every element is closed");
    parsed
}

#[test]
fn the_dashboard_has_the_seven_charts_each_with_a_title_and_summary() {
    let charts = charts(&sample::report());
    let ids: Vec<&str> = charts.iter().map(|c| c.id).collect();
    assert_eq!(
        ids,
        [
            "burglary-by-month",
            "homes-hardened",
            "spend-by-quarter",
            "items-by-category",
            "day-of-action-funnel",
            "repeat-victimisation",
            "referrals-by-agency"
        ]
    );
    for c in &charts {
        assert!(!c.title.is_empty() && c.summary.ends_with('.'), "{c:?}");
    }
}

#[test]
fn every_svg_is_well_formed_and_named_and_described() {
    for chart in charts(&sample::report()) {
        let svg = chart.to_svg();
        let parsed = parse(&svg);
        assert_eq!(parsed.elements[0], "svg");
        let attr = |k: &str| {
            parsed
                .root_attributes
                .iter()
                .find(|(a, _)| a == k)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(attr("role").as_deref(), Some("img"), "{}", chart.id);
        assert_eq!(
            attr("aria-labelledby"),
            Some(format!("{0}-title {0}-desc", chart.id)),
            "the accessible name and description point at the title and desc"
        );
        assert!(attr("viewBox").is_some());
        assert_eq!(
            parsed.titles[0], chart.title,
            "first <title> is the chart's"
        );
        assert!(parsed.elements.contains(&"desc".to_owned()));
        assert!(parsed.texts.contains(&chart.summary));
        assert!(
            !svg.contains("<script") && !svg.contains("href"),
            "no scripts, no external resources"
        );
        // Every bar and point carries its value in words.
        let marks = chart
            .scene()
            .items
            .iter()
            .filter(|i| {
                matches!(
                    i,
                    Item::Rect { title: Some(_), .. } | Item::Marker { title: Some(_), .. }
                )
            })
            .count();
        assert_eq!(parsed.titles.len(), marks + 1, "{}", chart.id);
    }
}

#[test]
fn a_suppressed_value_is_never_drawn_as_a_bar_or_point_nor_written_as_a_number() {
    let report = sample::report();
    let charts = charts(&report);
    let funnel = charts
        .iter()
        .find(|c| c.id == "day-of-action-funnel")
        .unwrap();
    // Three homes fitted: fewer than five, so hidden.
    assert_eq!(funnel.series[0].values[4].text, "[c]");
    assert!(funnel.series[0].values[4].value.is_none());
    for chart in &charts {
        let scene = chart.scene();
        let parsed = parse(&chart.to_svg());
        for s in &chart.series {
            for (i, v) in s.values.iter().enumerate() {
                if !v.suppressed() {
                    continue;
                }
                let label = &chart.labels[i];
                let drawn = scene.items.iter().any(|item| match item {
                    Item::Rect { title: Some(t), .. } | Item::Marker { title: Some(t), .. } => {
                        t.starts_with(&format!("{label}, {}", s.name))
                            || *t == format!("{label}: [c]")
                    }
                    _ => false,
                });
                assert!(!drawn, "{}: {label} is hidden but drawn", chart.id);
            }
        }
        // The raw small counts of the sample never appear as numbers in any title.
        for t in &parsed.titles {
            assert!(
                !t.ends_with(": 3") && !t.ends_with(": 2") && !t.ends_with(": 1"),
                "{t}"
            );
        }
        if chart.has_suppressed() {
            assert!(chart.summary.contains("[c]"), "{}", chart.id);
            assert!(chart.caveats.contains(&crate::figure::SUPPRESSED_NOTE));
        }
    }
    let referrals = charts
        .iter()
        .find(|c| c.id == "referrals-by-agency")
        .unwrap();
    let svg = referrals.to_svg();
    assert!(svg.contains(">[c]<"), "a hidden bar is labelled [c]");
    // Age UK's one declined referral and two unanswered ones are hidden.
    let age = referrals.table().rows[0].clone();
    assert_eq!(age, ["Age UK Exampleby", "11", "[c]", "[c]"]);
}

#[test]
fn a_hostile_agency_name_is_escaped_everywhere() {
    let mut report = sample::report();
    report.referrals_by_agency.push(AgencyReferrals {
        agency: "evil".to_owned(),
        by_status: [(doorstep_core::fire::referral::ReferralStatus::Accepted, 9)]
            .into_iter()
            .collect(),
    });
    let hostile = "<script>alert(1)</script>&\"'\u{1}=cmd";
    let charts = dashboard(&report, Threshold::default(), &|id: &str| {
        if id == "evil" {
            hostile.to_owned()
        } else {
            sample::agency_name(id)
        }
    });
    let chart = charts
        .iter()
        .find(|c| c.id == "referrals-by-agency")
        .unwrap();
    let svg = chart.to_svg();
    assert!(!svg.contains("<script"), "markup in a name stays text");
    let parsed = parse(&svg);
    assert!(
        parsed
            .titles
            .iter()
            .any(|t| t.starts_with("<script>alert(1)</script>&\"'=cmd, Accepted")),
        "the name reads back as written, control character dropped: {:?}",
        parsed.titles
    );
    let csv = String::from_utf8(chart.to_csv()).unwrap();
    assert!(
        csv.contains("\"<script>alert(1)</script>&\"\"'\u{1}=cmd\""),
        "quoted in the CSV: {csv}"
    );
    let mut formula = report.clone();
    formula.referrals_by_agency.truncate(1);
    formula.referrals_by_agency[0].agency = "=HYPERLINK(\"x\")".to_owned();
    let charts = dashboard(&formula, Threshold::default(), &|id: &str| id.to_owned());
    let csv = String::from_utf8(charts[6].to_csv()).unwrap();
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"x\"\")\""),
        "a formula is defused: {csv}"
    );
}

#[test]
fn the_table_and_csv_say_what_the_svg_draws() {
    for chart in charts(&sample::report()) {
        let table = chart.table();
        assert_eq!(table.caption, chart.title);
        assert_eq!(table.headers.len(), chart.series.len() + 1);
        let svg = chart.to_svg();
        let parsed = parse(&svg);
        for (i, row) in table.rows.iter().take(chart.labels.len()).enumerate() {
            assert_eq!(row.len(), table.headers.len());
            for (s, cell) in chart.series.iter().zip(&row[1..]) {
                assert_eq!(*cell, s.values[i].text);
                if s.values[i].value.is_some() {
                    let title = if chart.series.len() > 1 {
                        format!("{}, {}: {cell}", row[0], s.name)
                    } else {
                        format!("{}: {cell}", row[0])
                    };
                    let drawn = parsed.titles.contains(&title);
                    // A zero-length bar is not drawn, but its value is still written.
                    assert!(
                        drawn || s.values[i].value == Some(0.0),
                        "{}: {title} not in the SVG",
                        chart.id
                    );
                }
            }
        }
        for r in &chart.references {
            assert!(
                table
                    .rows
                    .iter()
                    .any(|row| row[0] == r.label && row[1] == r.text),
                "reference {} in the table",
                r.label
            );
        }
        let csv = chart.to_csv();
        assert!(csv.starts_with("\u{feff}".as_bytes()), "a byte-order mark");
        let csv = String::from_utf8(csv).unwrap();
        let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert_eq!(lines.len(), table.rows.len() + 2, "CRLF after every row");
        assert_eq!(lines.last(), Some(&""));
        assert_eq!(lines[0].split(',').count(), table.headers.len());
    }
}

#[test]
fn the_burglary_chart_marks_the_start_and_the_baseline() {
    let charts = charts(&sample::report());
    let c = &charts[0];
    let marked = c.marked.as_ref().expect("the start is marked");
    assert_eq!(c.labels[marked.at], "Apr 2026");
    assert!(marked.label.contains("1 Apr 2026"));
    // The twelve months before the start average 13.1 in the target areas.
    assert_eq!(c.references[0].text, "13.1");
    assert!(
        c.summary.contains("13.1 a month in the 12 months before"),
        "{}",
        c.summary
    );
    assert!(c.caveats.contains(&crate::engine::CAVEAT_REGRESSION));
    // June 2026's three burglaries are hidden and leave a gap in the line.
    assert_eq!(c.series[0].values[14].text, "[c]");
    let gaps = c
        .scene()
        .items
        .iter()
        .filter(|i| matches!(i, Item::Line { colour, .. } if *colour == PALETTE[0]))
        .count();
    assert!(
        gaps >= 3,
        "the target line breaks at the hidden month (legend + 2 runs)"
    );
}

#[test]
fn targets_and_budgets_are_reference_lines() {
    let charts = charts(&sample::report());
    assert_eq!(charts[1].references[0].text, "250");
    assert!(
        charts[1]
            .summary
            .starts_with("103 homes hardened by the end of September 2026: 41%")
    );
    assert_eq!(charts[2].references[0].text, "£250,000");
    assert!(
        charts[2].summary.contains("16% of the budget"),
        "{}",
        charts[2].summary
    );
}

#[test]
fn an_empty_report_draws_and_says_nothing_to_show() {
    let mut report = sample::report();
    report.referrals_by_agency.clear();
    report.burglary_by_month.clear();
    let charts = charts(&report);
    for c in [&charts[0], &charts[6]] {
        assert!(c.to_svg().contains("Nothing to show"), "{}", c.id);
        parse(&c.to_svg());
        assert_eq!(c.table().rows.len(), c.references.len());
    }
}

#[test]
fn colours_meet_contrast_and_series_differ_without_colour() {
    for c in PALETTE {
        assert!(
            c.contrast_on_white() >= 4.5,
            "{} only {:.2}",
            c.hex(),
            c.contrast_on_white()
        );
    }
    assert!(INK.contrast_on_white() >= 4.5 && MUTED.contrast_on_white() >= 4.5);
    let styles: Vec<SeriesStyle> = (0..3).map(SeriesStyle::nth).collect();
    for (i, a) in styles.iter().enumerate() {
        for b in &styles[i + 1..] {
            assert!(a.fill != b.fill && a.dash != b.dash && a.shape != b.shape);
        }
    }
}

#[test]
fn ticks_are_round() {
    let chart = |max: f64, unit| Chart {
        id: "t",
        title: "T".into(),
        summary: "S.".into(),
        kind: Kind::Columns,
        label_title: "L".into(),
        labels: vec!["a".into()],
        value_title: "V".into(),
        unit,
        series: vec![Series {
            name: "s".into(),
            values: vec![Value {
                value: Some(max),
                text: "x".into(),
            }],
            style: SeriesStyle::nth(0),
        }],
        references: Vec::new(),
        marked: None,
        caveats: Vec::new(),
    };
    let ticks = |c: &Chart| -> Vec<String> {
        c.scene()
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Text { text, size, .. } if *size == 12.0 && text != "x" && text != "a" => {
                    Some(text.clone())
                }
                _ => None,
            })
            .collect()
    };
    assert_eq!(ticks(&chart(13.0, Unit::Count)), ["0", "5", "10", "15"]);
    assert_eq!(ticks(&chart(3.0, Unit::Count)), ["0", "1", "2", "3"]);
    assert_eq!(
        ticks(&chart(250_000.0, Unit::Pounds)),
        ["£0", "£50k", "£100k", "£150k", "£200k", "£250k"]
    );
    assert_eq!(
        ticks(&chart(0.0, Unit::Percent)),
        ["0%", "1%", "2%", "3%", "4%", "5%"]
    );
}

/// For a person to look at: `DOORSTEP_CHART_DIR=/tmp/charts cargo test -p doorstep-reports
/// write_svgs` writes every sample chart as SVG there.
#[test]
fn write_svgs_for_review() {
    let Some(dir) = std::env::var_os("DOORSTEP_CHART_DIR") else {
        return;
    };
    std::fs::create_dir_all(&dir).unwrap();
    let charts = charts(&sample::report());
    let mut page = String::from("<!doctype html><meta charset=utf-8><body style='width:640px'>");
    for c in &charts {
        std::fs::write(
            std::path::Path::new(&dir).join(format!("{}.svg", c.id)),
            c.to_svg(),
        )
        .unwrap();
        page.push_str(&format!("<h2>{}</h2>{}", svg::escape(&c.title), c.to_svg()));
    }
    std::fs::write(std::path::Path::new(&dir).join("all.html"), page).unwrap();
}

#[test]
fn charts_of_a_report_computed_from_nothing_draw_and_say_so() {
    use crate::engine::{Categories, Scope, compute};
    let period = crate::period::Period::parse("2026-27 Q1").unwrap();
    let scope = Scope {
        period,
        team: None,
        area: None,
        scheme: None,
        threshold: Threshold::default(),
    };
    let report = compute(&[], &[], &scope, &Categories::default());
    let charts = dashboard(&report, Threshold::default(), &|id: &str| id.to_owned());
    assert_eq!(charts.len(), 7);
    for c in &charts {
        parse(&c.to_svg());
        assert!(!c.has_suppressed(), "zero is never hidden");
        assert!(c.summary.ends_with('.'), "{}", c.summary);
    }
    assert!(charts[1].references.is_empty(), "no scheme, so no target");
    assert!(
        charts[0]
            .summary
            .starts_with("No police recorded burglary data")
    );
    assert_eq!(charts[6].summary, "No referrals were made in this period.");
}
