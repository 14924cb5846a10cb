//! The names Doorstep suggests when it saves a document. A file name outlives the file: the
//! desktop's recent list, a download folder's index and a backup catalogue all keep it, in
//! plain text. So a suggested name carries a neutral reference (a plan's short reference, a
//! date), never a resident's name, address or postcode.

use crate::security::PlanId;
use crate::work_order::plan_short_ref;

/// "home-safety-plan-1A2B3C4D.pdf": the resident's plan, by the plan's short reference,
/// the same one its work orders quote.
pub fn resident_plan(plan: PlanId) -> String {
    format!("home-safety-plan-{}.pdf", plan_short_ref(plan))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the plan, the name is the fixed words, eight hex digits and `.pdf`.
        #[test]
        fn a_plan_file_name_is_only_its_reference(bytes in any::<u128>()) {
            let plan = PlanId(uuid::Uuid::from_u128(bytes));
            let name = resident_plan(plan);
            let reference = name
                .strip_prefix("home-safety-plan-")
                .and_then(|rest| rest.strip_suffix(".pdf"))
                .unwrap_or_default();
            prop_assert_eq!(reference.len(), 8, "{}", name);
            prop_assert!(reference.chars().all(|c| c.is_ascii_hexdigit()), "{}", name);
        }
    }
}
