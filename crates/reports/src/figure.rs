//! A measure's value for a period, and how it is shown: small numbers are suppressed in
//! every aggregate (a count of 1 to 4 homes could pick someone out), so a figure carries
//! the number of homes or cases behind it and is only ever shown through [`Figure::shown`].

use std::collections::BTreeMap;

use serde::Serialize;

use crate::measure::{Measure, Unit};

/// The default smallest count shown: fewer than this are suppressed.
pub const DEFAULT_THRESHOLD: u32 = 5;

/// What the marker for a suppressed figure means, printed beside every table that has one.
pub const SUPPRESSED_NOTE: &str =
    "[c]: fewer than the suppression threshold, not shown so that nobody can be picked out.";

/// The smallest count an aggregate may show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Threshold(u32);

impl Threshold {
    /// A threshold of `n` (at least 1: a threshold of 1 suppresses nothing).
    pub fn new(n: u32) -> Self {
        Self(n.max(1))
    }

    /// The smallest count shown.
    pub fn get(self) -> u32 {
        self.0
    }

    /// Whether a count must be hidden: from 1 to one less than the threshold.
    pub fn hides(self, count: u64) -> bool {
        count > 0 && count < u64::from(self.0)
    }
}

impl Default for Threshold {
    fn default() -> Self {
        Self(DEFAULT_THRESHOLD)
    }
}

/// A measure's value, with what it was computed from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Figure {
    /// A count.
    Count {
        /// How many.
        count: u64,
    },
    /// An amount of money.
    Pence {
        /// The amount.
        pence: i64,
        /// How many homes it is spent on; `None` for a figure that is no one's (a budget).
        homes: Option<u64>,
    },
    /// A part of a whole.
    Share {
        /// The part.
        part: u64,
        /// The whole.
        whole: u64,
    },
    /// A median number of days.
    Days {
        /// The median, if there was any case.
        median: Option<i64>,
        /// How many cases.
        cases: u64,
    },
    /// A mean score.
    Score {
        /// The sum of the answers.
        sum: u64,
        /// How many answers.
        answers: u64,
    },
}

/// A figure as it may be shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Shown {
    /// A number, with the text it is written as.
    Number {
        /// The value (pounds for money, a percentage for a share).
        value: f64,
        /// As written: "1,204", "£3,450.00", "12.5%", "14 days", "3.8".
        text: String,
    },
    /// Hidden: fewer than the threshold.
    Suppressed,
    /// Nothing to compute it from (a share of nothing, a median of no cases).
    NoData,
}

impl Shown {
    /// The text a table cell shows.
    pub fn text(&self) -> &str {
        match self {
            Self::Number { text, .. } => text,
            Self::Suppressed => "[c]",
            Self::NoData => "–",
        }
    }

    /// The value, when shown.
    pub fn value(&self) -> Option<f64> {
        match self {
            Self::Number { value, .. } => Some(*value),
            _ => None,
        }
    }
}

/// `1234567` as "1,234,567".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Pence as pounds: "£1,234.56".
pub fn pounds(pence: i64) -> String {
    let sign = if pence < 0 { "−" } else { "" };
    let p = pence.unsigned_abs();
    format!("{sign}£{}.{:02}", thousands(p / 100), p % 100)
}

// Counts in reports are far below 2^52, where f64 stops being exact.
#[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
fn float(n: u64) -> f64 {
    n as f64
}

impl Figure {
    /// A count.
    pub fn count(count: u64) -> Self {
        Self::Count { count }
    }

    /// The figure as it may be shown under `threshold`.
    pub fn shown(&self, threshold: Threshold) -> Shown {
        match *self {
            Self::Count { count } if threshold.hides(count) => Shown::Suppressed,
            Self::Count { count } => Shown::Number {
                value: float(count),
                text: thousands(count),
            },
            Self::Pence { homes: Some(h), .. } if threshold.hides(h) => Shown::Suppressed,
            #[allow(clippy::cast_precision_loss, reason = "money far below 2^52 pence")]
            Self::Pence { pence, .. } => Shown::Number {
                value: pence as f64 / 100.0,
                text: pounds(pence),
            },
            Self::Share { part, whole } if threshold.hides(part) || threshold.hides(whole) => {
                Shown::Suppressed
            }
            Self::Share { whole: 0, .. } => Shown::NoData,
            Self::Share { part, whole } => {
                let value = float(part) * 100.0 / float(whole);
                Shown::Number {
                    value,
                    text: format!("{value:.1}%"),
                }
            }
            Self::Days { cases, .. } if threshold.hides(cases) => Shown::Suppressed,
            #[allow(clippy::cast_precision_loss, reason = "days far below 2^52")]
            Self::Days { median, .. } => match median {
                None => Shown::NoData,
                Some(d) => Shown::Number {
                    value: d as f64,
                    text: if d == 1 {
                        "1 day".to_owned()
                    } else {
                        format!("{d} days")
                    },
                },
            },
            Self::Score { answers, .. } if threshold.hides(answers) => Shown::Suppressed,
            Self::Score { answers: 0, .. } => Shown::NoData,
            Self::Score { sum, answers } => {
                let value = float(sum) / float(answers);
                Shown::Number {
                    value,
                    text: format!("{value:.1}"),
                }
            }
        }
    }

    /// Every count the figure rests on, for the check that no export shows a small one.
    pub fn counts(&self) -> Vec<u64> {
        match *self {
            Self::Count { count } => vec![count],
            Self::Pence { homes, .. } => homes.into_iter().collect(),
            Self::Share { part, whole } => vec![part, whole],
            Self::Days { cases, .. } => vec![cases],
            Self::Score { answers, .. } => vec![answers],
        }
    }
}

/// The figures of one report, by measure key.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures(BTreeMap<&'static str, Figure>);

impl Figures {
    /// Sets a measure's figure.
    pub fn set(&mut self, measure: Measure, figure: Figure) {
        debug_assert!(matches!(
            (measure.unit, figure),
            (Unit::Count, Figure::Count { .. })
                | (Unit::Pence, Figure::Pence { .. })
                | (Unit::Share, Figure::Share { .. })
                | (Unit::Days, Figure::Days { .. })
                | (Unit::Score, Figure::Score { .. })
        ));
        self.0.insert(measure.key, figure);
    }

    /// A measure's figure, if computed.
    pub fn get(&self, measure: &Measure) -> Option<Figure> {
        self.0.get(measure.key).copied()
    }

    /// A measure's figure by key.
    pub fn by_key(&self, key: &str) -> Option<Figure> {
        self.0.get(key).copied()
    }

    /// Every figure.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, Figure)> + '_ {
        self.0.iter().map(|(k, f)| (*k, *f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_numbers_are_suppressed_and_zero_is_not() {
        let t = Threshold::default();
        let table = [
            (Figure::count(0), "0"),
            (Figure::count(4), "[c]"),
            (Figure::count(5), "5"),
            (Figure::count(12_345), "12,345"),
            (
                Figure::Pence {
                    pence: 123_456,
                    homes: Some(3),
                },
                "[c]",
            ),
            (
                Figure::Pence {
                    pence: 123_456,
                    homes: Some(7),
                },
                "£1,234.56",
            ),
            (
                Figure::Pence {
                    pence: 5_000_000,
                    homes: None,
                },
                "£50,000.00",
            ),
            (Figure::Share { part: 4, whole: 40 }, "[c]"),
            (
                Figure::Share {
                    part: 10,
                    whole: 40,
                },
                "25.0%",
            ),
            (Figure::Share { part: 0, whole: 0 }, "–"),
            (
                Figure::Days {
                    median: Some(9),
                    cases: 2,
                },
                "[c]",
            ),
            (
                Figure::Days {
                    median: Some(9),
                    cases: 6,
                },
                "9 days",
            ),
            (
                Figure::Score {
                    sum: 19,
                    answers: 5,
                },
                "3.8",
            ),
            (Figure::Score { sum: 8, answers: 2 }, "[c]"),
        ];
        for (figure, text) in table {
            assert_eq!(figure.shown(t).text(), text, "{figure:?}");
        }
        assert_eq!(Figure::count(4).shown(Threshold::new(3)).text(), "4");
        assert_eq!(Figure::count(1).shown(Threshold::new(0)).text(), "1");
    }
}
