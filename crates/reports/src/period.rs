//! The periods figures are counted over: a financial year (April to March, as councils and
//! funders account), one of its quarters, a calendar month, or any run of days.

use std::fmt;

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// A run of days a report covers, first and last day included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Period {
    /// The financial year starting on 1 April of `start_year`.
    FinancialYear {
        /// The calendar year it starts in.
        start_year: i32,
    },
    /// A quarter of a financial year: Q1 is April to June.
    Quarter {
        /// The calendar year its financial year starts in.
        start_year: i32,
        /// 1 to 4.
        quarter: u8,
    },
    /// A calendar month.
    Month {
        /// Its year.
        year: i32,
        /// 1 to 12.
        month: u8,
    },
    /// Any run of days.
    Custom {
        /// The first day.
        from: NaiveDate,
        /// The last day.
        to: NaiveDate,
    },
}

/// Why a period could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// Not one of the forms a period is written in.
    #[error(
        "\"{0}\" is not a period: write a financial year (2026-27), a quarter (2026-27 Q1), a month (2026-04) or two days (2026-04-01..2026-06-30)"
    )]
    Unreadable(String),
    /// A custom period that ends before it starts.
    #[error("The period ends before it starts: put the earlier day first")]
    Backwards,
    /// A period too far from today to hold records.
    #[error("Choose a year between 2000 and 2100")]
    OutOfRange,
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    // Every caller passes a valid day of a year checked to lie in 2000..=2100.
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn month_name(month: u32) -> &'static str {
    MONTHS
        .get(month.saturating_sub(1) as usize)
        .copied()
        .unwrap_or("")
}

fn year_in_range(y: i32) -> Result<i32, PeriodError> {
    if (2000..=2100).contains(&y) {
        Ok(y)
    } else {
        Err(PeriodError::OutOfRange)
    }
}

/// `2026-27` as the year it starts in; the second half must follow the first.
fn financial_year(text: &str) -> Option<i32> {
    let (a, b) = text.split_once('-')?;
    if a.len() != 4 || b.len() != 2 {
        return None;
    }
    let start: i32 = a.parse().ok()?;
    let end: i32 = b.parse().ok()?;
    ((start + 1) % 100 == end).then_some(start)
}

impl Period {
    /// Reads a period as people write it: `2026-27`, `2026-27 Q1`, `2026-04`,
    /// `2026-04-01..2026-06-30`.
    pub fn parse(text: &str) -> Result<Self, PeriodError> {
        let t = text.trim();
        let unreadable = || PeriodError::Unreadable(t.chars().take(40).collect());
        if let Some((from, to)) = t.split_once("..") {
            let from =
                NaiveDate::parse_from_str(from.trim(), "%Y-%m-%d").map_err(|_| unreadable())?;
            let to = NaiveDate::parse_from_str(to.trim(), "%Y-%m-%d").map_err(|_| unreadable())?;
            year_in_range(from.year())?;
            year_in_range(to.year())?;
            if to < from {
                return Err(PeriodError::Backwards);
            }
            return Ok(Self::Custom { from, to });
        }
        let upper = t.to_ascii_uppercase();
        if let Some((year, q)) = upper.split_once(" Q").or_else(|| upper.split_once("-Q")) {
            let start_year = financial_year(year.trim()).ok_or_else(unreadable)?;
            let quarter: u8 = q.trim().parse().map_err(|_| unreadable())?;
            if !(1..=4).contains(&quarter) {
                return Err(unreadable());
            }
            year_in_range(start_year)?;
            return Ok(Self::Quarter {
                start_year,
                quarter,
            });
        }
        if let Some(start_year) = financial_year(t) {
            year_in_range(start_year)?;
            return Ok(Self::FinancialYear { start_year });
        }
        if let Some((y, m)) = t.split_once('-')
            && y.len() == 4
            && m.len() == 2
            && let (Ok(year), Ok(month)) = (y.parse::<i32>(), m.parse::<u8>())
            && (1..=12).contains(&month)
        {
            year_in_range(year)?;
            return Ok(Self::Month { year, month });
        }
        Err(unreadable())
    }

    /// The first day.
    pub fn first_day(&self) -> NaiveDate {
        match *self {
            Self::FinancialYear { start_year } => date(start_year, 4, 1),
            Self::Quarter {
                start_year,
                quarter,
            } => date(start_year, 4, 1) + Months::new(3 * u32::from(quarter.saturating_sub(1))),
            Self::Month { year, month } => date(year, u32::from(month), 1),
            Self::Custom { from, .. } => from,
        }
    }

    /// The last day.
    pub fn last_day(&self) -> NaiveDate {
        let next = |months: u32| (self.first_day() + Months::new(months)).pred_opt();
        match *self {
            Self::FinancialYear { .. } => next(12),
            Self::Quarter { .. } => next(3),
            Self::Month { .. } => next(1),
            Self::Custom { to, .. } => Some(to),
        }
        .unwrap_or(NaiveDate::MAX)
    }

    /// Whether `day` falls in the period.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.first_day() <= day && day <= self.last_day()
    }

    /// The financial-year quarter a day falls in.
    pub fn quarter_of(day: NaiveDate) -> Self {
        let start_year = if day.month() >= 4 {
            day.year()
        } else {
            day.year() - 1
        };
        let quarter = ((day.month() + 8) % 12 / 3 + 1) as u8;
        Self::Quarter {
            start_year,
            quarter,
        }
    }

    /// The financial year a day falls in.
    pub fn year_of(day: NaiveDate) -> Self {
        match Self::quarter_of(day) {
            Self::Quarter { start_year, .. } => Self::FinancialYear { start_year },
            other => other,
        }
    }

    /// The calendar months the period touches, oldest first (as `(year, month)`).
    pub fn months(&self) -> Vec<(i32, u32)> {
        let mut out = Vec::new();
        let mut day = date(self.first_day().year(), self.first_day().month(), 1);
        while day <= self.last_day() {
            out.push((day.year(), day.month()));
            day = day + Months::new(1);
        }
        out
    }

    /// The same length of time just before this one (the baseline a change is measured
    /// against): the previous year, quarter or month, or as many days before.
    pub fn previous(&self) -> Self {
        match *self {
            Self::FinancialYear { start_year } => Self::FinancialYear {
                start_year: start_year - 1,
            },
            Self::Quarter {
                start_year,
                quarter: 1,
            } => Self::Quarter {
                start_year: start_year - 1,
                quarter: 4,
            },
            Self::Quarter {
                start_year,
                quarter,
            } => Self::Quarter {
                start_year,
                quarter: quarter - 1,
            },
            Self::Month { year, month: 1 } => Self::Month {
                year: year - 1,
                month: 12,
            },
            Self::Month { year, month } => Self::Month {
                year,
                month: month - 1,
            },
            Self::Custom { from, to } => {
                let days = (to - from).num_days() + 1;
                Self::Custom {
                    from: from - chrono::Duration::days(days),
                    to: from - chrono::Duration::days(1),
                }
            }
        }
    }

    /// The periods a report offers on `today`: this quarter and the four before, this
    /// financial year and last (the console and the app offer the same).
    pub fn offered(today: NaiveDate) -> Vec<Self> {
        let mut periods = vec![Self::quarter_of(today)];
        for _ in 0..4 {
            if let Some(last) = periods.last() {
                periods.push(last.previous());
            }
        }
        let year = Self::year_of(today);
        periods.push(year);
        periods.push(year.previous());
        periods
    }

    /// How the period is written in a form or an address (`Period::parse` reads it back).
    pub fn code(&self) -> String {
        match *self {
            Self::FinancialYear { start_year } => {
                format!("{start_year}-{:02}", (start_year + 1) % 100)
            }
            Self::Quarter {
                start_year,
                quarter,
            } => format!("{start_year}-{:02} Q{quarter}", (start_year + 1) % 100),
            Self::Month { year, month } => format!("{year}-{month:02}"),
            Self::Custom { from, to } => format!("{from}..{to}"),
        }
    }
}

impl fmt::Display for Period {
    /// The period in words: "Q1 2026–27 (April to June 2026)".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (first, last) = (self.first_day(), self.last_day());
        match *self {
            Self::FinancialYear { start_year } => {
                write!(
                    f,
                    "{start_year}–{:02} financial year",
                    (start_year + 1) % 100
                )
            }
            Self::Quarter {
                start_year,
                quarter,
            } => write!(
                f,
                "Q{quarter} {start_year}–{:02} ({} to {} {})",
                (start_year + 1) % 100,
                month_name(first.month()),
                month_name(last.month()),
                last.year()
            ),
            Self::Month { year, month } => write!(f, "{} {year}", month_name(u32::from(month))),
            Self::Custom { from, to } => write!(
                f,
                "{} {} {} to {} {} {}",
                from.day(),
                month_name(from.month()),
                from.year(),
                to.day(),
                month_name(to.month()),
                to.year()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn periods_read_as_people_write_them() {
        let table = [
            (
                "2026-27",
                "2026-04-01",
                "2027-03-31",
                "2026–27 financial year",
            ),
            (
                "2026-27 Q1",
                "2026-04-01",
                "2026-06-30",
                "Q1 2026–27 (April to June 2026)",
            ),
            (
                "2026-27-q4",
                "2027-01-01",
                "2027-03-31",
                "Q4 2026–27 (January to March 2027)",
            ),
            ("2028-02", "2028-02-01", "2028-02-29", "February 2028"),
            (
                "2026-05-03..2026-05-09",
                "2026-05-03",
                "2026-05-09",
                "3 May 2026 to 9 May 2026",
            ),
        ];
        for (text, first, last, words) in table {
            let p = Period::parse(text).unwrap();
            assert_eq!((p.first_day(), p.last_day()), (d(first), d(last)), "{text}");
            assert_eq!(p.to_string(), words);
            assert_eq!(Period::parse(&p.code()).unwrap(), p, "the code reads back");
        }
    }

    #[test]
    fn a_bad_period_says_how_to_write_one() {
        for bad in [
            "",
            "2026",
            "2026-28",
            "2026-27 Q5",
            "2026-13",
            "Q1",
            "2026-06-30..2026-04-01",
            "1800-01",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Period::parse("2026-06-30..2026-04-01"),
            Err(PeriodError::Backwards)
        );
    }

    #[test]
    fn the_baseline_is_the_period_just_before() {
        assert_eq!(
            Period::parse("2026-27 Q1").unwrap().previous().code(),
            "2025-26 Q4"
        );
        assert_eq!(
            Period::parse("2026-01").unwrap().previous().code(),
            "2025-12"
        );
        assert_eq!(
            Period::parse("2026-05-10..2026-05-19")
                .unwrap()
                .previous()
                .code(),
            "2026-04-30..2026-05-09"
        );
    }

    proptest! {
        #[test]
        fn every_day_is_in_exactly_its_own_quarter(days in 0i64..40_000) {
            let day = d("2000-04-01") + chrono::Duration::days(days);
            let q = Period::quarter_of(day);
            prop_assert!(q.contains(day));
            prop_assert!(!q.previous().contains(day));
            prop_assert!(Period::year_of(day).contains(day));
            prop_assert_eq!(q.previous().last_day().succ_opt(), Some(q.first_day()));
        }
    }
}
