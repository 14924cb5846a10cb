//! A plan's lifecycle: draft → agreed → approved → ordered → fitted → followed up, or refused or
//! withdrawn with a reason; an agreed plan a supervisor will not approve as it stands goes back
//! to draft with a reason, for the officer to change and the resident to agree again. Each step
//! records who (and in which role) and when.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::identity::Role;
use crate::ids::OfficerId;

use super::follow_up::{FollowUp, FollowUpFindings, feeling_safe_at_survey};
use super::library::SurveyError;
use super::plan::{Plan, PlanContext, PlanRuleViolation};

stored_enum!(
    /// Where a plan is.
    PlanStatus {
        /// Being drawn up; the only editable state.
        Draft => "draft",
        /// The resident signed.
        Agreed => "agreed",
        /// A supervisor approved the spend.
        Approved => "approved",
        /// Sent to the contractor.
        Ordered => "ordered",
        /// Measures fitted.
        Fitted => "fitted",
        /// The follow-up visit was done; final.
        FollowedUp => "followed_up",
        /// Refused (by the resident or at approval); final.
        Refused => "refused",
        /// Withdrawn by the scheme; final.
        Withdrawn => "withdrawn",
    }
);

stored_enum!(
    /// The kinds of step, for permission tables and the UI's buttons.
    StepKind {
        /// Resident agrees.
        Agree => "agree",
        /// Supervisor approves.
        Approve => "approve",
        /// Order placed.
        Order => "order",
        /// Fitting done.
        Fit => "fit",
        /// Follow-up done.
        FollowUp => "follow_up",
        /// Refused.
        Refuse => "refuse",
        /// Withdrawn.
        Withdraw => "withdraw",
        /// Returned to the officer: back to draft, to change and agree again.
        Return => "return",
    }
);

impl StepKind {
    /// The status a plan must be in for this step.
    pub fn allowed_from(self, status: PlanStatus) -> bool {
        use PlanStatus as S;
        match self {
            Self::Agree => status == S::Draft,
            Self::Approve | Self::Return => status == S::Agreed,
            Self::Order => status == S::Approved,
            Self::Fit => status == S::Ordered,
            Self::FollowUp => status == S::Fitted,
            Self::Refuse | Self::Withdraw => {
                matches!(
                    status,
                    S::Draft | S::Agreed | S::Approved | S::Ordered | S::Fitted
                )
            }
        }
    }

    /// The roles that may take this step; approval is the supervisor's alone.
    pub fn roles(self) -> &'static [Role] {
        match self {
            Self::Agree | Self::Order | Self::Refuse | Self::Withdraw => {
                &[Role::Officer, Role::Supervisor]
            }
            Self::Approve | Self::Return => &[Role::Supervisor],
            Self::Fit => &[Role::Officer, Role::Supervisor, Role::Contractor],
            Self::FollowUp => &[Role::Officer, Role::Supervisor, Role::Warden],
        }
    }

    /// The status after the step.
    pub fn target(self) -> PlanStatus {
        match self {
            Self::Agree => PlanStatus::Agreed,
            Self::Approve => PlanStatus::Approved,
            Self::Order => PlanStatus::Ordered,
            Self::Fit => PlanStatus::Fitted,
            Self::FollowUp => PlanStatus::FollowedUp,
            Self::Refuse => PlanStatus::Refused,
            Self::Withdraw => PlanStatus::Withdrawn,
            Self::Return => PlanStatus::Draft,
        }
    }
}

/// Who took a step, in which role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct PlanActor {
    /// The user.
    pub officer_id: OfficerId,
    /// The role they acted in.
    pub role: Role,
}

/// A step with what it records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum PlanStep {
    /// The resident agrees the plan.
    Agree {
        /// The resident's typed name.
        resident_name: String,
        /// Attachment reference of the signature drawn on screen.
        signature_ref: String,
        /// The disclaimer version they accepted.
        disclaimer_version: String,
    },
    /// A supervisor approves the spend.
    Approve {
        /// Why the plan may exceed the cap, if it does and no reason was recorded yet.
        over_cap_reason: Option<String>,
    },
    /// The order is placed.
    Order {
        /// The order or job reference.
        order_ref: String,
    },
    /// The measures were fitted.
    Fit,
    /// The follow-up visit was done.
    FollowUp {
        /// What the officer found.
        findings: FollowUpFindings,
    },
    /// The plan was refused.
    Refuse {
        /// Why.
        reason: String,
    },
    /// The plan was withdrawn.
    Withdraw {
        /// Why.
        reason: String,
    },
    /// A supervisor returned the agreed plan to the officer: what to change.
    Return {
        /// Why, and what to change.
        reason: String,
    },
}

impl PlanStep {
    /// Its kind.
    pub fn kind(&self) -> StepKind {
        match self {
            Self::Agree { .. } => StepKind::Agree,
            Self::Approve { .. } => StepKind::Approve,
            Self::Order { .. } => StepKind::Order,
            Self::Fit => StepKind::Fit,
            Self::FollowUp { .. } => StepKind::FollowUp,
            Self::Refuse { .. } => StepKind::Refuse,
            Self::Withdraw { .. } => StepKind::Withdraw,
            Self::Return { .. } => StepKind::Return,
        }
    }
}

/// The resident's agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Agreement {
    /// Typed name.
    pub resident_name: String,
    /// Signature attachment reference.
    pub signature_ref: String,
    /// Disclaimer version accepted.
    pub disclaimer_version: String,
    /// Who witnessed it.
    pub by: PlanActor,
    /// When.
    pub at: DateTime<Utc>,
}

/// The supervisor's approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Approval {
    /// The supervisor.
    pub by: PlanActor,
    /// When.
    pub at: DateTime<Utc>,
    /// Why the spend may exceed the cap, when it does.
    pub over_cap_reason: Option<String>,
}

/// One step in a plan's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct PlanEvent {
    /// Status before.
    pub from: PlanStatus,
    /// Status after.
    pub to: PlanStatus,
    /// The step and what it recorded.
    pub step: PlanStep,
    /// Who.
    pub by: PlanActor,
    /// When (given by the caller; core never reads the clock).
    pub at: DateTime<Utc>,
}

/// Why a step was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// Not allowed from this status.
    #[error("A plan that is {status} cannot be given the step \"{step}\"")]
    NotFromStatus {
        /// Step.
        step: &'static str,
        /// Current status.
        status: &'static str,
    },
    /// The role may not take this step.
    #[error("Signed in as {role}, you cannot {step} a plan: ask a {allowed}")]
    RoleNotAllowed {
        /// Step.
        step: &'static str,
        /// The user's role.
        role: &'static str,
        /// Roles that can.
        allowed: String,
    },
    /// A supervisor tried to approve their own plan.
    #[error("You drafted or agreed this plan, so another supervisor must approve it")]
    OwnPlan,
    /// A required field was blank.
    #[error(transparent)]
    Blank(#[from] crate::validation::Blank),
    /// The resident accepted an old disclaimer.
    #[error(
        "The resident accepted disclaimer {given}, but the current one is {current}: show them the current disclaimer"
    )]
    WrongDisclaimer {
        /// Accepted.
        given: String,
        /// Current.
        current: String,
    },
    /// The plan breaks rules; the first is shown, all are listed.
    #[error("Fix the plan first: {}", .0.first().map(ToString::to_string).unwrap_or_default())]
    RulesBroken(Vec<PlanRuleViolation>),
    /// The survey could not be read.
    #[error(transparent)]
    Survey(#[from] SurveyError),
    /// The step's own form has mistakes, listed by field.
    #[error("{}", .0.errors().first().map(|e| e.message.as_str()).unwrap_or("Check the form"))]
    Invalid(crate::validation::ValidationErrors),
}

fn text(value: &str, field: &'static str, what: &'static str) -> Result<String, TransitionError> {
    Ok(crate::validation::not_blank(value, field, what)?)
}

impl Plan {
    /// The steps this role could take now (the buttons to show).
    pub fn available_steps(&self, role: Role) -> Vec<StepKind> {
        StepKind::ALL
            .iter()
            .copied()
            .filter(|k| k.allowed_from(self.status) && k.roles().contains(&role))
            .collect()
    }

    /// Takes a lifecycle step, or refuses it with a message and leaves the plan unchanged.
    pub fn apply(
        &mut self,
        ctx: &PlanContext<'_>,
        step: PlanStep,
        by: PlanActor,
        at: DateTime<Utc>,
    ) -> Result<(), TransitionError> {
        let kind = step.kind();
        if !kind.allowed_from(self.status) {
            return Err(TransitionError::NotFromStatus {
                step: kind.as_str(),
                status: self.status.as_str(),
            });
        }
        if !kind.roles().contains(&by.role) {
            return Err(TransitionError::RoleNotAllowed {
                step: kind.as_str(),
                role: by.role.as_str(),
                allowed: kind
                    .roles()
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(" or "),
            });
        }
        let step = match step {
            PlanStep::Agree {
                resident_name,
                signature_ref,
                disclaimer_version,
            } => {
                let resident_name =
                    text(&resident_name, "resident_name", "the resident's full name")?;
                let signature_ref = text(&signature_ref, "signature", "the resident's signature")?;
                let current = &ctx.policy.disclaimer_version;
                if disclaimer_version.trim() != current {
                    return Err(TransitionError::WrongDisclaimer {
                        given: disclaimer_version,
                        current: current.clone(),
                    });
                }
                // The cap is the supervisor's call at approval, so it does not block agreement.
                let broken: Vec<_> = self
                    .check(ctx)?
                    .into_iter()
                    .filter(|v| !v.settled_at_approval())
                    .collect();
                if !broken.is_empty() {
                    return Err(TransitionError::RulesBroken(broken));
                }
                self.agreement = Some(Agreement {
                    resident_name: resident_name.clone(),
                    signature_ref: signature_ref.clone(),
                    disclaimer_version: current.clone(),
                    by,
                    at,
                });
                PlanStep::Agree {
                    resident_name,
                    signature_ref,
                    disclaimer_version: current.clone(),
                }
            }
            PlanStep::Approve { over_cap_reason } => {
                let drafted_or_agreed = self.created_by.officer_id == by.officer_id
                    || self
                        .agreement
                        .as_ref()
                        .is_some_and(|a| a.by.officer_id == by.officer_id);
                if drafted_or_agreed {
                    return Err(TransitionError::OwnPlan);
                }
                let reason = over_cap_reason
                    .map(|r| r.trim().to_owned())
                    .filter(|r| !r.is_empty())
                    .or_else(|| self.over_cap_reason.clone());
                if let Some(v) = self.budget_violation(reason.as_deref()) {
                    return Err(TransitionError::RulesBroken(vec![v]));
                }
                let reason = if self.is_over_cap() { reason } else { None };
                self.approval = Some(Approval {
                    by,
                    at,
                    over_cap_reason: reason.clone(),
                });
                PlanStep::Approve {
                    over_cap_reason: reason,
                }
            }
            PlanStep::Order { order_ref } => PlanStep::Order {
                order_ref: text(&order_ref, "order_ref", "the order or job reference")?,
            },
            PlanStep::Refuse { reason } => PlanStep::Refuse {
                reason: text(&reason, "reason", "why the plan is refused")?,
            },
            PlanStep::Withdraw { reason } => PlanStep::Withdraw {
                reason: text(&reason, "reason", "why the plan is withdrawn")?,
            },
            PlanStep::Return { reason } => {
                let reason = text(&reason, "reason", "what the officer should change")?;
                // The resident agreed the plan as it was: once changed, they agree again.
                self.agreement = None;
                PlanStep::Return { reason }
            }
            PlanStep::Fit => PlanStep::Fit,
            PlanStep::FollowUp { findings } => {
                let errors = findings.validate();
                if !errors.is_empty() {
                    return Err(TransitionError::Invalid(errors));
                }
                self.follow_up = Some(FollowUp {
                    findings: findings.clone(),
                    feeling_safe_before: feeling_safe_at_survey(
                        ctx.answers,
                        &ctx.policy.survey_keys.feel_safe,
                    ),
                    at,
                });
                PlanStep::FollowUp { findings }
            }
        };
        let to = kind.target();
        self.history.push(PlanEvent {
            from: self.status,
            to,
            step,
            by,
            at,
        });
        self.status = to;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::answers::Answers;
    use super::super::fixtures::*;
    use super::super::ids::SurveyId;
    use super::super::plan::propose_plan;
    use super::*;
    use rstest::rstest;

    fn answers(w: &World) -> Answers {
        secure_home(&w.template).with("interior_timers", no())
    }

    fn step(kind: StepKind, w: &World) -> PlanStep {
        match kind {
            StepKind::Agree => PlanStep::Agree {
                resident_name: "A. Resident".into(),
                signature_ref: "sha256:5160".into(),
                disclaimer_version: w.policy.disclaimer_version.clone(),
            },
            StepKind::Approve => PlanStep::Approve {
                over_cap_reason: None,
            },
            StepKind::Order => PlanStep::Order {
                order_ref: "JOB-1".into(),
            },
            StepKind::Fit => PlanStep::Fit,
            StepKind::FollowUp => PlanStep::FollowUp {
                findings: findings(4),
            },
            StepKind::Refuse => PlanStep::Refuse {
                reason: "Resident changed their mind".into(),
            },
            StepKind::Withdraw => PlanStep::Withdraw {
                reason: "Resident moved away".into(),
            },
            StepKind::Return => PlanStep::Return {
                reason: "Price the side gate again".into(),
            },
        }
    }

    fn findings(feeling_safe: u8) -> FollowUpFindings {
        use crate::security::YesNo;
        FollowUpFindings {
            measures_fitted: YesNo::Yes,
            measures_used: YesNo::Yes,
            feeling_safe,
            repeat_burglary: YesNo::No,
            notes: String::new(),
        }
    }

    #[test]
    fn the_follow_up_keeps_how_safe_the_resident_felt_before_and_after() {
        let w = World::load();
        // The baseline home answered 4 at the survey; this resident said 2.
        let a = answers(&w).with("feel_safe", crate::security::AnswerValue::Number(2.0));
        let mut plan = plan_in(PlanStatus::Fitted, &w, &a);
        let before = plan.clone();
        let refused = plan.apply(
            &w.ctx(&a),
            PlanStep::FollowUp {
                findings: findings(9),
            },
            actor(Role::Officer),
            at(20),
        );
        assert!(matches!(refused, Err(TransitionError::Invalid(_))));
        assert_eq!(plan, before, "a refused follow-up changes nothing");
        plan.apply(
            &w.ctx(&a),
            PlanStep::FollowUp {
                findings: findings(5),
            },
            actor(Role::Warden),
            at(21),
        )
        .expect("follow up");
        let f = plan.follow_up.expect("recorded");
        assert_eq!(
            (f.feeling_safe_before, f.findings.feeling_safe),
            (Some(2), 5)
        );
        assert_eq!(plan.status, PlanStatus::FollowedUp);
    }

    /// A plan walked to `status` by the happy path (or refused/withdrawn from draft).
    fn plan_in(status: PlanStatus, w: &World, a: &Answers) -> Plan {
        let ctx = w.ctx(a);
        let mut plan =
            propose_plan(&ctx, SurveyId::new(), actor(Role::Officer), at(9)).expect("plan");
        let path: &[StepKind] = match status {
            PlanStatus::Draft => &[],
            PlanStatus::Agreed => &[StepKind::Agree],
            PlanStatus::Approved => &[StepKind::Agree, StepKind::Approve],
            PlanStatus::Ordered => &[StepKind::Agree, StepKind::Approve, StepKind::Order],
            PlanStatus::Fitted => &[
                StepKind::Agree,
                StepKind::Approve,
                StepKind::Order,
                StepKind::Fit,
            ],
            PlanStatus::FollowedUp => &[
                StepKind::Agree,
                StepKind::Approve,
                StepKind::Order,
                StepKind::Fit,
                StepKind::FollowUp,
            ],
            PlanStatus::Refused => &[StepKind::Refuse],
            // Draft again is drafted; a returned plan is tested on its own.
            PlanStatus::Withdrawn => &[StepKind::Withdraw],
        };
        for (i, kind) in path.iter().enumerate() {
            let role = if matches!(kind, StepKind::Approve | StepKind::Return) {
                Role::Supervisor
            } else {
                Role::Officer
            };
            plan.apply(&ctx, step(*kind, w), actor(role), at(10 + i as u32))
                .expect("happy path");
        }
        assert_eq!(plan.status, status, "fixture reached {status:?}");
        plan
    }

    #[test]
    fn every_transition_is_allowed_or_refused_as_the_table_says() {
        use PlanStatus as S;
        use StepKind as K;
        // Written out independently of `allowed_from`, so a change to either is caught.
        let expected = |status: S, kind: K| -> Option<S> {
            match (status, kind) {
                (S::Draft, K::Agree) => Some(S::Agreed),
                (S::Agreed, K::Approve) => Some(S::Approved),
                (S::Agreed, K::Return) => Some(S::Draft),
                (S::Approved, K::Order) => Some(S::Ordered),
                (S::Ordered, K::Fit) => Some(S::Fitted),
                (S::Fitted, K::FollowUp) => Some(S::FollowedUp),
                (S::Draft | S::Agreed | S::Approved | S::Ordered | S::Fitted, K::Refuse) => {
                    Some(S::Refused)
                }
                (S::Draft | S::Agreed | S::Approved | S::Ordered | S::Fitted, K::Withdraw) => {
                    Some(S::Withdrawn)
                }
                _ => None,
            }
        };
        let w = World::load();
        let a = answers(&w);
        for status in PlanStatus::ALL {
            for kind in StepKind::ALL {
                let mut plan = plan_in(*status, &w, &a);
                let before = plan.clone();
                let role = if matches!(kind, StepKind::Approve | StepKind::Return) {
                    Role::Supervisor
                } else {
                    Role::Officer
                };
                let result = plan.apply(&w.ctx(&a), step(*kind, &w), actor(role), at(20));
                match expected(*status, *kind) {
                    Some(to) => {
                        assert!(
                            result.is_ok(),
                            "{kind:?} from {status:?} must be allowed: {result:?}"
                        );
                        assert_eq!(plan.status, to, "{kind:?} from {status:?}");
                        let last = plan.history.last().expect("recorded");
                        assert_eq!(
                            (last.from, last.to, last.at),
                            (*status, to, at(20)),
                            "who/when recorded"
                        );
                    }
                    None => {
                        let err = result.expect_err("must be refused");
                        assert!(
                            matches!(err, TransitionError::NotFromStatus { .. }),
                            "{kind:?} from {status:?}: {err}"
                        );
                        assert_eq!(plan, before, "a refused step changes nothing");
                    }
                }
            }
        }
    }

    #[rstest]
    #[case(Role::Officer, false)]
    #[case(Role::FireCrew, false)]
    #[case(Role::Warden, false)]
    #[case(Role::Contractor, false)]
    #[case(Role::Analyst, false)]
    #[case(Role::Admin, false)]
    #[case(Role::Supervisor, true)]
    fn only_a_supervisor_approves(#[case] role: Role, #[case] allowed: bool) {
        let w = World::load();
        let a = answers(&w);
        let mut plan = plan_in(PlanStatus::Agreed, &w, &a);
        assert_eq!(
            plan.available_steps(role).contains(&StepKind::Approve),
            allowed,
            "the button matches the rule"
        );
        let result = plan.apply(&w.ctx(&a), step(StepKind::Approve, &w), actor(role), at(20));
        assert_eq!(result.is_ok(), allowed, "{role:?} approving: {result:?}");
    }

    #[test]
    fn a_returned_plan_is_a_draft_again_that_the_resident_agrees_again() {
        let w = World::load();
        let a = answers(&w);
        let ctx = w.ctx(&a);
        let mut plan = plan_in(PlanStatus::Agreed, &w, &a);
        let before = plan.clone();
        let blank = plan.apply(
            &ctx,
            PlanStep::Return {
                reason: "  ".into(),
            },
            actor(Role::Supervisor),
            at(20),
        );
        assert!(matches!(blank, Err(TransitionError::Blank(_))), "{blank:?}");
        assert_eq!(plan, before, "a refused return changes nothing");
        let officer = plan.apply(
            &ctx,
            step(StepKind::Return, &w),
            actor(Role::Officer),
            at(20),
        );
        assert!(matches!(
            officer,
            Err(TransitionError::RoleNotAllowed { .. })
        ));
        plan.apply(
            &ctx,
            step(StepKind::Return, &w),
            actor(Role::Supervisor),
            at(20),
        )
        .expect("returned");
        assert_eq!(plan.status, PlanStatus::Draft);
        assert_eq!(plan.agreement, None, "the old signature no longer stands");
        assert!(matches!(
            plan.history.last().map(|e| &e.step),
            Some(PlanStep::Return { reason }) if reason == "Price the side gate again"
        ));
        plan.apply(
            &ctx,
            step(StepKind::Agree, &w),
            actor(Role::Officer),
            at(21),
        )
        .expect("agreed again");
        assert_eq!(plan.status, PlanStatus::Agreed);
    }

    #[test]
    fn a_supervisor_cannot_approve_a_plan_they_agreed() {
        let w = World::load();
        let a = answers(&w);
        let ctx = w.ctx(&a);
        let mut plan =
            propose_plan(&ctx, SurveyId::new(), actor(Role::Officer), at(9)).expect("plan");
        let me = actor(Role::Supervisor);
        plan.apply(&ctx, step(StepKind::Agree, &w), me, at(10))
            .expect("supervisors can agree");
        let err = plan
            .apply(&ctx, step(StepKind::Approve, &w), me, at(11))
            .expect_err("own plan");
        assert_eq!(
            err,
            TransitionError::OwnPlan,
            "approval needs a second pair of eyes"
        );
    }

    #[rstest]
    #[case::no_name(PlanStep::Agree { resident_name: " ".into(), signature_ref: "sig".into(), disclaimer_version: "2026-01".into() })]
    #[case::no_signature(PlanStep::Agree { resident_name: "A. Resident".into(), signature_ref: "".into(), disclaimer_version: "2026-01".into() })]
    #[case::old_disclaimer(PlanStep::Agree { resident_name: "A. Resident".into(), signature_ref: "sig".into(), disclaimer_version: "2019-01".into() })]
    fn agreement_needs_name_signature_and_current_disclaimer(#[case] bad: PlanStep) {
        let w = World::load();
        let a = answers(&w);
        let mut plan = plan_in(PlanStatus::Draft, &w, &a);
        assert!(
            plan.apply(&w.ctx(&a), bad, actor(Role::Officer), at(10))
                .is_err(),
            "refused"
        );
        assert_eq!(plan.status, PlanStatus::Draft, "still a draft");
    }

    #[test]
    fn approval_over_cap_needs_a_reason_and_edits_stop_after_draft() {
        let w = World::load();
        let a = answers(&w);
        let ctx = w.ctx(&a);
        let mut plan = plan_in(PlanStatus::Draft, &w, &a);
        let line = plan.items[0].id;
        plan.set_quantity(line, 20)
            .expect("officer may exceed the cap while drafting");
        plan.apply(
            &ctx,
            step(StepKind::Agree, &w),
            actor(Role::Officer),
            at(10),
        )
        .expect("cap does not block agreement");
        assert!(
            plan.set_quantity(line, 1).is_err(),
            "an agreed plan cannot be edited"
        );
        let boss = actor(Role::Supervisor);
        let err = plan
            .apply(
                &ctx,
                PlanStep::Approve {
                    over_cap_reason: None,
                },
                boss,
                at(11),
            )
            .expect_err("over cap");
        assert!(matches!(err, TransitionError::RulesBroken(_)), "{err}");
        plan.apply(
            &ctx,
            PlanStep::Approve {
                over_cap_reason: Some("Large household".into()),
            },
            boss,
            at(11),
        )
        .expect("a reason allows it");
        assert_eq!(
            plan.approval
                .as_ref()
                .and_then(|a| a.over_cap_reason.as_deref()),
            Some("Large household"),
            "the reason is kept with the approval"
        );
        plan.record_actual_cost(line, 23_500)
            .expect("actual costs come after approval");
        assert_eq!(
            plan.totals().actual_pence,
            23_500,
            "actual cost is kept per line"
        );
    }

    #[test]
    fn refusal_and_withdrawal_need_a_reason() {
        let w = World::load();
        let a = answers(&w);
        for blank in [
            PlanStep::Refuse {
                reason: "  ".into(),
            },
            PlanStep::Withdraw {
                reason: String::new(),
            },
        ] {
            let mut plan = plan_in(PlanStatus::Agreed, &w, &a);
            let err = plan
                .apply(&w.ctx(&a), blank, actor(Role::Officer), at(12))
                .expect_err("blank");
            assert!(matches!(err, TransitionError::Blank(_)), "{err}");
        }
    }
}
