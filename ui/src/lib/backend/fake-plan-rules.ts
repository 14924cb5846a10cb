// The fake's own copy of the plan rules as Rust words them (crates/core/src/security/plan/rules.rs),
// so the in-memory fake can refuse and list them as `RuleViolation`s. The screens never read
// this: they show what the backend sends. Goes away with the fake.

import type { RuleViolation } from './types'

/** The plan rules the fake checks, with the values each sentence names. */
export type PlanRuleViolation =
  | { rule: 'no_measures' }
  | { rule: 'unknown_measure'; measure: string }
  | { rule: 'measure_above_tier'; name: string; measure_tier: string; plan_tier: string }
  | { rule: 'not_for_a_weakness_found'; name: string }
  | { rule: 'bad_quantity'; name: string }
  | { rule: 'key_lock_needs_windows'; name: string }
  | { rule: 'key_lock_on_escape_window'; name: string; window: string }
  | { rule: 'missing_landlord_consent'; measures: string }
  | { rule: 'tenure_unknown'; measures: string }
  | { rule: 'missing_cctv_acknowledgement'; measures: string; version: string }
  | { rule: 'tier_change_needs_reason'; recommended: string; chosen: string }
  | { rule: 'gold_needs_da_service' }
  | { rule: 'over_cap_needs_reason'; total: string; cap: string; tier: string }

/** The same sentence as the Rust `Display` of each plan rule. */
export function violationMessage(v: PlanRuleViolation): string {
  switch (v.rule) {
    case 'no_measures':
      return 'The plan has no measures: add at least one, or give advice only without a plan'
    case 'unknown_measure':
      return `Measure "${v.measure}" is not in the catalogue: remove it and choose another`
    case 'measure_above_tier':
      return `${v.name} is a ${v.measure_tier} measure but this is a ${v.plan_tier} plan: remove it or change the tier with a reason`
    case 'not_for_a_weakness_found':
      return `${v.name} does not fix any weakness found in this home: plans only fund measures for weaknesses found`
    case 'bad_quantity':
      return `Quantity for ${v.name} must be between 1 and 50`
    case 'key_lock_needs_windows':
      return `${v.name} key-locks windows: choose which windows it is for, so escape windows can be checked`
    case 'key_lock_on_escape_window':
      return `${v.name} cannot go on ${v.window}: it is, or may be, an escape window and must never be key-locked. Confirm it is not an escape window, or choose laminated glazing or a window alarm instead`
    case 'missing_landlord_consent':
      return `The resident rents: record the landlord's consent before ${v.measures} (these change the building)`
    case 'tenure_unknown':
      return `Record whether the resident owns or rents before ${v.measures}: a tenant needs the landlord's consent`
    case 'missing_cctv_acknowledgement':
      return `Record the resident's acknowledgement of the domestic CCTV guidance (version ${v.version}) before ${v.measures}`
    case 'tier_change_needs_reason':
      return `The recommended tier is ${v.recommended}: record why you chose ${v.chosen}`
    case 'gold_needs_da_service':
      return 'A domestic abuse concern is flagged: only the DA service can decide a gold plan. Refer the case and record their decision reference'
    case 'over_cap_needs_reason':
      return `The plan costs ${v.total} against the ${v.tier} cap of ${v.cap}: remove measures or record why the extra is needed`
  }
}

/** The plan field each rule belongs to (`PlanRuleViolation::field` on the Rust side). */
export function violationField(v: PlanRuleViolation): string {
  switch (v.rule) {
    case 'no_measures':
    case 'unknown_measure':
    case 'measure_above_tier':
    case 'not_for_a_weakness_found':
    case 'bad_quantity':
      return 'items'
    case 'key_lock_needs_windows':
    case 'key_lock_on_escape_window':
      return 'applies_to'
    case 'missing_landlord_consent':
    case 'tenure_unknown':
      return 'landlord_consent'
    case 'missing_cctv_acknowledgement':
      return 'cctv_acknowledgement'
    case 'tier_change_needs_reason':
      return 'tier_reason'
    case 'gold_needs_da_service':
      return 'da_service_decision'
    case 'over_cap_needs_reason':
      return 'over_cap_reason'
  }
}

/** A rule as the backend sends it to the screens. */
export function toRuleViolation(v: PlanRuleViolation): RuleViolation {
  return { rule: v.rule, message: violationMessage(v), field: violationField(v) }
}
