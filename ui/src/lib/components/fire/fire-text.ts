// Words for the fire safety screens: labels for every CHARLIE and referral enum the backend
// sends (typed as total records so a new variant on the Rust side fails `npm run check`). The
// limits the forms show and how overdue a referral is come from Rust (`AppStatus.limits`,
// `hours_overdue`); nothing here repeats a rule.

import type {
  AlarmCheck,
  ConsentGiver,
  ConsentMethod,
  ConsentPurpose,
  EscapeRoute,
  LawfulBasis,
  ReferralMethod,
  ReferralStatus,
  ReferralStepKind,
  ResponseTime,
  RiskLevel,
  Urgency,
} from '$lib/backend/types'
import { countOf } from '$lib/services/format'

/** One floor of smoke alarms as the CHARLIE form keeps it; `key` only tells rows apart. */
export type AlarmRow = AlarmCheck & { key: number }

export const RISK_LEVEL_LABELS: Record<RiskLevel, string> = {
  low: 'Low',
  medium: 'Medium',
  high: 'High',
  very_high: 'Very high',
}

export const RISK_LEVEL_TAG_CLASSES: Record<RiskLevel, string> = {
  low: 'govuk-tag--green',
  medium: 'govuk-tag--yellow',
  high: 'govuk-tag--orange',
  very_high: 'govuk-tag--red',
}

export const ESCAPE_ROUTE_LABELS: Record<EscapeRoute, string> = {
  clear: 'Clear: exits clear, keys to hand',
  obstructed: 'Obstructed: an exit is blocked or keys cannot be found',
  not_checked: 'Not checked',
}

export const URGENCY_LABELS: Record<Urgency, string> = {
  routine: 'Routine',
  soon: 'Soon',
  urgent: 'Urgent',
}

export const URGENCIES = Object.keys(URGENCY_LABELS) as Urgency[]

export const REFERRAL_STATUS_LABELS: Record<ReferralStatus, string> = {
  draft: 'Draft',
  queued: 'Waiting to go',
  sent: 'Sent',
  acknowledged: 'Acknowledged',
  accepted: 'Accepted',
  visit_booked: 'Visit booked',
  completed: 'Completed',
  declined: 'Declined',
  no_contact: 'No contact',
}

export const REFERRAL_STATUS_TAG_CLASSES: Record<ReferralStatus, string> = {
  draft: 'govuk-tag--grey',
  queued: 'govuk-tag--yellow',
  sent: 'govuk-tag--blue',
  acknowledged: 'govuk-tag--turquoise',
  accepted: 'govuk-tag--turquoise',
  visit_booked: 'govuk-tag--purple',
  completed: 'govuk-tag--green',
  declined: 'govuk-tag--red',
  no_contact: 'govuk-tag--orange',
}

/** What each step is called in a referral's history: the referrer sends, the hub delivers,
 * and the rest are the agency's answers. */
export const REFERRAL_STEP_LABELS: Record<ReferralStepKind, string> = {
  send: 'Sent: waiting to go at the next sync',
  deliver: 'Delivered to the agency',
  acknowledge: 'Acknowledged by the agency',
  accept: 'Accepted by the agency',
  book_visit: 'Visit booked by the agency',
  complete: 'Completed by the agency',
  decline: 'Declined by the agency',
  no_contact: 'The agency could not make contact',
}

export const CONSENT_GIVER_LABELS: Record<ConsentGiver, string> = {
  person: 'The resident themself',
  attorney_or_deputy: 'An attorney or court deputy acting for them',
}

export const CONSENT_GIVERS = Object.keys(CONSENT_GIVER_LABELS) as ConsentGiver[]

export const CONSENT_METHOD_LABELS: Record<ConsentMethod, string> = {
  verbal: 'Verbally: they told me and I am recording it',
  signed: 'Signed on a paper or on-screen form',
}

export const CONSENT_METHODS = Object.keys(CONSENT_METHOD_LABELS) as ConsentMethod[]

export const CONSENT_PURPOSE_LABELS: Record<ConsentPurpose, string> = {
  visit: 'The visit itself',
  share_with_fire: 'Sharing their details with the fire and rescue service',
  share_with_health: 'Sharing their details with health and social care',
  share_with_support: 'Sharing their details with voluntary and support services',
  follow_up: 'Being contacted again to follow up',
}

export const CONSENT_PURPOSES = Object.keys(CONSENT_PURPOSE_LABELS) as ConsentPurpose[]

export const LAWFUL_BASIS_LABELS: Record<LawfulBasis, string> = {
  public_task: 'Public task (UK GDPR Article 6(1)(e))',
  vital_interests: 'Vital interests (UK GDPR Article 6(1)(d))',
  safeguarding_individuals_at_risk:
    'Safeguarding individuals at risk (DPA 2018 Schedule 1 paragraph 18)',
  statutory_purposes: 'Statutory and government purposes (DPA 2018 Schedule 1 paragraph 6)',
  legal_obligation: 'Legal obligation (UK GDPR Article 6(1)(c))',
}

export const LAWFUL_BASIS_HINTS: Record<LawfulBasis, string> = {
  public_task:
    'The usual basis for councils, police and fire, for example the Fire and Rescue Services Act 2004 sections 6 and 11.',
  vital_interests: 'Life is at risk and consent cannot be got in time.',
  safeguarding_individuals_at_risk:
    'Protecting someone at risk of harm who cannot give consent, or when asking would put them at risk.',
  statutory_purposes: 'Sharing is needed for a function given by law.',
  legal_obligation: 'The law requires the details to be shared.',
}

export const LAWFUL_BASES = Object.keys(LAWFUL_BASIS_LABELS) as LawfulBasis[]

export const REFERRAL_METHOD_LABELS: Record<ReferralMethod, string> = {
  email: 'By email',
  phone: 'By phone',
  portal: 'Through a web portal',
}

/** "5 working days", "24 hours". */
export function responseText(response: ResponseTime): string {
  return response.working_days !== undefined
    ? countOf(response.working_days, 'working day')
    : countOf(response.hours ?? 0, 'hour')
}

/** "Overdue by 5 hours", "Overdue by 3 days", from the whole hours Rust counted. */
export function overdueText(hours: number): string {
  return hours < 48
    ? `Overdue by ${countOf(hours, 'hour')}`
    : `Overdue by ${countOf(Math.floor(hours / 24), 'day')}`
}

/** Lines of a text box as a list, blank lines dropped. */
export function linesOf(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
}
