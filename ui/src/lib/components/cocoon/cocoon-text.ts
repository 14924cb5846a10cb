// Words for cocoons: labels for every cocoon enum the backend sends, typed as total records
// so a new variant on the Rust side fails `npm run check`.

import type { CocoonOutcome, CocoonReason, CocoonState, Dosage } from '$lib/backend/types'

/** The same words as `CocoonOutcome::label` on the Rust side. */
export const COCOON_OUTCOME_LABELS: Record<CocoonOutcome, string> = {
  visited: 'Visited',
  no_answer: 'No answer',
  declined: 'Declined',
  leaflet_left: 'Leaflet left',
  advice_given: 'Advice given',
  survey_started: 'Survey started',
}

export const COCOON_OUTCOMES = Object.keys(COCOON_OUTCOME_LABELS) as CocoonOutcome[]

export const COCOON_OUTCOME_TAG_CLASSES: Record<CocoonOutcome, string> = {
  visited: 'govuk-tag--green',
  no_answer: 'govuk-tag--grey',
  declined: 'govuk-tag--red',
  leaflet_left: 'govuk-tag--yellow',
  advice_given: 'govuk-tag--green',
  survey_started: 'govuk-tag--turquoise',
}

export const COCOON_REASON_LABELS: Record<CocoonReason, string> = {
  same_side: 'Same side of the street',
  opposite_side: 'Opposite side of the street',
  within_radius: 'Within the radius',
}

export const COCOON_STATE_LABELS: Record<CocoonState, string> = {
  in_progress: 'In progress',
  overdue: 'Overdue',
  delivered: 'Delivered',
  closed: 'Closed',
}

export const COCOON_STATE_TAG_CLASSES: Record<CocoonState, string> = {
  in_progress: 'govuk-tag--blue',
  overdue: 'govuk-tag--red',
  delivered: 'govuk-tag--green',
  closed: 'govuk-tag--grey',
}

/** "7 of 12 doors reached, 9 tried". */
export function dosageText(d: Dosage): string {
  return `${d.reached} of ${d.targets} ${d.targets === 1 ? 'door' : 'doors'} reached, ${d.attempted} tried`
}
