//! Which fire-safety advice the resident's plan gives. The wording lives once per topic in the
//! CHARLIE template's `[[advice]]`; factors, flags and the alarm rule only name topics, so the
//! plan can never give two versions of one topic (issue 17: "test your smoke alarm every week"
//! and later "once a month"). Documents lay this out and add no advice of their own.

use serde::{Deserialize, Serialize};

use super::agency::{AgencyDirectory, AgencyKind};
use super::charlie::{CharlieAssessment, CharlieCheck, assess};
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

/// The fire-safety section of a household's printed plan: the advice from its newest check
/// scored on this template version, closing with whether a fire service visit was asked for.
/// A check on another version is passed over, since its scores mean other things; one that
/// no longer validates gives no section rather than advice resting on bad data.
pub fn household_fire_advice(
    template: &CharlieTemplate,
    checks_newest_first: &[CharlieCheck],
    referrals: &[Referral],
    directory: &AgencyDirectory,
) -> Option<ResidentFireAdvice> {
    let check = checks_newest_first
        .iter()
        .find(|c| c.template_id == template.id && c.template_version == template.version)?;
    let assessment = assess(template, check).ok()?;
    let visit_requested = fire_service_visit_requested(referrals, directory);
    resident_fire_advice(template, &assessment, visit_requested)
}

#[cfg(test)]
mod tests {
    use super::super::agency::tests::directory;
    use super::super::charlie::tests::{at, check_with};
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

    /// A referral to `agency` at `status`, as far as the visit rule reads it.
    fn referral_to(agency: &str, status: ReferralStatus) -> Referral {
        use crate::ids::{HouseholdId, OfficerId, PersonId};
        Referral {
            id: crate::fire::ReferralId::new(),
            person_id: PersonId::new(),
            household_id: HouseholdId::new(),
            agency_id: agency.into(),
            reasons: vec!["CHARLIE high risk".into()],
            urgency: crate::fire::Urgency::Routine,
            charlie_check_id: None,
            consent: None,
            lawful_basis: None,
            status,
            created_by: OfficerId::new(),
            created_at: at(),
            sent_at: None,
            due_at: None,
            history: Vec::new(),
        }
    }

    #[test]
    fn a_household_gets_the_advice_of_its_newest_check_on_this_template_version() {
        let t = real();
        let smoker = check_with(&t, &[("inappropriate_smoking", 8)]);
        let lives_alone = check_with(&t, &[("lives_alone", 8)]);
        let mut other_version = check_with(&t, &[("hoarding", 8)]);
        other_version.template_version += 1;
        let scored = |c| assess(&t, c).expect("valid check");
        let newest = resident_fire_advice(&t, &scored(&smoker), false);
        assert_eq!(
            household_fire_advice(
                &t,
                &[smoker.clone(), lives_alone.clone()],
                &[],
                &directory()
            ),
            newest,
            "the newest check decides"
        );
        assert_eq!(
            household_fire_advice(&t, &[other_version, lives_alone.clone()], &[], &directory()),
            resident_fire_advice(&t, &scored(&lives_alone), false),
            "a check scored on another version is passed over"
        );
        assert_eq!(
            household_fire_advice(&t, &[], &[], &directory()),
            None,
            "no check, no section"
        );
    }

    #[rstest]
    #[case::none_sent(&[("fire_safe_and_well", ReferralStatus::Draft)], false)]
    #[case::fire_sent(&[("fire_safe_and_well", ReferralStatus::Sent)], true)]
    #[case::other_agency_sent(&[("victim_care", ReferralStatus::Sent)], false)]
    fn the_closing_words_follow_the_households_referrals(
        #[case] referrals: &[(&str, ReferralStatus)],
        #[case] requested: bool,
    ) {
        let t = real();
        let referrals: Vec<Referral> = referrals
            .iter()
            .map(|(agency, status)| referral_to(agency, *status))
            .collect();
        let check = check_with(&t, &[("inappropriate_smoking", 8)]);
        let section = household_fire_advice(&t, &[check], &referrals, &directory())
            .expect("a smoker gets advice");
        let visit = &t.fire_service_visit;
        let expected = if requested {
            &visit.requested
        } else {
            &visit.offered
        };
        assert_eq!(&section.fire_service_visit, expected.trim());
    }
}
