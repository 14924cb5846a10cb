use super::BODY;
use super::text::{WrappedLine, b, fit, r, wrap};
use crate::fonts::{Style, fonts};

fn text_of(line: &WrappedLine) -> String {
    line.runs.iter().map(|(_, t)| t.as_str()).collect()
}

#[test]
fn wrap_respects_width_and_keeps_every_word() {
    let fonts = fonts().expect("fonts");
    let text = "We will fit a British Standard lock to your front door so that it cannot be opened without a key. ".repeat(8);
    let lines = wrap(fonts, &[r(text.clone())], BODY, 200.0);
    assert!(lines.len() > 5);
    for line in &lines {
        assert!(line.width <= 200.0 + 0.01, "{} > 200", line.width);
    }
    let joined: Vec<String> = lines.iter().map(text_of).collect();
    assert_eq!(
        joined.join(" ").split_whitespace().collect::<Vec<_>>(),
        text.split_whitespace().collect::<Vec<_>>()
    );
}

#[test]
fn wrap_breaks_overlong_words_and_honours_newlines() {
    let fonts = fonts().expect("fonts");
    let long = "x".repeat(300);
    let lines = wrap(fonts, &[r(format!("a\n{long}"))], BODY, 100.0);
    assert_eq!(text_of(&lines[0]), "a");
    assert!(lines.len() > 3);
    assert!(lines.iter().all(|l| l.width <= 100.01));
    assert_eq!(
        lines.iter().map(text_of).collect::<String>(),
        format!("a{long}")
    );
}

#[test]
fn wrap_keeps_glued_spans_together() {
    let fonts = fonts().expect("fonts");
    let lines = wrap(fonts, &[b("Name"), r(": value")], BODY, 500.0);
    assert_eq!(lines.len(), 1);
    assert_eq!(
        lines[0].runs,
        vec![
            (Style::Bold, "Name".to_owned()),
            (Style::Regular, ": value".to_owned())
        ]
    );
}

#[test]
fn fit_adds_an_ellipsis_only_when_needed() {
    let fonts = fonts().expect("fonts");
    assert_eq!(fit(fonts, "Short", Style::Regular, 10.0, 200.0), "Short");
    let long = fit(
        fonts,
        &"Long title ".repeat(20),
        Style::Regular,
        10.0,
        100.0,
    );
    assert!(long.ends_with('…'));
    assert!(fonts.regular.width(&long, 10.0) <= 100.0);
}
