// Households, residents and visits against what the real commands answered
// (ui/src/test/fixtures/household.json). Every refusal, normalised value, plan and cocoon
// below is one Rust produced; each test starts at the form, or at 12 Acacia Avenue (an
// empty household) on a branch of its own.

import { act, screen, waitFor, within } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import type {
  AppError,
  CocoonSummary,
  Household,
  HouseholdPage,
  PlanSummary,
  SurveyPage,
  SyncStatus,
  Visit,
} from '$lib/backend/types'
import type { Stub } from '$lib/backend/stub'
import { tierLabel } from '$lib/components/plan/plan-text'
import { formatDate } from '$lib/services/dates'
import { formatPence } from '$lib/services/format'
import { renderRecorded } from './render'

/** The message Rust gave for `field` in a refusal. */
function said(error: AppError, field: string): string {
  const message = error.fields.find((f) => f.field === field)?.message
  expect(message, `Rust said something about ${field}`).toBeDefined()
  return message!
}

/** The household the branch's first page read is about. */
function householdId(stub: Stub): string {
  return stub.result<HouseholdPage>('get_household').household.id
}

/**
 * Opens a household's page on `branch`: 12 Acacia Avenue as the trunk left it, or (`own`)
 * the household as the branch first read it.
 */
async function openHousehold(branch: string, own = false) {
  const app = await renderRecorded('household', {
    branch,
    ...(own ? {} : { from: 'acacia' }),
    hash: (stub) => `#/household/${householdId(stub)}`,
  })
  const page = app.stub.result<HouseholdPage>('get_household')
  await screen.findByRole('heading', { level: 1, name: page.household.address_line_1 })
  return { ...app, page, householdId: page.household.id }
}

describe('household form', () => {
  it('shows validation errors beside their fields and in a summary, keeping what was typed', async () => {
    const { user, stub } = await renderRecorded('household', { hash: '#/household/new' })
    await screen.findByRole('heading', { level: 1, name: 'Add a household' })
    const refusal = stub.recorded('create_household').error!

    await user.type(screen.getByLabelText('Address line 1'), '7 Quarry Lane')
    await user.type(screen.getByLabelText('Address line 2 (optional)'), 'Flat 2')
    await user.type(screen.getByLabelText('Postcode'), 'not a postcode')
    await user.click(screen.getByRole('button', { name: 'Save household' }))

    const summary = await screen.findByRole('alert')
    await waitFor(() => expect(summary.parentElement).toHaveFocus())
    const links = within(summary).getAllByRole('link')
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['#town', '#postcode'])
    expect(document.getElementById('town-error')).toHaveTextContent(said(refusal, 'town'))
    expect(document.getElementById('postcode-error')).toHaveTextContent(said(refusal, 'postcode'))
    expect(screen.getByLabelText('Postcode')).toHaveAttribute('aria-invalid', 'true')
    expect(screen.getByLabelText('Address line 1')).not.toHaveAttribute('aria-invalid')
    expect(document.title).toBe('Error: Add a household – Doorstep')

    // Nothing typed is lost.
    expect(screen.getByLabelText('Address line 1')).toHaveValue('7 Quarry Lane')
    expect(screen.getByLabelText('Address line 2 (optional)')).toHaveValue('Flat 2')
    expect(screen.getByLabelText('Postcode')).toHaveValue('not a postcode')

    // A summary link takes the officer to the field.
    await user.click(links[1]!)
    expect(screen.getByLabelText('Postcode')).toHaveFocus()

    await user.clear(screen.getByLabelText('Postcode'))
    await user.type(screen.getByLabelText('Postcode'), 'zy18 9zz')
    await user.type(screen.getByLabelText('Town or city'), 'Eastwick Vale{Enter}')

    const heading = await screen.findByRole('heading', { level: 1, name: '7 Quarry Lane' })
    await waitFor(() => expect(heading).toHaveFocus())
    expect(screen.getByText('Household added')).toBeInTheDocument()
    // Rust writes the postcode the standard way.
    const made = stub.sent('create_household').at(-1)
    expect(made).toMatchObject({ draft: { postcode: 'zy18 9zz', town: 'Eastwick Vale' } })
    expect(stub.result<Household>('create_household', made!).postcode).toBe('ZY18 9ZZ')
    expect(screen.getByText(/ZY18 9ZZ/)).toBeInTheDocument()
    expect(stub.unanswered).toEqual([])
  })

  it('changes an address and keeps its coordinates', async () => {
    const { user, stub, householdId } = await openHousehold('change-address', true)
    expect(screen.getByText(/Easting 453000, northing 360500/)).toBeInTheDocument()

    await user.click(screen.getByRole('link', { name: 'Change the address' }))
    const line1 = await screen.findByLabelText('Address line 1')
    expect(line1).toHaveValue('3 Larch Grove')
    await user.clear(line1)
    await user.type(line1, '3A Larch Grove{Enter}')

    await screen.findByRole('heading', { level: 1, name: '3A Larch Grove' })
    expect(stub.sent('update_household')).toEqual([
      {
        id: householdId,
        draft: expect.objectContaining({
          address_line_1: '3A Larch Grove',
          coordinates: { kind: 'grid', easting: 453000, northing: 360500 },
        }),
      },
    ])
    expect(stub.result<Household>('update_household').coordinates).toEqual({
      kind: 'grid',
      easting: 453000,
      northing: 360500,
    })
    expect(screen.getByText(/Easting 453000, northing 360500/)).toBeInTheDocument()
    expect(stub.unanswered).toEqual([])
  })
})

describe('household page', () => {
  it('shows a colleague’s visit that a sync brings, keeping what is being typed', async () => {
    const { user, stub } = await openHousehold('sync')
    expect(screen.getByRole('link', { name: 'Visits (0)' })).toBeInTheDocument()
    await user.type(screen.getByLabelText('Full name'), 'Morgan Tallow')

    // The colleague's visit is in the store now; a sync says records changed.
    stub.from('synced')
    const status = stub.result<SyncStatus>('sync_status')
    await act(() =>
      stub.emit('sync-status', { ...status, records_changed_at: '2026-03-05T09:30:00Z' }),
    )

    await screen.findByRole('link', { name: 'Visits (1)' })
    expect(screen.getByText('Fitted door chain')).toBeInTheDocument()
    expect(screen.getByLabelText('Full name')).toHaveValue('Morgan Tallow')
  })

  it('adds a resident, and shows resident errors beside the fields', async () => {
    const { user, stub } = await openHousehold('resident')
    const refusal = stub.recorded('add_person').error!
    expect(screen.getByText('No residents are recorded yet. Add them below.')).toBeInTheDocument()

    await user.type(screen.getByLabelText('Email address (optional)'), 'not-an-email')
    await user.click(screen.getByLabelText('Phone call'))
    await user.click(screen.getByRole('button', { name: 'Add resident' }))

    await waitFor(() =>
      expect(document.getElementById('full_name-error')).toHaveTextContent(
        said(refusal, 'full_name'),
      ),
    )
    expect(document.getElementById('email-error')).toHaveTextContent(said(refusal, 'email'))
    expect(document.getElementById('phone-error')).toHaveTextContent(said(refusal, 'phone'))
    expect(screen.getByLabelText('Email address (optional)')).toHaveValue('not-an-email')
    expect(screen.getByLabelText('Phone call')).toBeChecked()

    await user.type(screen.getByLabelText('Full name'), 'Edith Marsh')
    await user.clear(screen.getByLabelText('Email address (optional)'))
    await user.type(screen.getByLabelText('Phone number (optional)'), '01623 463463')
    await user.selectOptions(screen.getByLabelText('Age band'), '75 to 84')
    await user.click(screen.getByRole('button', { name: 'Add resident' }))

    const card = (await screen.findByRole('heading', { level: 3, name: 'Edith Marsh' })).closest(
      '.govuk-summary-card',
    ) as HTMLElement
    expect(within(card).getByText('75 to 84')).toBeInTheDocument()
    expect(within(card).getByText('Phone call')).toBeInTheDocument()
    expect(stub.sent('add_person').at(-1)).toMatchObject({
      draft: { full_name: 'Edith Marsh', age_band: '75_to_84' },
    })
    // The add form is empty again for the next resident.
    expect(screen.getByLabelText('Full name')).toHaveValue('')
    expect(stub.unanswered).toEqual([])
  })

  it('edits a resident in place; Escape closes the form and returns focus', async () => {
    const { user, stub } = await openHousehold('edit-resident')
    await user.type(screen.getByLabelText('Full name'), 'Owen Lomas{Enter}')
    const change = await screen.findByRole('button', { name: 'Change the details of Owen Lomas' })

    await user.click(change)
    const name = screen.getByLabelText('Full name')
    await waitFor(() => expect(name).toHaveFocus())
    expect(name).toHaveValue('Owen Lomas')
    await user.keyboard('{Escape}')
    await waitFor(() =>
      expect(
        screen.getByRole('button', { name: 'Change the details of Owen Lomas' }),
      ).toHaveFocus(),
    )

    await user.click(screen.getByRole('button', { name: 'Change the details of Owen Lomas' }))
    await user.clear(screen.getByLabelText('Full name'))
    await user.type(screen.getByLabelText('Full name'), 'Owen J Lomas')
    await user.click(screen.getByRole('button', { name: 'Save changes' }))

    await screen.findByText('Details saved for Owen J Lomas.')
    expect(stub.sent('update_person')).toHaveLength(1)
    expect(screen.getAllByRole('heading', { level: 3, name: /Owen/ })).toHaveLength(1)
    expect(stub.unanswered).toEqual([])
  })

  it('records a visit, planned by default on today, and lists it in the history', async () => {
    const { user, stub } = await openHousehold('visit')
    // Day, month and year boxes (GOV.UK), whatever the machine's locale: today is Rust's.
    const date = screen.getByRole('group', { name: 'Date of visit' })
    expect(within(date).getByLabelText('Day')).toHaveValue('5')
    expect(within(date).getByLabelText('Month')).toHaveValue('3')
    expect(within(date).getByLabelText('Year')).toHaveValue('2026')
    expect(screen.getByLabelText('Outcome')).toHaveDisplayValue('Planned – not yet visited')

    await user.selectOptions(screen.getByLabelText('Type of visit'), 'Cocoon neighbour')
    await user.selectOptions(screen.getByLabelText('Outcome'), 'No answer')
    await user.type(screen.getByLabelText('Notes (optional)'), 'Card left through the door.')
    await user.click(screen.getByRole('button', { name: 'Save visit' }))

    const table = await screen.findByRole('table', { name: /Visit history/ })
    const row = within(table).getAllByRole('row')[1]!
    const saved = stub.result<Visit>('create_visit')
    expect(saved).toMatchObject({ kind: 'cocoon_neighbour', outcome: 'no_answer' })
    expect(within(row).getByText('5 March 2026')).toBeInTheDocument()
    expect(within(row).getByText('Cocoon neighbour')).toBeInTheDocument()
    expect(within(row).getByText('No answer')).toBeInTheDocument()
    expect(within(row).getByText(saved.officer_name)).toBeInTheDocument()
    expect(within(row).getByText('Card left through the door.')).toBeInTheDocument()
    expect(screen.getByLabelText('Notes (optional)')).toHaveValue('')
    expect(stub.unanswered).toEqual([])
  })

  it('shows a visit error beside the outcome and keeps the notes', async () => {
    const { user, stub } = await openHousehold('future-visit')
    const refusal = stub.recorded('create_visit').error!
    const date = screen.getByRole('group', { name: 'Date of visit' })
    for (const [box, typed] of [
      ['Day', '24'],
      ['Month', '12'],
      ['Year', '2026'],
    ] as const) {
      await user.clear(within(date).getByLabelText(box))
      await user.type(within(date).getByLabelText(box), typed)
    }
    await user.selectOptions(screen.getByLabelText('Outcome'), 'Completed')
    await user.type(screen.getByLabelText('Notes (optional)'), 'Fit window locks')
    await user.click(screen.getByRole('button', { name: 'Save visit' }))

    await waitFor(() =>
      expect(document.getElementById('visit-outcome-error')).toHaveTextContent(
        said(refusal, 'outcome'),
      ),
    )
    expect(screen.getByLabelText('Notes (optional)')).toHaveValue('Fit window locks')
    expect(stub.unanswered).toEqual([])
  })

  it('says when the household does not exist', async () => {
    const { stub } = await renderRecorded('household', {
      branch: 'not-found',
      hash: (stub) => `#/household/${String(stub.recorded('get_household').args.id)}`,
    })
    await screen.findByRole('heading', { level: 1, name: 'Household not found' })
    expect(stub.recorded('get_household').error?.code).toBe('not_found')
  })
})

describe('household page: home security', () => {
  it('starts a survey on the latest visit so far, and lists it to continue', async () => {
    const { user, stub, householdId, page } = await openHousehold('survey', true)
    expect(
      await screen.findByText('No home security survey has been started here yet.'),
    ).toBeInTheDocument()

    await user.click(screen.getByRole('button', { name: 'Start a home security survey' }))
    await screen.findByRole('heading', { level: 1, name: 'Home security survey' })
    // The visit planned for next week is not the one this survey is made on.
    const made = page.visits.find((v) => v.outcome !== null)!
    expect(page.visits.find((v) => v.outcome === null)?.visit_date).toBe('2026-03-12')
    expect(stub.sent('start_survey')).toEqual([{ householdId, visitId: made.id }])
    const surveyId = stub.result<SurveyPage>('start_survey').state.survey.id
    expect(window.location.hash).toBe(`#/survey/${surveyId}`)

    await user.click(screen.getByRole('link', { name: 'Back to the household' }))
    const table = await screen.findByRole('table', { name: 'Surveys' })
    const link = within(table).getByRole('link', { name: /^Continue survey started/ })
    expect(link).toHaveAttribute('href', `#/survey/${surveyId}`)
  })

  it('lists plans and cocoons with their state', async () => {
    const { stub } = await openHousehold('plans', true)
    const [summary] = stub.result<PlanSummary[]>('plans_for_household')
    const [cocoon] = stub.result<CocoonSummary[]>('cocoons')
    expect(summary).toBeDefined()
    expect(cocoon).toBeDefined()

    const plans = await screen.findByRole('table', { name: 'Improvement plans' })
    const plan = within(plans).getAllByRole('row')[1]!
    expect(within(plan).getByText(tierLabel(summary!.plan.tier))).toBeInTheDocument()
    expect(summary!.plan.status).toBe('fitted')
    expect(within(plan).getByText('Fitted')).toHaveClass('govuk-tag')
    expect(within(plan).getByText(formatDate(summary!.follow_up_due!))).toBeInTheDocument()
    expect(within(plan).getByText(formatPence(summary!.totals.estimated_pence))).toBeInTheDocument()
    expect(within(plan).getByRole('link', { name: /^Open plan/ })).toHaveAttribute(
      'href',
      `#/plan/${summary!.plan.id}`,
    )

    const cocoons = screen.getByRole('table', { name: 'Cocoons' })
    const row = within(cocoons).getAllByRole('row')[1]!
    expect(
      within(row).getByText(`${cocoon!.dosage.reached} of ${cocoon!.dosage.targets} doors reached`),
    ).toBeInTheDocument()
    expect(within(row).getByRole('link', { name: /^Open cocoon/ })).toHaveAttribute(
      'href',
      `#/cocoon/${cocoon!.id}`,
    )
    expect(cocoon!.state).toBe('overdue')
    expect(within(row).getByText('Overdue')).toHaveClass('govuk-tag')
    expect(stub.unanswered).toEqual([])
  })

  it('lists the cocoon a burglary visit opened as soon as the visit is saved', async () => {
    const { user, stub } = await openHousehold('cocoon', true)
    expect(await screen.findByText('No cocoon has been opened around this home.')).toBeVisible()
    await user.selectOptions(screen.getByLabelText('Type of visit'), 'burglary_victim')
    await user.selectOptions(screen.getByLabelText('Outcome'), 'completed')
    await user.click(screen.getByRole('button', { name: 'Save visit' }))
    await waitFor(() =>
      expect(document.getElementById('cocoon-list')).toHaveTextContent(/doors reached/),
    )
    expect(stub.unanswered).toEqual([])
  })

  it('shows why a cocoon could not be opened', async () => {
    const { user, stub } = await openHousehold('no-location')
    const refusal = stub.recorded('open_cocoon').error!
    await user.click(screen.getByRole('button', { name: 'Open a cocoon' }))
    const message = await screen.findByText(said(refusal, 'coordinates'))
    const summary = message.closest('.govuk-error-summary') as HTMLElement
    expect(summary).toHaveTextContent('There is a problem')
    await waitFor(() => expect(summary).toHaveFocus())
    expect(screen.getByRole('heading', { level: 1, name: '12 Acacia Avenue' })).toBeInTheDocument()
  })
})

describe('restricted household', () => {
  it('shows the sentence Rust sent in a status banner the keyboard reaches, and offers no change', async () => {
    const { user, stub, page } = await openHousehold('sync')
    expect(screen.getByRole('button', { name: /Add resident/ })).toBeInTheDocument()
    // The hub restricted the household: the next read says so. The sentence is whatever
    // Rust sends; this one is made up so a sentence typed into the UI would not match.
    const notice = 'Sentence from Rust: kept, nothing added or changed.'
    stub.answer('get_household', { ...page, restricted: true, restriction_notice: notice })
    stub.from('synced')
    const status = stub.result<SyncStatus>('sync_status')
    await act(() =>
      stub.emit('sync-status', { ...status, records_changed_at: '2026-03-05T09:30:00Z' }),
    )

    const banner = await screen.findByRole('status', { name: 'Restricted' })
    expect(banner).toHaveTextContent(notice)
    for (const action of [
      /Change the address/,
      /Add resident/,
      /Save visit|Add visit/,
      /Start a home security survey/,
      /Open a cocoon/,
      /Do a CHARLIE check/,
      /Make a referral/,
    ]) {
      expect(screen.queryByRole('button', { name: action })).toBeNull()
      expect(screen.queryByRole('link', { name: action })).toBeNull()
    }
    expect(screen.queryByRole('button', { name: /^Change/ })).toBeNull()

    // The page's contents link takes the keyboard to the banner.
    await user.click(screen.getByRole('link', { name: 'Restricted: why nothing can be changed' }))
    expect(banner).toHaveFocus()
  })
})
