use super::*;
use crate::fire::agency::ConsentPurpose;
use crate::fire::agency::tests::directory;
use crate::fire::charlie::assess;
use crate::fire::charlie::tests::{at, check_with};
use crate::fire::template::tests::real as charlie_template;
use chrono::{Duration, TimeZone};
use rstest::rstest;

fn consent(purposes: &[ConsentPurpose]) -> Consent {
    Consent {
        given_by: ConsentGiver::Person,
        given_by_name: "A. Resident".into(),
        method: ConsentMethod::Verbal,
        signature_ref: None,
        purposes: purposes.to_vec(),
        capacity_concerns: None,
        recorded_by: OfficerId::new(),
        at: at(),
    }
}

fn basis(justification: &str) -> BasisRecord {
    BasisRecord {
        basis: LawfulBasis::PublicTask,
        justification: justification.into(),
        recorded_by: OfficerId::new(),
        at: at(),
    }
}

const GOOD_REASON: &str = "Smokes in bed beside medical oxygen; burn marks on the bedding";

fn draft(agency: &str, consent: Option<Consent>, basis: Option<BasisRecord>) -> ReferralDraft {
    ReferralDraft {
        person_id: PersonId::new(),
        household_id: HouseholdId::new(),
        agency_id: agency.into(),
        reasons: vec!["CHARLIE high risk".into()],
        urgency: Urgency::Routine,
        charlie_check_id: None,
        consent,
        lawful_basis: basis,
    }
}

fn referral(agency: &str, consent: Option<Consent>, basis: Option<BasisRecord>) -> Referral {
    Referral::draft(
        &directory(),
        draft(agency, consent, basis),
        OfficerId::new(),
        Role::FireCrew,
        at(),
    )
    .expect("valid draft")
}

fn send(r: &mut Referral) -> Result<(), ReferralError> {
    r.apply(
        &directory(),
        ReferralStep::Send,
        OfficerId::new(),
        Role::FireCrew,
        at(),
    )
}

#[test]
fn consent_covering_the_agency_purpose_allows_sending() {
    let mut r = referral(
        "fire_safe_and_well",
        Some(consent(&[ConsentPurpose::ShareWithFire])),
        None,
    );
    send(&mut r).expect("consent to share with fire covers the fire agency");
    assert_eq!(r.status, ReferralStatus::Queued, "waiting to go");
    assert!(r.is_waiting_to_go());
    assert_eq!(
        (r.sent_at, r.due_at),
        (None, None),
        "no clock runs before the agency has it"
    );
    assert_eq!(
        r.history.len(),
        1,
        "the step is in the history with who and when"
    );
    let delivered = at() + Duration::hours(30);
    r.deliver(&directory(), delivered)
        .expect("the hub delivers it");
    assert_eq!(r.status, ReferralStatus::Sent, "delivered");
    assert_eq!(r.sent_at, Some(delivered), "the clock starts at delivery");
    assert_eq!(
        r.due_at,
        Some(delivered + Duration::days(7)),
        "5 working days from a Tuesday"
    );
    let last = r.history.last().expect("delivery recorded");
    assert_eq!(
        (last.step.clone(), last.by, last.role),
        (ReferralStep::Deliver, r.history[0].by, Role::FireCrew),
        "delivery completes the referrer's send"
    );
}

#[test]
fn a_queued_referral_without_authority_is_never_delivered() {
    let mut r = referral(
        "fire_safe_and_well",
        Some(consent(&[ConsentPurpose::ShareWithFire])),
        None,
    );
    send(&mut r).expect("queued");
    // As a forged or corrupted record arriving at the hub would be.
    r.consent = None;
    let before = r.clone();
    let err = r
        .deliver(&directory(), at())
        .expect_err("no consent, no basis: never delivered");
    assert!(matches!(err, ReferralError::NotAuthorised(_)), "{err:?}");
    assert_eq!(r, before, "and nothing changes");
    let mut unknown = before.clone();
    unknown.agency_id = "nobody".into();
    assert!(matches!(
        unknown.deliver(&directory(), at()),
        Err(ReferralError::UnknownAgency(_))
    ));
}

#[test]
fn each_party_takes_only_its_own_steps() {
    let mut r = at_status(ReferralStatus::Queued);
    assert_eq!(
        r.apply(
            &directory(),
            ReferralStep::Deliver,
            OfficerId::new(),
            Role::Supervisor,
            at()
        ),
        Err(ReferralError::OnlyTheHubDelivers),
        "nobody delivers by hand"
    );
    assert!(
        r.available_steps(Role::Officer).is_empty(),
        "the officer waits"
    );
    let mut r = at_status(ReferralStatus::Sent);
    let before = r.clone();
    assert_eq!(
        r.apply(
            &directory(),
            step(ReferralStepKind::Accept),
            OfficerId::new(),
            Role::Officer,
            at()
        ),
        Err(ReferralError::OnlyTheAgency("accept")),
        "an officer cannot type in the agency's answer"
    );
    assert_eq!(r, before);
    assert_eq!(
        r.available_steps(Role::Agency),
        [
            ReferralStepKind::Acknowledge,
            ReferralStepKind::Accept,
            ReferralStepKind::Decline
        ],
        "the agency's buttons on a new referral"
    );
    assert!(r.available_steps(Role::Supervisor).is_empty());
    let mut draft = at_status(ReferralStatus::Draft);
    assert!(matches!(
        draft.apply(
            &directory(),
            ReferralStep::Send,
            OfficerId::new(),
            Role::Agency,
            at()
        ),
        Err(ReferralError::RoleNotAllowed("agency"))
    ));
}

#[test]
fn a_visit_cannot_be_booked_in_the_past() {
    let mut r = at_status(ReferralStatus::Accepted);
    let before = r.clone();
    let err = r.apply(
        &directory(),
        ReferralStep::BookVisit {
            visit_at: at() - Duration::minutes(1),
        },
        OfficerId::new(),
        Role::Agency,
        at(),
    );
    assert_eq!(err, Err(ReferralError::VisitInThePast));
    assert_eq!(r, before, "nothing changes");
    r.apply(
        &directory(),
        ReferralStep::BookVisit { visit_at: at() },
        OfficerId::new(),
        Role::Agency,
        at(),
    )
    .expect("now is not the past");
}

#[test]
fn nothing_is_sent_without_consent_or_basis() {
    let mut r = referral("fire_safe_and_well", None, None);
    let err = send(&mut r).expect_err("no consent, no basis");
    assert!(
        matches!(
            err,
            ReferralError::NotAuthorised(SendRefused::NoConsentOrBasis { .. })
        ),
        "the typed reason lets the screen say why: {err:?}"
    );
    assert_eq!(
        r.status,
        ReferralStatus::Draft,
        "a refused send leaves the draft unchanged"
    );
    assert!(
        r.history.is_empty() && r.sent_at.is_none(),
        "and records nothing"
    );
}

#[rstest]
#[case("fire_safe_and_well", &[ConsentPurpose::Visit, ConsentPurpose::ShareWithHealth])]
#[case("adult_social_care", &[ConsentPurpose::ShareWithFire])]
#[case("victim_care", &[ConsentPurpose::ShareWithHealth, ConsentPurpose::FollowUp])]
fn consent_for_another_purpose_is_not_enough(
    #[case] agency: &str,
    #[case] purposes: &[ConsentPurpose],
) {
    let mut r = referral(agency, Some(consent(purposes)), None);
    let err = send(&mut r).expect_err("consent must cover this agency's purpose");
    assert!(
        matches!(
            err,
            ReferralError::NotAuthorised(SendRefused::ConsentDoesNotCover { .. })
        ),
        "{agency} with {purposes:?} must be refused: {err:?}"
    );
}

#[test]
fn consent_with_capacity_concerns_cannot_be_relied_on_alone() {
    let mut c = consent(&[ConsentPurpose::ShareWithFire]);
    c.capacity_concerns = Some("Confused about the date and who we were".into());
    let mut r = referral("fire_safe_and_well", Some(c), None);
    let err = send(&mut r).expect_err("capacity in doubt");
    assert_eq!(
        err,
        ReferralError::NotAuthorised(SendRefused::CapacityConcerns),
        "say why"
    );
    r.record_lawful_basis(basis(GOOD_REASON))
        .expect("a basis can be added to the draft");
    send(&mut r).expect("a lawful basis with justification authorises the send");
}

#[test]
fn a_lawful_basis_with_justification_allows_sending_without_consent() {
    let mut r = referral("fire_safe_and_well", None, Some(basis(GOOD_REASON)));
    send(&mut r).expect("public task with a real justification");
    assert!(r.consent.is_none(), "a basis never pretends to be consent");
}

#[test]
fn a_short_justification_is_refused_at_draft_and_at_send() {
    let err = Referral::draft(
        &directory(),
        draft("fire_safe_and_well", None, Some(basis("fire risk"))),
        OfficerId::new(),
        Role::Officer,
        at(),
    )
    .expect_err("too short to explain the decision");
    let ReferralError::Invalid(e) = err else {
        panic!("expected field errors, got {err:?}")
    };
    assert_eq!(
        e.errors()[0].field,
        "lawful_basis.justification",
        "the field is named"
    );
    // Fields are public, so the send re-checks rather than trusting the draft.
    let mut r = referral("fire_safe_and_well", None, Some(basis(GOOD_REASON)));
    if let Some(b) = r.lawful_basis.as_mut() {
        b.justification = "x".repeat(JUSTIFICATION_MIN - 1);
    }
    assert_eq!(
        send(&mut r),
        Err(ReferralError::NotAuthorised(
            SendRefused::JustificationTooShort {
                min: JUSTIFICATION_MIN,
                got: JUSTIFICATION_MIN - 1
            }
        )),
        "39 characters is one short"
    );
}

#[rstest]
#[case(Role::Contractor)]
#[case(Role::Analyst)]
#[case(Role::Admin)]
#[case(Role::Dpo)]
#[case(Role::Agency)]
fn only_casework_roles_handle_referrals(#[case] role: Role) {
    let mut r = referral(
        "fire_safe_and_well",
        Some(consent(&[ConsentPurpose::ShareWithFire])),
        None,
    );
    assert!(
        r.available_steps(role).is_empty(),
        "{role:?} sees no buttons"
    );
    let err = r
        .apply(
            &directory(),
            ReferralStep::Send,
            OfficerId::new(),
            role,
            at(),
        )
        .expect_err("refused");
    assert!(
        matches!(err, ReferralError::RoleNotAllowed(_)),
        "{role:?} may not send: {err:?}"
    );
}

#[test]
fn consent_cannot_be_changed_after_sending() {
    let mut r = referral(
        "fire_safe_and_well",
        Some(consent(&[ConsentPurpose::ShareWithFire])),
        None,
    );
    send(&mut r).expect("sent");
    assert_eq!(
        r.record_consent(consent(&[ConsentPurpose::ShareWithFire])),
        Err(ReferralError::NotDraft),
        "what authorised a send is part of the record"
    );
}

fn step(kind: ReferralStepKind) -> ReferralStep {
    match kind {
        ReferralStepKind::Send => ReferralStep::Send,
        ReferralStepKind::Deliver => ReferralStep::Deliver,
        ReferralStepKind::Acknowledge => ReferralStep::Acknowledge {
            agency_reference: Some("SW-1".into()),
        },
        ReferralStepKind::Accept => ReferralStep::Accept,
        ReferralStepKind::BookVisit => ReferralStep::BookVisit {
            visit_at: at() + Duration::days(3),
        },
        ReferralStepKind::Complete => ReferralStep::Complete {
            outcome: "Alarms fitted".into(),
        },
        ReferralStepKind::Decline => ReferralStep::Decline {
            reason: "Resident declined".into(),
        },
        ReferralStepKind::NoContact => ReferralStep::NoContact {
            attempts: "Three calls".into(),
        },
    }
}

/// A referral brought to `status` through legal steps.
fn at_status(status: ReferralStatus) -> Referral {
    use ReferralStatus as S;
    use ReferralStepKind as K;
    let path: &[K] = match status {
        S::Draft => &[],
        S::Queued => &[K::Send],
        S::Sent => &[K::Send, K::Deliver],
        S::Acknowledged => &[K::Send, K::Deliver, K::Acknowledge],
        S::Accepted => &[K::Send, K::Deliver, K::Accept],
        S::VisitBooked => &[K::Send, K::Deliver, K::Acknowledge, K::Accept, K::BookVisit],
        S::Completed => &[K::Send, K::Deliver, K::Accept, K::BookVisit, K::Complete],
        S::Declined => &[K::Send, K::Deliver, K::Decline],
        S::NoContact => &[K::Send, K::Deliver, K::Accept, K::NoContact],
    };
    let mut r = referral(
        "fire_safe_and_well",
        Some(consent(&[ConsentPurpose::ShareWithFire])),
        None,
    );
    for k in path {
        take(&mut r, *k).expect("legal path");
    }
    assert_eq!(r.status, status, "fixture reached its status");
    r
}

/// Takes a step as the party whose step it is: the referrer, the hub or the agency.
fn take(r: &mut Referral, kind: ReferralStepKind) -> Result<(), ReferralError> {
    match kind.roles().first() {
        None => r.deliver(&directory(), at()),
        Some(role) => r.apply(&directory(), step(kind), OfficerId::new(), *role, at()),
    }
}

#[test]
fn the_full_transition_matrix() {
    use ReferralStatus as S;
    use ReferralStepKind as K;
    // Rows: from status; the statuses each step may be taken from, written out by hand.
    let allowed: &[(S, &[K])] = &[
        (S::Draft, &[K::Send]),
        (S::Queued, &[K::Deliver]),
        (S::Sent, &[K::Acknowledge, K::Accept, K::Decline]),
        (S::Acknowledged, &[K::Accept, K::Decline]),
        (
            S::Accepted,
            &[K::BookVisit, K::Complete, K::Decline, K::NoContact],
        ),
        (
            S::VisitBooked,
            &[K::BookVisit, K::Complete, K::Decline, K::NoContact],
        ),
        (S::Completed, &[]),
        (S::Declined, &[]),
        (S::NoContact, &[]),
    ];
    assert_eq!(allowed.len(), S::ALL.len(), "every status has a row");
    for (from, steps) in allowed {
        for kind in K::ALL {
            let mut r = at_status(*from);
            let before = r.clone();
            let result = take(&mut r, *kind);
            if steps.contains(kind) {
                assert!(
                    result.is_ok(),
                    "{kind:?} from {from:?} must be allowed: {result:?}"
                );
                assert_eq!(r.status, kind.target(), "{kind:?} leads to its target");
                let last = r.history.last().expect("recorded");
                assert_eq!(
                    (last.from, last.to),
                    (*from, kind.target()),
                    "history records from and to"
                );
            } else {
                assert!(
                    matches!(result, Err(ReferralError::NotFromStatus { .. })),
                    "{kind:?} from {from:?} must be refused with a message: {result:?}"
                );
                assert_eq!(r, before, "a refused step changes nothing");
            }
        }
    }
}

#[test]
fn closing_steps_need_their_words() {
    let mut r = at_status(ReferralStatus::Sent);
    let err = r
        .apply(
            &directory(),
            ReferralStep::Decline {
                reason: "  ".into(),
            },
            OfficerId::new(),
            Role::Agency,
            at(),
        )
        .expect_err("blank reason");
    assert_eq!(
        err,
        ReferralError::Blank(crate::validation::Blank {
            field: "reason",
            what: "why it was declined"
        }),
        "the screen says what to enter"
    );
}

#[test]
fn overdue_detection_at_the_boundary() {
    let mut r = at_status(ReferralStatus::Sent);
    let due = r.due_at.expect("due time set at sending");
    r.status = ReferralStatus::Sent;
    let acknowledged = at_status(ReferralStatus::Acknowledged);
    let draft = at_status(ReferralStatus::Draft);
    let all = [r.clone(), acknowledged, draft];
    assert!(
        overdue_referrals(&all, due).is_empty(),
        "exactly at the due time is not late"
    );
    let late = overdue_referrals(&all, due + Duration::seconds(1));
    assert_eq!(
        late.len(),
        1,
        "one second after, only the sent referral is late"
    );
    assert_eq!(late[0].referral_id, r.id, "the sent one");
    assert_eq!(late[0].hours_overdue, 0, "less than an hour late");
    let later = overdue_referrals(&all, due + Duration::hours(49));
    assert_eq!(later[0].hours_overdue, 49, "hours for \"2 days late\"");
}

#[test]
fn overdue_lists_the_longest_waiting_first() {
    let mut a = at_status(ReferralStatus::Sent);
    let mut b = at_status(ReferralStatus::Sent);
    let base = Utc
        .with_ymd_and_hms(2026, 3, 1, 0, 0, 0)
        .single()
        .expect("date");
    a.due_at = Some(base + Duration::days(2));
    b.due_at = Some(base);
    let list = overdue_referrals(&[a.clone(), b.clone()], base + Duration::days(10));
    let ids: Vec<_> = list.iter().map(|o| o.referral_id).collect();
    assert_eq!(ids, [b.id, a.id], "the longest wait first");
}

#[test]
fn suggestions_come_from_the_charlie_result_and_survey() {
    let t = charlie_template();
    let mut c = check_with(
        &t,
        &[
            ("inappropriate_smoking", 10),
            ("reduced_mobility", 8),
            ("alcohol_and_drugs", 4),
        ],
    );
    c.flags = vec!["medical_oxygen".into()];
    let a = assess(&t, &c).expect("valid");
    let s = suggest_referrals(&directory(), &a, &["entry_door_forced".into()]);
    let ids: Vec<&str> = s.iter().map(|s| s.agency_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "fire_safe_and_well",
            "victim_care",
            "substance_misuse",
            "falls_service"
        ],
        "each agency whose rule matched, in directory order"
    );
    let fire = &s[0];
    assert!(
        fire.reasons[0].starts_with("CHARLIE "),
        "lead with the level: {:?}",
        fire.reasons
    );
    assert!(
        fire.reasons.iter().any(|r| r.contains("Medical oxygen")),
        "name the flag: {:?}",
        fire.reasons
    );
    assert_eq!(
        fire.urgency,
        Urgency::Urgent,
        "{} points is very high, so urgent",
        a.total
    );
    assert!(
        !ids.contains(&"domestic_abuse_support"),
        "domestic abuse is never suggested from other answers"
    );
}

#[test]
fn nothing_present_suggests_nothing() {
    let t = charlie_template();
    let a = assess(&t, &check_with(&t, &[])).expect("valid");
    assert!(
        suggest_referrals(&directory(), &a, &[]).is_empty(),
        "no factor, no flag, no suggestion"
    );
}

/// Each reason a send is refused, as the screens get it: its stable id, core's sentence and the
/// field the officer puts right.
#[rstest]
#[case::no_consent_or_basis(
    SendRefused::NoConsentOrBasis { needed: "sharing their details with the fire service" },
    "no_consent_or_basis",
    "Record the resident's consent to sharing their details with the fire service, or a lawful basis with a justification, before sending",
    "consent"
)]
#[case::consent_does_not_cover(
    SendRefused::ConsentDoesNotCover { given: "the visit".into(), needed: "being contacted again" },
    "consent_does_not_cover",
    "The resident agreed to the visit but not to being contacted again: ask them, or record a lawful basis",
    "consent.purposes"
)]
#[case::capacity_concerns(
    SendRefused::CapacityConcerns,
    "capacity_concerns",
    "Capacity concerns were recorded, so this consent cannot be relied on: record a lawful basis and why",
    "lawful_basis"
)]
#[case::justification_too_short(
    SendRefused::JustificationTooShort { min: JUSTIFICATION_MIN, got: 9 },
    "justification_too_short",
    "Explain why sharing without consent is necessary in at least 40 characters (you wrote 9)",
    "lawful_basis.justification"
)]
fn each_refused_send_reaches_the_screen_as_id_sentence_and_field(
    #[case] refused: SendRefused,
    #[case] rule: &str,
    #[case] message: &str,
    #[case] field: &str,
) {
    let shown = crate::views::RuleViolation::from(&refused);
    assert_eq!(shown.rule, rule, "the stable id of {refused:?}");
    assert_eq!(shown.message, message, "core's sentence for {rule}");
    assert_eq!(
        shown.field.as_deref(),
        Some(field),
        "the field the screen links {rule} to"
    );
}

#[test]
fn a_referral_knows_how_many_hours_it_is_overdue() {
    let mut r = at_status(ReferralStatus::Sent);
    let due = r.due_at.expect("due time set at sending");
    assert_eq!(
        r.hours_overdue(due),
        None,
        "exactly at the due time is on time"
    );
    assert_eq!(
        r.hours_overdue(due + Duration::minutes(59)),
        Some(0),
        "late, by less than an hour"
    );
    assert_eq!(r.hours_overdue(due + Duration::hours(49)), Some(49));
    r.status = ReferralStatus::Acknowledged;
    assert_eq!(
        r.hours_overdue(due + Duration::hours(49)),
        None,
        "an acknowledgement stops the clock"
    );
}

#[test]
fn a_capacity_concern_longer_than_the_referral_text_limit_is_refused() {
    let mut c = consent(&[ConsentPurpose::ShareWithFire]);
    c.capacity_concerns = Some("x".repeat(TEXT_MAX + 1));
    let err = Referral::draft(
        &directory(),
        draft("fire_safe_and_well", Some(c.clone()), None),
        OfficerId::new(),
        Role::Officer,
        at(),
    )
    .expect_err("one character too many");
    let ReferralError::Invalid(e) = err else {
        panic!("expected field errors, got {err:?}")
    };
    assert_eq!(
        e.errors()[0].field,
        "consent.capacity_concerns",
        "the field is named"
    );
    c.capacity_concerns = Some("x".repeat(TEXT_MAX));
    referral("fire_safe_and_well", Some(c), None);
}

#[rstest]
#[case(
    ReferralStatus::Draft,
    "A draft: it stays on this laptop until it is sent."
)]
#[case(
    ReferralStatus::Queued,
    "Waiting to go — it goes to the agency when Doorstep next syncs. 3 changes are waiting to sync on this laptop."
)]
#[case(
    ReferralStatus::Sent,
    "Sent to the agency on 2 March 2026; they should respond by 9 March 2026."
)]
#[case(ReferralStatus::Accepted, "Fire accepted it on 2 March 2026.")]
#[case(
    ReferralStatus::Declined,
    "Fire declined it on 2 March 2026: Resident declined"
)]
fn progress_says_where_the_referral_is(#[case] status: ReferralStatus, #[case] expected: &str) {
    let said = at_status(status).progress("Fire", 3);
    assert!(
        said.starts_with(expected),
        "{status:?}: {said:?} should start {expected:?}"
    );
}

#[test]
fn one_waiting_change_is_singular() {
    assert!(
        at_status(ReferralStatus::Queued)
            .progress("Fire", 1)
            .ends_with("1 change is waiting to sync on this laptop.")
    );
}
