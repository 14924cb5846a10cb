// The day-of-action door a CHARLIE check or referral was opened from (with the c or x key),
// so that saving it there also counts on the day: a knock with "CHARLIE done" (and a
// higher-risk person when the check meets the referral threshold) or "referral".

import type { Backend } from '$lib/backend/backend'
import type { DoorOutcomeCode } from '$lib/backend/types'

export type DoorContext = {
  dayId: string
  doorId: string
  householdId: string
  address: string
}

let current = $state<DoorContext | null>(null)

/** Remembers the door the crew opened a check or referral from. */
export function openedFromDoor(context: DoorContext): void {
  current = context
}

/** The door this household's check or referral was opened from, if any. */
export function doorFor(householdId: string): DoorContext | null {
  return current?.householdId === householdId ? current : null
}

/** Forgets the door (the crew went back to the day, or elsewhere). */
export function leaveDoor(): void {
  current = null
}

/**
 * Records on the day what was done for the household at its door. Returns a sentence for the
 * screen, or null when the household was not opened from a door.
 */
export async function countOnDay(
  backend: Backend,
  householdId: string,
  code: Extract<DoorOutcomeCode, 'charlie_done' | 'referral'>,
  higherRisk = false,
): Promise<string | null> {
  const door = doorFor(householdId)
  if (!door) return null
  const result = await backend.recordKnock(door.dayId, door.doorId, {
    outcomes: [code],
    alarms_fitted: 0,
    referrals_made: code === 'referral' ? 1 : 0,
    higher_risk_people: code === 'charlie_done' && higherRisk ? 1 : 0,
  })
  if (result.status === 'error') {
    return `It was saved, but could not be counted on the day of action: ${result.error.message}`
  }
  return code === 'charlie_done'
    ? `Counted on the day of action at ${door.address}.`
    : `Referral counted on the day of action at ${door.address}.`
}
