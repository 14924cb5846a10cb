// What the firms report about a plan's work orders, against what the real commands answered
// (ui/src/test/fixtures/firm-reports.json, written by crates/api/tests/ui_fixtures/plan.rs):
// the orders went to a real hub, the firms' steps were taken by the hub's contractor portal,
// and the laptop's sync brought them back and settled the plan. Every status, date, count
// and sentence the screens show here comes from those answers. Then, months on, the
// supervisor's approvals list with its cocoons.

import { act, screen, waitFor, within } from '@testing-library/svelte'
import axe from 'axe-core'
import { describe, expect, it } from 'vitest'
import type { Fixture } from '$lib/backend/stub'
import type {
  CocoonSummary,
  PlanPage,
  PlanSummary,
  SyncStatus,
  WorkOrderSummary,
} from '$lib/backend/types'
import { formatDate } from '$lib/services/dates'
import { formatPence } from '$lib/services/format'
import { fixture } from './recorded'
import { renderRecorded } from './render'

async function violations(): Promise<string[]> {
  const results = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false } } })
  return results.violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  )
}

/** The calls recorded from the point marked `mark` on. */
function from(recording: Fixture, mark: string) {
  const at = recording.calls.findIndex((c) => c.mark === mark)
  if (at < 0) throw new Error(`No call is marked "${mark}"`)
  return recording.calls.slice(at)
}

/** The first plan page recorded from `mark` on that `which` picks. */
async function planAt(mark: string, which: (page: PlanPage) => boolean): Promise<PlanPage> {
  const call = from(await fixture('firm-reports'), mark).find(
    (c) => c.command === 'get_plan' && which(c.result as PlanPage),
  )
  if (!call) throw new Error(`No plan recorded from "${mark}" is the one asked for`)
  return call.result as PlanPage
}

const orders = (page: PlanPage): WorkOrderSummary[] => page.work_orders?.orders ?? []
const partlyFitted = (page: PlanPage) =>
  orders(page).some((o) => o.items.some((i) => i.status === 'not_fitted'))
const declined = (page: PlanPage) => orders(page).some((o) => o.status === 'declined')
const fitted = (page: PlanPage) => page.plan.status === 'fitted'

/** Opens the plan as recorded from `mark`. */
async function openPlan(mark: string, page: PlanPage) {
  const app = await renderRecorded('firm-reports', {
    from: mark,
    hash: `#/plan/${page.plan.id}`,
  })
  await screen.findByRole('heading', { level: 1, name: 'Improvement plan' })
  return app
}

describe('work orders reported by the firms', () => {
  it("shows each order's status, appointment and every item's fitting, with a reason for one not fitted", async () => {
    const page = await planAt('reported', partlyFitted)
    const { stub } = await openPlan('reported', page)
    const locks = orders(page).find((o) => o.firm_name === 'Quillon Locks Ltd')
    if (!locks) throw new Error('the fixture should record an order for the locksmith')

    expect(document.getElementById('plan-status')).toHaveTextContent('Ordered')
    expect(document.getElementById('next-step')).toHaveTextContent(
      'The work orders are with the firms. The plan moves to fitted when they report every item fitted.',
    )
    // Rust's counts: the fitted items, and one the firm could not fit.
    const items = orders(page).reduce((n, o) => n + o.items.length, 0)
    const done = orders(page).reduce((n, o) => n + o.fitted, 0)
    expect(document.getElementById('work-orders-progress')).toHaveTextContent(
      `${done} of ${items} items fitted. 1 item could not be fitted: the office arranges what happens next.`,
    )
    const section = screen.getByRole('region', { name: 'Work orders' })
    const card = within(section).getByRole('heading', {
      level: 3,
      name: new RegExp(locks.number),
    })
    expect(card).toHaveTextContent('Quillon Locks Ltd')
    expect(document.getElementById(`work-order-${locks.number}-status`)).toHaveTextContent('Booked')
    const order = document.getElementById(`work-order-${locks.number}`) as HTMLElement
    expect(order).toHaveTextContent(`Finish by ${formatDate(locks.due_date)}`)
    expect(order).toHaveTextContent(`Appointment ${formatDate(locks.appointment_date ?? '')}`)
    const table = within(order).getByRole('table', { name: /Items on work order/ })
    const cylinder = locks.items.find((i) => i.measure_id === 'anti_snap_cylinder')
    const cylinderRow = within(table).getByRole('row', { name: /Anti-snap lock cylinder/ })
    expect(cylinderRow).toHaveTextContent('Fitted')
    expect(cylinderRow).toHaveTextContent(
      `Fitted on ${formatDate(cylinder?.fitted_at?.slice(0, 10) ?? '')}, to TS007 3*`,
    )
    expect(cylinderRow).toHaveTextContent(cylinder?.location ?? 'no location recorded')
    const locksRow = within(table).getByRole('row', { name: /Key-operated window lock/ })
    expect(within(locksRow).getByText('Not fitted')).toHaveClass('govuk-tag--orange')
    expect(locksRow).toHaveTextContent('Frames too narrow')
    expect(locksRow).toHaveTextContent('Window 1, Window 2')
    const handedOver = page.work_orders?.handed_over_by_officer ?? []
    expect(handedOver.length).toBeGreaterThan(0)
    for (const name of handedOver) {
      expect(document.getElementById('handed-over')).toHaveTextContent(name)
    }
    expect(document.getElementById('fit-by-hand')).toBeInTheDocument()
    expect(stub.unanswered).toEqual([])
    expect(await violations()).toEqual([])
  })

  it('shows a declined order with the reason, and an order past its date as overdue', async () => {
    const page = await planAt('months on', declined)
    const { stub } = await openPlan('months on', page)
    const locks = orders(page).find((o) => o.firm_name === 'Quillon Locks Ltd')
    if (!locks) throw new Error('the fixture should record an order for the locksmith')
    // Months on, today is past the date the firm had to finish by.
    expect(stub.result<{ today: string }>('app_status').today > locks.due_date).toBe(true)

    expect(document.getElementById(`work-order-${locks.number}-status`)).toHaveTextContent(
      'Declined',
    )
    const order = document.getElementById(`work-order-${locks.number}`) as HTMLElement
    expect(order).toHaveTextContent('The firm said: No locksmith free this month')
    expect(within(order).getByText('Overdue')).toHaveClass('govuk-tag--red')
    expect(within(order).getAllByText('To fit')).toHaveLength(2)
    expect(order).toHaveTextContent('Appointment Not booked yet')
  })

  it('shows the plan fitted, with its follow-up date, once the firms report every item fitted', async () => {
    const page = await planAt('reported', fitted)
    await openPlan('reported', page)
    const due = formatDate(page.follow_up_due ?? '')

    expect(document.getElementById('plan-status')).toHaveTextContent('Fitted')
    expect(document.getElementById('follow-up-due')).toHaveTextContent(`Follow-up due on ${due}`)
    expect(document.getElementById('work-orders-progress')).toHaveTextContent(
      `Every item is fitted: the follow-up visit is due on ${due}.`,
    )
    for (const order of orders(page)) {
      expect(document.getElementById(`work-order-${order.number}-status`)).toHaveTextContent(
        'Fitted',
      )
    }
    expect(await violations()).toEqual([])
  })
})

describe('an open plan when a sync brings news', () => {
  it('shows the firm’s fitted items and the plan fitted without being left', async () => {
    const after = await planAt('reported', fitted)
    const { stub } = await openPlan('ordered', after)
    expect(document.getElementById('plan-status')).toHaveTextContent('Ordered')
    const loads = () => stub.sent('get_plan').length
    const before = loads()
    const status = stub.result<SyncStatus>('sync_status')

    // A status event that changed no records loads nothing again.
    await act(() => stub.emit('sync-status', { ...status, last_synced_at: '2026-03-14T11:00:00Z' }))
    await Promise.resolve()
    expect(loads()).toBe(before)

    // The firms' reports arrive with the background sync, which says records changed.
    stub.from('reported')
    await act(() =>
      stub.emit('sync-status', {
        ...status,
        last_synced_at: '2026-03-14T11:00:00Z',
        records_changed_at: '2026-03-14T11:00:00Z',
      }),
    )
    await waitFor(() => expect(document.getElementById('plan-status')).toHaveTextContent('Fitted'))
    expect(loads()).toBe(before + 1)
    for (const order of orders(after)) {
      expect(document.getElementById(`work-order-${order.number}-status`)).toHaveTextContent(
        'Fitted',
      )
    }
    expect(stub.unanswered).toEqual([])
  })
})

describe('approvals', () => {
  it('lists agreed plans, follow-ups due and cocoons not yet delivered', async () => {
    const { stub } = await renderRecorded('firm-reports', {
      from: 'months on',
      hash: '#/approvals',
    })
    await screen.findByRole('heading', { level: 1, name: 'Approvals and follow-ups' })
    const [waiting] = stub.result<PlanSummary[]>('plans_with_status', { status: 'agreed' })
    const [fittedPlan] = stub.result<PlanSummary[]>('plans_with_status', { status: 'fitted' })
    const cocoons = stub.result<CocoonSummary[]>('cocoons', { householdId: null })
    if (!waiting || !fittedPlan) throw new Error('the fixture should record both plans')

    const approvals = await screen.findByRole('table', { name: /Plans waiting for approval/ })
    const rows = within(approvals).getAllByRole('row').slice(1)
    expect(rows).toHaveLength(1)
    expect(within(rows[0]!).getByRole('link', { name: /2 Elm Grove/ })).toHaveAttribute(
      'href',
      `#/plan/${waiting.plan.id}`,
    )
    expect(waiting.totals.over_cap_by_pence).toBeGreaterThan(0)
    expect(rows[0]).toHaveTextContent(
      `${formatPence(waiting.totals.estimated_pence)} of ${formatPence(waiting.totals.cap_pence)}`,
    )
    expect(
      within(rows[0]!).getByText(`Over cap by ${formatPence(waiting.totals.over_cap_by_pence)}`),
    ).toHaveClass('govuk-tag--red')
    expect(rows[0]).toHaveTextContent('Signed by Edith Sampleton')

    const followUps = await screen.findByRole('table', { name: /follow-up visit/ })
    const due = within(followUps).getAllByRole('row').slice(1)
    expect(due).toHaveLength(1)
    expect(due[0]).toHaveTextContent(formatDate(fittedPlan.follow_up_due ?? ''))
    expect(within(due[0]!).getByText('Overdue')).toBeInTheDocument()
    expect(within(due[0]!).getByRole('link', { name: /Record the follow-up/ })).toHaveAttribute(
      'href',
      `#/plan/${fittedPlan.plan.id}/follow-up`,
    )

    // Rust lists the open cocoons: the one opened months ago has closed.
    expect(cocoons).toHaveLength(1)
    const [cocoon] = cocoons
    const table = await screen.findByRole('table', {
      name: /Cocoons with neighbours still to try/,
    })
    const open = within(table).getAllByRole('row').slice(1)
    expect(open).toHaveLength(1)
    expect(within(open[0]!).getByRole('link', { name: /4 Gorse Lane/ })).toHaveAttribute(
      'href',
      `#/cocoon/${cocoon?.id}`,
    )
    expect(open[0]).toHaveTextContent(`0 of ${cocoon?.dosage.targets} doors reached, 0 tried`)
    expect(within(open[0]!).getByText('Overdue')).toHaveClass('govuk-tag--red')
    expect(screen.queryByText('Only a supervisor can approve a plan.', { exact: false })).toBeNull()
    expect(stub.unanswered).toEqual([])
    expect(await violations()).toEqual([])
  })
})
