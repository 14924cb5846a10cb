// The plan, sign and follow-up screens against what the real commands answered
// (ui/src/test/fixtures/plan.json, written by crates/api/tests/ui_fixtures.rs). Each test
// starts from the drafted plan, a branch of it, or a marked point in a branch; every
// score, total and refusal below is one the Rust engine produced.

import { screen, waitFor, within } from '@testing-library/svelte'
import axe from 'axe-core'
import { describe, expect, it, vi } from 'vitest'
import { SAVE_DIALOG, type Stub } from '$lib/backend/stub'
import type { PlanEdit, PlanPage } from '$lib/backend/types'
import { renderRecorded, type StubRenderOptions } from './render'

const PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=='

/** The plan the stub has reached: the next recorded page of it. */
function planId(stub: Stub): string {
  return stub.result<PlanPage>('get_plan').plan.id
}

/**
 * Opens the plan (or its sign or follow-up page) as recorded: from the draft, or from the
 * start of `branch`, or from the point marked `from`.
 */
async function openPlan(options: StubRenderOptions & { page?: 'sign' | 'follow-up' } = {}) {
  const { page, ...stubOptions } = options
  const from = stubOptions.from ?? (stubOptions.branch === undefined ? 'drafted' : undefined)
  const app = await renderRecorded('plan', {
    ...stubOptions,
    ...(from === undefined ? {} : { from }),
    hash: (stub) => (page ? `#/plan/${planId(stub)}/${page}` : `#/plan/${planId(stub)}`),
  })
  const heading =
    page === 'sign'
      ? 'Agree the plan'
      : page === 'follow-up'
        ? 'Follow-up visit'
        : 'Improvement plan'
  await screen.findByRole('heading', { level: 1, name: heading })
  return { ...app, planId: planId(app.stub) }
}

function edits(stub: Stub): PlanEdit[] {
  return stub.sent('edit_plan').map((args) => args.edit as PlanEdit)
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

    expect(screen.getByText('12 Acacia Avenue, Eastwick Vale, ZY4 7HT')).toBeInTheDocument()
    expect(document.title).toBe('Improvement plan, 12 Acacia Avenue – Doorstep')
    expect(document.getElementById('plan-status')).toHaveTextContent('Draft')
    expect(screen.getByRole('heading', { level: 2, name: 'Recommended: Gold' })).toBeInTheDocument()
    expect(
      screen.getByText(
        "Risk 56 (high) and vulnerability 11 (medium) give Gold in the scheme's table",
      ),
    ).toBeInTheDocument()

    await user.click(screen.getByText('What contributed and how much'))
    const risk = screen.getByRole('table', { name: /Risk: high, 56 points/ })
    expect(
      within(risk).getByRole('row', { name: /Lock cylinder can be snapped \(Door 1\) 8/ }),
    ).toBeInTheDocument()
    expect(
      screen.getByRole('table', { name: /Vulnerability: medium, 11 points/ }),
    ).toBeInTheDocument()

    const cylinder = measureRow('Anti-snap lock cylinder')
    expect(within(cylinder).getByText('Lock cylinder can be snapped (Door 1)')).toBeInTheDocument()
    expect(within(cylinder).getAllByText('£110.00')).toHaveLength(2)
    const locks = measureRow('Key-operated window lock')
    expect(within(locks).getByText('Window has no lock (Window 1)')).toBeInTheDocument()
    expect(within(locks).getByText('Window has no lock (Window 2)')).toBeInTheDocument()
    expect(within(locks).getByLabelText('Quantity of Key-operated window lock')).toHaveValue('2')
    expect(within(locks).getByText('£80.00')).toBeInTheDocument()

    expect(document.getElementById('estimated-total')).toHaveTextContent('£735.00')
    expect(document.getElementById('cap-total')).toHaveTextContent('£1,500.00')
    expect(document.getElementById('under-cap-by')).toHaveTextContent('£765.00')
    expect(document.getElementById('over-cap-warning')).toBeNull()
    expect(screen.getByText('Every weakness found has a measure.')).toBeInTheDocument()

    // Nothing stops the resident agreeing, and an officer cannot approve.
    expect(document.getElementById('plan-violations')).toBeNull()
    expect(
      screen.getByRole('link', { name: 'Agree the plan with the resident' }),
    ).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Approve the plan' })).toBeNull()
    expect(await violations()).toEqual([])
  })

  it('warns when over the cap and saves the reason', async () => {
    const { user, stub } = await openPlan({ branch: 'over-cap', from: 'over cap' })
    expect(document.getElementById('over-cap-warning')).toHaveTextContent(
      'The estimate is £435.00 over the Gold cap',
    )
    const panel = document.getElementById('plan-violations') as HTMLElement
    expect(
      within(panel).getByRole('heading', { name: 'Before a supervisor can approve' }),
    ).toBeInTheDocument()
    expect(panel).toHaveTextContent(
      'The plan costs £1,935.00 against the Gold cap of £1,500.00: remove measures or record why the extra is needed',
    )

    // A blank reason is Rust's to refuse, beside the box.
    await user.click(screen.getByRole('button', { name: 'Save reason' }))
    await waitFor(() =>
      expect(document.getElementById('over-cap-reason-error')).toHaveTextContent(
        'Enter why the plan needs more than the cap',
      ),
    )
    await user.type(
      screen.getByLabelText('Why does this home need more than the cap?'),
      'Two rear windows face an unlit alley',
    )
    await user.click(screen.getByRole('button', { name: 'Save reason' }))
    await waitFor(() => expect(document.getElementById('plan-violations')).toBeNull())
    expect(edits(stub)).toEqual([
      { edit: 'over_cap_reason', reason: '' },
      { edit: 'over_cap_reason', reason: 'Two rear windows face an unlit alley' },
    ])
    expect(screen.getByText('Two rear windows face an unlit alley')).toBeInTheDocument()
  })

  it('saves a changed quantity when the officer leaves the box', async () => {
    const { user, stub } = await openPlan({ branch: 'quantity' })
    const quantity = screen.getByLabelText('Quantity of Key-operated window lock')
    await user.clear(quantity)
    await user.type(quantity, '3')
    await user.tab()

    await waitFor(() =>
      expect(document.getElementById('estimated-total')).toHaveTextContent('£775.00'),
    )
    expect(within(measureRow('Key-operated window lock')).getByText('£120.00')).toBeInTheDocument()
    expect(edits(stub)).toEqual([{ edit: 'set_quantity', item: expect.any(String), quantity: 3 }])
    expect(document.getElementById('plan-announcement')).toHaveTextContent(
      'Quantity of Key-operated window lock saved as 3. Estimate now £775.00.',
    )
  })

  it('shows a refused quantity beside the box and changes nothing', async () => {
    const { user, stub } = await openPlan({ branch: 'quantity' })
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
    // What was typed stays to be corrected; the totals do not change.
    expect(quantity).toHaveValue('0')
    expect(document.getElementById('estimated-total')).toHaveTextContent('£735.00')
    expect(edits(stub)).toEqual([{ edit: 'set_quantity', item: expect.any(String), quantity: 0 }])

    await user.clear(quantity)
    await user.type(quantity, '3{Enter}')
    await waitFor(() =>
      expect(document.getElementById('estimated-total')).toHaveTextContent('£775.00'),
    )
    expect(screen.queryByRole('alert')).toBeNull()
  })

  it('removes a measure', async () => {
    const { user, stub } = await openPlan({ branch: 'remove' })
    await user.click(screen.getByRole('button', { name: 'Remove Key-operated window lock' }))

    await waitFor(() =>
      expect(document.getElementById('estimated-total')).toHaveTextContent('£655.00'),
    )
    const table = screen.getByRole('table', { name: /Measures in this plan/ })
    expect(within(table).queryByText('Key-operated window lock')).toBeNull()
    expect(edits(stub)).toEqual([{ edit: 'remove_item', item: expect.any(String) }])
    expect(screen.getByRole('heading', { name: 'Measures' })).toHaveFocus()
  })

  it('adds a measure, and shows a refused one with its reason', async () => {
    const { user, stub } = await openPlan({ branch: 'add' })
    const measure = screen.getByLabelText('Measure')

    // A key lock must say which windows: the backend refuses it, and nothing is added.
    await user.selectOptions(measure, 'Key-operated window lock (Silver, £40.00 each)')
    await user.click(screen.getByRole('button', { name: 'Add measure' }))
    const summary = await screen.findByRole('alert')
    expect(summary).toHaveTextContent(
      'Key-operated window lock key-locks windows: choose which windows it is for, so escape windows can be checked',
    )
    expect(document.getElementById('estimated-total')).toHaveTextContent('£735.00')

    await user.selectOptions(measure, 'Window alarm (Bronze, £10.00 each)')
    await user.click(screen.getByRole('checkbox', { name: 'Window 2' }))
    await user.click(screen.getByRole('button', { name: 'Add measure' }))

    await waitFor(() =>
      expect(document.getElementById('estimated-total')).toHaveTextContent('£745.00'),
    )
    const row = measureRow('Window alarm')
    expect(within(row).getByText('Window has no lock (Window 2)')).toBeInTheDocument()
    expect(edits(stub).at(-1)).toEqual({
      edit: 'add_measure',
      measure_id: 'window_alarm',
      quantity: 1,
      applies_to: ['windows[1]'],
    })
    expect(screen.getByLabelText('Measure')).toHaveValue('')
  })

  it('lists what stops the resident agreeing, and clears it once recorded', async () => {
    const { user } = await openPlan({ branch: 'cctv', from: 'repeat victim' })
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

    await user.click(screen.getByRole('button', { name: 'Record acknowledgement' }))
    await waitFor(() =>
      expect(document.getElementById('cctv-resident-name-error')).toHaveTextContent(
        "Enter the resident's full name",
      ),
    )
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
    const { user, stub } = await openPlan({ branch: 'tenant', from: 'tenant' })
    const panel = screen.getByRole('region', { name: 'Before the resident can agree' })
    expect(panel).toHaveTextContent(
      "The resident rents: record the landlord's consent before Key-operated window lock, Motion-sensor (PIR) external light, Anti-snap lock cylinder, Full-height lockable side gate",
    )
    // Rust asks for both, each beside its box.
    await user.click(screen.getByRole('button', { name: 'Record consent' }))
    const summary = await screen.findByRole('alert')
    expect(summary).toHaveTextContent("Enter the landlord's or managing agent's name")
    expect(summary).toHaveTextContent(
      'Enter where the consent is recorded (letter, email or call reference)',
    )
    expect(screen.getByLabelText('Landlord or managing agent')).toHaveAttribute(
      'aria-invalid',
      'true',
    )
    expect(document.getElementById('landlord-consent')).toBeNull()
    expect(edits(stub)).toEqual([{ edit: 'landlord_consent', landlord: '', reference: '' }])

    await user.type(screen.getByLabelText('Landlord or managing agent'), 'Sampleton Lettings')
    await user.type(screen.getByLabelText('Where the consent is recorded'), 'Email 3 Mar 2026')
    await user.click(screen.getByRole('button', { name: 'Record consent' }))
    await waitFor(() =>
      expect(document.getElementById('landlord-consent')).toHaveTextContent('Sampleton Lettings'),
    )
    expect(screen.queryByRole('region', { name: 'Before the resident can agree' })).toBeNull()
  })

  it('changes the tier only with a reason', async () => {
    const { user, stub } = await openPlan({ branch: 'tier' })
    await user.click(screen.getByRole('radio', { name: 'Silver' }))
    await user.click(screen.getByRole('button', { name: 'Save tier' }))

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'The recommended tier is Gold: record why you chose Silver',
    )

    await user.type(
      screen.getByLabelText('Why this tier? (needed when it differs from the recommendation)'),
      'The resident wants only the locks and the light',
    )
    await user.click(screen.getByRole('button', { name: 'Save tier' }))
    await waitFor(() => expect(document.getElementById('chosen-tier')).toHaveTextContent('Silver'))
    expect(document.getElementById('chosen-tier')).toHaveTextContent(
      'differs from the recommended Gold',
    )
    expect(document.getElementById('cap-total')).toHaveTextContent('£500.00')
    expect(edits(stub).at(-1)).toEqual({
      edit: 'choose_tier',
      tier: 'silver',
      reason: 'The resident wants only the locks and the light',
      da_service_decision: null,
    })
  })

  it('refuses a plan with a reason', async () => {
    const { user, stub } = await openPlan({ branch: 'refuse' })
    const refuse = screen.getByRole('button', { name: 'Refuse the plan' })
    await user.click(refuse)
    expect(refuse).toHaveAttribute('aria-expanded', 'true')
    expect(screen.getByLabelText('Why is the plan refused?')).toHaveFocus()

    await user.click(screen.getByRole('button', { name: 'Confirm refusal' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('Enter why the plan is refused')
    expect(document.getElementById('plan-status')).not.toHaveTextContent('Refused')
    expect(stub.sent('plan_step')).toEqual([
      { id: expect.any(String), step: { step: 'refuse', reason: '' } },
    ])

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

describe('returning a plan', () => {
  it('lets a supervisor send an agreed plan back to the officer with what to change', async () => {
    const { user, stub } = await openPlan({ branch: 'return', from: 'supervisor' })
    const back = screen.getByRole('button', { name: 'Return to the officer' })
    await user.click(back)
    expect(back).toHaveAttribute('aria-expanded', 'true')
    expect(screen.getByLabelText('What should the officer change?')).toHaveFocus()

    await user.click(screen.getByRole('button', { name: 'Return the plan' }))
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Enter what the officer should change',
    )
    expect(document.getElementById('plan-status')).toHaveTextContent('Agreed')

    await user.type(
      screen.getByLabelText('What should the officer change?'),
      'Price the side gate again',
    )
    await user.click(screen.getByRole('button', { name: 'Return the plan' }))
    await waitFor(() => expect(document.getElementById('plan-status')).toHaveTextContent('Draft'))
    expect(
      screen.getByText('Plan returned to the officer. It is a draft again.'),
    ).toBeInTheDocument()
    const history = document.getElementById('plan-history') as HTMLElement
    expect(history).toHaveTextContent('Returned to the officer')
    expect(history).toHaveTextContent('To change: Price the side gate again')
    expect(stub.sent('plan_step').map((a) => a.step)).toEqual([
      { step: 'return', reason: '' },
      { step: 'return', reason: 'Price the side gate again' },
    ])
  })

  it('does not offer an officer the return', async () => {
    await openPlan({ branch: 'approval', from: 'agreed' })
    expect(screen.queryByRole('button', { name: 'Return to the officer' })).toBeNull()
  })
})

describe("the resident's copy", () => {
  const SAVED = '/home/officer/Documents/home-safety-plan-00000006.pdf'

  it('saves the PDF where the officer chooses and opens it to print', async () => {
    const { user, stub, planId } = await openPlan({ branch: 'pdf' })
    stub.answer(SAVE_DIALOG, SAVED)
    await user.click(screen.getByRole('button', { name: "Save the resident's plan (PDF)" }))
    const saved = await screen.findByText(/Saved to/)
    // The name offered is the one Rust gives: a reference, never the address.
    expect(stub.sent(SAVE_DIALOG)[0]).toMatchObject({
      options: { defaultPath: 'home-safety-plan-00000006.pdf' },
    })
    expect(saved).toHaveTextContent(SAVED)
    expect(stub.sent('save_resident_plan')).toEqual([{ planId, path: SAVED }])
    await user.click(screen.getByRole('button', { name: 'Open it to read or print' }))
    expect(stub.sent('open_document')).toEqual([{ path: SAVED }])
    expect(screen.queryByRole('alert')).toBeNull()
  })

  it('says why a PDF could not be saved, and offers to save it again', async () => {
    const { user, stub } = await openPlan({ branch: 'pdf' })
    stub.answer(SAVE_DIALOG, '/proc/doorstep/plan.pdf')
    await user.click(screen.getByRole('button', { name: "Save the resident's plan (PDF)" }))
    expect(await screen.findByRole('alert')).toHaveTextContent('choose another place to save it')
    expect(screen.getByRole('button', { name: "Save the resident's plan (PDF)" })).toBeEnabled()
  })
})

describe('signing the plan', () => {
  it('checks the name, disclaimer and signature before sending anything', async () => {
    const { user, stub } = await openPlan({ page: 'sign' })
    expect(
      screen.getByRole('img', { name: "Resident's signature: not signed yet" }),
    ).toBeInTheDocument()
    expect(document.getElementById('sign-total')).toHaveTextContent('£735.00')

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
    expect(stub.sent('agree_plan')).toEqual([])

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
    expect(stub.sent('agree_plan')).toEqual([])
    expect(await violations()).toEqual([])
  })

  it('sends the drawn signature as a base64 PNG and returns to the plan, agreed', async () => {
    const { toDataURL, context } = stubCanvas()
    const { user, stub, planId } = await openPlan({ branch: 'approval', page: 'sign' })
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
    expect(stub.sent('agree_plan')).toEqual([
      {
        id: planId,
        residentName: 'Edith Sampleton',
        signaturePngBase64: PNG_BASE64,
        disclaimerVersion: '2026-01',
      },
    ])
    expect(document.getElementById('plan-history')).toHaveTextContent(
      'Signed by Edith Sampleton, disclaimer version 2026-01',
    )
  })

  it('lets a resident who cannot sign on screen confirm verbally, with their typed name as the image', async () => {
    const { context } = stubCanvas()
    const { user, stub, planId } = await openPlan({ branch: 'approval', page: 'sign' })
    // Rust's answer for a verbal agreement is the same page: the name is the test's own.
    stub.answer('agree_plan', stub.result('agree_plan'))

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
    expect(stub.sent('agree_plan')).toEqual([
      {
        id: planId,
        residentName: 'Harold Sampleton',
        signaturePngBase64: PNG_BASE64,
        disclaimerVersion: '2026-01',
      },
    ])
  })
})

describe('approval and later steps', () => {
  const approve = (overCapReason: string | null) => ({
    edit: {
      edit: 'approve',
      over_cap_reason: overCapReason,
      firm_choices: { by_measure: {} },
      contact: null,
      access_notes: [],
    },
  })

  it('shows the refusal when an officer tries to approve, and changes nothing', async () => {
    const { user, stub } = await openPlan({ branch: 'firms', from: 'agreed' })
    // The person signed in changes under the open page: Rust refused the officer.
    const refusal = stub.recorded('edit_plan', approve(null)).error
    if (!refusal) throw new Error('the fixture should record the officer refused')
    stub.fail('edit_plan', refusal)
    await user.click(screen.getByRole('button', { name: 'Approve the plan' }))

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Signed in as officer, you cannot approve a plan: ask a supervisor',
    )
    expect(document.getElementById('plan-status')).toHaveTextContent('Agreed')
  })

  it('does not offer Approve to an officer', async () => {
    await openPlan({ branch: 'approval', from: 'agreed' })
    expect(screen.queryByRole('button', { name: 'Approve the plan' })).toBeNull()
    expect(document.getElementById('next-step')).toHaveTextContent(
      'The plan is waiting for a supervisor to approve it.',
    )
  })

  it('lets a supervisor approve, asking why when the plan is over the cap', async () => {
    const { user, stub } = await openPlan({ branch: 'approval', from: 'supervisor' })
    // The officer's refusal came before the supervisor signed in.
    stub.from('supervisor')
    await user.click(screen.getByRole('button', { name: 'Approve the plan' }))

    const reason = screen.getByLabelText('Why may this plan cost more than the cap? (optional)')
    await waitFor(() => expect(reason).toHaveAttribute('aria-invalid', 'true'))
    expect(screen.getByRole('alert')).toHaveTextContent(
      'The plan costs £1,935.00 against the Gold cap of £1,500.00: remove measures or record why the extra is needed',
    )
    expect(document.getElementById('plan-status')).toHaveTextContent('Agreed')

    await user.type(reason, 'Repeat victim; rear windows unlit')
    await user.click(screen.getByRole('button', { name: 'Approve the plan' }))
    // The work orders are raised with the approval, so the plan is ordered at once.
    await waitFor(() => expect(document.getElementById('plan-status')).toHaveTextContent('Ordered'))
    const page = stub.result<PlanPage>('edit_plan', approve('Repeat victim; rear windows unlit'))
    const orders = page.work_orders?.orders ?? []
    expect(
      screen.getByText(
        `Plan approved. ${orders.length} work orders are raised, one for each firm. They go to the firms when Doorstep next syncs.`,
      ),
    ).toBeInTheDocument()
    expect(edits(stub).at(-1)).toEqual(approve('Repeat victim; rear windows unlit').edit)
    for (const order of orders) {
      expect(document.getElementById(`work-order-${order.number}`)).toHaveTextContent(
        order.firm_name,
      )
    }
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
    const { user, planId } = await openPlan({
      branch: 'approval',
      from: 'fitted',
      page: 'follow-up',
    })
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

    // Rust asks for a real answer to "all fitted"; its message sits beside the question.
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

  it("offers each measure's firm by trade, and sends the supervisor's contact and access notes", async () => {
    const { user, stub } = await openPlan({ branch: 'firms', from: 'agreed' })
    const cylinder = firmSelect('Anti-snap lock cylinder')
    expect(cylinder).toHaveValue('quillon_locks')
    expect(
      within(cylinder)
        .getAllByRole('option')
        .map((o) => o.textContent),
    ).toEqual(['Quillon Locks Ltd (usual firm for this work)'])
    expect(cylinder).toHaveAccessibleDescription('Locksmith')
    expect(await violations()).toEqual([])

    await user.type(screen.getByLabelText(/Who should the fitters phone/), 'Dee Sampleton')
    await user.type(screen.getByLabelText('Their phone number (optional)'), '01623 496 000')
    await user.type(
      screen.getByLabelText('Access notes for the fitters (optional)'),
      'Key safe by the back door{Enter}{Enter}Dog in the kitchen',
    )
    await user.click(screen.getByRole('button', { name: 'Approve the plan' }))

    await waitFor(() => expect(document.getElementById('plan-status')).toHaveTextContent('Ordered'))
    expect(edits(stub).at(-1)).toEqual({
      edit: 'approve',
      over_cap_reason: null,
      firm_choices: { by_measure: {} },
      contact: { name: 'Dee Sampleton', phone: '01623 496 000', is_resident: false },
      access_notes: ['Key safe by the back door', 'Dog in the kitchen'],
    })
    const page = stub.result<PlanPage>('edit_plan', stub.sent('edit_plan').at(-1))
    const locks = page.work_orders?.orders.find((o) => o.firm_name === 'Quillon Locks Ltd')
    if (!locks) throw new Error('the fixture should record an order for the locksmith')
    const order = document.getElementById(`work-order-${locks.number}`) as HTMLElement
    expect(order).toHaveTextContent('Quillon Locks Ltd')
    expect(
      within(order).getByRole('rowheader', {
        name: '2 × Key-operated window lock Window 1, Window 2',
      }),
    ).toBeInTheDocument()
    expect(within(order).getByRole('rowheader', { name: '1 × Anti-snap lock cylinder Door 1' }))
    expect(screen.queryByRole('group', { name: 'Who fits each measure' })).toBeNull()
    expect(await violations()).toEqual([])
  })

  it('says clearly when no firm can take a measure, and the approval is refused', async () => {
    const { user } = await openPlan({ branch: 'no-locksmith', from: 'agreed' })

    const cylinder = firmSelect('Anti-snap lock cylinder')
    expect(cylinder).toHaveAccessibleDescription(
      /No firm in the contractors list does locksmith work at ZY4 7HT\. Ask the scheme administrator to add one/,
    )
    expect(cylinder).toHaveAttribute('aria-invalid', 'true')
    expect(within(cylinder).getByRole('option')).toHaveTextContent('No firm can take this measure')

    await user.click(screen.getByRole('button', { name: 'Approve the plan' }))
    const summary = await screen.findByRole('alert')
    expect(summary).toHaveTextContent(
      'No firm in the contractors list does locksmith work at this address, for Key-operated window lock: choose a firm for it',
    )
    expect(document.getElementById('plan-status')).toHaveTextContent('Agreed')
    expect(await violations()).toEqual([])
  })

  it('asks for someone other than the resident to phone when a domestic abuse concern is flagged', async () => {
    const { user, stub } = await openPlan({ branch: 'da-concern', from: 'agreed' })
    const contact = screen.getByLabelText('Who should the fitters phone to arrange access?')
    expect(contact).toHaveAccessibleDescription(
      /A domestic abuse concern is recorded\. Give someone who arranges access for the resident/,
    )

    await user.click(screen.getByRole('button', { name: 'Approve the plan' }))
    await waitFor(() => expect(screen.getByRole('alert')).toBeInTheDocument())
    expect(screen.getByRole('alert')).toHaveTextContent(
      'Give a contact who arranges access for the resident, such as their support worker',
    )
    expect(document.getElementById('plan-status')).toHaveTextContent('Agreed')

    await user.type(contact, 'Jo Harbour (support worker)')
    await user.click(screen.getByRole('button', { name: 'Approve the plan' }))
    await waitFor(() => expect(document.getElementById('plan-status')).toHaveTextContent('Ordered'))
    expect(stub.unanswered).toEqual([])
  })
})

describe('approvals', () => {
  it('lists the plans waiting for approval, over the cap', async () => {
    const { stub } = await renderRecorded('plan', {
      branch: 'approval',
      from: 'supervisor',
      hash: '#/approvals',
    })
    await screen.findByRole('heading', { level: 1, name: 'Approvals and follow-ups' })
    const approvals = await screen.findByRole('table', { name: /Plans waiting for approval/ })
    const rows = within(approvals).getAllByRole('row').slice(1)
    expect(rows).toHaveLength(1)
    const planId = stub.result<PlanPage>('get_plan').plan.id
    expect(within(rows[0]!).getByRole('link', { name: /12 Acacia Avenue/ })).toHaveAttribute(
      'href',
      `#/plan/${planId}`,
    )
    expect(rows[0]).toHaveTextContent('£1,935.00 of £1,500.00')
    expect(within(rows[0]!).getByText('Over cap by £435.00')).toHaveClass('govuk-tag--red')
    expect(rows[0]).toHaveTextContent('Signed by Edith Sampleton')
    expect(await violations()).toEqual([])
  })

  it('lists the plans fitted with their follow-up visit due', async () => {
    const { stub } = await renderRecorded('plan', {
      branch: 'approval',
      from: 'fitted',
      hash: '#/approvals',
    })
    await screen.findByRole('heading', { level: 1, name: 'Approvals and follow-ups' })
    const followUps = await screen.findByRole('table', { name: /follow-up visit/ })
    const due = within(followUps).getAllByRole('row').slice(1)
    expect(due).toHaveLength(1)
    expect(due[0]).toHaveTextContent('5 June 2026')
    const planId = stub.result<PlanPage>('get_plan').plan.id
    expect(within(due[0]!).getByRole('link', { name: /Record the follow-up/ })).toHaveAttribute(
      'href',
      `#/plan/${planId}/follow-up`,
    )
  })
})

describe('a restricted household', () => {
  it("shows the plan with Rust's sentence and every control disabled", async () => {
    // Made up here so a sentence typed into the UI would not match.
    const notice = 'Sentence from Rust: kept, nothing added or changed.'
    await renderRecorded('plan', {
      branch: 'add',
      hash: (stub) => {
        const page = stub.result<PlanPage>('get_plan')
        stub.answer('get_plan', { ...page, restriction_notice: notice })
        return `#/plan/${page.plan.id}`
      },
    })
    const banner = await screen.findByRole('status', { name: 'Restricted' })
    expect(banner).toHaveTextContent(notice)
    expect(screen.getByRole('button', { name: 'Add measure' })).toBeDisabled()
    expect(screen.getByLabelText('Measure')).toBeDisabled()
  })
})
