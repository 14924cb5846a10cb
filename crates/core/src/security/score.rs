//! Risk and vulnerability scores that explain themselves: every point names the answers behind it.

use serde::{Deserialize, Serialize};

use super::answers::Answers;
use super::engine::Reader;
use super::library::{SurveyError, ensure_same_template};
use super::policy::{Factor, Level, Policy};
use super::template::Template;
use super::weakness::{Weakness, derive_weaknesses};

/// Points from one source, so the UI can show what contributed and how much.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Contribution {
    /// The weakness or policy factor id.
    pub factor: String,
    /// The answer paths behind it; never empty.
    pub sources: Vec<String>,
    /// Points added.
    pub points: u32,
    /// Why, in plain words.
    pub reason: String,
}

/// A score with its parts; `total` is always the sum of the contributions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Score {
    /// Sum of the contributions.
    pub total: u32,
    /// Band from the policy thresholds.
    pub level: Level,
    /// The parts, largest first.
    pub contributions: Vec<Contribution>,
}

impl Score {
    fn from_parts(mut contributions: Vec<Contribution>, level: impl Fn(u32) -> Level) -> Self {
        contributions.sort_by_key(|c| std::cmp::Reverse(c.points));
        // Policy caps each rule's points, so saturation is unreachable in practice; it only guards.
        let total = contributions
            .iter()
            .fold(0u32, |t, c| t.saturating_add(c.points));
        Self {
            total,
            level: level(total),
            contributions,
        }
    }
}

/// Everything the survey says: weaknesses, both scores, and whether to refer to the DA service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Assessment {
    /// Weaknesses found, heaviest first.
    pub weaknesses: Vec<Weakness>,
    /// How likely a (repeat) burglary is: weaknesses plus incident factors.
    pub risk: Score,
    /// How badly a burglary would harm this resident.
    pub vulnerability: Score,
    /// Set when a domestic-abuse concern was flagged: what the officer must do. It never changes the tier.
    pub refer_to_da_service: Option<String>,
}

fn factor_contributions(
    reader: &Reader<'_>,
    answers: &Answers,
    factors: &[Factor],
) -> Vec<Contribution> {
    factors
        .iter()
        .filter_map(|f| {
            let matches = reader.matches(answers, &f.when);
            let mut sources: Vec<String> = matches.into_iter().flat_map(|m| m.causes).collect();
            sources.dedup();
            (!sources.is_empty() && f.points > 0).then(|| Contribution {
                factor: f.id.clone(),
                sources,
                points: f.points,
                reason: f.reason.clone(),
            })
        })
        .collect()
}

/// Scores a survey with the template version its answers name.
pub fn assess(
    template: &Template,
    answers: &Answers,
    policy: &Policy,
) -> Result<Assessment, SurveyError> {
    ensure_same_template(template, answers)?;
    let reader = Reader::new(template);
    let weaknesses = derive_weaknesses(template, answers, &policy.evidence_points)?;
    let mut risk: Vec<Contribution> = weaknesses
        .iter()
        .filter(|w| w.weight > 0)
        .map(|w| Contribution {
            factor: w.id.clone(),
            sources: w.causes.clone(),
            points: w.weight,
            // "Door 2", as the screens say it: an answer path never reaches a person.
            reason: match w
                .instance
                .as_deref()
                .and_then(|at| template.instance_label(at))
            {
                Some(place) => format!("{} ({place})", w.title),
                None => w.title.clone(),
            },
        })
        .collect();
    risk.extend(factor_contributions(&reader, answers, &policy.risk_factors));
    let vulnerability = factor_contributions(&reader, answers, &policy.vulnerability_factors);
    let refer_to_da_service = (!reader
        .matches(answers, &policy.domestic_abuse.when)
        .is_empty())
    .then(|| policy.domestic_abuse.message.clone());
    Ok(Assessment {
        weaknesses,
        risk: Score::from_parts(risk, |t| policy.risk_level(t)),
        vulnerability: Score::from_parts(vulnerability, |t| policy.vulnerability_level(t)),
        refer_to_da_service,
    })
}

#[cfg(test)]
mod tests {
    use super::super::answers::AnswerValue;
    use super::super::fixtures::*;
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    fn ids(a: &Assessment) -> Vec<&str> {
        a.weaknesses.iter().map(|w| w.id.as_str()).collect()
    }

    #[test]
    fn a_secure_home_has_no_weaknesses() {
        let t = template();
        let a = assess(&t, &secure_home(&t), &policy()).expect("assess");
        assert!(
            a.weaknesses.is_empty(),
            "nothing weak was answered: {:?}",
            ids(&a)
        );
        assert_eq!(a.risk.total, 5, "only the cocoon-neighbour factor applies");
    }

    #[rstest]
    #[case("interior_timers", no(), "no_interior_timers", "interior_timers")]
    #[case("rear_light", choice("none"), "rear_light_missing", "rear_light")]
    #[case("keyless_car", yes(), "keyless_car_exposed", "keyless_car")]
    #[case(
        "property_marking",
        choice("none"),
        "property_unmarked",
        "property_marking"
    )]
    #[case(
        "side_gate",
        choice("none_open_access"),
        "side_gate_insecure",
        "side_gate"
    )]
    fn one_weak_answer_gives_one_weakness_naming_its_cause(
        #[case] item: &str,
        #[case] value: AnswerValue,
        #[case] weakness: &str,
        #[case] cause: &str,
    ) {
        let t = template();
        let a = assess(&t, &secure_home(&t).with(item, value), &policy()).expect("assess");
        assert_eq!(
            ids(&a),
            vec![weakness],
            "exactly the weakness this answer means"
        );
        assert_eq!(
            a.weaknesses[0].causes,
            vec![cause.to_owned()],
            "the weakness names the answer behind it"
        );
        assert!(
            !a.weaknesses[0].explanation.is_empty(),
            "the resident gets an explanation"
        );
    }

    #[test]
    fn group_weaknesses_are_found_per_instance_and_only_where_shown() {
        let t = template();
        let windows = AnswerValue::Group(vec![
            window("ground_rear", "none", no()),
            window("not_accessible", "none", no()),
            window("ground_side", "none", yes()),
        ]);
        let a = assess(&t, &secure_home(&t).with("windows", windows), &policy()).expect("assess");
        let found: Vec<_> = a.weaknesses.iter().map(|w| w.instance.clone()).collect();
        assert_eq!(
            found,
            vec![Some("windows[0]".into()), Some("windows[2]".into())],
            "an inaccessible window drives no measure; each accessible one counts"
        );
        assert_eq!(
            a.weaknesses[0].causes,
            vec!["windows[0].window_location", "windows[0].window_key_lock"]
        );
        let reasons: Vec<_> = a
            .risk
            .contributions
            .iter()
            .map(|c| c.reason.as_str())
            .collect();
        assert!(
            reasons.iter().any(|r| r.ends_with("(Window 1)"))
                && reasons.iter().any(|r| r.ends_with("(Window 3)")),
            "each contribution names its window as the screen does: {reasons:?}"
        );
        assert!(
            reasons.iter().all(|r| !r.contains('[') && !r.contains(']')),
            "no answer path reaches a person: {reasons:?}"
        );
        let hidden = secure_home(&t)
            .with("has_outbuilding", no())
            .with("outbuilding_lock", choice("none"));
        let a = assess(&t, &hidden, &policy()).expect("assess");
        assert!(
            a.weaknesses.is_empty(),
            "an answer to a hidden question creates no weakness"
        );
    }

    #[test]
    fn wide_weaknesses_weigh_more_than_alarms() {
        let t = template();
        let p = policy();
        let a = assess(
            &t,
            &secure_home(&t)
                .with("interior_timers", no())
                .with("alarm_type", choice("none")),
            &p,
        )
        .expect("assess");
        let weight = |id: &str| a.weaknesses.iter().find(|w| w.id == id).map(|w| w.weight);
        assert!(
            weight("no_interior_timers") > weight("no_alarm"),
            "WIDE evidence outweighs alarms (domain 1.1)"
        );
        assert_eq!(a.weaknesses[0].id, "no_interior_timers", "heaviest first");
    }

    #[test]
    fn a_da_concern_refers_and_never_scores() {
        let t = template();
        let p = policy();
        let base = assess(&t, &secure_home(&t), &p).expect("assess");
        let da = assess(&t, &secure_home(&t).with("da_concern", yes()), &p).expect("assess");
        assert!(
            da.refer_to_da_service.is_some(),
            "the officer is told to refer"
        );
        assert_eq!(
            (da.risk.total, da.vulnerability.total),
            (base.risk.total, base.vulnerability.total),
            "DA adds no points"
        );
    }

    #[test]
    fn assessing_with_another_version_is_refused() {
        let t = template();
        let mut answers = secure_home(&t);
        answers.template_version = 99;
        assert!(
            assess(&t, &answers, &policy()).is_err(),
            "answers are only read with the version they name"
        );
    }

    proptest! {
        #[test]
        fn contributions_sum_to_the_total_and_name_their_sources(
            timers in any::<bool>(), alone in any::<bool>(), repeat in any::<bool>(),
            feel in 1u8..=5, n_windows in 0usize..5, lock in 0usize..3,
        ) {
            let t = template();
            let locks = ["none", "key_left_in", "locked_keys_removed"];
            let windows = (0..n_windows).map(|_| window("ground_rear", locks[lock], no())).collect();
            let answers = secure_home(&t)
                .with("interior_timers", if timers { yes() } else { no() })
                .with("lives_alone", if alone { yes() } else { no() })
                .with("repeat_victim", if repeat { yes() } else { no() })
                .with("feel_safe", AnswerValue::Number(f64::from(feel)))
                .with("windows", AnswerValue::Group(windows));
            let p = policy();
            let a = assess(&t, &answers, &p).expect("assess");
            for score in [&a.risk, &a.vulnerability] {
                let sum: u32 = score.contributions.iter().map(|c| c.points).sum();
                prop_assert_eq!(sum, score.total, "the total is exactly the parts the UI shows");
                for c in &score.contributions {
                    prop_assert!(!c.sources.is_empty(), "every contribution names an answer: {}", c.factor);
                    prop_assert!(c.points > 0, "zero-point rows would only clutter the explanation");
                }
            }
            prop_assert_eq!(a.risk.level, p.risk_level(a.risk.total), "level comes from the policy thresholds");
            let again = assess(&t, &answers, &p).expect("assess");
            prop_assert_eq!(a, again, "the same answers always score the same");
        }
    }
}
