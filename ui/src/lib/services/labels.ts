// Human-friendly words for every enum the backend sends. Typed as total
// records so a new variant on the Rust side fails `npm run check` here.

import type { AgeBand, Role, SearchHitKind, VisitKind, VisitOutcome } from '$lib/backend/types'

export const VISIT_KIND_LABELS: Record<VisitKind, string> = {
  burglary_victim: 'Burglary victim',
  cocoon_neighbour: 'Cocoon neighbour',
  day_of_action: 'Day of action',
  follow_up: 'Follow-up',
  referral_visit: 'Referral visit',
}

export const VISIT_OUTCOME_LABELS: Record<VisitOutcome, string> = {
  completed: 'Completed',
  no_answer: 'No answer',
  declined: 'Declined',
  rescheduled: 'Rescheduled',
}

/** What a visit with no outcome is called. */
export const PLANNED_LABEL = 'Planned'
/** The same, as a choice in the outcome list. */
export const PLANNED_OPTION_LABEL = 'Planned – not yet visited'

export const AGE_BAND_LABELS: Record<AgeBand, string> = {
  under_18: 'Under 18',
  '18_to_34': '18 to 34',
  '35_to_49': '35 to 49',
  '50_to_64': '50 to 64',
  '65_to_74': '65 to 74',
  '75_to_84': '75 to 84',
  '85_plus': '85 or over',
}

export const SEARCH_HIT_KIND_LABELS: Record<SearchHitKind, string> = {
  household: 'Household',
  gazetteer: 'Not yet a household',
}

export const CONTACT_PREFERENCE_LABELS = {
  phone: 'Phone call',
  text: 'Text message',
  email: 'Email',
  letter: 'Letter',
} as const

/** govuk-tag modifier per outcome (null = planned). */
export const OUTCOME_TAG_CLASSES: Record<VisitOutcome | 'planned', string> = {
  completed: 'govuk-tag--green',
  no_answer: 'govuk-tag--grey',
  declined: 'govuk-tag--red',
  rescheduled: 'govuk-tag--yellow',
  planned: 'govuk-tag--blue',
}

/** The same words as `Role::label` on the Rust side. */
export const ROLE_LABELS: Record<Role, string> = {
  officer: 'Burglary reduction officer',
  fire_crew: 'Fire crew',
  warden: 'Neighbourhood warden',
  supervisor: 'Supervisor',
  contractor: 'Contractor',
  analyst: 'Analyst',
  admin: 'Administrator',
  dpo: 'Data protection officer',
  agency: 'Partner agency',
}

/**
 * The roles a person can be given on the laptop, in the order they are offered.
 * Contractors, analysts and administrators are set up by the council's hub.
 */
export const LAPTOP_ROLES: readonly Role[] = ['officer', 'warden', 'fire_crew', 'supervisor']

export const VISIT_KINDS = Object.keys(VISIT_KIND_LABELS) as VisitKind[]
export const VISIT_OUTCOMES = Object.keys(VISIT_OUTCOME_LABELS) as VisitOutcome[]
export const AGE_BANDS = Object.keys(AGE_BAND_LABELS) as AgeBand[]

export function visitKindLabel(kind: VisitKind): string {
  return VISIT_KIND_LABELS[kind]
}

export function outcomeLabel(outcome: VisitOutcome | null): string {
  return outcome === null ? PLANNED_LABEL : VISIT_OUTCOME_LABELS[outcome]
}

export function outcomeTagClass(outcome: VisitOutcome | null): string {
  return OUTCOME_TAG_CLASSES[outcome ?? 'planned']
}

export function roleLabel(role: Role): string {
  return ROLE_LABELS[role]
}

export function ageBandLabel(band: AgeBand | null): string {
  return band === null ? 'Not known' : AGE_BAND_LABELS[band]
}

export type StrengthLabel = { text: string; tagClass: string }

/** Words for a 0–4 passphrase score. */
export function strengthLabel(score: number): StrengthLabel {
  if (score >= 4) return { text: 'Very strong', tagClass: 'govuk-tag--green' }
  if (score === 3) return { text: 'Strong', tagClass: 'govuk-tag--green' }
  if (score === 2) return { text: 'Fair', tagClass: 'govuk-tag--yellow' }
  if (score === 1) return { text: 'Weak', tagClass: 'govuk-tag--orange' }
  return { text: 'Very weak', tagClass: 'govuk-tag--red' }
}
