// Words for the plan screens: labels for every plan enum the backend sends (typed as total
// records so a new variant on the Rust side fails `npm run check`). The plan rules' sentences,
// fields and money come from Rust (`PlanPage.violations`, `PlanTotals`); nothing here words a
// rule or adds up a cost.

import type {
  Assessment,
  ItemOrigin,
  ItemStatus,
  Level,
  PlanStatus,
  PlanTotals,
  StepKind,
  Tier,
  Trade,
  WeaknessRef,
  WorkOrderStatus,
  YesNo,
} from '$lib/backend/types'

export const TIER_LABELS: Record<Tier, string> = {
  bronze: 'Bronze',
  silver: 'Silver',
  gold: 'Gold',
}

export const TIERS = Object.keys(TIER_LABELS) as Tier[]

export const LEVEL_LABELS: Record<Level, string> = {
  low: 'Low',
  medium: 'Medium',
  high: 'High',
}

export const PLAN_STATUS_LABELS: Record<PlanStatus, string> = {
  draft: 'Draft',
  agreed: 'Agreed',
  approved: 'Approved',
  ordered: 'Ordered',
  fitted: 'Fitted',
  followed_up: 'Followed up',
  refused: 'Refused',
  withdrawn: 'Withdrawn',
}

export const PLAN_STATUS_TAG_CLASSES: Record<PlanStatus, string> = {
  draft: 'govuk-tag--grey',
  agreed: 'govuk-tag--blue',
  approved: 'govuk-tag--turquoise',
  ordered: 'govuk-tag--purple',
  fitted: 'govuk-tag--light-blue',
  followed_up: 'govuk-tag--green',
  refused: 'govuk-tag--red',
  withdrawn: 'govuk-tag--orange',
}

/** What each lifecycle step is called in the plan's history. */
export const STEP_LABELS: Record<StepKind, string> = {
  agree: 'Agreed by the resident',
  approve: 'Approved',
  order: 'Ordered',
  fit: 'Fitted',
  follow_up: 'Follow-up visit recorded',
  refuse: 'Refused',
  withdraw: 'Withdrawn',
  return: 'Returned to the officer',
}

export const TRADE_LABELS: Record<Trade, string> = {
  locksmith: 'Locksmith',
  glazier: 'Glazier',
  electrician: 'Electrician',
  joiner: 'Joiner',
  fencer: 'Fencer',
  security_installer: 'Security installer',
  handyperson: 'Handyperson',
  supply_only: 'Supply only',
}

/** A work order's status, as the firm moves it on (core's `WorkOrderStatus::label`). */
export const WORK_ORDER_STATUS_LABELS: Record<WorkOrderStatus, string> = {
  new: 'Sent',
  accepted: 'Accepted',
  declined: 'Declined',
  scheduled: 'Booked',
  fitted: 'Fitted',
}

export const WORK_ORDER_STATUS_TAG_CLASSES: Record<WorkOrderStatus, string> = {
  new: 'govuk-tag--grey',
  accepted: 'govuk-tag--blue',
  declined: 'govuk-tag--red',
  scheduled: 'govuk-tag--purple',
  fitted: 'govuk-tag--green',
}

/** One item on a work order, as the fitter reported it. */
export const ITEM_STATUS_LABELS: Record<ItemStatus, string> = {
  pending: 'To fit',
  fitted: 'Fitted',
  not_fitted: 'Not fitted',
}

export const ITEM_STATUS_TAG_CLASSES: Record<ItemStatus, string> = {
  pending: 'govuk-tag--grey',
  fitted: 'govuk-tag--green',
  not_fitted: 'govuk-tag--orange',
}

export const ORIGIN_LABELS: Record<ItemOrigin, string> = {
  proposed: 'Proposed by Doorstep',
  officer: 'Added by an officer',
}

export const YES_NO_LABELS: Record<YesNo, string> = {
  yes: 'Yes',
  no: 'No',
  unknown: 'Not known',
}

export const YES_NO_OPTIONS = (['yes', 'no', 'unknown'] as const).map((value) => ({
  value,
  label: YES_NO_LABELS[value],
}))

export function tierLabel(tier: Tier): string {
  return TIER_LABELS[tier]
}

/**
 * A door or window instance in words: `doors[1]` → "Door 2", `windows[0]` → "Window 1".
 * Anything else is shown as it is.
 */
export function instanceLabel(instance: string): string {
  const match = /^([a-z_]+)\[(\d+)\]$/.exec(instance)
  if (!match) return instance
  const [, group = '', index = '0'] = match
  const singular = group.replace(/_/g, ' ').replace(/ies$/, 'y').replace(/s$/, '')
  return `${singular.charAt(0).toUpperCase()}${singular.slice(1)} ${Number(index) + 1}`
}

/** A weakness found in this home, by its title from the assessment, with its door or window. */
export function weaknessLabel(ref: WeaknessRef, assessment: Assessment): string {
  const found = assessment.weaknesses.find(
    (w) => w.id === ref.id && (w.instance ?? null) === (ref.instance ?? null),
  )
  const title = found?.title ?? assessment.weaknesses.find((w) => w.id === ref.id)?.title ?? ref.id
  return ref.instance ? `${title} (${instanceLabel(ref.instance)})` : title
}

/** A line's estimate in pence, as Rust added it up; null for a line the totals do not know. */
export function lineEstimate(totals: PlanTotals, itemId: string): number | null {
  return totals.lines.find((line) => line.item_id === itemId)?.estimated_pence ?? null
}

/**
 * Pounds as typed ("110", "110.5", "£1,234.56") → whole pence, or null when it is not an
 * amount of money.
 */
export function parsePounds(text: string): number | null {
  const cleaned = text.trim().replace(/^£/, '').replace(/,/g, '')
  if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return null
  const [pounds = '0', pence = ''] = cleaned.split('.')
  const value = Number(pounds) * 100 + Number(pence.padEnd(2, '0'))
  return Number.isSafeInteger(value) && value <= 4_294_967_295 ? value : null
}

/** Pence as a plain amount for an input box: 11000 → "110.00". */
export function penceToPounds(pence: number): string {
  return (pence / 100).toFixed(2)
}

const DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'Europe/London',
})

/** A timestamp as "27 November 2025 at 09:00" (UK time). */
export function formatDateTime(iso: string): string {
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : DATE_TIME.format(date).replace(', ', ' at ')
}

/** "2 out of 5", or null when not answered. */
export function outOfFive(n: number | null | undefined): string | null {
  return n === null || n === undefined ? null : `${n} out of 5`
}
