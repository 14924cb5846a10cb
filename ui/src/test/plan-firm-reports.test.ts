// Plan screens that still run against the in-memory fake: what the firms report through
// the hub (order statuses, fitted items, a declined order, a sync bringing the news) and
// the approvals list with cocoons. They move to recorded fixtures once the fixture writer
// (crates/api/tests/ui_fixtures.rs) can record a firm's report and a cocoon; the rest of
// the plan screens are tested against recordings in plan.test.ts.

import { act, screen, waitFor, within } from '@testing-library/svelte'
import axe from 'axe-core'
import { describe, expect, it } from 'vitest'
import { formatDate } from '$lib/services/dates'
import { renderApp } from './render'

/** The number of a plan's work order to the firm with this code, as the fake numbers them. */
function orderNumber(planId: string, code: string): string {
  return `WO-${planId
    .replace(/[^A-Za-z0-9]/g, '')
    .toUpperCase()
    .slice(-8)}-${code}`
}

async function violations(): Promise<string[]> {
  const results = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false } } })
  return results.violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  )
}

describe('work orders reported by the firms', () => {
  it("shows each order's status, appointment and every item's fitting, with a reason for one not fitted", async () => {
    const app = renderApp({ state: 'unlocked' })
    const household = app.fake.addHousehold({
      address_line_1: '12 Acacia Avenue',
      postcode: 'ZY18 9ZA',
    })
    const seeded = app.fake.plans.seedPlan(household.id, { status: 'ordered', with_advice: true })
    const number = seeded.work_orders?.orders[0]?.number ?? ''
    expect(number).toBe(orderNumber(seeded.plan.id, 'SWL'))
    app.fake.plans.reportWorkOrder(seeded.plan.id, number, (order) => {
      order.status = 'scheduled'
      order.appointment_date = '2025-12-03'
      const [cylinder, locks] = order.items
      Object.assign(cylinder!, {
        status: 'fitted',
        fitted_at: '2025-12-03T11:20:00Z',
        product_standard: 'TS007 3*',
      })
      Object.assign(locks!, { status: 'not_fitted', not_fitted_reason: 'Frames too narrow' })
    })
    window.location.hash = `#/plan/${seeded.plan.id}`
    await screen.findByRole('heading', { level: 1, name: 'Improvement plan' })

    expect(document.getElementById('plan-status')).toHaveTextContent('Ordered')
    expect(document.getElementById('next-step')).toHaveTextContent(
      'The work orders are with the firms. The plan moves to fitted when they report every item fitted.',
    )
    const section = screen.getByRole('region', { name: 'Work orders' })
    expect(document.getElementById('work-orders-progress')).toHaveTextContent(
      '1 of 2 items fitted. 1 item could not be fitted: the office arranges what happens next.',
    )
    const card = within(section).getByRole('heading', { level: 3, name: new RegExp(number) })
    expect(card).toHaveTextContent('Sherwood Locks Ltd')
    expect(document.getElementById(`work-order-${number}-status`)).toHaveTextContent('Booked')
    const order = document.getElementById(`work-order-${number}`) as HTMLElement
    const due = seeded.work_orders?.orders[0]?.due_date ?? ''
    expect(order).toHaveTextContent(`Finish by ${formatDate(due)}`)
    expect(order).toHaveTextContent('Appointment 3 December 2025')
    const items = within(order).getByRole('table', { name: /Items on work order/ })
    const cylinder = within(items).getByRole('row', { name: /Anti-snap lock cylinder/ })
    expect(cylinder).toHaveTextContent('Fitted')
    expect(cylinder).toHaveTextContent('Fitted on 3 December 2025, to TS007 3*')
    expect(cylinder).toHaveTextContent('Door 2')
    const locks = within(items).getByRole('row', { name: /Key-operated window lock/ })
    expect(within(locks).getByText('Not fitted')).toHaveClass('govuk-tag--orange')
    expect(locks).toHaveTextContent('Frames too narrow')
    expect(locks).toHaveTextContent('Window 1, Window 2')
    expect(document.getElementById('handed-over')).toHaveTextContent(
      'Security advice and habits leaflet',
    )
    expect(document.getElementById('fit-by-hand')).toBeInTheDocument()
    expect(await violations()).toEqual([])
  })

  it('shows a declined order with the reason, and an order past its date as overdue', async () => {
    const app = renderApp({ state: 'unlocked' })
    const household = app.fake.addHousehold({ address_line_1: '12 Acacia Avenue' })
    const seeded = app.fake.plans.seedPlan(household.id, { status: 'ordered' })
    const number = seeded.work_orders?.orders[0]?.number ?? ''
    app.fake.plans.reportWorkOrder(seeded.plan.id, number, (order) => {
      order.status = 'declined'
      order.decline_reason = 'No locksmith free this month'
      order.due_date = '2025-11-20'
    })
    window.location.hash = `#/plan/${seeded.plan.id}`
    await screen.findByRole('heading', { level: 1, name: 'Improvement plan' })

    expect(document.getElementById(`work-order-${number}-status`)).toHaveTextContent('Declined')
    const order = document.getElementById(`work-order-${number}`) as HTMLElement
    expect(order).toHaveTextContent('The firm said: No locksmith free this month')
    expect(within(order).getByText('Overdue')).toHaveClass('govuk-tag--red')
    expect(within(order).getAllByText('To fit')).toHaveLength(2)
    expect(order).toHaveTextContent('Appointment Not booked yet')
  })

  it('shows the plan fitted, with its follow-up date, once the firms report every item fitted', async () => {
    const app = renderApp({ state: 'unlocked' })
    const household = app.fake.addHousehold({ address_line_1: '12 Acacia Avenue' })
    const seeded = app.fake.plans.seedPlan(household.id, { status: 'ordered' })
    const number = seeded.work_orders?.orders[0]?.number ?? ''
    app.fake.plans.reportWorkOrder(seeded.plan.id, number, (order) => {
      for (const item of order.items) {
        Object.assign(item, {
          status: 'fitted',
          fitted_at: '2025-11-20T10:00:00Z',
          product_standard: 'TS007 3*',
        })
      }
    })
    window.location.hash = `#/plan/${seeded.plan.id}`
    await screen.findByRole('heading', { level: 1, name: 'Improvement plan' })

    expect(document.getElementById('plan-status')).toHaveTextContent('Fitted')
    expect(document.getElementById('follow-up-due')).toHaveTextContent(
      'Follow-up due on 20 February 2026',
    )
    expect(document.getElementById('work-orders-progress')).toHaveTextContent(
      'Every item is fitted: the follow-up visit is due on 20 February 2026.',
    )
    expect(document.getElementById(`work-order-${number}-status`)).toHaveTextContent('Fitted')
    expect(await violations()).toEqual([])
  })
})

describe('an open plan when a sync brings news', () => {
  it('shows the firm’s fitted items and the plan fitted without being left', async () => {
    const app = renderApp({ state: 'unlocked', sync: { enrolled: true } })
    const household = app.fake.addHousehold({ address_line_1: '12 Acacia Avenue' })
    const seeded = app.fake.plans.seedPlan(household.id, { status: 'ordered' })
    const number = seeded.work_orders?.orders[0]?.number ?? ''
    window.location.hash = `#/plan/${seeded.plan.id}`
    await screen.findByRole('heading', { level: 1, name: 'Improvement plan' })
    expect(document.getElementById('plan-status')).toHaveTextContent('Ordered')
    const loads = () => app.fake.calls.filter((c) => c.method === 'getPlan').length
    const before = loads()

    // A status event that changed no records loads nothing again.
    act(() => void app.fake.sync.emit({ last_synced_at: new Date().toISOString() }))
    await Promise.resolve()
    expect(loads()).toBe(before)

    // The firm reports every item fitted, and the background sync takes it in.
    app.fake.plans.reportWorkOrder(seeded.plan.id, number, (order) => {
      for (const item of order.items) {
        Object.assign(item, { status: 'fitted', fitted_at: '2025-11-20T10:00:00Z' })
      }
    })
    act(() => void app.fake.sync.emit({ records_changed_at: new Date().toISOString() }))
    await waitFor(() => expect(document.getElementById('plan-status')).toHaveTextContent('Fitted'))
    expect(loads()).toBe(before + 1)
    expect(document.getElementById(`work-order-${number}-status`)).toHaveTextContent('Fitted')
  })
})

describe('approvals', () => {
  it('lists agreed plans, follow-ups due and cocoons not yet delivered', async () => {
    const { fake } = renderApp({ state: 'unlocked', role: 'supervisor' })
    const a = fake.addHousehold({ address_line_1: '12 Acacia Avenue', postcode: 'ZY18 9ZA' })
    const b = fake.addHousehold({ address_line_1: '4 Beech Close', postcode: 'ZY18 9ZB' })
    const c = fake.addHousehold({ address_line_1: '9 Dale Road', postcode: 'ZY18 9ZD' })
    const agreed = fake.plans.seedPlan(a.id, { status: 'agreed', cap_pence: 15000 })
    const fitted = fake.plans.seedPlan(b.id, { status: 'fitted', fitted_on: '2025-07-01' })
    fake.plans.seedPlan(c.id) // a draft: in neither list
    const overdue = fake.plans.seedCocoon(c.id, 10)
    fake.plans.seedCocoon(a.id, 40) // closed: not listed

    window.location.hash = '#/approvals'
    await screen.findByRole('heading', { level: 1, name: 'Approvals and follow-ups' })

    const approvals = await screen.findByRole('table', { name: /Plans waiting for approval/ })
    const rows = within(approvals).getAllByRole('row').slice(1)
    expect(rows).toHaveLength(1)
    expect(within(rows[0]!).getByRole('link', { name: /12 Acacia Avenue/ })).toHaveAttribute(
      'href',
      `#/plan/${agreed.plan.id}`,
    )
    expect(rows[0]).toHaveTextContent('£190.00 of £150.00')
    expect(within(rows[0]!).getByText('Over cap by £40.00')).toHaveClass('govuk-tag--red')
    expect(rows[0]).toHaveTextContent('Signed by Edith Sampleton')

    const followUps = await screen.findByRole('table', { name: /follow-up visit/ })
    const due = within(followUps).getAllByRole('row').slice(1)
    expect(due).toHaveLength(1)
    expect(due[0]).toHaveTextContent('1 October 2025')
    expect(within(due[0]!).getByText('Overdue')).toBeInTheDocument()
    expect(within(due[0]!).getByRole('link', { name: /Record the follow-up/ })).toHaveAttribute(
      'href',
      `#/plan/${fitted.plan.id}/follow-up`,
    )

    const cocoons = await screen.findByRole('table', {
      name: /Cocoons with neighbours still to try/,
    })
    const open = within(cocoons).getAllByRole('row').slice(1)
    expect(open).toHaveLength(1)
    expect(within(open[0]!).getByRole('link', { name: /9 Dale Road/ })).toHaveAttribute(
      'href',
      `#/cocoon/${overdue.id}`,
    )
    expect(open[0]).toHaveTextContent('0 of 6 doors reached, 0 tried')
    expect(within(open[0]!).getByText('Overdue')).toHaveClass('govuk-tag--red')
    expect(screen.queryByText('Only a supervisor can approve a plan.', { exact: false })).toBeNull()
    expect(await violations()).toEqual([])
  })
})
