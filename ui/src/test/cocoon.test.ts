import { screen, waitFor, within } from '@testing-library/svelte'
import axe from 'axe-core'
import { describe, expect, it } from 'vitest'
import { renderApp } from './render'

async function openCocoon(openedDaysAgo = 2) {
  const app = renderApp({ state: 'unlocked' })
  const household = app.fake.addHousehold({
    address_line_1: '12 Acacia Avenue',
    postcode: 'ZY18 9ZA',
  })
  const cocoon = app.fake.plans.seedCocoon(household.id, openedDaysAgo)
  window.location.hash = `#/cocoon/${cocoon.id}`
  await screen.findByRole('heading', {
    level: 1,
    name: 'Cocoon: neighbours of 12 Acacia Avenue, Eastwick Vale',
  })
  return { ...app, household, cocoon }
}

function card(address: string): HTMLElement {
  const heading = screen.getByRole('heading', { level: 3, name: new RegExp(address) })
  return heading.closest('.govuk-summary-card') as HTMLElement
}

describe('cocoon', () => {
  it('shows the dates, dosage and doors in priority order', async () => {
    const { household } = await openCocoon()
    expect(document.getElementById('cocoon-state')).toHaveTextContent('In progress')
    expect(document.getElementById('cocoon-dosage')).toHaveTextContent(
      '0 of 6 doors reached, 0 tried',
    )
    const summary = document.getElementById('cocoon-summary') as HTMLElement
    expect(within(summary).getByText('25 November 2025')).toBeInTheDocument() // opened
    expect(within(summary).getByText('2 December 2025')).toBeInTheDocument() // visit by
    expect(within(summary).getByText('23 December 2025')).toBeInTheDocument() // closes

    const doors = screen
      .getAllByRole('heading', { level: 3 })
      .map((h) => h.textContent?.replace(/\s+/g, ' ').trim())
    expect(doors).toEqual([
      '1. 14 Acacia Avenue, ZY18 9ZA',
      '2. 10 Acacia Avenue, ZY18 9ZA',
      '3. 16 Acacia Avenue, ZY18 9ZA',
      '4. 13 Acacia Avenue, ZY18 9ZA',
      '5. 15 Acacia Avenue, ZY18 9ZA',
      '6. 14 Lantern Walk, ZY18 9ZL',
    ])
    const first = card('14 Acacia Avenue')
    expect(first).toHaveTextContent('11 m')
    expect(first).toHaveTextContent('Same side of the street')
    expect(first).toHaveTextContent('Not tried yet')
    expect(card('13 Acacia Avenue')).toHaveTextContent('Opposite side of the street')
    expect(card('14 Lantern Walk')).toHaveTextContent('Within the radius')

    expect(screen.getAllByRole('link', { name: /burgled household/ })[0]).toHaveAttribute(
      'href',
      `#/household/${household.id}`,
    )

    const results = await axe.run(document.body, {
      rules: { 'color-contrast': { enabled: false } },
    })
    expect(results.violations.map((v) => v.id)).toEqual([])
  })

  it('records outcomes with the buttons, by mouse or keyboard, and updates the dosage', async () => {
    const { user, fake } = await openCocoon()

    await user.click(screen.getByRole('button', { name: 'Visited at 14 Acacia Avenue' }))
    await waitFor(() =>
      expect(document.getElementById('cocoon-dosage')).toHaveTextContent(
        '1 of 6 doors reached, 1 tried',
      ),
    )
    const visited = card('14 Acacia Avenue')
    expect(within(visited).getByText('Visited', { selector: '.govuk-tag' })).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Visited at 14 Acacia Avenue' })).toHaveAttribute(
      'aria-pressed',
      'true',
    )
    expect(document.getElementById('cocoon-announcement')).toHaveTextContent(
      'Visited recorded at 14 Acacia Avenue. 1 of 6 doors reached, 1 tried.',
    )

    // From the keyboard: no answer counts as tried, not reached.
    screen.getByRole('button', { name: 'No answer at 10 Acacia Avenue' }).focus()
    await user.keyboard('{Enter}')
    await waitFor(() =>
      expect(document.getElementById('cocoon-dosage')).toHaveTextContent(
        '1 of 6 doors reached, 2 tried',
      ),
    )
    expect(
      within(card('10 Acacia Avenue')).getByText('No answer', { selector: '.govuk-tag' }),
    ).toBeInTheDocument()
    expect(document.getElementById('cocoon-announcement')).toHaveTextContent(
      'No answer recorded at 10 Acacia Avenue. 1 of 6 doors reached, 2 tried.',
    )
    expect(
      fake.calls.filter((c) => c.method === 'recordCocoonOutcome').map((c) => c.args[1]),
    ).toEqual(['visited', 'no_answer'])
  })

  it('offers no buttons once the cocoon has closed', async () => {
    await openCocoon(40)
    expect(document.getElementById('cocoon-state')).toHaveTextContent('Closed')
    expect(screen.getByText(/This cocoon has closed/)).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: /at 14 Acacia Avenue/ })).toBeNull()
  })

  it('says when a cocoon is not found', async () => {
    renderApp({ state: 'unlocked' })
    window.location.hash = '#/cocoon/cocoon-9999'
    await screen.findByRole('heading', { level: 1, name: 'Cocoon not found' })
  })
})
