//! The one place the partnership's measures are computed: facts in, figures out. The hub's
//! console, its returns and board report, and the laptop's "My team" view all call
//! [`compute`], so the same records give the same figures everywhere.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, Duration, Months, NaiveDate};
use doorstep_core::Uprn;
use doorstep_core::cocoon::CocoonOutcome;
use doorstep_core::fire::day_of_action::{DoorRecord, summarise};
use doorstep_core::fire::ids::DoorRecordId;
use doorstep_core::fire::referral::ReferralStatus;
use doorstep_core::security::catalogue::{Catalogue, MeasureCategory};
use doorstep_core::security::lifecycle::PlanStatus;
use doorstep_core::security::policy::Tier;
use doorstep_core::visit::{VisitKind, VisitOutcome};
use serde::Serialize;

use crate::fact::{Fact, What};
use crate::figure::{Figure, Figures, Threshold};
use crate::measure::{self as m, Measure};
use crate::period::Period;
use crate::scheme::{Area, Scheme};

/// A residential burglary the police recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Burglary {
    /// The day (the first of the month for street-level data, which gives only the month).
    pub date: NaiveDate,
    /// The home, where a force's extract gives it.
    pub uprn: Option<String>,
    /// The postcode, where given.
    pub postcode: Option<String>,
    /// The LSOA.
    pub lsoa: Option<String>,
}

/// What a report covers.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// The period.
    pub period: Period,
    /// One team's records only, or every team's.
    pub team: Option<&'a str>,
    /// One area's homes only.
    pub area: Option<&'a Area>,
    /// A scheme: its areas' homes only, its money and target.
    pub scheme: Option<&'a Scheme>,
    /// The smallest count shown.
    pub threshold: Threshold,
}

impl Scope<'_> {
    /// The first day whose records the report reads: the period's, or its scheme's start
    /// when earlier (the charts run from the start of the work).
    pub fn reads_from(&self) -> NaiveDate {
        self.scheme.map_or(self.period.first_day(), |s| {
            s.starts.min(self.period.first_day())
        })
    }
}

/// Which category each catalogue measure is counted in.
#[derive(Debug, Clone, Default)]
pub struct Categories(BTreeMap<String, MeasureCategory>);

impl Categories {
    /// The categories of a catalogue's measures.
    pub fn of(catalogue: &Catalogue) -> Self {
        Self(
            catalogue
                .measures
                .iter()
                .map(|m| (m.id.clone(), m.category))
                .collect(),
        )
    }

    /// A measure's category; `Other` for one the catalogue no longer lists.
    pub fn get(&self, measure: &str) -> MeasureCategory {
        self.0
            .get(measure)
            .copied()
            .unwrap_or(MeasureCategory::Other)
    }
}

/// The measure counting items of a category.
pub fn items_measure(category: MeasureCategory) -> Measure {
    match category {
        MeasureCategory::DoorLock => m::ITEMS_DOOR_LOCK,
        MeasureCategory::WindowLock => m::ITEMS_WINDOW_LOCK,
        MeasureCategory::Lighting => m::ITEMS_LIGHTING,
        MeasureCategory::Alarm => m::ITEMS_ALARM,
        MeasureCategory::Cctv => m::ITEMS_CCTV,
        MeasureCategory::Gate => m::ITEMS_GATE,
        MeasureCategory::Marking => m::ITEMS_MARKING,
        MeasureCategory::Other => m::ITEMS_OTHER,
    }
}

/// A month's count of burglaries in the target areas and elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrimeMonth {
    /// The month's first day.
    pub month: NaiveDate,
    /// In the target areas.
    pub target: u64,
    /// Elsewhere.
    pub rest: u64,
}

/// One step of a funnel and how many reached it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The step, in words.
    pub label: &'static str,
    /// How many.
    pub count: u64,
}

/// A month's running total against a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// The month's first day.
    pub month: NaiveDate,
    /// The running total at the month's end.
    pub total: u64,
}

/// A quarter's spend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuarterSpend {
    /// The quarter.
    pub quarter: Period,
    /// Committed in it (plans approved), in pence.
    pub committed_pence: u64,
    /// The homes it was committed to.
    pub homes: u64,
}

/// An agency's referrals by where they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgencyReferrals {
    /// The agency's id.
    pub agency: String,
    /// How many are in each status.
    pub by_status: BTreeMap<ReferralStatus, u64>,
}

/// A report: every figure for a scope, and the series its charts draw.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The period.
    pub period: Period,
    /// Every measure's figure.
    pub figures: Figures,
    /// Burglaries a month, from twelve months before the work (or the period) started.
    pub burglary_by_month: Vec<CrimeMonth>,
    /// The first day of the work, marked on the burglary chart.
    pub work_started: NaiveDate,
    /// Homes hardened so far, month by month through the period.
    pub hardened_by_month: Vec<Progress>,
    /// Spend committed a quarter, through the period.
    pub spend_by_quarter: Vec<QuarterSpend>,
    /// From doors knocked on days of action to homes fitted.
    pub day_of_action_funnel: Vec<Step>,
    /// Referrals by agency and status.
    pub referrals_by_agency: Vec<AgencyReferrals>,
    /// The caveats a reader needs beside these figures.
    pub caveats: Vec<&'static str>,
}

/// A group of a report's figures, each as it may be shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShownGroup {
    /// The group's heading.
    pub heading: &'static str,
    /// Each measure's label and its figure through the threshold ("[c]" when small).
    pub rows: Vec<(&'static str, String)>,
}

impl Report {
    /// Every computed figure by group, in the order measures are listed, each through
    /// `threshold`: what a dashboard's tables show.
    pub fn shown_groups(&self, threshold: Threshold) -> Vec<ShownGroup> {
        let mut out: Vec<ShownGroup> = Vec::new();
        for m in crate::measure::ALL {
            let Some(figure) = self.figures.get(m) else {
                continue;
            };
            let row = (m.label, figure.shown(threshold).text().to_owned());
            match out.last_mut() {
                Some(g) if g.heading == m.group.label() => g.rows.push(row),
                _ => out.push(ShownGroup {
                    heading: m.group.label(),
                    rows: vec![row],
                }),
            }
        }
        out
    }
}

/// Small numbers: printed whenever a figure is suppressed.
pub const CAVEAT_SMALL_NUMBERS: &str = "Small numbers: figures of fewer than the suppression threshold are hidden, and percentages of small groups swing widely from one period to the next.";
/// Regression to the mean: printed beside any before-and-after crime figure.
pub const CAVEAT_REGRESSION: &str = "Regression to the mean: areas are chosen because burglary was high, and high figures tend to fall back on their own, so a fall is not all the scheme's doing.";
/// Displacement and diffusion: printed beside any crime figure for target areas.
pub const CAVEAT_DISPLACEMENT: &str = "Displacement and diffusion: burglary may move to nearby areas, or fall there too; compare the target areas with the rest, not with nothing.";
/// Concurrent policing: printed beside any crime figure.
pub const CAVEAT_POLICING: &str = "Other work in the same areas and months (police operations, other schemes) changes the figures too.";
/// Repeat victimisation needs a force's list with UPRNs.
pub const CAVEAT_NO_UPRNS: &str = "Repeat victimisation needs the force's burglary list with UPRNs; street-level crime data cannot be matched to homes.";

fn between(day: Option<NaiveDate>, period: &Period) -> bool {
    day.is_some_and(|d| period.contains(d))
}

fn median(mut days: Vec<i64>) -> Figure {
    days.sort_unstable();
    let n = days.len();
    let median = match n {
        0 => None,
        // The mean of the two middle values, rounded down, for an even count.
        _ if n.is_multiple_of(2) => Some((days[n / 2 - 1] + days[n / 2]).div_euclid(2)),
        _ => Some(days[n / 2]),
    };
    Figure::Days {
        median,
        cases: n as u64,
    }
}

fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// The records a report reads, indexed once.
struct Records<'a> {
    homes: HashMap<&'a str, (Option<&'a str>, Option<&'a str>)>,
    visits: HashMap<&'a str, &'a Fact>,
    surveys: HashMap<&'a str, &'a Fact>,
    cocoons: HashMap<&'a str, &'a Fact>,
    days: HashMap<&'a str, Option<NaiveDate>>,
}

impl<'a> Records<'a> {
    fn index(facts: &'a [Fact]) -> Self {
        let mut r = Records {
            homes: HashMap::new(),
            visits: HashMap::new(),
            surveys: HashMap::new(),
            cocoons: HashMap::new(),
            days: HashMap::new(),
        };
        for f in facts {
            match &f.what {
                What::Home { uprn, postcode } => {
                    r.homes
                        .insert(&f.id, (uprn.as_deref(), postcode.as_deref()));
                }
                What::Visit { .. } => {
                    r.visits.insert(&f.id, f);
                }
                What::Survey { .. } => {
                    r.surveys.insert(&f.id, f);
                }
                What::Cocoon { .. } => {
                    r.cocoons.insert(&f.id, f);
                }
                What::DayOfAction { date } => {
                    r.days.insert(&f.id, *date);
                }
                _ => {}
            }
        }
        r
    }

    /// The household a fact is about, through its parents where it does not name it.
    fn household(&self, fact: &'a Fact) -> Option<&'a str> {
        match &fact.what {
            What::Plan { survey, .. } => self
                .surveys
                .get(survey.as_deref()?)
                .and_then(|s| self.household(s)),
            What::CocoonDoor { cocoon, .. } => self
                .cocoons
                .get(cocoon.as_deref()?)
                .and_then(|c| self.household(c)),
            _ => fact.household(),
        }
    }

    /// The day a survey was made: its visit's day.
    fn survey_day(&self, survey: &Fact) -> Option<NaiveDate> {
        let What::Survey { visit, .. } = &survey.what else {
            return None;
        };
        match &self.visits.get(visit.as_deref()?)?.what {
            What::Visit { date, .. } => *date,
            _ => None,
        }
    }

    fn survey_visit_kind(&self, survey: &Fact) -> Option<VisitKind> {
        let What::Survey { visit, .. } = &survey.what else {
            return None;
        };
        match &self.visits.get(visit.as_deref()?)?.what {
            What::Visit { kind, .. } => *kind,
            _ => None,
        }
    }
}

/// Whether a fact is inside the scope's team and places.
fn in_scope(fact: &Fact, r: &Records<'_>, scope: &Scope<'_>) -> bool {
    if scope.team.is_some_and(|t| t != fact.team) {
        return false;
    }
    if scope.area.is_none() && scope.scheme.is_none() {
        return true;
    }
    // Days of action and their knocks are counted by the day, wherever the doors are.
    if matches!(fact.what, What::DayOfAction { .. } | What::Knock { .. }) {
        return true;
    }
    let postcode = r
        .household(fact)
        .and_then(|h| r.homes.get(h))
        .and_then(|(_, p)| *p);
    scope.area.is_none_or(|a| a.contains(postcode, None))
        && scope.scheme.is_none_or(|s| s.covers(postcode, None))
}

/// The burglaries to count: for a month a force's extract covers (rows with a UPRN), its
/// rows only, as the street-level file holds the same crimes again without homes; the
/// street-level rows for any other month.
pub fn one_source(burglaries: &[Burglary]) -> Vec<Burglary> {
    let matched: BTreeSet<NaiveDate> = burglaries
        .iter()
        .filter(|b| b.uprn.is_some())
        .map(|b| first_of_month(b.date))
        .collect();
    burglaries
        .iter()
        .filter(|b| b.uprn.is_some() || !matched.contains(&first_of_month(b.date)))
        .cloned()
        .collect()
}

/// Computes every measure for `scope` from the records' facts and the police's burglaries
/// (both sources, as [`one_source`] sorts them).
pub fn compute(
    all: &[Fact],
    burglaries: &[Burglary],
    scope: &Scope<'_>,
    categories: &Categories,
) -> Report {
    let burglaries = &one_source(burglaries)[..];
    let index = Records::index(all);
    let facts: Vec<&Fact> = all.iter().filter(|f| in_scope(f, &index, scope)).collect();
    let period = scope.period;
    let mut fig = Figures::default();
    let count = |n: usize| Figure::count(n as u64);

    // Outputs.
    let surveys: Vec<&&Fact> = facts
        .iter()
        .filter(|f| matches!(f.what, What::Survey { .. }))
        .filter(|f| between(index.survey_day(f), &period))
        .collect();
    fig.set(m::SURVEYS, count(surveys.len()));

    let plans: Vec<(&Fact, &What)> = facts
        .iter()
        .filter(|f| matches!(f.what, What::Plan { .. }))
        .map(|f| (*f, &f.what))
        .collect();
    let made = |tier: Option<Tier>| {
        plans
            .iter()
            .filter(|(_, w)| match w {
                What::Plan {
                    created, tier: t, ..
                } => between(*created, &period) && (tier.is_none() || *t == tier),
                _ => false,
            })
            .count()
    };
    fig.set(m::PLANS, count(made(None)));
    fig.set(m::PLANS_GOLD, count(made(Some(Tier::Gold))));
    fig.set(m::PLANS_SILVER, count(made(Some(Tier::Silver))));
    fig.set(m::PLANS_BRONZE, count(made(Some(Tier::Bronze))));
    let reached_in = |status: PlanStatus, p: &Period| -> Vec<&(&Fact, &What)> {
        plans
            .iter()
            .filter(|(_, w)| match w {
                What::Plan { reached, .. } => between(reached.get(&status).copied(), p),
                _ => false,
            })
            .collect()
    };
    fig.set(
        m::PLANS_SIGNED,
        count(reached_in(PlanStatus::Agreed, &period).len()),
    );
    fig.set(
        m::PLANS_DECLINED,
        count(
            reached_in(PlanStatus::Refused, &period).len()
                + reached_in(PlanStatus::Withdrawn, &period).len(),
        ),
    );
    fig.set(
        m::VISITS_NO_ACCESS,
        count(
            facts
                .iter()
                .filter(|f| match &f.what {
                    What::Visit { date, outcome, .. } => {
                        between(*date, &period) && *outcome == Some(VisitOutcome::NoAnswer)
                    }
                    _ => false,
                })
                .count(),
        ),
    );

    // Homes hardened: plans that reached "fitted" in the period, one per household.
    let fitted = reached_in(PlanStatus::Fitted, &period);
    let hardened: BTreeSet<&str> = fitted
        .iter()
        .filter_map(|(f, _)| index.household(f))
        .collect();
    fig.set(m::HOMES_HARDENED, count(hardened.len()));

    let mut items: BTreeMap<MeasureCategory, u64> = BTreeMap::new();
    for f in &facts {
        if let What::WorkOrder { fitted, .. } = &f.what {
            for item in fitted.iter().filter(|i| between(i.on, &period)) {
                *items.entry(categories.get(&item.measure)).or_default() +=
                    u64::from(item.quantity);
            }
        }
    }
    fig.set(m::ITEMS_FITTED, Figure::count(items.values().sum()));
    for category in [
        MeasureCategory::DoorLock,
        MeasureCategory::WindowLock,
        MeasureCategory::Lighting,
        MeasureCategory::Alarm,
        MeasureCategory::Cctv,
        MeasureCategory::Gate,
        MeasureCategory::Marking,
        MeasureCategory::Other,
    ] {
        fig.set(
            items_measure(category),
            Figure::count(items.get(&category).copied().unwrap_or(0)),
        );
    }

    // Spend.
    let cost = |w: &What| match w {
        What::Plan { cost_pence, .. } => *cost_pence,
        _ => 0,
    };
    let spend = |list: &[&(&Fact, &What)]| Figure::Pence {
        pence: i64::try_from(list.iter().map(|(_, w)| cost(w)).sum::<u64>()).unwrap_or(i64::MAX),
        homes: Some(list.len() as u64),
    };
    let approved = reached_in(PlanStatus::Approved, &period);
    fig.set(m::SPEND_COMMITTED, spend(&approved));
    fig.set(m::SPEND_FITTED, spend(&fitted));
    let fitted_total: u64 = fitted.iter().map(|(_, w)| cost(w)).sum();
    fig.set(
        m::SPEND_AVERAGE,
        Figure::Pence {
            pence: if fitted.is_empty() {
                0
            } else {
                i64::try_from(fitted_total / fitted.len() as u64).unwrap_or(i64::MAX)
            },
            homes: Some(fitted.len() as u64),
        },
    );
    fig.set(
        m::HOMES_OVER_CAP,
        count(
            fitted
                .iter()
                .filter(|(_, w)| match w {
                    What::Plan {
                        cost_pence,
                        cap_pence: Some(cap),
                        ..
                    } => cost_pence > cap,
                    _ => false,
                })
                .count(),
        ),
    );
    if let Some(s) = scope.scheme {
        let money = |p: u64| Figure::Pence {
            pence: i64::try_from(p).unwrap_or(i64::MAX),
            homes: None,
        };
        fig.set(m::BUDGET, money(s.budget_pence));
        fig.set(m::GRANT, money(s.grant_pence));
        fig.set(m::MATCH, money(s.match_pence));
        fig.set(m::TARGET_HOMES, Figure::count(s.target_homes));
        let so_far = Period::Custom {
            from: s.starts,
            to: period.last_day().min(s.ends),
        };
        let committed: u64 = reached_in(PlanStatus::Approved, &so_far)
            .iter()
            .map(|(_, w)| cost(w))
            .sum();
        // A share of money is no one's: its "whole" is pounds, not people.
        fig.set(
            m::BUDGET_USED,
            Figure::Share {
                part: committed.min(s.budget_pence),
                whole: s.budget_pence,
            },
        );
    }

    // Time taken.
    let visit_days: Vec<i64> = surveys
        .iter()
        .filter_map(|s| match &s.what {
            What::Survey {
                burglary: Some(b), ..
            } => index.survey_day(s).map(|v| (v - *b).num_days()),
            _ => None,
        })
        .filter(|d| *d >= 0)
        .collect();
    fig.set(m::DAYS_BURGLARY_TO_VISIT, median(visit_days));
    let fitting_days: Vec<i64> = fitted
        .iter()
        .filter_map(|(f, w)| {
            let What::Plan {
                survey, reached, ..
            } = w
            else {
                return None;
            };
            let _ = f;
            let visited = index.survey_day(index.surveys.get(survey.as_deref()?)?)?;
            Some((*reached.get(&PlanStatus::Fitted)? - visited).num_days())
        })
        .filter(|d| *d >= 0)
        .collect();
    fig.set(m::DAYS_VISIT_TO_FITTED, median(fitting_days));

    // Cocooning: the doors of cocoons opened in the period.
    let opened: BTreeSet<&str> = facts
        .iter()
        .filter(|f| matches!(f.what, What::Cocoon { opened, .. } if between(opened, &period)))
        .map(|f| f.id.as_str())
        .collect();
    let all_hardened_uprns: BTreeSet<&str> = facts
        .iter()
        .filter(|f| {
            matches!(&f.what, What::Plan { reached, .. } if reached.contains_key(&PlanStatus::Fitted))
        })
        .filter_map(|f| index.household(f))
        .filter_map(|h| index.homes.get(h).and_then(|(u, _)| *u))
        .collect();
    let doors: Vec<(&Option<String>, Option<CocoonOutcome>)> = facts
        .iter()
        .filter_map(|f| match &f.what {
            What::CocoonDoor {
                cocoon: Some(c),
                uprn,
                outcome,
            } if opened.contains(c.as_str()) => Some((uprn, *outcome)),
            _ => None,
        })
        .collect();
    fig.set(m::COCOON_DOORS, count(doors.len()));
    fig.set(
        m::COCOON_REACHED,
        count(
            doors
                .iter()
                .filter(|(_, o)| o.is_some_and(CocoonOutcome::reached))
                .count(),
        ),
    );
    fig.set(
        m::COCOON_ENGAGED,
        count(
            doors
                .iter()
                .filter(|(_, o)| {
                    matches!(
                        o,
                        Some(CocoonOutcome::AdviceGiven | CocoonOutcome::SurveyStarted)
                    )
                })
                .count(),
        ),
    );
    fig.set(
        m::COCOON_HARDENED,
        count(
            doors
                .iter()
                .filter(|(u, _)| u.as_deref().is_some_and(|u| all_hardened_uprns.contains(u)))
                .count(),
        ),
    );

    // Repeat victimisation: homes with a plan drawn up in the period, burgled again after it.
    let mut supported: BTreeMap<&str, NaiveDate> = BTreeMap::new();
    for (f, w) in &plans {
        if let What::Plan {
            created: Some(c), ..
        } = w
            && period.contains(*c)
            && let Some(uprn) = index
                .household(f)
                .and_then(|h| index.homes.get(h))
                .and_then(|(u, _)| *u)
        {
            let first = supported.entry(uprn).or_insert(*c);
            *first = (*first).min(*c);
        }
    }
    let mut by_uprn: HashMap<&str, Vec<NaiveDate>> = HashMap::new();
    for b in burglaries {
        if let Some(u) = &b.uprn {
            by_uprn.entry(u.as_str()).or_default().push(b.date);
        }
    }
    let repeats = |within: &dyn Fn(NaiveDate) -> NaiveDate| {
        supported
            .iter()
            .filter(|(uprn, plan)| {
                by_uprn
                    .get(*uprn)
                    .is_some_and(|dates| dates.iter().any(|d| d > *plan && *d <= within(**plan)))
            })
            .count() as u64
    };
    let whole = supported.len() as u64;
    fig.set(m::SUPPORTED_HOMES, Figure::count(whole));
    fig.set(
        m::REPEAT_28,
        Figure::Share {
            part: repeats(&|d| d + Duration::days(28)),
            whole,
        },
    );
    fig.set(
        m::REPEAT_60,
        Figure::Share {
            part: repeats(&|d| d + Duration::days(60)),
            whole,
        },
    );
    fig.set(
        m::REPEAT_12M,
        Figure::Share {
            part: repeats(&|d| d + Months::new(12)),
            whole,
        },
    );

    // Feeling safe: follow-ups recorded in the period with both answers.
    let pairs: Vec<(u8, u8)> = plans
        .iter()
        .filter_map(|(_, w)| match w {
            What::Plan {
                survey,
                reached,
                feel_safe_before,
                feel_safe_after: Some(after),
                ..
            } if between(reached.get(&PlanStatus::FollowedUp).copied(), &period) => {
                let before = feel_safe_before.or_else(|| {
                    match &index.surveys.get(survey.as_deref()?)?.what {
                        What::Survey { feel_safe, .. } => *feel_safe,
                        _ => None,
                    }
                })?;
                Some((before, *after))
            }
            _ => None,
        })
        .collect();
    let n = pairs.len() as u64;
    fig.set(
        m::FEEL_SAFE_BEFORE,
        Figure::Score {
            sum: pairs.iter().map(|p| u64::from(p.0)).sum(),
            answers: n,
        },
    );
    fig.set(
        m::FEEL_SAFE_AFTER,
        Figure::Score {
            sum: pairs.iter().map(|p| u64::from(p.1)).sum(),
            answers: n,
        },
    );
    fig.set(
        m::FEEL_SAFER,
        Figure::Share {
            part: pairs.iter().filter(|(b, a)| a > b).count() as u64,
            whole: n,
        },
    );

    // Days of action held in the period, and their knocks, summed as the day's summary does.
    let days: BTreeSet<&str> = facts
        .iter()
        .filter(|f| matches!(f.what, What::DayOfAction { date } if between(date, &period)))
        .map(|f| f.id.as_str())
        .collect();
    let mut knocks: BTreeMap<&str, Vec<DoorRecord>> = BTreeMap::new();
    for f in &facts {
        if let What::Knock {
            day: Some(d),
            uprn: Some(uprn),
            outcomes,
            alarms_fitted,
            referrals_made,
            at: Some(at),
        } = &f.what
            && days.contains(d.as_str())
            && let Ok(uprn) = Uprn::parse(uprn)
        {
            // Only what the day's summary reads; the knock's own id and crew do not count.
            let record = DoorRecord {
                id: DoorRecordId::new(),
                uprn,
                outcomes: outcomes.clone(),
                alarms_fitted: *alarms_fitted,
                referrals_made: *referrals_made,
                higher_risk_people: 0,
                at: *at,
                crew: Vec::new(),
            };
            knocks.entry(d.as_str()).or_default().push(record);
        }
    }
    let summaries: Vec<_> = knocks.values().map(|k| summarise(k)).collect();
    let sum = |f: &dyn Fn(&doorstep_core::fire::day_of_action::DaySummary) -> u32| {
        Figure::count(summaries.iter().map(|s| u64::from(f(s))).sum())
    };
    fig.set(m::DOA_DAYS, count(days.len()));
    fig.set(m::DOA_KNOCKED, sum(&|s| s.doors_knocked));
    fig.set(m::DOA_ANSWERED, sum(&|s| s.doors_answered));
    fig.set(m::DOA_ALARMS_TESTED, sum(&|s| s.alarms_tested_ok));
    fig.set(m::DOA_ALARMS_FITTED, sum(&|s| s.alarms_fitted));
    fig.set(m::DOA_FULL_VISITS, sum(&|s| s.full_visits));
    fig.set(m::DOA_CHARLIE, sum(&|s| s.charlie_checks));
    fig.set(m::DOA_REFERRALS, sum(&|s| s.referrals_made));
    let checks: Vec<bool> = facts
        .iter()
        .filter_map(|f| match &f.what {
            What::Charlie {
                date,
                elderly,
                reduced_mobility,
                ..
            } if between(*date, &period) => Some(*elderly || *reduced_mobility),
            _ => None,
        })
        .collect();
    fig.set(
        m::DOA_OLDER_OR_DISABLED,
        Figure::Share {
            part: checks.iter().filter(|c| **c).count() as u64,
            whole: checks.len() as u64,
        },
    );

    // Referrals made in the period.
    let referrals: Vec<&What> = facts
        .iter()
        .map(|f| &f.what)
        .filter(|w| matches!(w, What::Referral { created, .. } if between(*created, &period)))
        .collect();
    let status_is = |pick: &dyn Fn(ReferralStatus) -> bool| {
        count(
            referrals
                .iter()
                .filter(|w| matches!(w, What::Referral { status: Some(s), .. } if pick(*s)))
                .count(),
        )
    };
    fig.set(m::REFERRALS, count(referrals.len()));
    fig.set(
        m::REFERRALS_ACCEPTED,
        status_is(&|s| {
            matches!(
                s,
                ReferralStatus::Accepted | ReferralStatus::VisitBooked | ReferralStatus::Completed
            )
        }),
    );
    fig.set(
        m::REFERRALS_DECLINED,
        status_is(&|s| matches!(s, ReferralStatus::Declined | ReferralStatus::NoContact)),
    );
    fig.set(
        m::DAYS_TO_RESPOND,
        median(
            referrals
                .iter()
                .filter_map(|w| match w {
                    What::Referral {
                        sent: Some(s),
                        answered: Some(a),
                        ..
                    } => Some((*a - *s).num_days()),
                    _ => None,
                })
                .filter(|d| *d >= 0)
                .collect(),
        ),
    );
    let mut by_agency: BTreeMap<String, BTreeMap<ReferralStatus, u64>> = BTreeMap::new();
    for w in &referrals {
        if let What::Referral {
            agency: Some(a),
            status: Some(s),
            ..
        } = w
        {
            *by_agency
                .entry(a.clone())
                .or_default()
                .entry(*s)
                .or_default() += 1;
        }
    }

    // Police recorded burglary: the target areas (the scheme's, or the area chosen) against
    // the rest, this period and the one before.
    let target = |b: &Burglary| match (scope.scheme, scope.area) {
        (Some(s), _) => s.covers(b.postcode.as_deref(), b.lsoa.as_deref()),
        (None, Some(a)) => a.contains(b.postcode.as_deref(), b.lsoa.as_deref()),
        (None, None) => true,
    };
    let tally = |p: &Period, in_target: bool| {
        Figure::count(
            burglaries
                .iter()
                .filter(|b| p.contains(b.date) && target(b) == in_target)
                .count() as u64,
        )
    };
    let before = period.previous();
    fig.set(m::CRIME_TARGET, tally(&period, true));
    fig.set(m::CRIME_TARGET_BASELINE, tally(&before, true));
    fig.set(m::CRIME_REST, tally(&period, false));
    fig.set(m::CRIME_REST_BASELINE, tally(&before, false));

    let work_started = scope.scheme.map_or(period.first_day(), |s| s.starts);
    let chart_from = first_of_month(work_started) - Months::new(12);
    let mut months: BTreeMap<NaiveDate, CrimeMonth> = BTreeMap::new();
    let mut month = chart_from;
    while month <= period.last_day() {
        months.insert(
            month,
            CrimeMonth {
                month,
                target: 0,
                rest: 0,
            },
        );
        month = month + Months::new(1);
    }
    for b in burglaries {
        if let Some(m) = months.get_mut(&first_of_month(b.date)) {
            if target(b) {
                m.target += 1;
            } else {
                m.rest += 1;
            }
        }
    }

    // Homes hardened, month by month from the start of the work to the period's end.
    let fitted_days: Vec<NaiveDate> = {
        let mut first: BTreeMap<&str, NaiveDate> = BTreeMap::new();
        for (f, w) in &plans {
            if let (What::Plan { reached, .. }, Some(h)) = (w, index.household(f))
                && let Some(d) = reached.get(&PlanStatus::Fitted)
            {
                let e = first.entry(h).or_insert(*d);
                *e = (*e).min(*d);
            }
        }
        first.into_values().filter(|d| *d >= work_started).collect()
    };
    let mut hardened_by_month = Vec::new();
    // From the start of the work, so a quarter's board report shows the year so far.
    let mut month = first_of_month(work_started);
    while month <= period.last_day() {
        let end = (month + Months::new(1)).pred_opt().unwrap_or(month);
        hardened_by_month.push(Progress {
            month,
            total: fitted_days.iter().filter(|d| **d <= end).count() as u64,
        });
        month = month + Months::new(1);
    }

    let mut spend_by_quarter = Vec::new();
    let mut quarter = Period::quarter_of(work_started);
    while quarter.first_day() <= period.last_day() {
        let list = reached_in(PlanStatus::Approved, &quarter);
        spend_by_quarter.push(QuarterSpend {
            quarter,
            committed_pence: list.iter().map(|(_, w)| cost(w)).sum(),
            homes: list.len() as u64,
        });
        quarter = Period::quarter_of(quarter.last_day() + Duration::days(1));
    }

    // The day-of-action funnel: doors knocked and answered, then the homes surveyed on a
    // day-of-action visit in the period, their plans and those fitted.
    let doa_surveys: BTreeSet<&str> = surveys
        .iter()
        .filter(|s| index.survey_visit_kind(s) == Some(VisitKind::DayOfAction))
        .map(|s| s.id.as_str())
        .collect();
    let doa_plans: Vec<&What> = plans
        .iter()
        .filter(|(_, w)| matches!(w, What::Plan { survey: Some(s), .. } if doa_surveys.contains(s.as_str())))
        .map(|(_, w)| *w)
        .collect();
    let knocked = fig.get(&m::DOA_KNOCKED).map_or(0, |f| f.counts()[0]);
    let answered = fig.get(&m::DOA_ANSWERED).map_or(0, |f| f.counts()[0]);
    let day_of_action_funnel = vec![
        Step { label: "Doors knocked", count: knocked },
        Step { label: "Doors answered", count: answered },
        Step { label: "Homes surveyed", count: doa_surveys.len() as u64 },
        Step { label: "Plans drawn up", count: doa_plans.len() as u64 },
        Step {
            label: "Homes fitted",
            count: doa_plans
                .iter()
                .filter(|w| matches!(w, What::Plan { reached, .. } if reached.contains_key(&PlanStatus::Fitted)))
                .count() as u64,
        },
    ];

    let mut caveats = Vec::new();
    if fig
        .iter()
        .any(|(_, f)| f.counts().iter().any(|c| scope.threshold.hides(*c)))
    {
        caveats.push(CAVEAT_SMALL_NUMBERS);
    }
    if !burglaries.is_empty() {
        caveats.extend([CAVEAT_REGRESSION, CAVEAT_DISPLACEMENT, CAVEAT_POLICING]);
        if burglaries.iter().all(|b| b.uprn.is_none()) {
            caveats.push(CAVEAT_NO_UPRNS);
        }
    }

    Report {
        period,
        figures: fig,
        burglary_by_month: months.into_values().collect(),
        work_started,
        hardened_by_month,
        spend_by_quarter,
        day_of_action_funnel,
        referrals_by_agency: by_agency
            .into_iter()
            .map(|(agency, by_status)| AgencyReferrals { agency, by_status })
            .collect(),
        caveats,
    }
}
