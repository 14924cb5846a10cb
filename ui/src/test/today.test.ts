import { screen, within } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import { renderApp, TODAY } from './render'

describe('Today', () => {
  it("splits today's visits into planned and done, each linking to its household", async () => {
    const { fake } = renderApp({ state: 'unlocked' })
    const a = fake.addHousehold({ address_line_1: '4 Beech Close', postcode: 'NG18 9ZB' })
    const b = fake.addHousehold({ address_line_1: '9 Dale Road', postcode: 'NG18 9ZD' })
    const c = fake.addHousehold({ address_line_1: '1 Ivy Row', postcode: 'NG18 9ZI' })
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
      '9 Dale Road, Mansfield',
      '1 Ivy Row, Mansfield',
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
})
