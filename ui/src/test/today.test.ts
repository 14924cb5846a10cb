import { screen, within } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import { appError, err } from '$lib/backend/backend'
import { renderApp, TODAY } from './render'

describe('Today', () => {
  it("splits today's visits into planned and done, each linking to its household", async () => {
    const { fake } = renderApp({ state: 'unlocked' })
    const a = fake.addHousehold({ address_line_1: '4 Beech Close', postcode: 'ZY18 9ZB' })
    const b = fake.addHousehold({ address_line_1: '9 Dale Road', postcode: 'ZY18 9ZD' })
    const c = fake.addHousehold({ address_line_1: '1 Ivy Row', postcode: 'ZY18 9ZI' })
    fake.addVisit(a.id, { kind: 'burglary_victim', outcome: null })
    fake.addVisit(b.id, { kind: 'cocoon_neighbour', outcome: 'no_answer' })
    fake.addVisit(c.id, { kind: 'follow_up', outcome: 'completed' })
    fake.addVisit(c.id, { kind: 'follow_up', outcome: null, visit_date: '2025-11-26' })

    await screen.findByRole('heading', { level: 1, name: 'Today' })
    expect(screen.getByText('Thursday 27 November 2025')).toBeInTheDocument()

    const planned = await screen.findByRole('table', { name: /Planned/ })
    const plannedRows = within(planned).getAllByRole('row').slice(1)
    expect(plannedRows).toHaveLength(1)
    const link = within(plannedRows[0]!).getByRole('link', { name: /4 Beech Close/ })
    expect(link).toHaveAttribute('href', `#/household/${a.id}`)
    expect(within(plannedRows[0]!).getByText('Burglary victim')).toBeInTheDocument()

    const done = screen.getByRole('table', { name: /Done/ })
    const doneRows = within(done).getAllByRole('row').slice(1)
    expect(doneRows.map((r) => within(r).getByRole('link').textContent)).toEqual([
      '9 Dale Road, Eastwick Vale',
      '1 Ivy Row, Eastwick Vale',
    ])
    expect(within(doneRows[0]!).getByText('No answer')).toHaveClass('govuk-tag')
    expect(within(doneRows[1]!).getByText('Completed')).toHaveClass('govuk-tag')
    expect(fake.calls.find((c) => c.method === 'visitsForDay')?.args).toEqual([TODAY])
  })

  it('says what to do when nothing is planned or done', async () => {
    const { user } = renderApp({ state: 'unlocked' })
    expect(await screen.findByText(/No visits are planned for today/)).toBeInTheDocument()
    expect(screen.getByText(/No visits are recorded as done today/)).toBeInTheDocument()

    await user.click(screen.getByRole('link', { name: 'Add a visit' }))
    await screen.findByRole('heading', { level: 1, name: 'Find a household' })
  })

  it('counts plans waiting for approval, follow-ups due and overdue cocoons, linking to Approvals', async () => {
    const { fake } = renderApp({ state: 'unlocked' })
    const a = fake.addHousehold({ address_line_1: '4 Beech Close', postcode: 'ZY18 9ZB' })
    const b = fake.addHousehold({ address_line_1: '9 Dale Road', postcode: 'ZY18 9ZD' })
    fake.plans.seedPlan(a.id, { status: 'agreed' })
    fake.plans.seedPlan(b.id, { status: 'agreed' })
    fake.plans.seedPlan(a.id, { status: 'agreed' })
    fake.plans.seedPlan(a.id, { status: 'fitted', fitted_on: '2025-07-01' }) // due 1 October
    fake.plans.seedPlan(b.id, { status: 'fitted', fitted_on: '2025-08-27' }) // due today
    fake.plans.seedPlan(b.id, { status: 'fitted', fitted_on: '2025-11-01' }) // not yet due
    fake.plans.seedCocoon(a.id, 10) // overdue
    fake.plans.seedCocoon(b.id, 1) // in progress

    const panel = await screen.findByRole('region', { name: 'Waiting for action' })
    expect(
      within(panel).getByRole('link', { name: '3 plans waiting for approval' }),
    ).toHaveAttribute('href', '#/approvals')
    expect(within(panel).getByRole('link', { name: '2 follow-ups due' })).toBeInTheDocument()
    expect(within(panel).getByRole('link', { name: '1 cocoon overdue' })).toBeInTheDocument()
    // Today's own content is unaffected.
    expect(screen.getByText(/No visits are planned for today/)).toBeInTheDocument()
  })

  it('leaves out a count that fails to load, and keeps the rest of Today', async () => {
    const { fake } = renderApp({ state: 'unlocked' })
    const a = fake.addHousehold({ address_line_1: '4 Beech Close', postcode: 'ZY18 9ZB' })
    fake.addVisit(a.id, { kind: 'burglary_victim', outcome: null })
    fake.plans.seedPlan(a.id, { status: 'agreed' })
    fake.cocoons = () => Promise.resolve(err(appError('internal', 'Cocoons are broken today.')))

    const panel = await screen.findByRole('region', { name: 'Waiting for action' })
    await within(panel).findByRole('link', { name: '0 follow-ups due' })
    expect(
      within(panel).getByRole('link', { name: '1 plan waiting for approval' }),
    ).toBeInTheDocument()
    expect(within(panel).queryByRole('link', { name: /cocoon/ })).toBeNull()
    expect(screen.queryByText('Cocoons are broken today.')).toBeNull()
    expect(await screen.findByRole('table', { name: /Planned/ })).toBeInTheDocument()
  })
})
