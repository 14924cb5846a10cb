use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;
use crate::figure::{Figure, Figures};
use crate::measure as m;

fn report(period: &str, figures: Figures) -> Report {
    Report {
        period: Period::parse(period).unwrap(),
        figures,
        burglary_by_month: Vec::new(),
        work_started: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
        hardened_by_month: Vec::new(),
        spend_by_quarter: Vec::new(),
        day_of_action_funnel: Vec::new(),
        referrals_by_agency: Vec::new(),
        caveats: Vec::new(),
    }
}

fn built_in(id: &str) -> ReturnMapping {
    let (label, text) = BUILT_IN_RETURNS
        .iter()
        .find(|(label, _)| label.contains(id))
        .unwrap();
    ReturnMapping::parse(label, text).unwrap()
}

fn workbook(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
    open_workbook_from_rs(Cursor::new(bytes)).expect("the workbook opens")
}

fn cell(wb: &mut Xlsx<Cursor<Vec<u8>>>, sheet: &str, row: u32, col: u32) -> Data {
    let range = wb.worksheet_range(sheet).expect("the sheet exists");
    range.get_value((row, col)).cloned().unwrap_or(Data::Empty)
}

fn text(s: &str) -> Data {
    Data::String(s.to_owned())
}

/// The CSV's records, after checking the byte-order mark and the line ends.
fn csv_records(bytes: &[u8]) -> Vec<Vec<String>> {
    let body = bytes
        .strip_prefix("\u{feff}".as_bytes())
        .expect("the CSV starts with a byte-order mark");
    let s = std::str::from_utf8(body).expect("the CSV is UTF-8");
    assert!(s.ends_with("\r\n"), "every line ends in CRLF");
    assert!(
        !s.replace("\r\n", "").contains('\n'),
        "no bare line feed outside a quoted field in these returns"
    );
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body)
        .records()
        .map(|r| {
            r.expect("every CSV record reads, each as wide as the first")
                .iter()
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

#[test]
fn the_built_in_returns_parse_and_have_their_own_ids() {
    let (mappings, errors) = load_returns(BUILT_IN_RETURNS, &[]);
    assert_eq!(errors, vec![], "the shipped returns are valid");
    let ids: Vec<&str> = mappings.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["safer-streets-quarterly", "home-fire-safety-visits"]);
    assert!(mappings.iter().all(ReturnMapping::uses_previous));
}

const GOOD: &str = r#"id = "test-return"
name = "Test"
version = "1"

[[sheet]]
name = "Outputs"
columns = ["Output", "This quarter", "Previous quarter"]

[[sheet.row]]
label = "Surveys"
cells = [
    { column = "This quarter", measure = "surveys" },
    { column = "Previous quarter", measure = "surveys", period = "previous" },
]
"#;

#[test]
fn a_bad_mapping_is_refused_with_its_file_line_and_what_to_do() {
    assert!(ReturnMapping::parse("t.toml", GOOD).is_ok());
    let cells = r#"cells = [
    { column = "This quarter", measure = "surveys" },
    { column = "Previous quarter", measure = "surveys", period = "previous" },
]
"#;
    let long = format!("label = \"{}\"", ["Surveys"; 63].join(" "));
    // (case, text replaced, its replacement, line, part of the reason)
    let table: &[(&str, &str, &str, usize, &str)] = &[
        (
            "unknown measure",
            r#"measure = "surveys" }"#,
            r#"measure = "plans.platinum" }"#,
            12,
            r#""plans.platinum" is not a measure Doorstep computes; the measures are listed in docs/reports.md"#,
        ),
        (
            "duplicate cell",
            r#"{ column = "Previous quarter", measure = "surveys", period"#,
            r#"{ column = "This quarter", measure = "surveys", period"#,
            13,
            r#"the row "Surveys" fills the column "This quarter" twice: keep one of the two cells"#,
        ),
        (
            "unknown column",
            r#"{ column = "This quarter", measure = "surveys" }"#,
            r#"{ column = "Next quarter", measure = "surveys" }"#,
            12,
            r#""Next quarter" is not a column of the sheet "Outputs": use one of "This quarter", "Previous quarter""#,
        ),
        (
            "the label column",
            r#"{ column = "This quarter", measure = "surveys" }"#,
            r#"{ column = "Output", measure = "surveys" }"#,
            12,
            "which holds the rows' labels",
        ),
        (
            "bad TOML",
            r#"label = "Surveys""#,
            r#"label = "Surveys"#,
            10,
            "the format is in docs/reports.md",
        ),
        (
            "unknown field",
            r#"measure = "surveys" }"#,
            r#"measur = "surveys" }"#,
            12,
            "unknown field `measur`",
        ),
        (
            "unknown period",
            r#"period = "previous""#,
            r#"period = "next""#,
            13,
            "unknown variant `next`",
        ),
        (
            "duplicate column",
            r#""Previous quarter"]"#,
            r#""This quarter"]"#,
            7,
            r#"two columns headed "This quarter""#,
        ),
        (
            "a sheet with no figures",
            cells,
            "",
            6,
            r#"the sheet "Outputs" has no figures"#,
        ),
        (
            "a reserved sheet name",
            r#"name = "Outputs""#,
            r#"name = "notes""#,
            6,
            "is reserved",
        ),
        (
            "a label too long for a cell",
            r#"label = "Surveys""#,
            long.as_str(),
            10,
            "the row label is 503 characters long",
        ),
        (
            "a bad id",
            r#"id = "test-return""#,
            r#"id = "Test Return""#,
            1,
            "lower-case letters",
        ),
    ];
    for (case, from, to, line, reason) in table {
        assert!(GOOD.contains(from), "{case}: the text to replace is there");
        let bad = GOOD.replacen(from, to, 1);
        let err = ReturnMapping::parse("t.toml", &bad)
            .expect_err(case)
            .to_string();
        assert!(
            err.starts_with(&format!("t.toml line {line}: ")),
            "{case}: the error names the file and line {line}: {err}"
        );
        assert!(
            err.contains(reason),
            "{case}: the reason says what is wrong: {err}"
        );
    }
}

#[test]
fn an_unknown_measure_error_reads_as_a_sentence() {
    let bad = GOOD.replacen(
        r#"measure = "surveys" }"#,
        r#"measure = "plans.platinum" }"#,
        1,
    );
    assert_eq!(
        ReturnMapping::parse("safer-streets.toml", &bad)
            .unwrap_err()
            .to_string(),
        "safer-streets.toml line 12: \"plans.platinum\" is not a measure Doorstep computes; the measures are listed in docs/reports.md"
    );
}

#[test]
fn a_council_file_replaces_a_built_in_only_when_it_parses() {
    let own = GOOD.replace("test-return", "safer-streets-quarterly");
    let bad = own.replace(r#"measure = "surveys" }"#, r#"measure = "nope" }"#);
    let new = GOOD.to_owned();

    let (mappings, errors) = load_returns(
        BUILT_IN_RETURNS,
        &[("reference/returns/ss.toml".to_owned(), own.clone())],
    );
    assert!(errors.is_empty());
    assert_eq!(mappings.len(), 2, "replaced, not added");
    assert_eq!(mappings[0].file, "reference/returns/ss.toml");
    assert_eq!(mappings[0].sheets[0].rows.len(), 1);

    let (mappings, errors) = load_returns(
        BUILT_IN_RETURNS,
        &[
            ("reference/returns/ss.toml".to_owned(), bad.clone()),
            ("reference/returns/new.toml".to_owned(), new.clone()),
        ],
    );
    assert_eq!(errors.len(), 1, "the faulty file is reported");
    assert!(
        errors[0]
            .to_string()
            .starts_with("reference/returns/ss.toml line 12: \"nope\"")
    );
    assert_eq!(
        mappings[0].file, "assets/returns/safer-streets-quarterly.toml",
        "the built-in stays"
    );
    assert_eq!(
        mappings.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
        [
            "safer-streets-quarterly",
            "home-fire-safety-visits",
            "test-return"
        ]
    );

    // A council's own return, once good, survives a bad edit.
    let (before, _) = load_returns(
        BUILT_IN_RETURNS,
        &[
            ("reference/returns/ss.toml".to_owned(), own),
            ("reference/returns/new.toml".to_owned(), new.clone()),
        ],
    );
    let broken_new = new.replace("\"surveys\" }", "\"surveys\" ");
    let (after, errors) = reload_returns(
        &before,
        BUILT_IN_RETURNS,
        &[
            ("reference/returns/ss.toml".to_owned(), bad),
            ("reference/returns/new.toml".to_owned(), broken_new),
        ],
    );
    assert_eq!(errors.len(), 2);
    assert_eq!(after, before, "each file's previous good mapping stays");

    // Two council files with one id: the second is refused.
    let (mappings, errors) = load_returns(
        &[],
        &[
            ("a.toml".to_owned(), new.clone()),
            ("b.toml".to_owned(), new),
        ],
    );
    assert_eq!(mappings.len(), 1);
    assert_eq!(
        errors[0].to_string(),
        "b.toml line 1: the council file a.toml already has the id \"test-return\": give each return its own id"
    );
}

fn sample_figures() -> Figures {
    let mut f = Figures::default();
    f.set(m::SURVEYS, Figure::count(120));
    f.set(m::VISITS_NO_ACCESS, Figure::count(4));
    f.set(m::PLANS, Figure::count(40));
    f.set(m::PLANS_GOLD, Figure::count(0));
    f.set(m::PLANS_SILVER, Figure::count(5));
    f.set(m::PLANS_BRONZE, Figure::count(35));
    f.set(m::ITEMS_FITTED, Figure::count(1_204));
    f.set(
        m::SPEND_COMMITTED,
        Figure::Pence {
            pence: 12_345_678,
            homes: Some(40),
        },
    );
    f.set(
        m::SPEND_AVERAGE,
        Figure::Pence {
            pence: 45_000,
            homes: Some(3),
        },
    );
    f.set(
        m::BUDGET,
        Figure::Pence {
            pence: 50_000_000,
            homes: None,
        },
    );
    f.set(
        m::BUDGET_USED,
        Figure::Share {
            part: 30,
            whole: 120,
        },
    );
    f.set(
        m::REPEAT_28,
        Figure::Share {
            part: 2,
            whole: 120,
        },
    );
    f.set(
        m::DAYS_BURGLARY_TO_VISIT,
        Figure::Days {
            median: Some(9),
            cases: 6,
        },
    );
    f.set(
        m::FEEL_SAFE_AFTER,
        Figure::Score {
            sum: 38,
            answers: 10,
        },
    );
    f.set(m::CRIME_TARGET, Figure::count(31));
    f.set(m::CRIME_TARGET_BASELINE, Figure::count(44));
    f
}

#[test]
fn the_safer_streets_workbook_reads_back_cell_by_cell() {
    let mut before = Figures::default();
    before.set(m::SURVEYS, Figure::count(98));
    let mut now = report("2026-27 Q1", sample_figures());
    now.caveats = vec![crate::engine::CAVEAT_REGRESSION];
    let filled = built_in("safer-streets").fill_with_baseline(
        &now,
        Some(&report("2025-26 Q4", before)),
        Threshold::default(),
    );
    let mut wb = workbook(filled.to_xlsx().unwrap());
    assert_eq!(
        wb.sheet_names(),
        ["Outputs", "Spend", "Outcomes", "Notes"],
        "one tab per sheet, then the notes"
    );

    let o = "Outputs";
    let expect: &[(&str, u32, u32, Data)] = &[
        (
            o,
            0,
            0,
            text("Outputs: homes surveyed, plans and homes hardened"),
        ),
        (o, 1, 0, text("Period: Q1 2026–27 (April to June 2026)")),
        (o, 3, 0, text("Output")),
        (o, 3, 1, text("This quarter")),
        (o, 3, 2, text("Previous quarter")),
        (o, 4, 0, text("Home security surveys completed")),
        (o, 4, 1, Data::Float(120.0)),
        (o, 4, 2, Data::Float(98.0)),
        (o, 5, 0, text("Visits where there was no answer")),
        (o, 5, 1, text("[c]")),
        (o, 5, 2, text("–")),
        (o, 6, 1, Data::Float(40.0)),
        (o, 7, 0, text("  of which gold")),
        (o, 7, 1, Data::Float(0.0)),
        (o, 7, 2, Data::Empty),
        (o, 8, 1, Data::Float(5.0)),
        (o, 9, 1, Data::Float(35.0)),
        (o, 13, 1, Data::Float(1_204.0)),
        (o, 14, 1, text("–")),
        ("Spend", 4, 0, text("Spend committed (plans approved)")),
        ("Spend", 4, 1, Data::Float(123_456.78)),
        ("Spend", 6, 1, text("[c]")),
        ("Spend", 8, 1, Data::Float(500_000.0)),
        ("Spend", 9, 1, Data::Float(0.25)),
        ("Outcomes", 4, 0, text("Repeat victimisation")),
        ("Outcomes", 4, 1, Data::Empty),
        ("Outcomes", 6, 1, text("[c]")),
        ("Outcomes", 9, 1, Data::Float(9.0)),
        ("Outcomes", 12, 1, Data::Float(3.8)),
        ("Outcomes", 15, 1, Data::Float(31.0)),
        ("Outcomes", 15, 2, Data::Float(44.0)),
        (
            "Notes",
            0,
            0,
            text("Safer Streets quarterly monitoring return"),
        ),
        ("Notes", 2, 0, text("Return")),
        (
            "Notes",
            2,
            1,
            text("Safer Streets quarterly monitoring return (version 2026.1)"),
        ),
        ("Notes", 4, 0, text("Period")),
        ("Notes", 4, 1, text("Q1 2026–27 (April to June 2026)")),
        ("Notes", 5, 1, text("Q4 2025–26 (January to March 2026)")),
        ("Notes", 7, 1, text(SUPPRESSED_NOTE)),
        ("Notes", 9, 1, text(CAVEAT_SMALL_NUMBERS)),
        ("Notes", 10, 1, text(crate::engine::CAVEAT_REGRESSION)),
    ];
    for (sheet, row, col, want) in expect {
        assert_eq!(
            &cell(&mut wb, sheet, *row, *col),
            want,
            "{sheet} row {} column {}",
            row + 1,
            col + 1
        );
    }
    let outputs_rows = u32::try_from(filled.sheets[0].rows.len()).unwrap();
    assert_eq!(
        cell(&mut wb, o, XLSX_HEADER_ROW + outputs_rows + 2, 0),
        text(SUPPRESSED_NOTE),
        "the note is beside the table that hides a figure"
    );
}

#[test]
fn numbers_are_written_as_numbers_in_their_unit_s_format() {
    let filled = built_in("safer-streets").fill(
        &report("2026-27 Q1", sample_figures()),
        Threshold::default(),
    );
    let mut zip = zip::ZipArchive::new(Cursor::new(filled.to_xlsx().unwrap())).unwrap();
    let mut styles = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/styles.xml").unwrap(), &mut styles).unwrap();
    for format in ["#,##0", "£#,##0.00", "0.0%", "0", "0.0"] {
        assert!(
            styles.contains(&format!("formatCode=\"{format}\"")),
            "the workbook has the format {format}: {styles}"
        );
    }
}

#[test]
fn a_group_of_four_is_suppressed_in_both_files_and_five_is_shown() {
    let mapping = built_in("safer-streets");
    for (count, xlsx, csv) in [
        (4, text("[c]"), "[c]"),
        (5, Data::Float(5.0), "5"),
        (0, Data::Float(0.0), "0"),
    ] {
        let mut f = Figures::default();
        f.set(m::SURVEYS, Figure::count(count));
        let filled = mapping.fill(&report("2026-27 Q1", f), Threshold::default());
        let mut wb = workbook(filled.to_xlsx().unwrap());
        assert_eq!(cell(&mut wb, "Outputs", 4, 1), xlsx, "{count} in the XLSX");
        let records = csv_records(&filled.to_csv());
        assert_eq!(
            records[0],
            ["sheet", "Output", "This quarter", "Previous quarter"]
        );
        assert_eq!(
            records[1],
            ["Outputs", "Home security surveys completed", csv, "–"],
            "{count} in the CSV"
        );
    }
    // The threshold is configurable: 4 is shown under a threshold of 3.
    let mut f = Figures::default();
    f.set(m::SURVEYS, Figure::count(4));
    let filled = mapping.fill(&report("2026-27 Q1", f), Threshold::new(3));
    assert_eq!(csv_records(&filled.to_csv())[1][2], "4");
}

#[test]
fn the_fire_return_writes_one_sheet_without_a_sheet_column() {
    let mut f = Figures::default();
    f.set(m::DOA_DAYS, Figure::count(6));
    f.set(m::DOA_KNOCKED, Figure::count(1_480));
    f.set(
        m::DOA_OLDER_OR_DISABLED,
        Figure::Share {
            part: 45,
            whole: 120,
        },
    );
    let filled = built_in("home-fire").fill(&report("2026-27 Q2", f), Threshold::default());
    let records = csv_records(&filled.to_csv());
    assert_eq!(records[0], ["Measure", "This quarter", "Previous quarter"]);
    assert_eq!(records[1], ["Days of action", "6", "–"]);
    assert_eq!(records[2], ["Doors knocked", "1480", "–"]);
    assert_eq!(
        records[6],
        [
            "CHARLIE checks of a resident over 65 or with reduced mobility (share)",
            "37.5%",
            "–"
        ]
    );
    assert!(
        records.contains(&vec![
            "Period".to_owned(),
            "Q2 2026–27 (July to September 2026)".to_owned(),
            String::new()
        ]),
        "the notes give the period in words"
    );
    let mut wb = workbook(filled.to_xlsx().unwrap());
    assert_eq!(cell(&mut wb, "Home fire safety", 9, 1), Data::Float(0.375));
}

#[test]
fn text_cells_are_defused_and_quoted_in_the_csv() {
    let mapping = ReturnMapping::parse(
        "t.toml",
        &GOOD
            .replace(
                r#"label = "Surveys""#,
                r#"label = "=HYPERLINK(\"x\"), now""#,
            )
            .replace(r#"name = "Outputs""#, r#"name = "+Out""#),
    )
    .unwrap();
    let filled = mapping.fill(
        &report("2026-27 Q1", Figures::default()),
        Threshold::default(),
    );
    let bytes = filled.to_csv();
    let records = csv_records(&bytes);
    assert_eq!(records[1][0], "'=HYPERLINK(\"x\"), now");
    let mut wb = workbook(filled.to_xlsx().unwrap());
    assert_eq!(
        cell(&mut wb, "+Out", 4, 0),
        text("=HYPERLINK(\"x\"), now"),
        "the workbook holds it as text, never a formula"
    );
}

/// A random figure of a measure's unit, counts from 0 to 49.
fn figure_of(unit: Unit) -> BoxedStrategy<Figure> {
    let n = 0u64..50;
    match unit {
        Unit::Count => n.prop_map(Figure::count).boxed(),
        Unit::Pence => (0i64..5_000_000, proptest::option::of(n))
            .prop_map(|(pence, homes)| Figure::Pence { pence, homes })
            .boxed(),
        Unit::Share => (n.clone(), n)
            .prop_map(|(a, b)| Figure::Share {
                part: a.min(b),
                whole: a.max(b),
            })
            .boxed(),
        Unit::Days => (proptest::option::of(0i64..400), n)
            .prop_map(|(median, cases)| Figure::Days {
                median: median.filter(|_| cases > 0),
                cases,
            })
            .boxed(),
        Unit::Score => (n.clone(), n)
            .prop_map(|(sum, answers)| Figure::Score {
                sum: sum.max(answers).min(5 * answers),
                answers,
            })
            .boxed(),
    }
}

/// Figures for every measure, some left out.
fn figures() -> impl Strategy<Value = Figures> {
    m::ALL
        .iter()
        .map(|measure| proptest::option::weighted(0.9, figure_of(measure.unit)))
        .collect::<Vec<_>>()
        .prop_map(|values| {
            let mut f = Figures::default();
            for (measure, value) in m::ALL.iter().zip(values) {
                if let Some(v) = value {
                    f.set(*measure, v);
                }
            }
            f
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// No shipped return, in either file, ever shows a figure resting on a count from 1 to
    /// one below the threshold; every such cell is "[c]", and both files open.
    #[test]
    fn no_return_ever_shows_a_small_count(
        now in figures(),
        before in figures(),
        threshold in 1u32..12,
    ) {
        let threshold = Threshold::new(threshold);
        let now = report("2026-27 Q1", now);
        let before = report("2025-26 Q4", before);
        for (label, toml) in BUILT_IN_RETURNS {
            let mapping = ReturnMapping::parse(label, toml).unwrap();
            let filled = mapping.fill_with_baseline(&now, Some(&before), threshold);
            let mut wb = workbook(filled.to_xlsx().unwrap());
            let records = csv_records(&filled.to_csv());
            let prefix = usize::from(filled.sheets.len() > 1);
            let mut csv_row = 0;
            for sheet in &filled.sheets {
                let range = wb.worksheet_range(&sheet.name).unwrap();
                csv_row += 1; // the sheet's header line
                for (r, cells) in sheet.rows.iter().enumerate() {
                    for (c, cell) in cells.iter().enumerate() {
                        let pos = (XLSX_HEADER_ROW + 1 + u32::try_from(r).unwrap(), u32::try_from(c).unwrap());
                        let in_xlsx = range.get_value(pos).cloned().unwrap_or(Data::Empty);
                        let in_csv = &records[csv_row][prefix + c];
                        let Cell::Figure { measure, period, .. } = cell else {
                            prop_assert!(!matches!(in_xlsx, Data::Float(_) | Data::Int(_)), "a number only where a figure is mapped");
                            continue;
                        };
                        let source = match period { PeriodChoice::Current => &now, PeriodChoice::Previous => &before };
                        let Some(figure) = source.figures.get(measure) else {
                            prop_assert_eq!(in_csv, "–");
                            continue;
                        };
                        if figure.counts().into_iter().any(|n| threshold.hides(n)) {
                            prop_assert_eq!(&in_xlsx, &text("[c]"), "{} {:?} in the XLSX", measure.key, figure);
                            prop_assert_eq!(in_csv, "[c]", "{} {:?} in the CSV", measure.key, figure);
                        }
                        if measure.unit == Unit::Count {
                            for value in [
                                match in_xlsx { Data::Float(v) => Some(v), _ => None },
                                in_csv.parse::<f64>().ok(),
                            ].into_iter().flatten() {
                                prop_assert!(
                                    value == 0.0 || value >= f64::from(threshold.get()),
                                    "{} shows {} under a threshold of {}", measure.key, value, threshold.get()
                                );
                            }
                        }
                    }
                    csv_row += 1;
                }
            }
        }
    }
}
