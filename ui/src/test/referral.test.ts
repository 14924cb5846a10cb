import { screen, waitFor, within } from '@testing-library/svelte'
import axe from 'axe-core'
import { describe, expect, it } from 'vitest'
import { appError, err } from '$lib/backend/backend'
import type { FakeBackend } from '$lib/backend/fake'
import type { Person, ReferralDraft } from '$lib/backend/types'
import { renderApp } from './render'

type User = ReturnType<typeof renderApp>['user']

const AGENCY = 'Fire and Rescue Service: Safe and Well (demo)'
const NEEDS_CONSENT =
  "Record the resident's consent to sharing with the fire service, or a lawful basis with a justification, before sending"
const JUSTIFICATION =
  'Smokes in bed beside medical oxygen; burn marks on the bedding and no working alarm upstairs'

async function violations(): Promise<string[]> {
  const results = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false } } })
  return results.violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  )
}

/** A synthetic resident, straight into the fake. */
function resident(fake: FakeBackend, householdId: string, fullName: string): Person {
  const now = new Date().toISOString()
  const person: Person = {
    id: `p-${fullName.replace(/\W/g, '').toLowerCase()}`,
    household_id: householdId,
    full_name: fullName,
    phone: null,
    email: null,
    date_of_birth: null,
    age_band: '75_to_84',
    preferred_language: null,
    contact_preferences: { phone: true, text: false, email: false, letter: false },
    created_at: now,
    updated_at: now,
  }
  fake.persons.push(person)
  return person
}

function setUp(residents: string[] = ['Edna Sampleton']) {
  const app = renderApp({ state: 'unlocked' })
  const household = app.fake.addHousehold({
    address_line_1: '12 Acacia Avenue',
    postcode: 'ZY1 2AB',
  })
  const persons = residents.map((name) => resident(app.fake, household.id, name))
  return { ...app, household, persons }
}

async function openNew(householdId: string) {
  window.location.hash = `#/household/${householdId}/referral`
  await screen.findByRole('heading', { level: 1, name: 'Make a referral' })
}

async function openReferral(id: string) {
  window.location.hash = `#/referral/${id}`
  await screen.findByRole('heading', { level: 1, name: `Referral to ${AGENCY}` })
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

function drafts(fake: FakeBackend): ReferralDraft[] {
  return fake.calls
    .filter((c) => c.method === 'draftReferral')
    .map((c) => c.args[0] as ReferralDraft)
}

describe('making a referral', () => {
  it('drafts a referral with consent, then sends it', async () => {
    const { user, fake, household, persons } = setUp()
    await openNew(household.id)
    expect(screen.getByText('12 Acacia Avenue, Eastwick Vale, ZY1 2AB')).toBeInTheDocument()
    expect(screen.getByLabelText('Edna Sampleton')).toBeChecked()

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
    await user.type(screen.getByLabelText('Name of the person who gave consent'), 'Edna Sampleton')
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
      'Edna Sampleton (the resident themself)',
    )
    expect(drafts(fake)[0]).toMatchObject({
      person_id: persons[0]!.id,
      household_id: household.id,
      agency_id: 'fire_safe_and_well',
      reasons: ['No working smoke alarm upstairs', 'Smokes in bed'],
      urgency: 'routine',
      charlie_check_id: null,
      lawful_basis: null,
      consent: {
        given_by: 'person',
        given_by_name: 'Edna Sampleton',
        method: 'verbal',
        signature_ref: null,
        purposes: ['share_with_fire', 'follow_up'],
        capacity_concerns: null,
      },
    })

    await user.click(screen.getByRole('button', { name: 'Send the referral' }))
    const notice = await screen.findByText(/^Referral sent to Fire and Rescue Service/)
    await waitFor(() => expect(document.getElementById('referral-notice')).toHaveFocus())
    expect(notice).toHaveTextContent('They should respond by')
    expect(document.getElementById('referral-status')).toHaveTextContent('Sent')
    expect(document.getElementById('referral-sent-at')).not.toHaveTextContent('Not yet')
    expect(document.getElementById('referral-due-at')).toHaveTextContent(/^By /)
    expect(screen.queryByRole('button', { name: 'Send the referral' })).toBeNull()
    const history = document.getElementById('referral-history') as HTMLElement
    expect(within(history).getByRole('heading', { name: /Sent to the agency/ })).toBeInTheDocument()
    expect(history).toHaveTextContent('Sam Officer (Burglary reduction officer)')
    expect(await violations()).toEqual([])
  })

  it('cannot send without consent until a lawful basis with a justification is recorded', async () => {
    const { user, fake, household } = setUp()
    await openNew(household.id)
    await fillReferral(user)
    await user.click(screen.getByLabelText('Not asked yet'))
    await user.click(screen.getByRole('button', { name: 'Save the referral' }))
    await screen.findByRole('heading', { level: 1, name: `Referral to ${AGENCY}` })
    expect(drafts(fake)[0]).toMatchObject({ consent: null, lawful_basis: null })

    expect(document.getElementById('cannot-send')).toHaveTextContent(NEEDS_CONSENT)
    // Send stays focusable but says why it cannot be used.
    const send = screen.getByRole('button', { name: 'Send the referral' })
    expect(send).toHaveAttribute('aria-disabled', 'true')
    expect(send).toHaveAccessibleDescription(`It cannot be sent yet. ${NEEDS_CONSENT}`)
    await user.click(send)
    const summary = await errorSummary()
    expect(summary).toHaveTextContent(NEEDS_CONSENT)
    expect(fake.calls.some((c) => c.method === 'referralStep')).toBe(false)
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
    expect(document.title).toBe(`Error: Referral to ${AGENCY}, Edna Sampleton – Doorstep`)
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
      expect(document.getElementById('referral-status')).toHaveTextContent('Sent'),
    )
  })

  it('says when consent does not cover the agency, and the backend refuses to send it too', async () => {
    const { fake, household, persons } = setUp()
    const seeded = fake.fire.seedReferral(household.id, persons[0]!.id, {
      consent: {
        given_by: 'person',
        given_by_name: 'Edna Sampleton',
        method: 'verbal',
        signature_ref: null,
        purposes: ['visit'],
        capacity_concerns: null,
        recorded_by: 'o-seed-officer',
        at: new Date().toISOString(),
      },
    })
    expect(seeded.cannot_send_because?.message).toBe(
      'The resident agreed to the visit but not to sharing with the fire service: ask them, or record a lawful basis',
    )
    const refused = fake.fire.step(seeded.referral.id, { step: 'send' })
    expect(refused.status === 'error' && refused.error).toMatchObject({
      code: 'validation',
      field: 'consent',
      message: seeded.cannot_send_because?.message,
    })
    await openReferral(seeded.referral.id)
    expect(document.getElementById('cannot-send')).toHaveTextContent(
      'The resident agreed to the visit but not to sharing with the fire service',
    )
  })

  it('saves the referral form as a PDF and opens it', async () => {
    const { fake, household, persons, user } = setUp()
    const seeded = fake.fire.seedReferral(household.id, persons[0]!.id, { status: 'sent' })
    await openReferral(seeded.referral.id)
    await user.click(screen.getByRole('button', { name: 'Save the referral form (PDF)' }))
    expect(await screen.findByText(/Saved to/)).toHaveTextContent(
      `/home/officer/Documents/referral-${seeded.referral.id}.pdf`,
    )
    expect(fake.calls.find((c) => c.method === 'saveReferralPdf')?.args[0]).toBe(seeded.referral.id)
    await user.click(screen.getByRole('button', { name: 'Open it to read or print' }))
    expect(fake.calls.some((c) => c.method === 'openDocument')).toBe(true)
  })

  it('refuses a step the referral has moved past, and shows where it is now', async () => {
    const { user, fake, household, persons } = setUp()
    const draft = fake.fire.seedReferral(household.id, persons[0]!.id)
    const early = fake.fire.step(draft.referral.id, { step: 'complete', outcome: 'Visited' })
    expect(early.status === 'error' && early.error.code).toBe('wrong_step')

    const sent = fake.fire.seedReferral(household.id, persons[0]!.id, { status: 'sent' })
    await openReferral(sent.referral.id)
    expect(document.getElementById('referral-status')).toHaveTextContent('Sent')
    // Someone else records the acknowledgement on another device.
    fake.fire.step(sent.referral.id, { step: 'acknowledge', agency_reference: 'SW-77' })

    await user.click(screen.getByRole('button', { name: 'Record acknowledgement' }))
    expect(screen.getByLabelText("The agency's reference (optional)")).toHaveFocus()
    await user.type(screen.getByLabelText("The agency's reference (optional)"), 'SW-78')
    await user.click(screen.getByRole('button', { name: 'Save' }))

    const summary = await screen.findByRole('alert')
    expect(summary).toHaveTextContent(
      'A referral that is acknowledged cannot be given the step "acknowledge"',
    )
    await waitFor(() =>
      expect(document.getElementById('referral-status')).toHaveTextContent('Acknowledged'),
    )
    expect(screen.queryByRole('button', { name: 'Record acknowledgement' })).toBeNull()
    expect(screen.getByRole('alert')).toHaveTextContent('cannot be given the step')
  })

  it('records the agency booking a visit and completing, with their details in the history', async () => {
    const { user, household, persons, fake } = setUp()
    const sent = fake.fire.seedReferral(household.id, persons[0]!.id, { status: 'sent' })
    await openReferral(sent.referral.id)

    await user.click(screen.getByRole('button', { name: 'Record a booked visit' }))
    expect(screen.getByLabelText('Day')).toHaveFocus()
    await user.type(screen.getByLabelText('Day'), '31')
    await user.type(screen.getByLabelText('Month'), '2')
    await user.type(screen.getByLabelText('Year'), '2026')
    await user.type(screen.getByLabelText('Time of the visit'), '25:00')
    await user.click(screen.getByRole('button', { name: 'Save' }))
    expect(document.getElementById('visit-date-error')).toHaveTextContent(
      'Enter the date of the visit, for example 3 12 2025',
    )
    expect(document.getElementById('visit-time-error')).toHaveTextContent(
      'Enter the time of the visit on the 24-hour clock, for example 14:30',
    )
    expect(fake.calls.some((c) => c.method === 'referralStep')).toBe(false)
    expect(await violations()).toEqual([])

    await user.clear(screen.getByLabelText('Day'))
    await user.type(screen.getByLabelText('Day'), '3')
    await user.clear(screen.getByLabelText('Month'))
    await user.type(screen.getByLabelText('Month'), '3')
    await user.clear(screen.getByLabelText('Time of the visit'))
    await user.type(screen.getByLabelText('Time of the visit'), '10:30')
    await user.click(screen.getByRole('button', { name: 'Save' }))
    await screen.findByText(/^Visit booked for 3 March 2026/)
    expect(document.getElementById('referral-status')).toHaveTextContent('Visit booked')

    await user.click(screen.getByRole('button', { name: 'Record as completed' }))
    await user.click(screen.getByRole('button', { name: 'Save' }))
    expect(document.getElementById('outcome-error')).toHaveTextContent('Enter what happened')
    await user.type(screen.getByLabelText('What happened?'), 'Visited; fitted two alarms')
    await user.click(screen.getByRole('button', { name: 'Save' }))
    await screen.findByText('Referral recorded as completed.')
    expect(document.getElementById('referral-status')).toHaveTextContent('Completed')
    expect(document.getElementById('referral-next')).toHaveTextContent('Nothing more is needed')

    const history = document.getElementById('referral-history') as HTMLElement
    const items = within(history).getAllByRole('listitem')
    expect(items.map((li) => within(li).getByRole('heading').textContent?.split(' (')[0])).toEqual([
      'Completed',
      'Visit booked',
      'Sent to the agency',
    ])
    expect(items[0]).toHaveTextContent('Outcome: Visited; fitted two alarms')
    expect(items[1]).toHaveTextContent('Visit on 3 March 2026')
  })

  it('explains that a referral needs a resident when there are none', async () => {
    const { household } = setUp([])
    await openNew(household.id)
    expect(document.getElementById('referral-no-residents')).toHaveTextContent(
      'no residents are recorded',
    )
    expect(
      screen.getByRole('link', { name: 'Add a resident on the household page' }),
    ).toHaveAttribute('href', `#/household/${household.id}`)
    expect(screen.queryByRole('button', { name: 'Save the referral' })).toBeNull()
  })

  it('asks for what the form cannot send without, and fills reasons from the latest CHARLIE', async () => {
    const { user, fake, household } = setUp(['Edna Sampleton', 'Ray Sampleton'])
    fake.fire.seedCheck(household.id, { alcohol_and_drugs: 8 })
    await openNew(household.id)
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

    // The latest check suggests the recovery service: choosing it fills in why.
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
    expect(await violations()).toEqual([])
  })
})

describe('fire safety on the household page and Today', () => {
  it('lists the checks and referrals, flagging an overdue one', async () => {
    const { fake, household, persons } = setUp()
    fake.fire.seedCheck(household.id, { inappropriate_smoking: 10 }, persons[0]!.id)
    const overdue = fake.fire.seedReferral(household.id, persons[0]!.id, {
      status: 'sent',
      overdueHours: 30,
    })
    fake.fire.seedReferral(household.id, persons[0]!.id, { agency_id: 'substance_misuse' })

    window.location.hash = `#/household/${household.id}`
    const section = await screen.findByRole('region', { name: 'Fire safety' })
    expect(within(section).getByRole('link', { name: 'Do a CHARLIE check' })).toHaveAttribute(
      'href',
      `#/household/${household.id}/charlie`,
    )
    expect(within(section).getByRole('link', { name: 'Make a referral' })).toHaveAttribute(
      'href',
      `#/household/${household.id}/referral`,
    )

    const checks = await within(section).findByRole('table', { name: 'CHARLIE checks' })
    const checkRows = within(checks).getAllByRole('row').slice(1)
    expect(checkRows).toHaveLength(1)
    expect(checkRows[0]).toHaveTextContent('Edna Sampleton')
    expect(within(checkRows[0]!).getByText('Medium risk')).toBeInTheDocument()
    expect(checkRows[0]).toHaveTextContent('16 points')
    expect(checkRows[0]).toHaveTextContent('Threshold met')

    const referrals = within(section).getByRole('table', { name: 'Referrals' })
    const rows = within(referrals).getAllByRole('row').slice(1)
    expect(rows).toHaveLength(2)
    expect(rows[0]).toHaveTextContent('Drug and Alcohol Recovery Service (demo)')
    expect(within(rows[0]!).getByText('Draft')).toHaveClass('govuk-tag')
    expect(rows[1]).toHaveTextContent(AGENCY)
    expect(within(rows[1]!).getByText('Sent')).toHaveClass('govuk-tag')
    expect(within(rows[1]!).getByText('Overdue by 30 hours')).toBeInTheDocument()
    const open = within(rows[1]!).getByRole('link', { name: /Open referral/ })
    expect(open).toHaveAttribute('href', `#/referral/${overdue.referral.id}`)
    expect(open).toHaveAccessibleName(`Open referral to ${AGENCY} for Edna Sampleton, sent`)
    expect(await violations()).toEqual([])
  })

  it('shows how overdue a referral is on its page', async () => {
    const { fake, household, persons } = setUp()
    const late = fake.fire.seedReferral(household.id, persons[0]!.id, {
      status: 'sent',
      overdueHours: 50,
    })
    await openReferral(late.referral.id)
    expect(document.getElementById('referral-overdue')).toHaveTextContent('Overdue by 2 days')
    expect(await violations()).toEqual([])
  })

  it('counts overdue referrals on Today, linking to the most overdue', async () => {
    const { fake, household, persons } = setUp()
    const person = persons[0]!.id
    fake.fire.seedReferral(household.id, person, { status: 'sent', overdueHours: 30 })
    const worst = fake.fire.seedReferral(household.id, person, { status: 'sent', overdueHours: 80 })
    fake.fire.seedReferral(household.id, person, { status: 'sent' })
    fake.fire.seedReferral(household.id, person, { status: 'acknowledged' })

    window.location.hash = '#/today'
    const panel = await screen.findByRole('region', { name: 'Waiting for action' })
    const link = await within(panel).findByRole('link', { name: '2 referrals overdue' })
    expect(link).toHaveAttribute('href', `#/referral/${worst.referral.id}`)
    expect(within(panel).getByRole('link', { name: /waiting for approval/ })).toHaveAttribute(
      'href',
      '#/approvals',
    )
  })

  it('leaves the overdue referrals line out when there are none or they fail to load', async () => {
    const { fake, household, persons } = setUp()
    fake.fire.seedReferral(household.id, persons[0]!.id, { status: 'sent' })
    window.location.hash = '#/today'
    const panel = await screen.findByRole('region', { name: 'Waiting for action' })
    await within(panel).findByRole('link', { name: /cocoon/ })
    expect(within(panel).queryByRole('link', { name: /referral/ })).toBeNull()
  })

  it('hides the line when the list fails, and keeps the rest of Today', async () => {
    const { fake, household, persons } = setUp()
    fake.fire.seedReferral(household.id, persons[0]!.id, { status: 'sent', overdueHours: 5 })
    fake.overdueReferralList = () =>
      Promise.resolve(err(appError('internal', 'Referrals are broken today.')))
    window.location.hash = '#/today'
    const panel = await screen.findByRole('region', { name: 'Waiting for action' })
    await within(panel).findByRole('link', { name: /cocoon/ })
    expect(within(panel).queryByRole('link', { name: /referral/ })).toBeNull()
    expect(screen.queryByText('Referrals are broken today.')).toBeNull()
  })
})
