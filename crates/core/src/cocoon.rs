//! Cocooning after a burglary: which neighbours to visit, nearest and most at risk first.
//!
//! Near-repeat risk is highest next door and on the same side of the street in the
//! first week, and raised within about 200 m for two weeks or more (docs/domain.md#cocooning).
//! A cocoon's targets are therefore: the N doors either side on the same street,
//! same side first, then every other address within radius R by distance.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::geo::GridPoint;
use crate::household::Uprn;

/// How a council runs its cocoons; defaults from docs/domain.md#cocooning, editable in policy.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields, default)]
pub struct CocoonPolicy {
    /// Doors either side on the same street.
    pub doors_each_side: u32,
    /// Radius around the burgled home, in metres.
    pub radius_m: f64,
    /// Days within which neighbours should be visited.
    pub visit_within_days: u32,
    /// Days the cocoon stays open.
    pub open_days: u32,
}

impl Default for CocoonPolicy {
    fn default() -> Self {
        Self {
            doors_each_side: 4,
            radius_m: 200.0,
            visit_within_days: 7,
            open_days: 28,
        }
    }
}

/// An address that might be in a cocoon.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Its UPRN.
    pub uprn: Uprn,
    /// First address line, e.g. "12 Lantern Walk" or "Flat 2, 12 Lantern Walk".
    pub address_line_1: String,
    /// Where it is.
    pub position: GridPoint,
}

/// Why an address is in the cocoon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum CocoonReason {
    /// Within N doors on the same side of the same street.
    SameSide,
    /// Within N doors on the other side of the same street.
    OppositeSide,
    /// Within the radius.
    WithinRadius,
}

/// One address to visit, in priority order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct CocoonTarget {
    /// Its UPRN.
    pub uprn: Uprn,
    /// First address line.
    pub address_line_1: String,
    /// Straight-line distance from the burgled home, whole metres.
    pub distance_m: u32,
    /// Why it is included.
    pub reason: CocoonReason,
}

/// House number and street of an address line: "Flat 2, 12A Lantern Walk" → (12, "lantern walk").
pub fn street_position(address_line_1: &str) -> Option<(u32, String)> {
    let last = address_line_1.rsplit(',').next()?.trim();
    let digits: String = last.chars().take_while(char::is_ascii_digit).collect();
    let number = digits.parse().ok()?;
    let street = last[digits.len()..]
        .trim_start_matches(|c: char| c.is_ascii_alphabetic() && c.is_uppercase());
    let street = street.trim().to_lowercase();
    (!street.is_empty()).then_some((number, street))
}

/// The cocoon around `victim`, from `candidates` (any addresses nearby; the victim
/// itself and addresses without a position are ignored), in visiting order.
pub fn targets(
    victim: &Candidate,
    candidates: &[Candidate],
    policy: &CocoonPolicy,
) -> Vec<CocoonTarget> {
    let victim_street = street_position(&victim.address_line_1);
    let distance = |c: &Candidate| victim.position.distance_to(&c.position);
    let mut street: Vec<(u32, bool, &Candidate)> = Vec::new();
    let mut radius: Vec<(f64, &Candidate)> = Vec::new();
    for c in candidates.iter().filter(|c| c.uprn != victim.uprn) {
        let on_street = match (&victim_street, street_position(&c.address_line_1)) {
            (Some((vn, vs)), Some((n, s))) if *vs == s => Some((vn.abs_diff(n), vn % 2 == n % 2)),
            _ => None,
        };
        match on_street {
            Some((gap, same_side)) => street.push((gap, same_side, c)),
            None => radius.push((distance(c), c)),
        }
    }
    // N doors either side: on the same side numbers step by 2, opposite by 1 or more.
    let reach = policy.doors_each_side.saturating_mul(2);
    street.sort_by_key(|(gap, same_side, c)| (!*same_side, *gap, c.uprn.clone()));
    let mut out = Vec::new();
    for (gap, same_side, c) in street {
        // Flats share their building's number: gap 0 is the same door, always included.
        if gap <= reach {
            let reason = if same_side {
                CocoonReason::SameSide
            } else {
                CocoonReason::OppositeSide
            };
            out.push(target(c, distance(c), reason));
        } else {
            radius.push((distance(c), c));
        }
    }
    radius.retain(|(d, _)| *d <= policy.radius_m);
    radius.sort_by(|(a, ca), (b, cb)| a.total_cmp(b).then_with(|| ca.uprn.cmp(&cb.uprn)));
    out.extend(
        radius
            .into_iter()
            .map(|(d, c)| target(c, d, CocoonReason::WithinRadius)),
    );
    out
}

fn target(c: &Candidate, distance: f64, reason: CocoonReason) -> CocoonTarget {
    CocoonTarget {
        uprn: c.uprn.clone(),
        address_line_1: c.address_line_1.clone(),
        // Distances here are under a few kilometres: the cast cannot overflow.
        distance_m: distance.round().clamp(0.0, f64::from(u32::MAX)) as u32,
        reason,
    }
}

stored_enum!(
    /// What happened at a cocoon target's door.
    CocoonOutcome {
        /// Spoke to the resident and talked through their security.
        Visited => "visited",
        /// Nobody came to the door.
        NoAnswer => "no_answer",
        /// The resident did not want a visit.
        Declined => "declined",
        /// A leaflet went through the door.
        LeafletLeft => "leaflet_left",
        /// Crime prevention advice given on the doorstep.
        AdviceGiven => "advice_given",
        /// A home security survey was started.
        SurveyStarted => "survey_started",
    }
);

impl CocoonOutcome {
    /// Whether a person at the address got the message (a leaflet or an unanswered door is not reached).
    pub fn reached(self) -> bool {
        matches!(
            self,
            Self::Visited | Self::AdviceGiven | Self::SurveyStarted | Self::Declined
        )
    }

    /// The outcome in the officer's words.
    pub fn label(self) -> &'static str {
        match self {
            Self::Visited => "Visited",
            Self::NoAnswer => "No answer",
            Self::Declined => "Declined",
            Self::LeafletLeft => "Leaflet left",
            Self::AdviceGiven => "Advice given",
            Self::SurveyStarted => "Survey started",
        }
    }
}

/// Whether recording this visit opens a cocoon: a completed visit to a burglary victim.
pub fn opens_cocoon(
    kind: crate::visit::VisitKind,
    outcome: Option<crate::visit::VisitOutcome>,
) -> bool {
    kind == crate::visit::VisitKind::BurglaryVictim
        && outcome == Some(crate::visit::VisitOutcome::Completed)
}

/// When a cocoon's neighbours must be visited by, and when it closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct CocoonDates {
    /// The day the burglary was recorded and the cocoon opened.
    pub opened_on: NaiveDate,
    /// Neighbours should all have been tried by the end of this day.
    pub visit_by: NaiveDate,
    /// The cocoon closes after this day.
    pub closes_on: NaiveDate,
}

impl CocoonDates {
    /// The dates for a cocoon opened on `opened_on` under `policy`.
    pub fn new(opened_on: NaiveDate, policy: &CocoonPolicy) -> Self {
        let after = |days: u32| {
            opened_on
                .checked_add_days(Days::new(u64::from(days)))
                .unwrap_or(opened_on)
        };
        Self {
            opened_on,
            visit_by: after(policy.visit_within_days),
            closes_on: after(policy.open_days),
        }
    }
}

/// How much of a cocoon has been delivered: the figure a supervisor watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Dosage {
    /// Addresses in the cocoon.
    pub targets: u32,
    /// Addresses with any outcome recorded.
    pub attempted: u32,
    /// Addresses where a person got the message.
    pub reached: u32,
}

impl Dosage {
    /// Counts the outcomes recorded so far (`None` is a door not yet tried).
    pub fn of(outcomes: impl IntoIterator<Item = Option<CocoonOutcome>>) -> Self {
        let mut d = Self {
            targets: 0,
            attempted: 0,
            reached: 0,
        };
        for o in outcomes {
            d.targets += 1;
            if let Some(o) = o {
                d.attempted += 1;
                d.reached += u32::from(o.reached());
            }
        }
        d
    }

    /// Reached as a whole percentage of the targets (0 for an empty cocoon).
    pub fn reached_percent(&self) -> u32 {
        self.reached
            .saturating_mul(100)
            .checked_div(self.targets)
            .unwrap_or(0)
    }
}

stored_enum!(
    /// Where a cocoon is, as a supervisor sees it.
    CocoonState {
        /// Doors still to try, within the visiting window.
        InProgress => "in_progress",
        /// Doors still to try and the visiting window has passed: needs action.
        Overdue => "overdue",
        /// Every door has an outcome.
        Delivered => "delivered",
        /// Past its closing day.
        Closed => "closed",
    }
);

/// The state of a cocoon on `today`.
pub fn state(dates: &CocoonDates, dosage: &Dosage, today: NaiveDate) -> CocoonState {
    if today > dates.closes_on {
        CocoonState::Closed
    } else if dosage.attempted == dosage.targets {
        CocoonState::Delivered
    } else if today > dates.visit_by {
        CocoonState::Overdue
    } else {
        CocoonState::InProgress
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    #[rstest]
    #[case("12 Lantern Walk", Some((12, "lantern walk")))]
    #[case("12A Lantern Walk", Some((12, "lantern walk")))]
    #[case("Flat 2, 12 Lantern Walk", Some((12, "lantern walk")))]
    #[case("Rose Cottage", None)]
    #[case("12", None)]
    fn street_positions(#[case] line: &str, #[case] expected: Option<(u32, &str)>) {
        assert_eq!(
            street_position(line),
            expected.map(|(n, s)| (n, s.to_owned()))
        );
    }

    fn house(uprn: i64, line: &str, easting: f64, northing: f64) -> Candidate {
        Candidate {
            uprn: Uprn::from_value(uprn),
            address_line_1: line.to_owned(),
            position: GridPoint { easting, northing },
        }
    }

    /// A street along the easting axis: even numbers north side, odd south, 10 m apart.
    fn street() -> Vec<Candidate> {
        (1..=40)
            .map(|n| {
                house(
                    i64::from(n),
                    &format!("{n} Lantern Walk"),
                    450_000.0 + f64::from(n) * 5.0,
                    if n % 2 == 0 { 361_020.0 } else { 361_000.0 },
                )
            })
            .collect()
    }

    #[test]
    fn same_side_neighbours_come_first_then_opposite_then_the_radius() {
        let mut all = street();
        all.push(house(100, "3 Juniper Close", 450_150.0, 361_100.0));
        all.push(house(101, "5 Juniper Close", 451_000.0, 362_000.0)); // over a kilometre away
        let victim = all[19].clone(); // number 20
        let t = targets(&victim, &all, &CocoonPolicy::default());
        let first: Vec<&str> = t
            .iter()
            .take(8)
            .map(|t| t.address_line_1.as_str())
            .collect();
        assert_eq!(
            first,
            [
                "18 Lantern Walk",
                "22 Lantern Walk",
                "16 Lantern Walk",
                "24 Lantern Walk",
                "14 Lantern Walk",
                "26 Lantern Walk",
                "12 Lantern Walk",
                "28 Lantern Walk"
            ],
            "four doors either side on the same side, nearest first"
        );
        assert!(
            t[8..]
                .iter()
                .take_while(|t| t.reason == CocoonReason::OppositeSide)
                .count()
                > 0
        );
        assert!(t.iter().any(
            |t| t.address_line_1 == "3 Juniper Close" && t.reason == CocoonReason::WithinRadius
        ));
        assert!(
            !t.iter().any(|t| t.address_line_1 == "5 Juniper Close"),
            "beyond the radius"
        );
        assert!(
            !t.iter().any(|t| t.uprn == victim.uprn),
            "the victim is not their own neighbour"
        );
    }

    #[test]
    fn the_shipped_policy_uses_the_domain_reference_defaults() {
        let policy =
            crate::security::Policy::from_toml(include_str!("../../../assets/policy.toml"))
                .expect("the real policy loads");
        assert_eq!(
            policy.cocoon,
            CocoonPolicy::default(),
            "4 doors either side, 200 m, 7 days, open 28 days"
        );
    }

    proptest! {
        #[test]
        fn every_target_is_on_the_street_or_within_the_radius_and_listed_once(
            points in prop::collection::vec((0.0f64..600.0, 0.0f64..600.0), 1..60),
            radius in 50.0f64..400.0,
        ) {
            let victim = house(999_999, "Rose Cottage", 450_300.0, 361_300.0);
            let candidates: Vec<Candidate> = points
                .iter()
                .enumerate()
                .map(|(i, (e, n))| house(i as i64 + 1, &format!("Unit {i}"), 450_000.0 + e, 361_000.0 + n))
                .collect();
            let policy = CocoonPolicy { radius_m: radius, ..CocoonPolicy::default() };
            let t = targets(&victim, &candidates, &policy);
            let mut seen = std::collections::HashSet::new();
            for target in &t {
                prop_assert!(seen.insert(target.uprn.clone()), "listed twice");
                prop_assert!(f64::from(target.distance_m) <= radius + 0.5);
            }
            let inside = candidates.iter().filter(|c| victim.position.distance_to(&c.position) <= radius).count();
            prop_assert_eq!(t.len(), inside);
            prop_assert!(t.windows(2).all(|w| w[0].distance_m <= w[1].distance_m), "nearest first");
        }
    }
}

#[cfg(test)]
mod outcome_tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap_or_default()
    }

    #[test]
    fn dates_follow_the_policy() {
        let d = CocoonDates::new(day(1), &CocoonPolicy::default());
        assert_eq!((d.visit_by, d.closes_on), (day(8), day(29)));
    }

    #[rstest]
    #[case::fresh(&[None, None], 2, CocoonState::InProgress)]
    #[case::partly_done_late(&[Some(CocoonOutcome::Visited), None], 9, CocoonState::Overdue)]
    #[case::all_tried(&[Some(CocoonOutcome::NoAnswer), Some(CocoonOutcome::Declined)], 9, CocoonState::Delivered)]
    #[case::closed(&[None], 30, CocoonState::Closed)]
    #[case::last_visiting_day(&[None], 8, CocoonState::InProgress)]
    fn state_on_a_day(
        #[case] outcomes: &[Option<CocoonOutcome>],
        #[case] today: u32,
        #[case] expected: CocoonState,
    ) {
        let dates = CocoonDates::new(day(1), &CocoonPolicy::default());
        let dosage = Dosage::of(outcomes.iter().copied());
        assert_eq!(state(&dates, &dosage, day(today)), expected);
    }

    #[rstest]
    #[case(CocoonOutcome::Visited, true)]
    #[case(CocoonOutcome::AdviceGiven, true)]
    #[case(CocoonOutcome::SurveyStarted, true)]
    #[case(CocoonOutcome::Declined, true)]
    #[case(CocoonOutcome::LeafletLeft, false)]
    #[case(CocoonOutcome::NoAnswer, false)]
    fn reached_means_a_person_heard_it(#[case] o: CocoonOutcome, #[case] reached: bool) {
        assert_eq!(o.reached(), reached);
    }

    proptest! {
        #[test]
        fn reached_never_exceeds_attempted_nor_attempted_targets(
            outcomes in proptest::collection::vec(proptest::option::of(0usize..6), 0..40)
        ) {
            let os: Vec<_> = outcomes.iter().map(|o| o.map(|i| CocoonOutcome::ALL[i])).collect();
            let d = Dosage::of(os.iter().copied());
            prop_assert_eq!(d.targets as usize, os.len());
            prop_assert!(d.reached <= d.attempted && d.attempted <= d.targets);
            prop_assert!(d.reached_percent() <= 100);
        }
    }
}
