import { act, screen, waitFor, within } from '@testing-library/svelte'
import axe from 'axe-core'
import { describe, expect, it, vi } from 'vitest'
import type { SeedPlanOverrides } from '$lib/backend/fake-plans'
import type { FakeBackendOptions } from '$lib/backend/fake'
import type { PlanEdit } from '$lib/backend/types'
import { formatDate } from '$lib/services/dates'
import { renderApp } from './render'

const PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=='

/** A household with a seeded silver plan, opened on `screen` (the plan, or its sign or follow-up page). */
async function openPlan(
  overrides: SeedPlanOverrides = {},
  options: FakeBackendOptions & {
    role?: 'officer' | 'supervisor'
    page?: 'sign' | 'follow-up'
  } = {},
) {
  const { role, page, ...backendOptions } = options
  const app = renderApp({ state: 'unlocked', ...backendOptions })
  const household = app.fake.addHousehold({
    address_line_1: '12 Acacia Avenue',
    postcode: 'ZY18 9ZA',
  })
  if (role) app.fake.plans.role = role
  const seeded = app.fake.plans.seedPlan(household.id, overrides)
  const planId = seeded.plan.id
  window.location.hash = page ? `#/plan/${planId}/${page}` : `#/plan/${planId}`
  const heading =
    page === 'sign'
      ? 'Agree the plan'
      : page === 'follow-up'
        ? 'Follow-up visit'
        : 'Improvement plan'
  await screen.findByRole('heading', { level: 1, name: heading })
  return { ...app, household, planId }
}

/** The number of a plan's work order to the firm with this code, as the fake numbers them. */
function orderNumber(planId: string, code: string): string {
  return `WO-${planId
    .replace(/[^A-Za-z0-9]/g, '')
    .toUpperCase()
    .slice(-8)}-${code}`
}

function edits(fake: { calls: { method: string; args: unknown[] }[] }): PlanEdit[] {
  return fake.calls.filter((c) => c.method === 'editPlan').map((c) => c.args[1] as PlanEdit)
}

function measureRow(name: string): HTMLElement {
  const table = screen.getByRole('table', { name: /Measures in this plan/ })
  const header = within(table).getByRole('rowheader', { name: new RegExp(name) })
  return header.closest('tr') as HTMLElement
}

/** A 2D context that records what is drawn, since jsdom has none. */
function stubCanvas() {
  const context = {
    beginPath: vi.fn(),
    moveTo: vi.fn(),
    lineTo: vi.fn(),
    stroke: vi.fn(),
    clearRect: vi.fn(),
    fillText: vi.fn(),
  }
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(
    () => context as unknown as CanvasRenderingContext2D,
  )
  const toDataURL = vi
    .spyOn(HTMLCanvasElement.prototype, 'toDataURL')
    .mockReturnValue(`data:image/png;base64,${PNG_BASE64}`)
  return { context, toDataURL }
}

async function violations(): Promise<string[]> {
  const results = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false } } })
  return results.violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  )
}

describe('plan screen', () => {
  it('shows the recommended tier and why, the measures and the totals against the cap', async () => {
    const { user } = await openPlan()

    expect(screen.getByText('12 Acacia Avenue, Eastwick Vale, ZY18 9ZA')).toBeInTheDocument()
    expect(document.title).toBe('Improvement plan, 12 Acacia Avenue – Doorstep')
    expect(document.getElementById('plan-status')).toHaveTextContent('Draft')
    expect(
      screen.getByRole('heading', { level: 2, name: 'Recommended: Silver' }),
    ).toBeInTheDocument()
    expect(
      screen.getByText(
        "Risk 43 (medium) and vulnerability 10 (medium) give Silver in the scheme's table",
      ),
    ).toBeInTheDocument()

    await user.click(screen.getByText('What contributed and how much'))
    const risk = screen.getByRole('table', { name: /Risk: medium, 43 points/ })
    expect(
      within(risk).getByRole('row', { name: /Lock cylinder can be snapped \(Door 2\) 8/ }),
    ).toBeInTheDocument()
    expect(
      screen.getByRole('table', { name: /Vulnerability: medium, 10 points/ }),
    ).toBeInTheDocument()

    const cylinder = measureRow('Anti-snap lock cylinder')
    expect(within(cylinder).getByText('Lock cylinder can be snapped (Door 2)')).toBeInTheDocument()
    expect(within(cylinder).getAllByText('£110.00')).toHaveLength(2)
    const locks = measureRow('Key-operated window lock')
    expect(within(locks).getByText('Window has no lock (Window 1)')).toBeInTheDocument()
    expect(within(locks).getByText('Window has no lock (Window 2)')).toBeInTheDocument()
    expect(within(locks).getByLabelText('Quantity of Key-operated window lock')).toHaveValue('2')
    expect(within(locks).getByText('£80.00')).toBeInTheDocument()

    expect(document.getElementById('estimated-total')).toHaveTextContent('£190.00')
    expect(document.getElementById('cap-total')).toHaveTextContent('£500.00')
    expect(document.getElementById('under-cap-by')).toHaveTextContent('£310.00')
    expect(document.getElementById('over-cap-warning')).toBeNull()

    const uncovered = document.getElementById('uncovered') as HTMLElement
    expect(within(uncovered).getByText('Open access to the back of the home')).toBeInTheDocument()
    expect(uncovered).toHaveTextContent(
      'No Silver measure in the catalogue fits this weakness here',
    )

    // Nothing stops the resident agreeing, and an officer cannot approve.
    expect(document.getElementById('plan-violations')).toBeNull()
    expect(
      screen.getByRole('link', { name: 'Agree the plan with the resident' }),
    ).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Approve the plan' })).toBeNull()
    expect(await violations()).toEqual([])
  })

  it('warns when over the cap and saves the reason', async () => {
    const { user, fake } = await openPlan({ cap_pence: 15000 })
    expect(document.getElementById('over-cap-warning')).toHaveTextContent(
      'The estimate is £40.00 over the Silver cap',
    )
    const panel = document.getElementById('plan-violations') as HTMLElement
    expect(
      within(panel).getByRole('heading', { name: 'Before a supervisor can approve' }),
    ).toBeInTheDocument()
    expect(panel).toHaveTextContent(
      'The plan costs £190.00 against the Silver cap of £150.00: remove measures or record why the extra is needed',
    )

    await user.type(
      screen.getByLabelText('Why does this home need more than the cap?'),
      'Two rear windows face an unlit alley',
    )
    await user.click(screen.getByRole('button', { name: 'Save reason' }))
    await waitFor(() => expect(document.getElementById('plan-violations')).toBeNull())
    expect(edits(fake)).toEqual([
      { edit: 'over_cap_reason', reason: 'Two rear windows face an unlit alley' },
    ])
    expect(screen.getByText('Two rear windows face an unlit alley')).toBeInTheDocument()
  })

  it('saves a changed quantity when the officer leaves the box', async () => {
    const { user, fake } = await openPlan()
    const quantity = screen.getByLabelText('Quantity of Key-operated window lock')
    await user.clear(quantity)
    await user.type(quantity, '3')
    await user.tab()

    await waitFor(() =>
      expect(document.getElementById('estimated-total')).toHaveTextContent('£230.00'),
    )
    expect(within(measureRow('Key-operated window lock')).getByText('£120.00')).toBeInTheDocument()
    expect(edits(fake)).toEqual([{ edit: 'set_quantity', item: expect.any(String), quantity: 3 }])
    expect(document.getElementById('plan-announcement')).toHaveTextContent(
      'Quantity of Key-operated window lock saved as 3. Estimate now £230.00.',
    )
  })

  it('shows a refused quantity beside the box and changes nothing', async () => {
    const { user, fake, planId } = await openPlan()
    const quantity = screen.getByLabelText('Quantity of Key-operated window lock')
    await user.clear(quantity)
    await user.type(quantity, '0')
    await user.tab()

    const summary = await screen.findByRole('alert')
    expect(summary).toHaveTextContent(
      'Quantity for Key-operated window lock must be between 1 and 50',
    )
    expect(quantity).toHaveAttribute('aria-invalid', 'true')
    expect(quantity).toHaveAccessibleDescription(
      'Error: Quantity for Key-operated window lock must be between 1 and 50',
    )
    // What was typed stays to be corrected; the plan and its totals do not change.
    expect(quantity).toHaveValue('0')
    expect(document.getElementById('estimated-total')).toHaveTextContent('£190.00')
    const stored = await fake.getPlan(planId)
    expect(stored.status === 'ok' && stored.data.plan.items.map((i) => i.quantity)).toEqual([1, 2])

    await user.clear(quantity)
    await user.type(quantity, '1{Enter}')
    await waitFor(() =>
      expect(document.getElementById('estimated-total')).toHaveTextContent('£150.00'),
    )
    expect(screen.queryByRole('alert')).toBeNull()
  })

  it('removes a measure', async () => {
    const { user, fake } = await openPlan()
    await user.click(screen.getByRole('button', { name: 'Remove Anti-snap lock cylinder' }))

    await waitFor(() =>
      expect(document.getElementById('estimated-total')).toHaveTextContent('£80.00'),
    )
    const table = screen.getByRole('table', { name: /Measures in this plan/ })
    expect(within(table).queryByText('Anti-snap lock cylinder')).toBeNull()
    expect(edits(fake)).toEqual([{ edit: 'remove_item', item: expect.any(String) }])
    expect(screen.getByRole('heading', { name: 'Measures' })).toHaveFocus()
  })

  it('adds a measure, and shows a refused one with its reason', async () => {
    const { user, fake } = await openPlan()
    const measure = screen.getByLabelText('Measure')

    // A key lock must say which windows: the backend refuses it, and nothing is added.
    await user.selectOptions(measure, 'Key-operated window lock (Silver, £40.00 each)')
    await user.click(screen.getByRole('button', { name: 'Add measure' }))
    const summary = await screen.findByRole('alert')
    expect(summary).toHaveTextContent(
      'Key-operated window lock key-locks windows: choose which windows it is for, so escape windows can be checked',
    )
    expect(document.getElementById('estimated-total')).toHaveTextContent('£190.00')

    await user.selectOptions(measure, 'Window alarm (Bronze, £10.00 each)')
    await user.click(screen.getByRole('checkbox', { name: 'Window 2' }))
    await user.click(screen.getByRole('button', { name: 'Add measure' }))

    await waitFor(() =>
      expect(document.getElementById('estimated-total')).toHaveTextContent('£200.00'),
    )
    const row = measureRow('Window alarm')
    expect(within(row).getByText('Window has no lock (Window 2)')).toBeInTheDocument()
    expect(edits(fake).at(-1)).toEqual({
      edit: 'add_measure',
      measure_id: 'window_alarm',
      quantity: 1,
      applies_to: ['windows[1]'],
    })
    expect(screen.getByLabelText('Measure')).toHaveValue('')
  })

  it('lists what stops the resident agreeing, and clears it once recorded', async () => {
    const { user } = await openPlan()
    await user.selectOptions(
      screen.getByLabelText('Measure'),
      'Video doorbell (Silver, £120.00 each)',
    )
    await user.click(screen.getByRole('button', { name: 'Add measure' }))

    const panel = await screen.findByRole('region', { name: 'Before the resident can agree' })
    const link = within(panel).getByRole('link', {
      name: "Record the resident's acknowledgement of the domestic CCTV guidance (version 2026-01) before Video doorbell",
    })
    await user.click(link)
    expect(screen.getByLabelText("Resident's full name")).toHaveFocus()

    await user.type(screen.getByLabelText("Resident's full name"), 'Edith Sampleton')
    await user.click(screen.getByRole('button', { name: 'Record acknowledgement' }))
    await waitFor(() =>
      expect(screen.queryByRole('region', { name: 'Before the resident can agree' })).toBeNull(),
    )
    expect(document.getElementById('cctv-acknowledged')).toHaveTextContent(
      'Edith Sampleton acknowledged the domestic CCTV guidance (version 2026-01)',
    )
  })

  it('records landlord consent for a tenant', async () => {
    const { user } = await openPlan({ tenure: 'tenant' })
    const panel = screen.getByRole('region', { name: 'Before the resident can agree' })
    expect(panel).toHaveTextContent(
      "The resident rents: record the landlord's consent before Anti-snap lock cylinder, Key-operated window lock (these change the building)",
    )
    await user.click(screen.getByRole('button', { name: 'Record consent' }))
    expect(await screen.findByRole('alert')).toHaveTextContent(
      "Enter the landlord's or managing agent's name",
    )

    await user.type(screen.getByLabelText('Landlord or managing agent'), 'Sampleton Lettings')
    await user.type(screen.getByLabelText('Where the consent is recorded'), 'Email 3 Nov 2025')
    await user.click(screen.getByRole('button', { name: 'Record consent' }))
    await waitFor(() =>
      expect(document.getElementById('landlord-consent')).toHaveTextContent('Sampleton Lettings'),
    )
    expect(screen.queryByRole('region', { name: 'Before the resident can agree' })).toBeNull()
  })

  it('changes the tier only with a reason', async () => {
    const { user, fake } = await openPlan()
    await user.click(screen.getByRole('radio', { name: 'Gold' }))
    await user.click(screen.getByRole('button', { name: 'Save tier' }))

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'The recommended tier is Silver: record why you chose Gold',
    )
    expect(edits(fake)).toEqual([])

    await user.type(
      screen.getByLabelText('Why this tier? (needed when it differs from the recommendation)'),
      'Point of entry door is failing',
    )
    await user.click(screen.getByRole('button', { name: 'Save tier' }))
    await waitFor(() => expect(document.getElementById('chosen-tier')).toHaveTextContent('Gold'))
    expect(document.getElementById('chosen-tier')).toHaveTextContent(
      'differs from the recommended Silver',
    )
    expect(document.getElementById('cap-total')).toHaveTextContent('£1,500.00')
    expect(edits(fake)).toEqual([
      {
        edit: 'choose_tier',
        tier: 'gold',
        reason: 'Point of entry door is failing',
        da_service_decision: null,
      },
    ])
  })

  it('refuses a plan with a reason', async () => {
    const { user, fake } = await openPlan()
    const refuse = screen.getByRole('button', { name: 'Refuse the plan' })
    await user.click(refuse)
    expect(refuse).toHaveAttribute('aria-expanded', 'true')
    expect(screen.getByLabelText('Why is the plan refused?')).toHaveFocus()

    await user.click(screen.getByRole('button', { name: 'Confirm refusal' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('Enter why the plan is refused')
    expect(fake.calls.some((c) => c.method === 'planStep')).toBe(false)

    await user.type(
      screen.getByLabelText('Why is the plan refused?'),
      'Resident does not want the work',
    )
    await user.click(screen.getByRole('button', { name: 'Confirm refusal' }))
    await waitFor(() => expect(document.getElementById('plan-status')).toHaveTextContent('Refused'))
    expect(screen.getByText('Plan refused.')).toBeInTheDocument()
    const history = document.getElementById('plan-history') as HTMLElement
    expect(history).toHaveTextContent('Reason: Resident does not want the work')
    // A refused plan is final: nothing more to do, nothing to edit.
    expect(screen.queryByRole('button', { name: 'Refuse the plan' })).toBeNull()
    expect(screen.queryByLabelText('Measure')).toBeNull()
  })
})

describe("the resident's copy", () => {
  it('saves the PDF where the officer chooses and opens it to print', async () => {
    const { user, fake, planId } = await openPlan()
    await user.click(screen.getByRole('button', { name: "Save the resident's plan (PDF)" }))
    const saved = await screen.findByText(/Saved to/)
    // The name offered is the one Rust gives: a reference, never the address.
    const offered = fake.calls.find((c) => c.method === 'chooseDocumentDestination')
    expect(offered?.args[0]).toBe('home-safety-plan-1A2B3C4D.pdf')
    expect(saved).toHaveTextContent('/home/officer/Documents/home-safety-plan-1A2B3C4D.pdf')
    const call = fake.calls.find((c) => c.method === 'saveResidentPlan')
    expect(call?.args[0]).toBe(planId)
    await user.click(screen.getByRole('button', { name: 'Open it to read or print' }))
    expect(fake.calls.some((c) => c.method === 'openDocument')).toBe(true)
    expect(screen.queryByRole('alert')).toBeNull()
  })

  it('says why a PDF could not be saved, and offers to save it again', async () => {
    const { user, fake } = await openPlan()
    vi.spyOn(fake, 'chooseDocumentDestination').mockResolvedValue({
      status: 'ok',
      data: '/readonly/plan.pdf',
    })
    await user.click(screen.getByRole('button', { name: "Save the resident's plan (PDF)" }))
    expect(await screen.findByRole('alert')).toHaveTextContent('choose another place to save it')
    expect(screen.getByRole('button', { name: "Save the resident's plan (PDF)" })).toBeEnabled()
  })
})

describe('signing the plan', () => {
  it('checks the name, disclaimer and signature before sending anything', async () => {
    const { user, fake } = await openPlan({}, { page: 'sign' })
    expect(
      screen.getByRole('img', { name: "Resident's signature: not signed yet" }),
    ).toBeInTheDocument()
    expect(document.getElementById('sign-total')).toHaveTextContent('£190.00')

    await user.click(screen.getByRole('button', { name: 'Agree the plan' }))
    const summary = await screen.findByRole('alert')
    expect(
      within(summary)
        .getAllByRole('link')
        .map((a) => a.getAttribute('href')),
    ).toEqual(['#resident-name', '#disclaimer', '#signature'])
    expect(document.getElementById('signature-error')).toHaveTextContent(
      'Ask the resident to sign in the box, or tick that they cannot sign on screen and confirmed verbally',
    )
    expect(document.title).toBe('Error: Agree the plan, 12 Acacia Avenue – Doorstep')
    expect(fake.calls.some((c) => c.method === 'agreePlan')).toBe(false)

    // The name typed is kept; the signature is still missing.
    await user.type(screen.getByLabelText("Resident's full name"), 'Edith Sampleton')
    await user.click(
      screen.getByRole('checkbox', {
        name: /I have read the scheme disclaimer \(version 2026-01\)/,
      }),
    )
    await user.click(screen.getByRole('button', { name: 'Agree the plan' }))
    await waitFor(() =>
      expect(within(screen.getByRole('alert')).getAllByRole('link')).toHaveLength(1),
    )
    expect(screen.getByLabelText("Resident's full name")).toHaveValue('Edith Sampleton')
    expect(fake.calls.some((c) => c.method === 'agreePlan')).toBe(false)
    expect(await violations()).toEqual([])
  })

  it('sends the drawn signature as a base64 PNG and returns to the plan, agreed', async () => {
    const { toDataURL, context } = stubCanvas()
    const { user, fake, planId } = await openPlan({}, { page: 'sign' })
    const pad = screen.getByRole('img', { name: /Resident's signature/ })

    await user.pointer([
      { keys: '[MouseLeft>]', target: pad, coords: { clientX: 20, clientY: 20 } },
      { target: pad, coords: { clientX: 80, clientY: 60 } },
      { target: pad, coords: { clientX: 140, clientY: 30 } },
      { keys: '[/MouseLeft]', target: pad },
    ])
    expect(context.lineTo).toHaveBeenCalled()
    expect(pad).toHaveAccessibleName("Resident's signature: signed")

    await user.type(screen.getByLabelText("Resident's full name"), 'Edith Sampleton')
    await user.click(screen.getByRole('checkbox', { name: /I have read the scheme disclaimer/ }))
    await user.click(screen.getByRole('button', { name: 'Agree the plan' }))

    await screen.findByRole('heading', { level: 1, name: 'Improvement plan' })
    expect(window.location.hash).toBe(`#/plan/${planId}`)
    expect(screen.getByText('Plan agreed')).toBeInTheDocument()
    expect(document.getElementById('plan-status')).toHaveTextContent('Agreed')
    expect(toDataURL).toHaveBeenCalledWith('image/png')
    expect(fake.calls.find((c) => c.method === 'agreePlan')?.args).toEqual([
      planId,
      'Edith Sampleton',
      PNG_BASE64,
      '2026-01',
    ])
    expect(document.getElementById('plan-history')).toHaveTextContent(
      'Signed by Edith Sampleton, disclaimer version 2026-01',
    )
  })

  it('lets a resident who cannot sign on screen confirm verbally, with their typed name as the image', async () => {
    const { context } = stubCanvas()
    const { user, fake, planId } = await openPlan({}, { page: 'sign' })

    await user.type(screen.getByLabelText("Resident's full name"), 'Harold Sampleton')
    await user.click(screen.getByRole('checkbox', { name: /I have read the scheme disclaimer/ }))
    await user.click(
      screen.getByRole('checkbox', {
        name: 'The resident cannot sign on screen; they confirmed verbally in front of me',
      }),
    )
    expect(context.fillText).toHaveBeenCalledWith(
      'Harold Sampleton',
      expect.any(Number),
      expect.any(Number),
      expect.any(Number),
    )
    await user.click(screen.getByRole('button', { name: 'Agree the plan' }))

    await screen.findByRole('heading', { level: 1, name: 'Improvement plan' })
    expect(fake.calls.find((c) => c.method === 'agreePlan')?.args).toEqual([
      planId,
      'Harold Sampleton',
      PNG_BASE64,
      '2026-01',
    ])
  })
})

describe('approval and later steps', () => {
  it('shows the refusal when an officer tries to approve, and changes nothing', async () => {
    const { user, fake } = await openPlan({ status: 'agreed' }, { role: 'supervisor' })
    // The role changes under the open page (say, a different person signed in): the backend decides.
    fake.plans.role = 'officer'
    await user.click(screen.getByRole('button', { name: 'Approve the plan' }))

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Signed in as officer, you cannot approve a plan: ask a supervisor',
    )
    expect(document.getElementById('plan-status')).toHaveTextContent('Agreed')
  })

  it('does not offer Approve to an officer', async () => {
    await openPlan({ status: 'agreed' })
    expect(screen.queryByRole('button', { name: 'Approve the plan' })).toBeNull()
    expect(document.getElementById('next-step')).toHaveTextContent(
      'The plan is waiting for a supervisor to approve it.',
    )
  })

  it('lets a supervisor approve, asking why when the plan is over the cap', async () => {
    const { user, fake, planId } = await openPlan(
      { status: 'agreed', cap_pence: 15000 },
      { role: 'supervisor' },
    )
    const number = orderNumber(planId, 'SWL')
    await user.click(screen.getByRole('button', { name: 'Approve the plan' }))

    const reason = screen.getByLabelText('Why may this plan cost more than the cap? (optional)')
    await waitFor(() => expect(reason).toHaveAttribute('aria-invalid', 'true'))
    expect(screen.getByRole('alert')).toHaveTextContent(
      'The plan costs £190.00 against the Silver cap of £150.00: remove measures or record why the extra is needed',
    )
    expect(document.getElementById('plan-status')).toHaveTextContent('Agreed')

    await user.type(reason, 'Repeat victim; rear windows unlit')
    await user.click(screen.getByRole('button', { name: 'Approve the plan' }))
    // The work orders are raised with the approval, so the plan is ordered at once.
    await waitFor(() => expect(document.getElementById('plan-status')).toHaveTextContent('Ordered'))
    expect(
      screen.getByText(
        `Plan approved. Work order ${number} is raised for Sherwood Locks Ltd. It goes to the firm when Doorstep next syncs.`,
      ),
    ).toBeInTheDocument()
    expect(edits(fake).at(-1)).toEqual({
      edit: 'approve',
      over_cap_reason: 'Repeat victim; rear windows unlit',
      firm_choices: { by_measure: {} },
      contact: null,
      access_notes: [],
    })
    expect(document.getElementById(`work-order-${number}`)).toHaveTextContent('Sherwood Locks Ltd')
    expect(screen.queryByRole('button', { name: 'Record the order' })).toBeNull()

    // Next: record the actual cost of each line.
    const actual = screen.getByLabelText('Actual cost of Anti-snap lock cylinder, in pounds')
    await user.type(actual, '112.50')
    await user.tab()
    await waitFor(() =>
      expect(document.getElementById('actual-total')).toHaveTextContent('£112.50'),
    )
    expect(await violations()).toEqual([])
  })

  it('records the follow-up visit and shows how safe the resident feels before and after', async () => {
    const { user, planId } = await openPlan(
      { status: 'fitted', feeling_safe_before: 2 },
      { page: 'follow-up' },
    )
    expect(screen.getByText(/At the survey they said 2 out of 5\./)).toBeInTheDocument()
    expect(document.getElementById('follow-up-measures')).toHaveTextContent(
      '2 × Key-operated window lock',
    )

    await user.click(screen.getByRole('button', { name: 'Record the follow-up visit' }))
    const summary = await screen.findByRole('alert')
    expect(within(summary).getAllByRole('link')).toHaveLength(4)
    expect(await violations()).toEqual([])

    const group = (legend: string) => screen.getByRole('group', { name: legend })
    await user.click(within(group('Were all the measures fitted?')).getByLabelText('Not known'))
    await user.click(within(group('Does the resident use them?')).getByLabelText('Yes'))
    await user.click(
      within(group('Any burglary or attempt since the measures were fitted?')).getByLabelText('No'),
    )
    await user.click(within(group('How safe do you feel in your home now?')).getByLabelText('4'))
    await user.click(screen.getByRole('button', { name: 'Record the follow-up visit' }))

    // The backend asks for a real answer to "all fitted"; its message sits beside the question.
    await waitFor(() =>
      expect(document.getElementById('measures-fitted-error')).toHaveTextContent(
        'Ask and record whether every measure was fitted',
      ),
    )
    await user.click(within(group('Were all the measures fitted?')).getByLabelText('Yes'))
    await user.click(screen.getByRole('button', { name: 'Record the follow-up visit' }))

    await screen.findByRole('heading', { level: 1, name: 'Improvement plan' })
    expect(window.location.hash).toBe(`#/plan/${planId}`)
    expect(screen.getByRole('alert')).toHaveTextContent('Follow-up visit recorded')
    expect(document.getElementById('plan-status')).toHaveTextContent('Followed up')
    expect(document.getElementById('feeling-safe-before')).toHaveTextContent('2 out of 5')
    expect(document.getElementById('feeling-safe-after')).toHaveTextContent('4 out of 5')
    expect(await violations()).toEqual([])
  })
})

describe('work orders', () => {
  function firmSelect(measure: string): HTMLSelectElement {
    const fieldset = screen.getByRole('group', { name: 'Who fits each measure' })
    return within(fieldset).getByRole('combobox', { name: new RegExp(measure) })
  }

  it('lets the supervisor choose the firm for each measure, starting on the firm by trade', async () => {
    const { user, fake, planId } = await openPlan(
      { status: 'agreed', with_advice: true },
      { role: 'supervisor' },
    )
    const cylinder = firmSelect('Anti-snap lock cylinder')
    expect(cylinder).toHaveValue('sherwood_locks')
    expect(
      within(cylinder)
        .getAllByRole('option')
        .map((o) => o.textContent),
    ).toEqual(['Sherwood Locks Ltd (usual firm for this work)', 'Trentside Security'])
    expect(cylinder).toHaveAccessibleDescription('Locksmith')
    const advice = firmSelect('Security advice and habits leaflet')
    expect(advice).toHaveValue('')
    expect(within(advice).getByRole('option', { selected: true })).toHaveTextContent(
      'Handed over by the officer',
    )
    expect(await violations()).toEqual([])

    await user.selectOptions(cylinder, 'Trentside Security')
    await user.type(screen.getByLabelText(/Who should the fitters phone/), 'Dee Sampleton')
    await user.type(screen.getByLabelText('Their phone number (optional)'), '01623 496 000')
    await user.type(
      screen.getByLabelText('Access notes for the fitters (optional)'),
      'Key safe by the back door{Enter}{Enter}Dog in the kitchen',
    )
    await user.click(screen.getByRole('button', { name: 'Approve the plan' }))

    await waitFor(() => expect(document.getElementById('plan-status')).toHaveTextContent('Ordered'))
    expect(edits(fake).at(-1)).toEqual({
      edit: 'approve',
      over_cap_reason: null,
      firm_choices: { by_measure: { anti_snap_cylinder: 'trentside_security' } },
      contact: { name: 'Dee Sampleton', phone: '01623 496 000', is_resident: false },
      access_notes: ['Key safe by the back door', 'Dog in the kitchen'],
    })
    expect(
      screen.getByText(
        'Plan approved. 2 work orders are raised, one for each firm. They go to the firms when Doorstep next syncs.',
      ),
    ).toBeInTheDocument()
    const locks = document.getElementById(`work-order-${orderNumber(planId, 'SWL')}`) as HTMLElement
    expect(locks).toHaveTextContent('Sherwood Locks Ltd')
    expect(
      within(locks).getByRole('rowheader', {
        name: '2 × Key-operated window lock Window 1, Window 2',
      }),
    )
    expect(within(locks).queryByText(/Anti-snap/)).toBeNull()
    const security = document.getElementById(
      `work-order-${orderNumber(planId, 'TSS')}`,
    ) as HTMLElement
    expect(security).toHaveTextContent('Trentside Security')
    expect(within(security).getByRole('rowheader', { name: '1 × Anti-snap lock cylinder Door 2' }))
    expect(document.getElementById('handed-over')).toHaveTextContent(
      'Security advice and habits leaflet',
    )
    expect(screen.queryByRole('group', { name: 'Who fits each measure' })).toBeNull()
    expect(await violations()).toEqual([])
  })

  it('says clearly when no firm can take a measure, and the approval is refused', async () => {
    const { user, fake } = renderApp({ state: 'unlocked', role: 'supervisor' })
    fake.plans.firms = fake.plans.firms.filter((f) => !f.trades.includes('locksmith'))
    const household = fake.addHousehold({
      address_line_1: '12 Acacia Avenue',
      postcode: 'ZY18 9ZA',
    })
    const seeded = fake.plans.seedPlan(household.id, { status: 'agreed' })
    window.location.hash = `#/plan/${seeded.plan.id}`
    await screen.findByRole('heading', { level: 1, name: 'Improvement plan' })

    const cylinder = firmSelect('Anti-snap lock cylinder')
    expect(cylinder).toHaveAccessibleDescription(
      /No firm in the contractors list does locksmith work at ZY18 9ZA\. Ask the scheme administrator to add one/,
    )
    expect(cylinder).toHaveAttribute('aria-invalid', 'true')
    expect(within(cylinder).getByRole('option')).toHaveTextContent('No firm can take this measure')

    await user.click(screen.getByRole('button', { name: 'Approve the plan' }))
    const summary = await screen.findByRole('alert')
    expect(summary).toHaveTextContent(
      'No firm in the contractors list does locksmith work at this address, for Anti-snap lock cylinder: choose a firm for it',
    )
    await user.click(within(summary).getByRole('link'))
    expect(cylinder).toHaveFocus()
    expect(document.getElementById('plan-status')).toHaveTextContent('Agreed')
    expect(await violations()).toEqual([])
  })

  it('asks for someone other than the resident to phone when a domestic abuse concern is flagged', async () => {
    const { user } = await openPlan({ status: 'agreed', da_concern: true }, { role: 'supervisor' })
    const contact = screen.getByLabelText('Who should the fitters phone to arrange access?')
    expect(contact).toHaveAccessibleDescription(
      /A domestic abuse concern is recorded\. Give someone who arranges access for the resident/,
    )

    await user.click(screen.getByRole('button', { name: 'Approve the plan' }))
    await waitFor(() => expect(contact).toHaveAttribute('aria-invalid', 'true'))
    expect(screen.getByRole('alert')).toHaveTextContent(
      'Give a contact who arranges access for the resident, such as their support worker',
    )
    expect(document.getElementById('plan-status')).toHaveTextContent('Agreed')

    await user.type(contact, 'Jo Harbour (support worker)')
    await user.click(screen.getByRole('button', { name: 'Approve the plan' }))
    await waitFor(() => expect(document.getElementById('plan-status')).toHaveTextContent('Ordered'))
  })

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
