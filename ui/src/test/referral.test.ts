// The referral screens, and fire safety on the household page and Today, against what the real
// commands answered (ui/src/test/fixtures/fire.json, written by
// crates/api/tests/ui_fixtures/fire.rs). Every refusal, step, due time and overdue count
// below is one the Rust engine produced.

import { screen, waitFor, within } from '@testing-library/svelte'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { SAVE_DIALOG, type Stub } from '$lib/backend/stub'
import type { ReferralDraft, ReferralPage, ReferralSummary } from '$lib/backend/types'
import { home, pinDate, resident, violations, type Home } from './fire'
import { renderRecorded, type StubRenderOptions } from './render'

type User = Awaited<ReturnType<typeof renderRecorded>>['user']

const AGENCY = 'Fire and Rescue Service: Safe and Well (demo)'
const NEEDS_CONSENT =
  "Record the resident's consent to sharing with the fire service, or a lawful basis with a justification, before sending"
const JUSTIFICATION =
  'Smokes in bed beside medical oxygen; burn marks on the bedding and no working alarm upstairs'

/** The "Make a referral" form of `line` as recorded, going on with `branch` when given. */
async function openNew(line: Home, branch?: string) {
  const page = await home(line)
  const app = await renderRecorded('fire', {
    ...(branch === undefined ? {} : { branch }),
    hash: `#/household/${page.household.id}/referral`,
  })
  await screen.findByRole('heading', { level: 1, name: 'Make a referral' })
  return { ...app, page }
}

/** The referral the stub has reached (`which` picks it out), on its own page. */
async function openReferral(
  options: StubRenderOptions,
  which: (stub: Stub) => string = (stub) => stub.result<ReferralPage>('get_referral').referral.id,
) {
  const app = await renderRecorded('fire', {
    ...options,
    hash: (stub) => `#/referral/${which(stub)}`,
  })
  await screen.findByRole('heading', { level: 1, name: `Referral to ${AGENCY}` })
  return { ...app, referralId: which(app.stub) }
}

/** Chooses the fire service and gives two reasons. */
async function fillReferral(user: User) {
  await user.selectOptions(screen.getByLabelText('Which agency?'), AGENCY)
  await user.type(
    screen.getByLabelText('Why are you referring them?'),
    'No working smoke alarm upstairs{Enter}Smokes in bed',
  )
}

/** The error summary (the success banner is an alert too). */
async function errorSummary(): Promise<HTMLElement> {
  const title = await screen.findByRole('heading', { name: 'There is a problem' })
  return title.closest('[role="alert"]') as HTMLElement
}

function drafts(stub: Stub): ReferralDraft[] {
  return stub.sent('draft_referral').map((args) => args.draft as ReferralDraft)
}

/** The overdue referrals Rust listed for Today, most overdue first. */
function overdue(stub: Stub): ReferralSummary[] {
  return stub.result<ReferralSummary[]>('overdue_referral_list')
}

afterEach(() => {
  vi.useRealTimers()
})

describe('making a referral', () => {
  it('drafts a referral with consent, then sends it', async () => {
    pinDate()
    const { user, stub, page } = await openNew('9 Dale Road', 'referral')
    expect(screen.getByText('9 Dale Road, Eastwick Vale, ZY18 9ZD')).toBeInTheDocument()
    expect(screen.getByLabelText('Edith Sampleton')).toBeChecked()

    await fillReferral(user)
    expect(document.getElementById('agency-details')).toHaveTextContent(
      'By email: safeandwell@fire.example.org. They should respond within 5 working days.',
    )
    expect(screen.getByLabelText('Routine')).toBeChecked()

    await user.click(screen.getByLabelText('Yes, they agreed'))
    // The agency's purpose is ticked for the officer; the resident must agree to it.
    expect(
      screen.getByLabelText('Sharing their details with the fire and rescue service'),
    ).toBeChecked()
    await user.type(screen.getByLabelText('Name of the person who gave consent'), 'Edith Sampleton')
    await user.click(screen.getByLabelText('Being contacted again to follow up'))
    await user.click(screen.getByRole('button', { name: 'Save the referral' }))

    await screen.findByRole('heading', { level: 1, name: `Referral to ${AGENCY}` })
    expect(screen.getByText('Referral saved as a draft')).toBeInTheDocument()
    expect(document.getElementById('referral-status')).toHaveTextContent('Draft')
    expect(document.getElementById('cannot-send')).toBeNull()
    expect(
      within(document.getElementById('referral-reasons')!).getAllByRole('listitem'),
    ).toHaveLength(2)
    expect(document.getElementById('consent-summary')).toHaveTextContent(
      'Edith Sampleton (the resident themself)',
    )
    expect(drafts(stub)[0]).toMatchObject({
      person_id: resident(page, 'Edith Sampleton'),
      household_id: page.household.id,
      agency_id: 'fire_safe_and_well',
      reasons: ['No working smoke alarm upstairs', 'Smokes in bed'],
      urgency: 'routine',
      charlie_check_id: null,
      lawful_basis: null,
      consent: {
        given_by: 'person',
        given_by_name: 'Edith Sampleton',
        method: 'verbal',
        signature_ref: null,
        purposes: ['share_with_fire', 'follow_up'],
        capacity_concerns: null,
      },
    })

    await user.click(screen.getByRole('button', { name: 'Send the referral' }))
    // No hub has it yet: Rust's sentence says it waits on the laptop, never that it was sent.
    const sent = stub.result<ReferralPage>('referral_step')
    expect(sent.progress).toMatch(
      /^Waiting to go — it goes to the agency when Doorstep next syncs\. \d+ changes are waiting to sync on this laptop\.$/,
    )
    await waitFor(() => expect(document.getElementById('referral-notice')).toHaveFocus())
    expect(document.getElementById('referral-notice')).toHaveTextContent(sent.progress)
    expect(screen.queryByText(/Referral sent/)).toBeNull()
    expect(document.getElementById('referral-status')).toHaveTextContent('Waiting to go')
    expect(document.getElementById('referral-next')).toHaveTextContent(sent.progress)
    // The agency's clock starts only when the hub delivers it.
    expect(document.getElementById('referral-sent-at')).toHaveTextContent('Not yet')
    expect(document.getElementById('referral-due-at')).toHaveTextContent(
      'Set when Doorstep delivers it to the agency',
    )
    expect(screen.queryByRole('button', { name: 'Send the referral' })).toBeNull()
    // The officer may still save the form as a PDF.
    expect(screen.getByRole('button', { name: 'Save the referral form (PDF)' })).toBeInTheDocument()
    const history = document.getElementById('referral-history') as HTMLElement
    expect(
      within(history).getByRole('heading', { name: /Sent: waiting to go at the next sync/ }),
    ).toBeInTheDocument()
    expect(history).toHaveTextContent('Alex Doorley (Burglary reduction officer)')
    expect(stub.unanswered).toEqual([])
    expect(await violations()).toEqual([])
  })

  it('cannot send without consent until a lawful basis with a justification is recorded', async () => {
    pinDate()
    const { user, stub } = await openNew('9 Dale Road', 'no-consent')
    await fillReferral(user)
    await user.click(screen.getByLabelText('Not asked yet'))
    await user.click(screen.getByRole('button', { name: 'Save the referral' }))
    await screen.findByRole('heading', { level: 1, name: `Referral to ${AGENCY}` })
    expect(drafts(stub)[0]).toMatchObject({ consent: null, lawful_basis: null })

    expect(document.getElementById('cannot-send')).toHaveTextContent(NEEDS_CONSENT)
    // Send stays focusable but says why it cannot be used.
    const send = screen.getByRole('button', { name: 'Send the referral' })
    expect(send).toHaveAttribute('aria-disabled', 'true')
    expect(send).toHaveAccessibleDescription(`It cannot be sent yet. ${NEEDS_CONSENT}`)
    await user.click(send)
    const summary = await errorSummary()
    expect(summary).toHaveTextContent(NEEDS_CONSENT)
    expect(stub.sent('referral_step')).toEqual([])
    expect(await violations()).toEqual([])

    // The summary's link goes to the consent question.
    await user.click(within(summary).getByRole('link'))
    expect(screen.getByLabelText('Yes, they agreed')).toHaveFocus()

    // A basis with too short a justification is refused, beside the box, keeping the words.
    await user.click(screen.getByLabelText('No, or they cannot be asked'))
    await user.click(screen.getByLabelText('Public task (UK GDPR Article 6(1)(e))'))
    await user.type(screen.getByLabelText('Why is sharing without consent necessary?'), 'Fire risk')
    await user.click(screen.getByRole('button', { name: 'Save consent or basis' }))
    await waitFor(() =>
      expect(document.getElementById('basis-justification-error')).toHaveTextContent(
        'Explain why sharing without consent is necessary in at least 40 characters',
      ),
    )
    expect(screen.getByLabelText('Why is sharing without consent necessary?')).toHaveValue(
      'Fire risk',
    )
    expect(document.title).toBe(`Error: Referral to ${AGENCY}, Edith Sampleton – Doorstep`)
    expect(await violations()).toEqual([])

    await user.type(
      screen.getByLabelText('Why is sharing without consent necessary?'),
      `: ${JUSTIFICATION}`,
    )
    await user.click(screen.getByRole('button', { name: 'Save consent or basis' }))
    await screen.findByText('Lawful basis recorded. The referral can now be sent.')
    expect(document.getElementById('cannot-send')).toBeNull()
    expect(document.getElementById('basis-summary')).toHaveTextContent(
      'Public task (UK GDPR Article 6(1)(e))',
    )
    expect(document.getElementById('basis-summary')).toHaveTextContent(JUSTIFICATION)

    const sendNow = screen.getByRole('button', { name: 'Send the referral' })
    expect(sendNow).toHaveAttribute('aria-disabled', 'false')
    await user.click(sendNow)
    await waitFor(() =>
      expect(document.getElementById('referral-status')).toHaveTextContent('Waiting to go'),
    )
    expect(stub.unanswered).toEqual([])
  })

  it('says when consent does not cover the agency, and Rust refuses to send it too', async () => {
    const { user, stub, referralId } = await openReferral({
      branch: 'consent-visit',
      from: 'drafted',
    })
    const because = stub.result<ReferralPage>('get_referral').cannot_send_because
    expect(because?.message).toBe(
      'The resident agreed to the visit but not to sharing with the fire service: ask them, or record a lawful basis',
    )
    expect(document.getElementById('cannot-send')).toHaveTextContent(because!.message)
    // Sending anyway was refused by Rust with the same sentence, on the purposes.
    expect(
      stub.recorded('referral_step', { id: referralId, step: { step: 'send' } }).error,
    ).toMatchObject({ code: 'validation', field: 'consent.purposes', message: because!.message })
    // The screen does not ask: it says why beside the button.
    await user.click(screen.getByRole('button', { name: 'Send the referral' }))
    expect(await errorSummary()).toHaveTextContent(because!.message)
    expect(stub.sent('referral_step')).toEqual([])
  })

  it('saves the referral form as a PDF and opens it', async () => {
    const { user, stub, referralId } = await openReferral({ branch: 'pdf' })
    const path = `/home/officer/Documents/referral-${referralId}.pdf`
    stub.answer(SAVE_DIALOG, path)
    await user.click(screen.getByRole('button', { name: 'Save the referral form (PDF)' }))
    expect(await screen.findByText(/Saved to/)).toHaveTextContent(path)
    expect(stub.sent(SAVE_DIALOG)[0]).toMatchObject({
      options: { defaultPath: `referral-${referralId}.pdf` },
    })
    expect(stub.sent('save_referral_pdf')).toEqual([{ referralId, path }])
    await user.click(screen.getByRole('button', { name: 'Open it to read or print' }))
    expect(stub.sent('open_document')).toEqual([{ path }])
    expect(stub.unanswered).toEqual([])
  })

  it('refuses Send when the referral was sent from another laptop, and shows where it is now', async () => {
    const { user } = await openReferral({ branch: 'moved-on' })
    expect(document.getElementById('referral-status')).toHaveTextContent('Draft')
    // Someone sent it from another laptop meanwhile.
    await user.click(screen.getByRole('button', { name: 'Send the referral' }))
    const summary = await screen.findByRole('alert')
    expect(summary).toHaveTextContent('A referral that is queued cannot be given the step "send"')
    await waitFor(() =>
      expect(document.getElementById('referral-status')).toHaveTextContent('Waiting to go'),
    )
    expect(screen.queryByRole('button', { name: 'Send the referral' })).toBeNull()
  })

  it("says when the hub delivered it and when the agency should respond, from Rust's sentence", async () => {
    const { stub } = await openReferral({ branch: 'delivered' })
    const page = stub.result<ReferralPage>('get_referral')
    expect(page.referral.status).toBe('sent')
    // Delivered by the hub on 5 March (the recording's day), due five working days later.
    expect(page.progress).toBe(
      'Sent to the agency on 5 March 2026; they should respond by 12 March 2026.',
    )
    expect(document.getElementById('referral-next')).toHaveTextContent(page.progress)
    expect(document.getElementById('referral-status')).toHaveTextContent('Sent')
    expect(document.getElementById('referral-due-at')).toHaveTextContent(/^By 12 March 2026 at /)
    const history = document.getElementById('referral-history') as HTMLElement
    const delivered = within(history).getAllByRole('listitem')[0]!
    expect(within(delivered).getByRole('heading')).toHaveTextContent('Delivered to the agency')
    expect(delivered).toHaveTextContent("by Doorstep's hub")
    // Nothing for the officer to press: the agency answers on the hub.
    const actions = screen.getByRole('region', { name: 'Where it is now' })
    expect(within(actions).queryAllByRole('button')).toEqual([])
    expect(stub.unanswered).toEqual([])
    expect(await violations()).toEqual([])
  })

  it("shows the agency's acknowledgement and acceptance as the agency's", async () => {
    const { stub } = await openReferral({ branch: 'accepted' })
    const page = stub.result<ReferralPage>('get_referral')
    expect(page.steps).toEqual([])
    expect(document.getElementById('referral-status')).toHaveTextContent('Accepted')
    expect(document.getElementById('referral-next')).toHaveTextContent(
      `${AGENCY} accepted it on 5 March 2026.`,
    )
    const history = document.getElementById('referral-history') as HTMLElement
    const items = within(history).getAllByRole('listitem')
    expect(items.map((li) => within(li).getByRole('heading').textContent?.split(' (')[0])).toEqual([
      'Accepted by the agency',
      'Acknowledged by the agency',
      'Delivered to the agency',
      'Sent: waiting to go at the next sync',
    ])
    expect(items[0]).toHaveTextContent(`by Partner agency (${AGENCY})`)
    expect(items[1]).toHaveTextContent(`by Partner agency (${AGENCY})`)
    expect(items[1]).toHaveTextContent('Agency reference: SW-77')
    expect(screen.queryByRole('button', { name: /Record/ })).toBeNull()
    expect(stub.unanswered).toEqual([])
  })

  it("shows the agency's booked visit and outcome, which only the agency records", async () => {
    const { stub } = await openReferral({ branch: 'visit' })
    const page = stub.result<ReferralPage>('get_referral')
    expect(document.getElementById('referral-status')).toHaveTextContent('Completed')
    expect(page.progress).toBe(`${AGENCY} completed it on 5 March 2026: Visited; fitted two alarms`)
    expect(document.getElementById('referral-next')).toHaveTextContent(page.progress)
    const history = document.getElementById('referral-history') as HTMLElement
    const items = within(history).getAllByRole('listitem')
    expect(items.map((li) => within(li).getByRole('heading').textContent?.split(' (')[0])).toEqual([
      'Completed by the agency',
      'Visit booked by the agency',
      'Accepted by the agency',
      'Delivered to the agency',
      'Sent: waiting to go at the next sync',
    ])
    expect(items[0]).toHaveTextContent('Outcome: Visited; fitted two alarms')
    expect(items[1]).toHaveTextContent('Visit on 12 March 2026 at 10:30')
    expect(items[1]).toHaveTextContent(`by Partner agency (${AGENCY})`)
    // No form to type in an agency's answer.
    expect(screen.queryByRole('button', { name: /Record/ })).toBeNull()
    expect(screen.queryByLabelText('What happened?')).toBeNull()
    expect(stub.unanswered).toEqual([])
    expect(await violations()).toEqual([])
  })

  it('explains that a referral needs a resident when there are none', async () => {
    const { page } = await openNew('13 Dale Road')
    expect(page.persons).toEqual([])
    expect(document.getElementById('referral-no-residents')).toHaveTextContent(
      'no residents are recorded',
    )
    expect(
      screen.getByRole('link', { name: 'Add a resident on the household page' }),
    ).toHaveAttribute('href', `#/household/${page.household.id}`)
    expect(screen.queryByRole('button', { name: 'Save the referral' })).toBeNull()
  })

  it('asks for what the form cannot send without, and fills reasons from the latest CHARLIE', async () => {
    const { user, stub } = await openNew('11 Dale Road', 'latest-check')
    await user.click(screen.getByRole('button', { name: 'Save the referral' }))
    const summary = await screen.findByRole('alert')
    expect(
      within(summary)
        .getAllByRole('link')
        .map((a) => a.textContent),
    ).toEqual([
      'Choose who the referral is for',
      'Choose an agency to refer to',
      'Say whether the resident has agreed to this referral',
    ])
    expect(await violations()).toEqual([])

    // The latest check (alcohol and drugs 8) suggests the recovery service: choosing it
    // fills in Rust's reasons.
    await user.selectOptions(
      screen.getByLabelText('Which agency?'),
      'Drug and Alcohol Recovery Service (demo)',
    )
    await waitFor(() =>
      expect(screen.getByLabelText('Why are you referring them?')).toHaveValue(
        'Alcohol, drugs and medication (8 points)',
      ),
    )
    expect(document.getElementById('referral-filled-from')).toHaveTextContent(
      'filled in from the CHARLIE check of',
    )
    await user.click(screen.getByLabelText('Ray Sampleton'))
    await user.click(screen.getByLabelText('No, or they cannot be asked'))
    await user.click(screen.getByRole('button', { name: 'Save the referral' }))
    await waitFor(() =>
      expect(document.getElementById('basis-error')).toHaveTextContent(
        'Choose the lawful basis for sharing without consent',
      ),
    )
    expect(stub.sent('draft_referral')).toEqual([])
    expect(await violations()).toEqual([])
  })
})

describe('fire safety on the household page and Today', () => {
  it('lists the checks and referrals, flagging an overdue one', async () => {
    const page = await home('9 Dale Road')
    const { stub } = await renderRecorded('fire', {
      branch: 'overdue',
      hash: `#/household/${page.household.id}`,
    })
    const section = await screen.findByRole('region', { name: 'Fire safety' })
    expect(within(section).getByRole('link', { name: 'Do a CHARLIE check' })).toHaveAttribute(
      'href',
      `#/household/${page.household.id}/charlie`,
    )
    expect(within(section).getByRole('link', { name: 'Make a referral' })).toHaveAttribute(
      'href',
      `#/household/${page.household.id}/referral`,
    )

    // Smoking scored 10, every other factor 1: Rust's level, total and threshold.
    const checks = await within(section).findByRole('table', { name: 'CHARLIE checks' })
    const checkRows = within(checks).getAllByRole('row').slice(1)
    expect(checkRows).toHaveLength(1)
    expect(checkRows[0]).toHaveTextContent('Edith Sampleton')
    expect(within(checkRows[0]!).getByText('Medium risk')).toBeInTheDocument()
    expect(checkRows[0]).toHaveTextContent('16 points')
    expect(checkRows[0]).toHaveTextContent('Threshold met')

    const referrals = await within(section).findByRole('table', { name: 'Referrals' })
    const rows = within(referrals).getAllByRole('row').slice(1)
    expect(rows).toHaveLength(2)
    expect(rows[0]).toHaveTextContent('Drug and Alcohol Recovery Service (demo)')
    expect(within(rows[0]!).getByText('Draft')).toHaveClass('govuk-tag')
    expect(rows[1]).toHaveTextContent(AGENCY)
    expect(within(rows[1]!).getByText('Sent')).toHaveClass('govuk-tag')
    // Urgent, so due in 24 hours; two days after it was sent.
    expect(within(rows[1]!).getByText('Overdue by 24 hours')).toBeInTheDocument()
    const late = stub.result<ReferralSummary[]>('referrals_for_household', {
      householdId: page.household.id,
    })[1]!
    expect(late.hours_overdue).toBe(24)
    const open = within(rows[1]!).getByRole('link', { name: /Open referral/ })
    expect(open).toHaveAttribute('href', `#/referral/${late.referral.id}`)
    expect(open).toHaveAccessibleName(`Open referral to ${AGENCY} for Edith Sampleton, sent`)
    expect(stub.unanswered).toEqual([])
    expect(await violations()).toEqual([])
  })

  it('shows how overdue a referral is on its page', async () => {
    const { stub } = await openReferral(
      { branch: 'overdue' },
      (stub) => overdue(stub)[0]!.referral.id,
    )
    expect(document.getElementById('referral-overdue')).toHaveTextContent('Overdue by 3 days')
    expect(stub.unanswered).toEqual([])
    expect(await violations()).toEqual([])
  })

  it('counts overdue referrals on Today, linking to the most overdue', async () => {
    const { stub } = await renderRecorded('fire', { branch: 'overdue', hash: '#/today' })
    // Two delivered past their time, one in time, one acknowledged, one still on the laptop:
    // Rust lists the two; the one on the laptop has no clock running, so is never overdue.
    const [worst, next] = overdue(stub)
    expect([worst?.hours_overdue, next?.hours_overdue]).toEqual([72, 24])
    const panel = await screen.findByRole('region', { name: 'Waiting for action' })
    const link = await within(panel).findByRole('link', { name: '2 referrals overdue' })
    expect(link).toHaveAttribute('href', `#/referral/${worst!.referral.id}`)
    const onLaptop = await screen.findByRole('region', { name: /Referrals still on this laptop/ })
    expect(within(onLaptop).getAllByRole('link')).toHaveLength(1)
    expect(onLaptop).toHaveTextContent('Ray Sampleton')
    expect(within(panel).getByRole('link', { name: /waiting for approval/ })).toHaveAttribute(
      'href',
      '#/approvals',
    )
    expect(stub.unanswered).toEqual([])
  })

  it('leaves the overdue referrals line out when there are none, and lists the one still on this laptop', async () => {
    const { stub } = await renderRecorded('fire', {
      branch: 'referral',
      from: 'sent',
      hash: '#/today',
    })
    expect(overdue(stub)).toEqual([])
    const panel = await screen.findByRole('region', { name: 'Waiting for action' })
    await within(panel).findByRole('link', { name: /cocoon/ })
    expect(within(panel).queryByRole('link', { name: /referral/ })).toBeNull()

    const [queued] = stub.result<ReferralSummary[]>('queued_referral_list')
    const onLaptop = await screen.findByRole('region', { name: /Referrals still on this laptop/ })
    expect(onLaptop).toHaveTextContent('1 referral')
    expect(document.getElementById('on-laptop-why')).toHaveTextContent(queued!.progress)
    expect(queued!.progress).toMatch(/^Waiting to go — it goes to the agency/)
    const link = within(onLaptop).getByRole('link', {
      name: `Referral to ${AGENCY} for Edith Sampleton`,
    })
    expect(link).toHaveAttribute('href', `#/referral/${queued!.referral.id}`)
    expect(stub.unanswered).toEqual([])
    expect(await violations()).toEqual([])
  })

  it('hides the line when the list fails, and keeps the rest of Today', async () => {
    const { stub } = await renderRecorded('fire', { branch: 'overdue', hash: '#/today' })
    // No recording fails this way: an internal error is scripted.
    stub.fail('overdue_referral_list', {
      code: 'internal',
      message: 'Referrals are broken today.',
      field: null,
      fields: [],
    })
    const panel = await screen.findByRole('region', { name: 'Waiting for action' })
    await within(panel).findByRole('link', { name: /cocoon/ })
    expect(within(panel).queryByRole('link', { name: /referral/ })).toBeNull()
    expect(screen.queryByText('Referrals are broken today.')).toBeNull()
  })
})
