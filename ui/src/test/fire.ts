// What the CHARLIE and referral tests share: the homes of the `fire` recording
// (crates/api/tests/ui_fixtures/fire.rs) and the time its drafts were stamped with.

import axe from 'axe-core'
import { vi } from 'vitest'
import type { HouseholdPage } from '$lib/backend/types'
import { fixture } from './recorded'

/** The three homes: one resident, two, and none. */
export type Home = '9 Dale Road' | '11 Dale Road' | '13 Dale Road'

/** A home as Rust first showed it, with its residents. */
export async function home(line: Home): Promise<HouseholdPage> {
  const { calls } = await fixture('fire')
  const page = calls
    .filter((c) => c.command === 'get_household')
    .map((c) => c.result as HouseholdPage)
    .find((p) => p.household.address_line_1 === line)
  if (!page) throw new Error(`The fire recording has no household at ${line}`)
  return page
}

/** The resident of `page` called `name`. */
export function resident(page: HouseholdPage, name: string): string {
  const person = page.persons.find((p) => p.full_name === name)
  if (!person) throw new Error(`No ${name} at ${page.household.address_line_1}`)
  return person.id
}

/**
 * Stops the clock the screens read at the recording's anchor: the consent and basis they
 * send carry the time (Rust replaces it), and the stub answers only what was recorded.
 */
export function pinDate(): void {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(new Date('2026-03-05T09:00:00Z'))
}

export async function violations(): Promise<string[]> {
  const results = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false } } })
  return results.violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  )
}
