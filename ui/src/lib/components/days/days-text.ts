// Words and keys for days of action. Records are total over the Rust enums, so a new
// variant on the Rust side fails `npm run check`.

import type { DaySummary, DoorOutcomeCode } from '$lib/backend/types'
import { formatNumber } from '$lib/services/format'

type OutcomeText = {
  /** On a tag and a button. */
  label: string
  /** In a sentence: "14 Lantern Walk: no answer recorded". */
  phrase: string
  tag: string
}

export const DOOR_OUTCOMES: Record<DoorOutcomeCode, OutcomeText> = {
  no_answer: { label: 'No answer', phrase: 'no answer', tag: 'govuk-tag--grey' },
  declined: { label: 'Refused', phrase: 'refused', tag: 'govuk-tag--red' },
  advice_given: { label: 'Advice given', phrase: 'advice given', tag: 'govuk-tag--green' },
  alarm_tested_ok: {
    label: 'Alarm tested',
    phrase: 'alarm tested and working',
    tag: 'govuk-tag--green',
  },
  alarm_fitted: { label: 'Alarm fitted', phrase: '1 alarm fitted', tag: 'govuk-tag--turquoise' },
  full_visit: { label: 'Full visit', phrase: 'full Safe and Well visit', tag: 'govuk-tag--blue' },
  referral: { label: 'Referral', phrase: 'referral', tag: 'govuk-tag--purple' },
  revisit_booked: { label: 'Revisit booked', phrase: 'revisit booked', tag: 'govuk-tag--yellow' },
  void: { label: 'Empty', phrase: 'empty property', tag: 'govuk-tag--grey' },
  not_safe: { label: 'Not safe', phrase: 'not safe to approach', tag: 'govuk-tag--red' },
  leaflet_left: { label: 'Leaflet left', phrase: 'leaflet left', tag: 'govuk-tag--yellow' },
  charlie_done: { label: 'CHARLIE done', phrase: 'CHARLIE check', tag: 'govuk-tag--pink' },
}

/**
 * What a key or button does at the current door. Most record one outcome; `charlie` and
 * `referral` open their screens when the address has a household.
 */
export type DoorAction =
  | 'no_answer'
  | 'declined'
  | 'advice_given'
  | 'alarm_tested_ok'
  | 'alarm_fitted'
  | 'leaflet_left'
  | 'charlie'
  | 'referral'
  | 'full_visit'
  | 'revisit_booked'
  | 'void'
  | 'not_safe'

/** One key per outcome, in the order the legend shows them. */
export const DOOR_KEYS: readonly { key: string; action: DoorAction; label: string }[] = [
  { key: 'n', action: 'no_answer', label: 'No answer' },
  { key: 'r', action: 'declined', label: 'Refused' },
  { key: 'a', action: 'advice_given', label: 'Advice given' },
  { key: 't', action: 'alarm_tested_ok', label: 'Alarm tested' },
  { key: 'f', action: 'alarm_fitted', label: 'Alarm fitted' },
  { key: 'l', action: 'leaflet_left', label: 'Leaflet left' },
  { key: 'c', action: 'charlie', label: 'CHARLIE' },
  { key: 'x', action: 'referral', label: 'Referral' },
]

/** Outcomes with a button but no key: rarer at the door. */
export const MORE_ACTIONS: readonly { action: DoorAction; label: string }[] = [
  { action: 'full_visit', label: 'Full Safe and Well visit' },
  { action: 'revisit_booked', label: 'Revisit booked' },
  { action: 'void', label: 'Empty (void)' },
  { action: 'not_safe', label: 'Not safe to approach' },
]

export function actionForKey(key: string): DoorAction | null {
  return DOOR_KEYS.find((k) => k.key === key)?.action ?? null
}

export function keyForAction(action: DoorAction): string | undefined {
  return DOOR_KEYS.find((k) => k.action === action)?.key
}

/** The counts panel, in reading order. */
export const SUMMARY_FIGURES: readonly { key: keyof DaySummary; label: string }[] = [
  { key: 'doors_knocked', label: 'Doors knocked' },
  { key: 'doors_answered', label: 'Answered' },
  { key: 'alarms_fitted', label: 'Alarms fitted' },
  { key: 'alarms_tested_ok', label: 'Alarms tested' },
  { key: 'full_visits', label: 'Full visits' },
  { key: 'charlie_checks', label: 'CHARLIE checks' },
  { key: 'higher_risk_people', label: 'Higher-risk people' },
  { key: 'referrals_made', label: 'Referrals' },
  { key: 'revisits_outstanding', label: 'Revisits outstanding' },
]

/** "3 of 120 doors knocked". */
export function knockedText(knocked: number, doors: number): string {
  return `${formatNumber(knocked)} of ${formatNumber(doors)} ${doors === 1 ? 'door' : 'doors'} knocked`
}

/** The crew's names from the textarea, one a line, blanks dropped. */
export function crewFromText(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
}

// The door each day's list was at, so coming back from a CHARLIE check or a referral
// returns the crew to the same place. Kept for the life of the window only.
const positions = new Map<string, string>()

export function rememberDoor(dayId: string, doorId: string): void {
  positions.set(dayId, doorId)
}

export function rememberedDoor(dayId: string): string | null {
  return positions.get(dayId) ?? null
}
