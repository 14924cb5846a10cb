// A referral offered from a CHARLIE result, waiting for the "Make a referral" screen.
//
// The CHARLIE screen's "Refer to …" link puts the suggestion here just before the route changes;
// ReferralNew takes it once when it opens, so it never leaks into a later, unrelated referral.

import type { Urgency } from '$lib/backend/types'

export type PendingReferral = {
  householdId: string
  /** The resident the check was for, when it named one. */
  personId: string | null
  agencyId: string
  reasons: string[]
  urgency: Urgency
  /** The CHARLIE check behind the suggestion. */
  charlieCheckId: string | null
}

let pending: PendingReferral | null = null

/** Keeps a suggestion for the next "Make a referral" screen of its household. */
export function offerReferral(referral: PendingReferral): void {
  pending = referral
}

/** The suggestion for this household, if one is waiting; it is forgotten either way. */
export function takePendingReferral(householdId: string): PendingReferral | null {
  const taken = pending
  pending = null
  return taken !== null && taken.householdId === householdId ? taken : null
}
