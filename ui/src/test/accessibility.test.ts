import { screen } from '@testing-library/svelte'
import axe from 'axe-core'
import { describe, expect, it } from 'vitest'
import { renderApp } from './render'

/**
 * axe-core over every screen, as rendered in jsdom. Colour contrast needs real layout,
 * so it is left to the browser; everything else axe checks (labels, names, roles, ARIA,
 * landmarks, headings, duplicate ids) is enforced here.
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
    renderApp({ state: 'first_run' })
    await screen.findByRole('heading', { level: 1, name: 'Set up Doorstep' })
    expect(await violations()).toEqual([])
  })

  it('unlock', async () => {
    renderApp({ state: 'locked' })
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
    renderApp({ state: 'unlocked', demo: true })
    window.location.hash = hash
    await screen.findByRole('heading', { level: 1, name: heading })
    expect(await violations()).toEqual([])
  })

  it('a household page with residents and visits', async () => {
    const { fake } = renderApp({ state: 'unlocked', demo: true })
    const household = fake.households[0]
    expect(household, 'the demo area has households').toBeDefined()
    window.location.hash = `#/household/${household!.id}`
    await screen.findByRole('heading', { level: 1, name: household!.address_line_1 })
    expect(await violations()).toEqual([])
  })
})
