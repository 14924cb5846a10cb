// The limits the forms show (a box's maxlength, a hint, a counter). Rust sends them with the
// app status, built from the constants its rules check with, so no form types its own number.

import type { Limits } from '$lib/backend/types'
import { getAppContext } from '$lib/stores/context'

/**
 * The limits from the app status; call while a component initialises. Null only before the
 * first status has arrived, when no form is on screen.
 */
export function getLimits(): Limits | null {
  return getAppContext().session.status?.limits ?? null
}
