use super::*;
use crate::security::fixtures::*;
use rstest::rstest;

#[test]
fn a_data_file_over_the_cap_is_refused_before_it_is_parsed() {
    // Valid TOML with one enormous value: refused for its size, with the size named.
    let text = format!("id = \"{}\"\n", "a".repeat(MAX_DATA_FILE_BYTES));
    let err = Template::from_toml(&text).expect_err("a file over the cap must be refused");
    assert!(
        err.to_string().contains("too large"),
        "the refusal says the file is too large: {err}"
    );
}

#[test]
fn the_real_asset_files_load_and_agree_with_each_other() {
    let t = template();
    assert_eq!(
        t.id, "home-security-survey",
        "surveys are stored against this id"
    );
    assert!(t.version >= 1, "versions start at 1");
    policy()
        .check_against(&t)
        .expect("every item the policy reads must exist in the template");
    catalogue()
        .check_against(&t)
        .expect("every weakness a measure fixes must exist in the template");
}

#[test]
fn the_residents_circumstances_have_one_notes_box_and_take_no_photos() {
    let t = template();
    let section = t
        .sections
        .iter()
        .find(|s| s.id == "circumstances")
        .expect("section J");
    assert!(
        !section.notes,
        "its own notes question is the only notes box"
    );
    assert!(
        section.items.iter().all(|i| !i.photos),
        "nobody photographs how safe someone feels, or a domestic abuse flag"
    );
    let doors = t.sections.iter().find(|s| s.id == "doors").expect("doors");
    assert!(doors.notes, "other sections keep their notes box");
    assert!(doors.items[0].group_items().iter().any(|i| i.photos));
}

#[rstest]
#[case::on_a_group("answer = \"group\"\ninstance_label = \"Door\"\nphotos = false")]
#[case::on_a_photo("answer = \"photo\"\nphotos = false")]
fn photos_false_is_refused_where_it_means_nothing(#[case] item: &str) {
    let text = format!(
        "id = \"t\"\nversion = 1\ntitle = \"T\"\n[[sections]]\nid = \"s\"\ntitle = \"S\"\n[[sections.items]]\nid = \"x\"\nlabel = \"X\"\n{item}\n"
    );
    match Template::from_toml(&text) {
        Err(LoadError::Invalid(problems)) => assert!(
            problems
                .iter()
                .any(|p| p.contains("\"photos\" does not apply")),
            "{problems:?}"
        ),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn every_weakness_in_the_template_has_a_measure() {
    let t = template();
    let c = catalogue();
    for w in &t.weaknesses {
        assert!(
            c.measures.iter().any(|m| m.addresses.contains(&w.id)),
            "weakness {} has no measure, so a plan could never fix it",
            w.id
        );
    }
}

#[rstest]
#[case(
    "id = \"t\"\nversion = 1\ntitle = \"T\"\n[[sections]]\nid = \"s\"\ntitle = \"S\"\n[[sections.items]]\nid = \"a\"\nlabel = \"A\"\nanswer = \"yes_no\"\nreqired = true\n",
    "reqired"
)]
#[case(
    "id = \"t\"\nversion = 1\ntitle = \"T\"\n[[sections]]\nid = \"s\"\ntitle = \"S\"\n[[sections.items]]\nid = \"a\"\nlabel = \"A\"\nanswer = \"maybe\"\n",
    "unknown answer type"
)]
#[case(
    "id = \"t\"\nversion = 1\ntitle = \"T\"\n[[sections]]\nid = \"s\"\ntitle = \"S\"\n[[sections.items]]\nid = \"a\"\nlabel = \"A\"\nanswer = \"yes_no\"\nshow_if = { item = \"b\", equals = \"yes\" }\n[[sections.items]]\nid = \"b\"\nlabel = \"B\"\nanswer = \"yes_no\"\n",
    "must come before"
)]
#[case(
    "id = \"t\"\nversion = 1\ntitle = \"T\"\n[[sections]]\nid = \"s\"\ntitle = \"S\"\n[[sections.items]]\nid = \"a\"\nlabel = \"A\"\nanswer = \"yes_no\"\n[[sections.items]]\nid = \"b\"\nlabel = \"B\"\nanswer = \"yes_no\"\nshow_if = { item = \"a\", equals = \"perhaps\" }\n",
    "no option \"perhaps\""
)]
#[case(
    "id = \"t\"\nversion = 1\ntitle = \"T\"\n[[sections]]\nid = \"s\"\ntitle = \"S\"\n[[sections.items]]\nid = \"a\"\nlabel = \"A\"\nanswer = \"yes_no\"\n[[sections.items]]\nid = \"a\"\nlabel = \"B\"\nanswer = \"yes_no\"\n",
    "used twice"
)]
#[case(
    "id = \"t\"\nversion = 1\ntitle = \"T\"\n[[weaknesses]]\nid = \"w\"\ntitle = \"W\"\nexplanation = \"E\"\nevidence = \"wide\"\nwhen = { item = \"ghost\", equals = \"yes\" }\n",
    "no item \"ghost\""
)]
#[case(
    "id = \"t\"\nversion = 1\ntitle = \"T\"\n[[sections]]\nid = \"s\"\ntitle = \"S\"\n[[sections.items]]\nid = \"n\"\nlabel = \"N\"\nanswer = \"number\"\nmin = 5\nmax = 1\n",
    "min is larger"
)]
#[case(
    "id = \"t\"\nversion = 1\ntitle = \"T\"\n[[sections]]\nid = \"s\"\ntitle = \"S\"\n[[sections.items]]\nid = \"a\"\nlabel = \"A\"\nanswer = \"yes_no\"\n[[weaknesses]]\nid = \"w\"\ntitle = \"W\"\nexplanation = \"E\"\nevidence = \"wide\"\nplace = \" \"\nwhen = { item = \"a\", equals = \"yes\" }\n",
    "place must not be blank"
)]
#[case(
    "id = \"t\"\nversion = 1\ntitle = \"T\"\n[[sections]]\nid = \"s\"\ntitle = \"S\"\n[[sections.items]]\nid = \"doors\"\nlabel = \"Doors\"\nanswer = \"group\"\n[[sections.items.items]]\nid = \"a\"\nlabel = \"A\"\nanswer = \"yes_no\"\n[[weaknesses]]\nid = \"w\"\ntitle = \"W\"\nexplanation = \"E\"\nevidence = \"wide\"\nplace = \"Front\"\nwhen = { item = \"a\", equals = \"yes\" }\n",
    "placed by its door or window"
)]
fn broken_templates_are_refused_with_the_reason(#[case] text: &str, #[case] reason: &str) {
    let err = Template::from_toml(text).expect_err("a broken template must be refused");
    assert!(
        err.to_string().contains(reason),
        "the message must say why: {err}"
    );
}

#[test]
fn a_syntax_error_names_the_line() {
    let err = Template::from_toml("id = \"t\"\nversion = 1\ntitle = \"T\"\n[[sections]\n")
        .expect_err("bad TOML");
    match err {
        LoadError::Syntax { line, .. } => {
            assert_eq!(line, 4, "the officer is told which line to fix")
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn templates_round_trip_through_json_for_the_ui() {
    let t = template();
    let json = serde_json::to_string(&t).expect("serialises");
    let back: Template = serde_json::from_str(&json).expect("parses");
    assert_eq!(back, t, "the UI receives exactly the template core uses");
}
