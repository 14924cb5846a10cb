//! The tables exported a row per record (REPORTS.md's "tables to export"): visits, items
//! fitted and referrals for a period. A row is about one household's record, so these are
//! person-level: only the analyst or administrator exports them, with a reason, audited.
//! They carry Doorstep's internal ids and a postcode district, never a name or an address.

use chrono::NaiveDate;
use serde::Serialize;

use crate::engine::Categories;
use crate::fact::{Fact, What};
use crate::period::Period;

/// The tables offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowTable {
    /// A row per visit.
    Visits,
    /// A row per item fitted.
    ItemsFitted,
    /// A row per referral.
    Referrals,
}

impl RowTable {
    /// Every table, in the order offered.
    pub const ALL: [Self; 3] = [Self::Visits, Self::ItemsFitted, Self::Referrals];

    /// Its code, in forms and file names.
    pub fn code(self) -> &'static str {
        match self {
            Self::Visits => "visits",
            Self::ItemsFitted => "items-fitted",
            Self::Referrals => "referrals",
        }
    }

    /// Its name in words.
    pub fn label(self) -> &'static str {
        match self {
            Self::Visits => "Visits: a row per visit",
            Self::ItemsFitted => "Items fitted: a row per item",
            Self::Referrals => "Referrals: a row per referral",
        }
    }

    /// The table with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }

    /// Its header row.
    pub fn header(self) -> &'static [&'static str] {
        match self {
            Self::Visits => &[
                "visit_id",
                "date",
                "kind",
                "outcome",
                "team",
                "postcode_district",
            ],
            Self::ItemsFitted => &[
                "work_order_id",
                "measure",
                "category",
                "quantity",
                "fitted_on",
                "team",
                "postcode_district",
            ],
            Self::Referrals => &[
                "referral_id",
                "agency",
                "status",
                "made_on",
                "sent_at",
                "first_answer_at",
                "days_to_answer",
                "team",
            ],
        }
    }
}

fn in_period(day: Option<NaiveDate>, period: &Period) -> bool {
    day.is_some_and(|d| period.contains(d))
}

fn text<T: Serialize>(value: &Option<T>) -> String {
    value
        .as_ref()
        .and_then(|v| serde_json::to_value(v).ok())
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The rows of `table` for `period`, oldest first; `district` names a household's postcode
/// district.
pub fn rows(
    table: RowTable,
    facts: &[Fact],
    period: &Period,
    categories: &Categories,
    district: &dyn Fn(Option<&str>) -> String,
) -> Vec<Vec<String>> {
    let mut out: Vec<(NaiveDate, Vec<String>)> = Vec::new();
    for f in facts {
        match (&f.what, table) {
            (
                What::Visit {
                    household,
                    date: Some(date),
                    kind,
                    outcome,
                },
                RowTable::Visits,
            ) if period.contains(*date) => out.push((
                *date,
                vec![
                    f.id.clone(),
                    date.to_string(),
                    text(kind),
                    text(outcome),
                    f.team.clone(),
                    district(household.as_deref()),
                ],
            )),
            (What::WorkOrder { household, fitted }, RowTable::ItemsFitted) => {
                for item in fitted.iter().filter(|i| in_period(i.on, period)) {
                    let on = item.on.unwrap_or(NaiveDate::MIN);
                    out.push((
                        on,
                        vec![
                            f.id.clone(),
                            item.measure.clone(),
                            text(&Some(categories.get(&item.measure))),
                            item.quantity.to_string(),
                            on.to_string(),
                            f.team.clone(),
                            district(household.as_deref()),
                        ],
                    ));
                }
            }
            (
                What::Referral {
                    agency,
                    status,
                    created: Some(created),
                    sent,
                    answered,
                    ..
                },
                RowTable::Referrals,
            ) if period.contains(*created) => {
                let days = match (sent, answered) {
                    (Some(s), Some(a)) => (*a - *s).num_days().to_string(),
                    _ => String::new(),
                };
                let time = |t: &Option<chrono::DateTime<chrono::Utc>>| {
                    t.map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                        .unwrap_or_default()
                };
                out.push((
                    *created,
                    vec![
                        f.id.clone(),
                        agency.clone().unwrap_or_default(),
                        text(status),
                        created.to_string(),
                        time(sent),
                        time(answered),
                        days,
                        f.team.clone(),
                    ],
                ));
            }
            _ => {}
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    out.into_iter().map(|(_, row)| row).collect()
}

/// A table as CSV: UTF-8 with a byte order mark, CRLF, every cell made safe to open in a
/// spreadsheet.
pub fn to_csv(header: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let cell = |value: &str| {
        let value = doorstep_core::text::spreadsheet_safe(value).into_owned();
        if value.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", value.replace('"', "\"\""))
        } else {
            value
        }
    };
    let mut out = String::from("\u{feff}");
    out.push_str(&header.iter().map(|h| cell(h)).collect::<Vec<_>>().join(","));
    out.push_str("\r\n");
    for row in rows {
        out.push_str(&row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fact::from_record;
    use serde_json::json;

    fn fact(entity: &str, id: &str, fields: serde_json::Value) -> Fact {
        let serde_json::Value::Object(map) = fields else {
            unreachable!()
        };
        from_record(entity, id, "north", &map.into_iter().collect()).unwrap()
    }

    #[test]
    fn a_period_s_rows_come_oldest_first_and_defused() {
        let facts = [
            fact(
                "visit",
                "v2",
                json!({"household_id": "h1", "visit_date": "2026-05-02", "kind": "burglary_victim", "outcome": "completed"}),
            ),
            fact(
                "visit",
                "v1",
                json!({"household_id": "h1", "visit_date": "2026-04-02", "kind": "cocoon_neighbour", "outcome": "no_answer"}),
            ),
            fact(
                "visit",
                "v0",
                json!({"household_id": "h1", "visit_date": "2026-03-02", "kind": "cocoon_neighbour"}),
            ),
            fact(
                "referral",
                "r1",
                json!({"household_id": "h1", "agency_id": "=cmd", "status": "sent", "created_at": "2026-04-03T10:00:00Z", "sent_at": "2026-04-03T11:00:00Z"}),
            ),
        ];
        let period = Period::parse("2026-27 Q1").unwrap();
        let district = |_: Option<&str>| "ZY5".to_owned();
        let visits = rows(
            RowTable::Visits,
            &facts,
            &period,
            &Categories::default(),
            &district,
        );
        assert_eq!(visits.len(), 2, "March's visit is outside the quarter");
        assert_eq!(visits[0][0], "v1");
        assert_eq!(visits[0][2], "cocoon_neighbour");
        let referrals = rows(
            RowTable::Referrals,
            &facts,
            &period,
            &Categories::default(),
            &district,
        );
        let csv = String::from_utf8(to_csv(RowTable::Referrals.header(), &referrals)).unwrap();
        assert!(csv.starts_with('\u{feff}'));
        assert!(csv.contains("'=cmd"), "a formula is defused: {csv}");
        assert!(csv.contains("\r\n"));
    }
}
