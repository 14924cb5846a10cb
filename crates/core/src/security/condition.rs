//! Conditions on answers, shared by `show_if`, weakness rules and policy rules, so all three read the same way.

use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use super::answers::{AnswerValue, YesNo};

/// What an answer must be for a condition to hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Test {
    /// The answer is this option (for multiple choice: includes it); yes/no items use "yes", "no", "unknown".
    Equals(String),
    /// The answer is one of these options (for multiple choice: includes any of them).
    AnyOf(Vec<String>),
    /// A number answer is at least this.
    AtLeast(f64),
    /// A number answer is at most this.
    AtMost(f64),
}

/// A test on one item's answer; inside a repeatable group, sibling items mean the same instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Condition {
    /// The item whose answer is tested.
    pub item: String,
    /// The test.
    pub test: Test,
}

impl Condition {
    /// True when `value` passes the test; an unanswered item never passes.
    pub fn holds(&self, value: Option<&AnswerValue>) -> bool {
        let Some(value) = value else {
            return false;
        };
        match (&self.test, value) {
            (Test::Equals(want), AnswerValue::YesNo(v)) => v.as_str() == want,
            (Test::AnyOf(want), AnswerValue::YesNo(v)) => want.iter().any(|w| w == v.as_str()),
            (Test::Equals(want), AnswerValue::Choice(v)) => v == want,
            (Test::AnyOf(want), AnswerValue::Choice(v)) => want.contains(v),
            (Test::Equals(want), AnswerValue::Choices(vs)) => vs.contains(want),
            (Test::AnyOf(want), AnswerValue::Choices(vs)) => vs.iter().any(|v| want.contains(v)),
            (Test::AtLeast(n), AnswerValue::Number(v)) => v >= n,
            (Test::AtMost(n), AnswerValue::Number(v)) => v <= n,
            _ => false,
        }
    }

    /// The option ids the test names, for checking them against the template.
    pub(crate) fn named_options(&self) -> Vec<&str> {
        match &self.test {
            Test::Equals(v) => vec![v.as_str()],
            Test::AnyOf(vs) => vs.iter().map(String::as_str).collect(),
            Test::AtLeast(_) | Test::AtMost(_) => Vec::new(),
        }
    }

    /// True for a numeric test.
    pub(crate) fn is_numeric(&self) -> bool {
        matches!(self.test, Test::AtLeast(_) | Test::AtMost(_))
    }
}

/// The yes/no/unknown option ids, so conditions on yes/no items can be checked.
pub(crate) fn yes_no_options() -> impl Iterator<Item = &'static str> {
    YesNo::ALL.iter().map(|v| v.as_str())
}

/// A condition as written in a TOML file: `{ item = "x", equals = "yes" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCondition {
    item: String,
    equals: Option<String>,
    any_of: Option<Vec<String>>,
    at_least: Option<f64>,
    at_most: Option<f64>,
}

impl RawCondition {
    /// Turns the written form into a condition, or says why it is not one.
    pub(crate) fn into_condition(self) -> Result<Condition, String> {
        let tests = [
            self.equals.map(Test::Equals),
            self.any_of.map(Test::AnyOf),
            self.at_least.map(Test::AtLeast),
            self.at_most.map(Test::AtMost),
        ];
        let mut given = tests.into_iter().flatten();
        let (Some(test), None) = (given.next(), given.next()) else {
            return Err(format!(
                "the condition on \"{}\" needs exactly one of equals, any_of, at_least or at_most",
                self.item
            ));
        };
        match &test {
            Test::AnyOf(v) if v.is_empty() => {
                return Err(format!(
                    "the condition on \"{}\" has an empty any_of list",
                    self.item
                ));
            }
            Test::AtLeast(n) | Test::AtMost(n) if !n.is_finite() => {
                return Err(format!(
                    "the condition on \"{}\" needs a real number",
                    self.item
                ));
            }
            _ => {}
        }
        Ok(Condition {
            item: self.item,
            test,
        })
    }
}

/// Converts a list of written conditions, collecting every problem.
pub(crate) fn convert_all(raw: Vec<RawCondition>, problems: &mut Vec<String>) -> Vec<Condition> {
    raw.into_iter()
        .filter_map(|c| c.into_condition().map_err(|e| problems.push(e)).ok())
        .collect()
}

/// One condition or a list of them (all must hold), so simple rules stay simple to write.
#[derive(Debug, Default)]
pub(crate) struct OneOrMany(pub(crate) Vec<RawCondition>);

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a condition like { item = \"x\", equals = \"yes\" } or a list of them")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<OneOrMany, A::Error> {
                RawCondition::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|c| OneOrMany(vec![c]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<OneOrMany, A::Error> {
                Vec::<RawCondition>::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(OneOrMany)
            }
        }
        deserializer.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn cond(test: Test) -> Condition {
        Condition {
            item: "x".into(),
            test,
        }
    }

    #[rstest]
    #[case(Test::Equals("yes".into()), AnswerValue::YesNo(YesNo::Yes), true)]
    #[case(Test::Equals("yes".into()), AnswerValue::YesNo(YesNo::Unknown), false)]
    #[case(Test::AnyOf(vec!["no".into(), "unknown".into()]), AnswerValue::YesNo(YesNo::Unknown), true)]
    #[case(Test::Equals("a".into()), AnswerValue::Choice("a".into()), true)]
    #[case(Test::AnyOf(vec!["a".into(), "b".into()]), AnswerValue::Choice("c".into()), false)]
    #[case(Test::Equals("b".into()), AnswerValue::Choices(vec!["a".into(), "b".into()]), true)]
    #[case(Test::AnyOf(vec!["c".into()]), AnswerValue::Choices(vec!["a".into()]), false)]
    #[case(Test::AtMost(2.0), AnswerValue::Number(2.0), true)]
    #[case(Test::AtLeast(3.0), AnswerValue::Number(2.0), false)]
    #[case(Test::Equals("2".into()), AnswerValue::Number(2.0), false)]
    fn tests_match_answers(#[case] test: Test, #[case] value: AnswerValue, #[case] want: bool) {
        assert_eq!(
            cond(test.clone()).holds(Some(&value)),
            want,
            "{test:?} on {value:?}"
        );
    }

    #[test]
    fn an_unanswered_item_never_satisfies_a_condition() {
        assert!(
            !cond(Test::Equals("no".into())).holds(None),
            "a missing answer must not create a weakness or show a question"
        );
    }

    #[test]
    fn one_or_many_accepts_a_table_or_a_list() {
        #[derive(Deserialize)]
        struct W {
            when: OneOrMany,
        }
        let one: W = toml::from_str(r#"when = { item = "a", equals = "yes" }"#).expect("one");
        assert_eq!(one.when.0.len(), 1, "a single table is one condition");
        let many: W = toml::from_str(
            r#"when = [{ item = "a", equals = "yes" }, { item = "b", at_most = 2 }]"#,
        )
        .expect("many");
        assert_eq!(many.when.0.len(), 2, "a list is all of its conditions");
        let typo = toml::from_str::<W>(r#"when = { item = "a", equal = "yes" }"#);
        assert!(typo.is_err(), "a misspelt key must be refused, not ignored");
    }

    #[test]
    fn a_condition_needs_exactly_one_test() {
        let raw: RawCondition = toml::from_str(
            r#"item = "a"
equals = "yes"
any_of = ["no"]"#,
        )
        .expect("parses");
        assert!(raw.into_condition().is_err(), "two tests are ambiguous");
        let raw: RawCondition = toml::from_str(r#"item = "a""#).expect("parses");
        assert!(
            raw.into_condition().is_err(),
            "no test means nothing to check"
        );
    }
}
