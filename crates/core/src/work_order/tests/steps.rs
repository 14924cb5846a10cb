//! Contractor steps: what each is allowed from, and what it changes.

use super::*;

fn order() -> WorkOrder {
    let plan = plan_with(&[("anti_snap_cylinder", 1), ("letterbox_guard", 1)]);
    orders(&plan, "ZY9 1AA", &FirmChoices::default())
        .expect("orders")
        .remove(0)
}

fn order_in(status: WorkOrderStatus) -> WorkOrder {
    let mut o = order();
    o.status = status;
    o
}

fn fitted(measure: &str) -> ContractorStep {
    ContractorStep::MarkFitted {
        measure_id: measure.into(),
        product_standard: "TS007 3*".into(),
        photo_sha256: None,
    }
}

fn every_step() -> Vec<ContractorStep> {
    vec![
        ContractorStep::Accept,
        ContractorStep::Decline {
            reason: "No locksmith free this month".into(),
        },
        ContractorStep::Schedule { date: day(20) },
        fitted("anti_snap_cylinder"),
        ContractorStep::MarkNotFitted {
            measure_id: "letterbox_guard".into(),
            reason: "Door too thin for the guard".into(),
        },
    ]
}

#[test]
fn every_contractor_step_is_allowed_or_refused_as_the_table_says() {
    use WorkOrderStatus as S;
    // Written out apart from `allowed_from`, so a change to either is caught.
    let expected = |status: S, step: &ContractorStep| -> Option<S> {
        match (status, step) {
            (S::New, ContractorStep::Accept) => Some(S::Accepted),
            (S::New | S::Accepted | S::Scheduled, ContractorStep::Decline { .. }) => {
                Some(S::Declined)
            }
            (S::Accepted | S::Scheduled, ContractorStep::Schedule { .. }) => Some(S::Scheduled),
            (
                S::Accepted | S::Scheduled,
                ContractorStep::MarkFitted { .. } | ContractorStep::MarkNotFitted { .. },
            ) => Some(status),
            _ => None,
        }
    };
    for status in WorkOrderStatus::ALL {
        for step in every_step() {
            let mut o = order_in(*status);
            let before = o.clone();
            let result = o.apply(step.clone(), at(10));
            match expected(*status, &step) {
                Some(to) => {
                    assert!(result.is_ok(), "{step:?} from {status:?}: {result:?}");
                    assert_eq!(o.status, to, "{step:?} from {status:?}");
                }
                None => {
                    assert!(
                        matches!(result, Err(WorkOrderError::NotFromStatus { .. })),
                        "{step:?} from {status:?} must be refused: {result:?}"
                    );
                    assert_eq!(o, before, "a refused step changes nothing");
                }
            }
        }
    }
}

#[rstest]
#[case::decline_without_reason(WorkOrderStatus::New, ContractorStep::Decline { reason: " ".into() }, "Enter why the work is declined")]
#[case::appointment_in_the_past(WorkOrderStatus::Accepted, ContractorStep::Schedule { date: day(9) }, "from today on")]
#[case::fitted_without_standard(WorkOrderStatus::Accepted, ContractorStep::MarkFitted { measure_id: "anti_snap_cylinder".into(), product_standard: "".into(), photo_sha256: None }, "Enter the standard")]
#[case::fitted_with_a_bad_photo(WorkOrderStatus::Accepted, ContractorStep::MarkFitted { measure_id: "anti_snap_cylinder".into(), product_standard: "TS007 3*".into(), photo_sha256: Some("sha256:nope".into()) }, "photo reference")]
#[case::no_such_item(
    WorkOrderStatus::Scheduled,
    fitted("door_viewer"),
    "no item \"door_viewer\""
)]
#[case::not_fitted_without_reason(WorkOrderStatus::Scheduled, ContractorStep::MarkNotFitted { measure_id: "letterbox_guard".into(), reason: "".into() }, "Enter why it was not fitted")]
fn a_contractor_step_with_a_mistake_is_refused(
    #[case] status: WorkOrderStatus,
    #[case] step: ContractorStep,
    #[case] words: &str,
) {
    let mut o = order_in(status);
    let before = o.clone();
    let err = o.apply(step, at(10)).expect_err("refused");
    assert!(err.to_string().contains(words), "{err}");
    assert_eq!(o, before, "nothing changed");
}

#[test]
fn today_is_not_in_the_past_and_a_booking_can_move() {
    let mut o = order_in(WorkOrderStatus::Accepted);
    o.apply(ContractorStep::Schedule { date: day(10) }, at(10))
        .expect("today is fine");
    o.apply(ContractorStep::Schedule { date: day(12) }, at(10))
        .expect("moved");
    assert_eq!(o.appointment_date, Some(day(12)));
}

#[test]
fn fitting_every_item_finishes_the_order_and_the_plan() {
    let mut o = order_in(WorkOrderStatus::Scheduled);
    o.apply(
        ContractorStep::MarkNotFitted {
            measure_id: "letterbox_guard".into(),
            reason: "Resident out".into(),
        },
        at(11),
    )
    .expect("not fitted");
    o.apply(fitted("anti_snap_cylinder"), at(11))
        .expect("fitted");
    assert_eq!(
        o.status,
        WorkOrderStatus::Scheduled,
        "one item still not fitted"
    );
    assert!(
        !plan_fully_fitted(std::slice::from_ref(&o)),
        "not fitted is not done"
    );
    assert_eq!(
        o.apply(fitted("anti_snap_cylinder"), at(12)),
        Err(WorkOrderError::ItemAlreadyFitted {
            measure: o.items[0].name.clone()
        })
    );
    o.apply(
        ContractorStep::MarkFitted {
            measure_id: "letterbox_guard".into(),
            product_standard: "TS 008".into(),
            photo_sha256: Some(format!("sha256:{}", "ab".repeat(32))),
        },
        at(14),
    )
    .expect("second visit");
    assert_eq!(o.status, WorkOrderStatus::Fitted);
    assert_eq!(
        o.items[1].not_fitted_reason, None,
        "the old reason is cleared"
    );
    assert!(plan_fully_fitted(std::slice::from_ref(&o)));
    assert_eq!(last_fitted_at(std::slice::from_ref(&o)), Some(at(14)));
    assert_eq!(
        o.apply(
            ContractorStep::Decline {
                reason: "Too late".into()
            },
            at(15)
        ),
        Err(WorkOrderError::NotFromStatus {
            step: "declined",
            status: "fitted"
        })
    );
}

#[test]
fn a_partly_fitted_order_cannot_be_declined() {
    let mut o = order_in(WorkOrderStatus::Scheduled);
    o.apply(fitted("anti_snap_cylinder"), at(11))
        .expect("fitted");
    assert_eq!(
        o.apply(
            ContractorStep::Decline {
                reason: "Van broke down".into()
            },
            at(11)
        ),
        Err(WorkOrderError::PartlyFitted)
    );
}

#[rstest]
#[case::no_orders(vec![], false)]
#[case::all_fitted(vec![vec![ItemStatus::Fitted, ItemStatus::Fitted], vec![ItemStatus::Fitted]], true)]
#[case::one_pending(vec![vec![ItemStatus::Fitted], vec![ItemStatus::Pending]], false)]
#[case::one_not_fitted(vec![vec![ItemStatus::Fitted, ItemStatus::NotFitted]], false)]
fn only_every_item_fitted_finishes_the_plan(
    #[case] statuses: Vec<Vec<ItemStatus>>,
    #[case] done: bool,
) {
    let template = order();
    let orders: Vec<WorkOrder> = statuses
        .iter()
        .map(|items| {
            let mut o = template.clone();
            o.items = items
                .iter()
                .map(|s| WorkOrderItem {
                    status: *s,
                    ..template.items[0].clone()
                })
                .collect();
            o
        })
        .collect();
    assert_eq!(plan_fully_fitted(&orders), done);
}
