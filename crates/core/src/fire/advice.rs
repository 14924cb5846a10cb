//! Which fire-safety advice the resident's plan gives. The wording lives once per topic in the
//! CHARLIE template's `[[advice]]`; factors, flags and the alarm rule only name topics, so the
//! plan can never give two versions of one topic (issue 17: "test your smoke alarm every week"
//! and later "once a month"). Documents lay this out and add no advice of their own.

use serde::{Deserialize, Serialize};

use super::agency::{AgencyDirectory, AgencyKind};
use super::charlie::CharlieAssessment;
use super::referral::{Referral, ReferralStatus};
use super::template::CharlieTemplate;

/// The fire-safety section of the resident's plan. It holds advice only, never the answers
/// behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResidentFireAdvice {
    /// One point per topic, in the template's order.
    pub points: Vec<String>,
    /// The closing words about a home fire safety visit.
    pub fire_service_visit: String,
}

/// The fire-safety section for a scored check, or None when the check found nothing and no
/// visit was asked for (the plan then has no fire section).
pub fn resident_fire_advice(
    template: &CharlieTemplate,
    assessment: &CharlieAssessment,
    visit_requested: bool,
) -> Option<ResidentFireAdvice> {
    let factors = template
        .factors
        .iter()
        .filter(|f| assessment.present_factors.contains(&f.id))
        .flat_map(|f| &f.advice);
    let flags = template
        .flags
        .iter()
        .filter(|f| assessment.flags.contains(&f.id))
        .flat_map(|f| &f.advice);
    let alarms = assessment
        .no_working_alarm
        .then_some(&template.alarms.advice)
        .into_iter()
        .flatten();
    let called: Vec<&String> = factors.chain(flags).chain(alarms).collect();
    if called.is_empty() && !visit_requested {
        return None;
    }
    let points = template
        .advice
        .iter()
        .filter(|topic| topic.always || called.contains(&&topic.id))
        .map(|topic| topic.text.trim().to_owned())
        .collect();
    let visit = &template.fire_service_visit;
    let fire_service_visit = if visit_requested {
        &visit.requested
    } else {
        &visit.offered
    };
    Some(ResidentFireAdvice {
        points,
        fire_service_visit: fire_service_visit.trim().to_owned(),
    })
}

/// Whether a home fire safety visit has been asked for on the resident's behalf: a referral
/// to a fire service's Safe and Well team has gone beyond draft.
pub fn fire_service_visit_requested(referrals: &[Referral], directory: &AgencyDirectory) -> bool {
    referrals.iter().any(|r| {
        r.status != ReferralStatus::Draft
            && directory
                .agency(&r.agency_id)
                .is_some_and(|a| a.kind == AgencyKind::FireSafeAndWell)
    })
}

#[cfg(test)]
mod tests {
    use super::super::charlie::assess;
    use super::super::charlie::tests::check_with;
    use super::super::template::tests::real;
    use super::*;
    use rstest::rstest;

    fn advice(scores: &[(&str, u8)], flags: &[&str], alarm_works: bool) -> Vec<String> {
        let t = real();
        let mut c = check_with(&t, scores);
        c.flags = flags.iter().map(|f| (*f).to_owned()).collect();
        c.alarms[0].working = alarm_works;
        let a = assess(&t, &c).expect("valid check");
        resident_fire_advice(&t, &a, false).map_or_else(Vec::new, |r| r.points)
    }

    /// What each topic is about, by the words that give it away; at most one point per topic.
    const TOPICS: &[(&str, &[&str])] = &[
        ("testing smoke alarms", &["test", "smoke alarm"]),
        ("smoking in bed", &["smoke in bed"]),
        ("keeping the way out clear", &["way to your"]),
        ("what to do in a fire", &["stay out"]),
        ("a fire service visit", &["fire", "visit"]),
        ("keys", &["keys"]),
    ];

    fn assert_each_topic_once(points: &[String]) {
        for (topic, words) in TOPICS {
            let about: Vec<&String> = points
                .iter()
                .filter(|p| words.iter().all(|w| p.to_lowercase().contains(w)))
                .collect();
            assert!(
                about.len() <= 1,
                "{topic} is advised {} times: {about:?}",
                about.len()
            );
        }
    }

    #[rstest]
    #[case::nothing_found(&[], &[], true, &[])]
    #[case::smoker(&[("inappropriate_smoking", 8)], &[], true, &["smoke_alarms", "smoking", "in_a_fire"])]
    #[case::lives_alone_without_a_working_alarm(
        &[("lives_alone", 8)], &[], false, &["smoke_alarms", "emergency_access", "in_a_fire"]
    )]
    #[case::oxygen_and_airflow_mattress(
        &[], &["medical_oxygen", "airflow_mattress"], true,
        &["smoke_alarms", "smoking", "airflow_mattress", "oxygen", "in_a_fire"]
    )]
    #[case::mobility_and_hoarding(
        &[("reduced_mobility", 8), ("hoarding", 4)], &[], true,
        &["smoke_alarms", "way_out", "heaters", "in_a_fire"]
    )]
    fn the_resident_gets_each_topic_called_for_once_in_template_order(
        #[case] scores: &[(&str, u8)],
        #[case] flags: &[&str],
        #[case] alarm_works: bool,
        #[case] topics: &[&str],
    ) {
        let t = real();
        let mut c = check_with(&t, scores);
        c.flags = flags.iter().map(|f| (*f).to_owned()).collect();
        c.alarms[0].working = alarm_works;
        let a = assess(&t, &c).expect("valid check");
        let expected: Vec<String> = topics
            .iter()
            .map(|id| t.advice_topic(id).expect("topic").text.clone())
            .collect();
        let got = resident_fire_advice(&t, &a, false).map_or_else(Vec::new, |r| r.points);
        assert_eq!(got, expected);
    }

    #[test]
    fn with_everything_found_no_topic_is_given_twice_or_in_two_wordings() {
        let t = real();
        let scores: Vec<(&str, u8)> = t.factors.iter().map(|f| (f.id.as_str(), 10)).collect();
        let flags: Vec<&str> = t.flags.iter().map(|f| f.id.as_str()).collect();
        let mut c = check_with(&t, &scores);
        c.clutter_image_rating = Some(9);
        c.flags = flags.iter().map(|f| (*f).to_owned()).collect();
        c.alarms[0].working = false;
        let a = assess(&t, &c).expect("valid check");
        for requested in [false, true] {
            let section = resident_fire_advice(&t, &a, requested).expect("advice");
            let mut all = section.points.clone();
            all.push(section.fire_service_visit.clone());
            assert_each_topic_once(&all);
            let distinct: std::collections::BTreeSet<&String> = section.points.iter().collect();
            assert_eq!(distinct.len(), section.points.len(), "{:?}", section.points);
        }
        assert_each_topic_once(&advice(&[("elderly", 10)], &[], false));
    }

    #[test]
    fn every_factor_flag_and_the_alarm_rule_call_for_advice() {
        let t = real();
        for f in &t.factors {
            assert!(!f.advice.is_empty(), "factor {} gives advice", f.id);
        }
        for f in &t.flags {
            assert!(!f.advice.is_empty(), "flag {} gives advice", f.id);
        }
        assert!(!t.alarms.advice.is_empty());
    }

    #[test]
    fn the_closing_words_say_whether_a_visit_was_asked_for() {
        let t = real();
        let c = check_with(&t, &[]);
        let a = assess(&t, &c).expect("valid check");
        assert_eq!(resident_fire_advice(&t, &a, false), None);
        let section = resident_fire_advice(&t, &a, true).expect("a visit was asked for");
        assert_eq!(section.fire_service_visit, t.fire_service_visit.requested);
        let smoker = check_with(&t, &[("inappropriate_smoking", 8)]);
        let a = assess(&t, &smoker).expect("valid check");
        let section = resident_fire_advice(&t, &a, false).expect("advice");
        assert_eq!(section.fire_service_visit, t.fire_service_visit.offered);
    }
}
