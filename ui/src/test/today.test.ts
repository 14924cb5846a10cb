// Today against what the real commands answered (ui/src/test/fixtures/today.json, written
// by crates/api/tests/ui_fixtures/today.rs): a new laptop (branch empty), and four months on
// (branch busy) with the day's visits, plans waiting, follow-ups due and an overdue cocoon.

import { screen, within } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import type { VisitWithAddress } from '$lib/backend/types'
import { renderRecorded } from './render'

describe('Today', () => {
  it("splits today's visits into planned and done, each linking to its household", async () => {
    const { stub } = await renderRecorded('today', { branch: 'busy' })
    await screen.findByRole('heading', { level: 1, name: 'Today' })
    expect(screen.getByText('Sunday 5 July 2026')).toBeInTheDocument()

    const planned = await screen.findByRole('table', { name: /Planned/ })
    const plannedRows = within(planned).getAllByRole('row').slice(1)
    expect(plannedRows).toHaveLength(1)
    const beech = stub
      .result<VisitWithAddress[]>('visits_for_day')
      .find((v) => v.address.startsWith('4 Beech Close'))
    const link = within(plannedRows[0]!).getByRole('link', { name: /4 Beech Close/ })
    expect(link).toHaveAttribute('href', `#/household/${beech?.visit.household_id}`)
    expect(within(plannedRows[0]!).getByText('Burglary victim')).toBeInTheDocument()

    // Yesterday's planned follow-up at 1 Ivy Row is not today's.
    const done = screen.getByRole('table', { name: /Done/ })
    const doneRows = within(done).getAllByRole('row').slice(1)
    expect(doneRows.map((r) => within(r).getByRole('link').textContent)).toEqual([
      '9 Dale Road, Eastwick Vale',
      '1 Ivy Row, Eastwick Vale',
    ])
    expect(within(doneRows[0]!).getByText('No answer')).toHaveClass('govuk-tag')
    expect(within(doneRows[1]!).getByText('Completed')).toHaveClass('govuk-tag')
    expect(stub.sent('visits_for_day')).toEqual([{ date: '2026-07-05' }])
    expect(stub.unanswered).toEqual([])
  })

  it('says what to do when nothing is planned or done', async () => {
    const { user, stub } = await renderRecorded('today', { branch: 'empty' })
    expect(await screen.findByText(/No visits are planned for today/)).toBeInTheDocument()
    expect(screen.getByText(/No visits are recorded as done today/)).toBeInTheDocument()

    await user.click(screen.getByRole('link', { name: 'Add a visit' }))
    await screen.findByRole('heading', { level: 1, name: 'Find a household' })
    expect(stub.unanswered).toEqual([])
  })

  it('counts plans waiting for approval, follow-ups due and overdue cocoons, linking to Approvals', async () => {
    const { stub } = await renderRecorded('today', { branch: 'busy' })
    const panel = await screen.findByRole('region', { name: 'Waiting for action' })
    expect(
      await within(panel).findByRole('link', { name: '3 plans waiting for approval' }),
    ).toHaveAttribute('href', '#/approvals')
    // Fitted on 5 March and 5 April: due on 5 June and today; the one fitted on 1 June is not.
    expect(within(panel).getByRole('link', { name: '2 follow-ups due' })).toBeInTheDocument()
    // Opened on 24 June (overdue since 1 July) and yesterday (in progress).
    expect(within(panel).getByRole('link', { name: '1 cocoon overdue' })).toBeInTheDocument()
    // Today's own content is unaffected.
    expect(await screen.findByRole('table', { name: /Planned/ })).toBeInTheDocument()
    expect(stub.unanswered).toEqual([])
  })

  it('leaves out a count that fails to load, and keeps the rest of Today', async () => {
    const { stub } = await renderRecorded('today', { branch: 'busy' })
    // A failure no scenario reaches: the cocoons cannot be read at all.
    stub.fail('cocoons', {
      code: 'internal',
      message: 'Cocoons are broken today.',
      field: null,
      fields: [],
    })

    const panel = await screen.findByRole('region', { name: 'Waiting for action' })
    await within(panel).findByRole('link', { name: '2 follow-ups due' })
    expect(
      within(panel).getByRole('link', { name: '3 plans waiting for approval' }),
    ).toBeInTheDocument()
    expect(within(panel).queryByRole('link', { name: /cocoon/ })).toBeNull()
    expect(screen.queryByText('Cocoons are broken today.')).toBeNull()
    expect(await screen.findByRole('table', { name: /Planned/ })).toBeInTheDocument()
  })
})
