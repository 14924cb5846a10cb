import { screen } from '@testing-library/svelte'
import axe from 'axe-core'
import { describe, expect, it } from 'vitest'
import type { HouseholdPage, SearchHit } from '$lib/backend/types'
import { renderRecorded } from './render'

/**
 * axe-core over every screen, as rendered in jsdom on what the real commands answered.
 * Colour contrast needs real layout, so it is left to the browser; everything else axe
 * checks (labels, names, roles, ARIA, landmarks, headings, duplicate ids) is enforced here.
 */
async function violations(): Promise<string[]> {
  const results = await axe.run(document.body, {
    rules: { 'color-contrast': { enabled: false } },
  })
  return results.violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  )
}

describe('accessibility (axe-core)', () => {
  it('first run', async () => {
    await renderRecorded('first-run')
    await screen.findByRole('heading', { level: 1, name: 'Set up Doorstep' })
    expect(await violations()).toEqual([])
  })

  it('unlock', async () => {
    await renderRecorded('first-run', { from: 'locked' })
    await screen.findByRole('heading', { level: 1, name: 'Unlock Doorstep' })
    expect(await violations()).toEqual([])
  })

  it.each([
    ['#/today', 'Today'],
    ['#/find', 'Find a household'],
    ['#/household/new', 'Add a household'],
    ['#/settings', 'Settings'],
    ['#/approvals', 'Approvals and follow-ups'],
  ])('%s', async (hash, heading) => {
    const { stub } = await renderRecorded('find', { hash })
    await screen.findByRole('heading', { level: 1, name: heading })
    expect(await violations()).toEqual([])
    expect(stub.unanswered).toEqual([])
  })

  it('a household page with residents and visits', async () => {
    const { stub } = await renderRecorded('find', {
      hash: (stub) => {
        const hit = stub
          .result<SearchHit[]>('search', { query: 'Lantern' })
          .find((h) => h.kind === 'household')
        return `#/household/${hit?.household_id}`
      },
    })
    const page = stub.result<HouseholdPage>('get_household')
    expect(page.persons.length, 'a demo household has residents').toBeGreaterThan(0)
    await screen.findByRole('heading', { level: 1, name: page.household.address_line_1 })
    expect(await violations()).toEqual([])
  })
})
