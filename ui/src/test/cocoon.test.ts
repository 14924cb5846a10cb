// The cocoon screen against what the real commands answered (ui/src/test/fixtures/cocoon.json,
// written by crates/api/tests/ui_fixtures/today.rs): a cocoon round 12 Lantern Walk in the
// demo area, two days after it opened, and (branch closed) 40 days on. The doors, their
// order, distances, dates and dosage are Rust's.

import { screen, waitFor, within } from '@testing-library/svelte'
import axe from 'axe-core'
import { describe, expect, it } from 'vitest'
import type { Stub } from '$lib/backend/stub'
import type { CocoonPage } from '$lib/backend/types'
import { renderRecorded } from './render'

/** The cocoon the stub has reached: the next recorded page of it. */
function cocoonPage(stub: Stub): CocoonPage {
  return stub.result<CocoonPage>('get_cocoon')
}

async function openCocoon(branch: string | null = null) {
  const app = await renderRecorded('cocoon', {
    ...(branch === null ? { from: 'opened' } : { branch }),
    hash: (stub) => `#/cocoon/${cocoonPage(stub).id}`,
  })
  const page = cocoonPage(app.stub)
  await screen.findByRole('heading', {
    level: 1,
    name: 'Cocoon: neighbours of 12 Lantern Walk, Eastwick Vale',
  })
  return { ...app, page }
}

// Rust's priority order: the same side of the street nearest first, then the opposite side,
// then the rest of the radius.
const DOORS_START = [
  '1. 10 Lantern Walk, ZY1 0AA',
  '2. 14 Lantern Walk, ZY1 1AA',
  '3. 8 Lantern Walk, ZY1 0AA',
  '4. 16 Lantern Walk, ZY1 1AA',
]
const FIRST = '10 Lantern Walk'
const SECOND = '14 Lantern Walk'
const OPPOSITE = '11 Lantern Walk'
const RADIUS = '12 Bramble Road'

function card(address: string): HTMLElement {
  const heading = screen.getByRole('heading', { level: 3, name: new RegExp(`\\. ${address},`) })
  return heading.closest('.govuk-summary-card') as HTMLElement
}

describe('cocoon', () => {
  it('shows the dates, dosage and doors in priority order', async () => {
    const { page } = await openCocoon()
    expect(document.getElementById('cocoon-state')).toHaveTextContent('In progress')
    expect(document.getElementById('cocoon-dosage')).toHaveTextContent(
      `0 of ${page.doors.length} doors reached, 0 tried`,
    )
    const summary = document.getElementById('cocoon-summary') as HTMLElement
    expect(within(summary).getByText('5 March 2026')).toBeInTheDocument() // opened
    expect(within(summary).getByText('12 March 2026')).toBeInTheDocument() // visit by
    expect(within(summary).getByText('2 April 2026')).toBeInTheDocument() // closes

    const doors = screen
      .getAllByRole('heading', { level: 3 })
      .map((h) => h.textContent?.replace(/\s+/g, ' ').trim())
    expect(doors.slice(0, 4)).toEqual(DOORS_START)
    expect(doors).toHaveLength(page.doors.length)
    const first = card(FIRST)
    expect(first).toHaveTextContent('16 m')
    expect(first).toHaveTextContent('Same side of the street')
    expect(first).toHaveTextContent('Not tried yet')
    expect(card(OPPOSITE)).toHaveTextContent('Opposite side of the street')
    expect(card(RADIUS)).toHaveTextContent('Within the radius')

    expect(screen.getAllByRole('link', { name: /burgled household/ })[0]).toHaveAttribute(
      'href',
      `#/household/${page.household_id}`,
    )

    const results = await axe.run(document.body, {
      rules: { 'color-contrast': { enabled: false } },
    })
    expect(results.violations.map((v) => v.id)).toEqual([])
  })

  it('records outcomes with the buttons, by mouse or keyboard, and updates the dosage', async () => {
    const { user, stub, page } = await openCocoon()
    const [first, second] = page.doors
    const total = page.doors.length

    await user.click(screen.getByRole('button', { name: `Visited at ${FIRST}` }))
    await waitFor(() =>
      expect(document.getElementById('cocoon-dosage')).toHaveTextContent(
        `1 of ${total} doors reached, 1 tried`,
      ),
    )
    const visited = card(FIRST)
    expect(within(visited).getByText('Visited', { selector: '.govuk-tag' })).toBeInTheDocument()
    expect(screen.getByRole('button', { name: `Visited at ${FIRST}` })).toHaveAttribute(
      'aria-pressed',
      'true',
    )
    expect(document.getElementById('cocoon-announcement')).toHaveTextContent(
      `Visited recorded at ${FIRST}. 1 of ${total} doors reached, 1 tried.`,
    )

    // From the keyboard: no answer counts as tried, not reached (Rust's dosage).
    screen.getByRole('button', { name: `No answer at ${SECOND}` }).focus()
    await user.keyboard('{Enter}')
    await waitFor(() =>
      expect(document.getElementById('cocoon-dosage')).toHaveTextContent(
        `1 of ${total} doors reached, 2 tried`,
      ),
    )
    expect(
      within(card(SECOND)).getByText('No answer', { selector: '.govuk-tag' }),
    ).toBeInTheDocument()
    expect(document.getElementById('cocoon-announcement')).toHaveTextContent(
      `No answer recorded at ${SECOND}. 1 of ${total} doors reached, 2 tried.`,
    )
    expect(stub.sent('record_cocoon_outcome')).toEqual([
      { doorId: first?.id, outcome: 'visited' },
      { doorId: second?.id, outcome: 'no_answer' },
    ])
    expect(stub.unanswered).toEqual([])
  })

  it('offers no buttons once the cocoon has closed', async () => {
    await openCocoon('closed')
    expect(document.getElementById('cocoon-state')).toHaveTextContent('Closed')
    expect(screen.getByText(/This cocoon has closed/)).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: new RegExp(`at ${FIRST}`) })).toBeNull()
  })

  it('says when a cocoon is not found', async () => {
    await renderRecorded('cocoon', { from: 'opened', hash: '#/cocoon/cocoon-9999' })
    await screen.findByRole('heading', { level: 1, name: 'Cocoon not found' })
  })
})

describe('a restricted household', () => {
  it("shows the cocoon with Rust's sentence and records no outcome", async () => {
    // Made up here so a sentence typed into the UI would not match.
    const notice = 'Sentence from Rust: kept, nothing added or changed.'
    await renderRecorded('cocoon', {
      from: 'opened',
      hash: (stub) => {
        const page = cocoonPage(stub)
        stub.answer('get_cocoon', { ...page, restriction_notice: notice })
        return `#/cocoon/${page.id}`
      },
    })
    const banner = await screen.findByRole('status', { name: 'Restricted' })
    expect(banner).toHaveTextContent(notice)
    const doors = screen.getByRole('list', { name: 'Doors in priority order' })
    expect(within(doors).getAllByRole('listitem').length).toBeGreaterThan(0)
    expect(within(doors).queryAllByRole('button')).toEqual([])
  })
})
