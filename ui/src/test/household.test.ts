import { act, screen, waitFor, within } from '@testing-library/svelte'
import { describe, expect, it, vi } from 'vitest'
import { appError, err, ok } from '$lib/backend/backend'
import type { Plan } from '$lib/backend/types'
import { renderApp, TODAY } from './render'

describe('household form', () => {
  it('shows validation errors beside their fields and in a summary, keeping what was typed', async () => {
    const { user, fake } = renderApp({ state: 'unlocked' })
    window.location.hash = '#/household/new'
    await screen.findByRole('heading', { level: 1, name: 'Add a household' })

    await user.type(screen.getByLabelText('Address line 1'), '7 Quarry Lane')
    await user.type(screen.getByLabelText('Address line 2 (optional)'), 'Flat 2')
    await user.type(screen.getByLabelText('Postcode'), 'not a postcode')
    await user.click(screen.getByRole('button', { name: 'Save household' }))

    const summary = await screen.findByRole('alert')
    await waitFor(() => expect(summary.parentElement).toHaveFocus())
    const links = within(summary).getAllByRole('link')
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['#town', '#postcode'])
    expect(document.getElementById('town-error')).toHaveTextContent('Enter the town or city')
    expect(document.getElementById('postcode-error')).toHaveTextContent('Enter a real postcode')
    expect(screen.getByLabelText('Postcode')).toHaveAttribute('aria-invalid', 'true')
    expect(screen.getByLabelText('Address line 1')).not.toHaveAttribute('aria-invalid')
    expect(document.title).toBe('Error: Add a household – Doorstep')

    // Nothing typed is lost.
    expect(screen.getByLabelText('Address line 1')).toHaveValue('7 Quarry Lane')
    expect(screen.getByLabelText('Address line 2 (optional)')).toHaveValue('Flat 2')
    expect(screen.getByLabelText('Postcode')).toHaveValue('not a postcode')
    expect(fake.households).toHaveLength(0)

    // A summary link takes the officer to the field.
    await user.click(links[1]!)
    expect(screen.getByLabelText('Postcode')).toHaveFocus()

    await user.clear(screen.getByLabelText('Postcode'))
    await user.type(screen.getByLabelText('Postcode'), 'zy18 9zz')
    await user.type(screen.getByLabelText('Town or city'), 'Eastwick Vale{Enter}')

    const heading = await screen.findByRole('heading', { level: 1, name: '7 Quarry Lane' })
    await waitFor(() => expect(heading).toHaveFocus())
    expect(screen.getByText('Household added')).toBeInTheDocument()
    expect(fake.households[0]?.postcode).toBe('ZY18 9ZZ')
  })

  it('changes an address and keeps its coordinates', async () => {
    const { user, fake } = renderApp({ state: 'unlocked' })
    const household = fake.addHousehold({
      address_line_1: '3 Larch Grove',
      coordinates: { kind: 'grid', easting: 453000, northing: 360500 },
    })
    window.location.hash = `#/household/${household.id}`
    await screen.findByRole('heading', { level: 1, name: '3 Larch Grove' })
    expect(screen.getByText(/Easting 453000, northing 360500/)).toBeInTheDocument()

    await user.click(screen.getByRole('link', { name: 'Change the address' }))
    const line1 = await screen.findByLabelText('Address line 1')
    expect(line1).toHaveValue('3 Larch Grove')
    await user.clear(line1)
    await user.type(line1, '3A Larch Grove{Enter}')

    await screen.findByRole('heading', { level: 1, name: '3A Larch Grove' })
    expect(fake.households[0]?.coordinates).toEqual({
      kind: 'grid',
      easting: 453000,
      northing: 360500,
    })
  })
})

describe('household page', () => {
  async function openHousehold() {
    const app = renderApp({ state: 'unlocked' })
    const household = app.fake.addHousehold({
      address_line_1: '12 Acacia Avenue',
      postcode: 'ZY18 9ZA',
    })
    window.location.hash = `#/household/${household.id}`
    await screen.findByRole('heading', { level: 1, name: '12 Acacia Avenue' })
    return { ...app, household }
  }

  it('shows a colleague’s visit that a sync brings, keeping what is being typed', async () => {
    const { user, fake, household } = await openHousehold()
    expect(screen.getByRole('link', { name: 'Visits (0)' })).toBeInTheDocument()
    await user.type(screen.getByLabelText('Full name'), 'Morgan Tallow')

    fake.addVisit(household.id, { outcome: 'completed', notes: 'Fitted door chain' })
    act(() => void fake.sync.emit({ records_changed_at: new Date().toISOString() }))

    await screen.findByRole('link', { name: 'Visits (1)' })
    expect(screen.getByText('Fitted door chain')).toBeInTheDocument()
    expect(screen.getByLabelText('Full name')).toHaveValue('Morgan Tallow')
  })

  it('adds a resident, and shows resident errors beside the fields', async () => {
    const { user, fake } = await openHousehold()
    expect(screen.getByText('No residents are recorded yet. Add them below.')).toBeInTheDocument()

    await user.type(screen.getByLabelText('Email address (optional)'), 'not-an-email')
    await user.click(screen.getByLabelText('Phone call'))
    await user.click(screen.getByRole('button', { name: 'Add resident' }))

    await waitFor(() =>
      expect(document.getElementById('full_name-error')).toHaveTextContent(
        "Enter the resident's full name",
      ),
    )
    expect(document.getElementById('email-error')).toHaveTextContent('Enter an email address')
    expect(document.getElementById('contact_preferences-error')).toHaveTextContent(
      'Enter a phone number, or untick',
    )
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
    expect(fake.persons[0]).toMatchObject({ full_name: 'Edith Marsh', age_band: '75_to_84' })
    // The add form is empty again for the next resident.
    expect(screen.getByLabelText('Full name')).toHaveValue('')
  })

  it('edits a resident in place; Escape closes the form and returns focus', async () => {
    const { user, fake, household } = await openHousehold()
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
    expect(fake.persons.filter((p) => p.household_id === household.id)).toHaveLength(1)
    expect(fake.persons[0]?.full_name).toBe('Owen J Lomas')
  })

  it('records a visit, planned by default on today, and lists it in the history', async () => {
    const { user, fake } = await openHousehold()
    // Day, month and year boxes (GOV.UK), whatever the machine's locale.
    const date = screen.getByRole('group', { name: 'Date of visit' })
    const [year, month, day] = TODAY.split('-').map(Number)
    expect(within(date).getByLabelText('Day')).toHaveValue(String(day))
    expect(within(date).getByLabelText('Month')).toHaveValue(String(month))
    expect(within(date).getByLabelText('Year')).toHaveValue(String(year))
    expect(screen.getByLabelText('Outcome')).toHaveDisplayValue('Planned – not yet visited')

    await user.selectOptions(screen.getByLabelText('Type of visit'), 'Cocoon neighbour')
    await user.selectOptions(screen.getByLabelText('Outcome'), 'No answer')
    await user.type(screen.getByLabelText('Notes (optional)'), 'Card left through the door.')
    await user.click(screen.getByRole('button', { name: 'Save visit' }))

    const table = await screen.findByRole('table', { name: /Visit history/ })
    const row = within(table).getAllByRole('row')[1]!
    expect(within(row).getByText('27 November 2025')).toBeInTheDocument()
    expect(within(row).getByText('Cocoon neighbour')).toBeInTheDocument()
    expect(within(row).getByText('No answer')).toBeInTheDocument()
    expect(within(row).getByText('Sam Officer')).toBeInTheDocument()
    expect(within(row).getByText('Card left through the door.')).toBeInTheDocument()
    expect(fake.visits[0]).toMatchObject({ kind: 'cocoon_neighbour', outcome: 'no_answer' })
    expect(screen.getByLabelText('Notes (optional)')).toHaveValue('')
  })

  it('shows a visit error beside the outcome and keeps the notes', async () => {
    const { user } = await openHousehold()
    const date = screen.getByRole('group', { name: 'Date of visit' })
    for (const [box, typed] of [
      ['Day', '24'],
      ['Month', '12'],
      ['Year', '2025'],
    ] as const) {
      await user.clear(within(date).getByLabelText(box))
      await user.type(within(date).getByLabelText(box), typed)
    }
    await user.selectOptions(screen.getByLabelText('Outcome'), 'Completed')
    await user.type(screen.getByLabelText('Notes (optional)'), 'Fit window locks')
    await user.click(screen.getByRole('button', { name: 'Save visit' }))

    await waitFor(() =>
      expect(document.getElementById('visit-outcome-error')).toHaveTextContent(
        'A visit in the future cannot have an outcome',
      ),
    )
    expect(screen.getByLabelText('Notes (optional)')).toHaveValue('Fit window locks')
  })

  it('says when the household does not exist', async () => {
    renderApp({ state: 'unlocked' })
    window.location.hash = '#/household/h-9999'
    await screen.findByRole('heading', { level: 1, name: 'Household not found' })
  })
})

describe('household page: home security', () => {
  async function openHousehold() {
    const app = renderApp({ state: 'unlocked' })
    const household = app.fake.addHousehold({
      address_line_1: '12 Acacia Avenue',
      postcode: 'ZY18 9ZA',
    })
    const visit = app.fake.addVisit(household.id, { outcome: 'completed' })
    app.fake.addVisit(household.id, { visit_date: '2025-12-04', outcome: null })
    window.location.hash = `#/household/${household.id}`
    await screen.findByRole('heading', { level: 1, name: '12 Acacia Avenue' })
    return { ...app, household, visit }
  }

  it('starts a survey on the latest visit so far, and lists it to continue', async () => {
    const { user, fake, household, visit } = await openHousehold()
    expect(
      await screen.findByText('No home security survey has been started here yet.'),
    ).toBeInTheDocument()

    await user.click(screen.getByRole('button', { name: 'Start a home security survey' }))
    await screen.findByRole('heading', { level: 1, name: 'Home security survey' })
    // The visit planned for next week is not the one this survey is made on.
    expect(fake.calls.find((c) => c.method === 'startSurvey')?.args).toEqual([
      household.id,
      visit.id,
    ])
    const surveyId = fake.surveys.surveys[0]!.id
    expect(window.location.hash).toBe(`#/survey/${surveyId}`)

    await user.click(screen.getByRole('link', { name: 'Back to the household' }))
    const table = await screen.findByRole('table', { name: 'Surveys' })
    const link = within(table).getByRole('link', { name: /^Continue survey started/ })
    expect(link).toHaveAttribute('href', `#/survey/${surveyId}`)
  })

  it('lists plans and cocoons with their state', async () => {
    const app = renderApp({ state: 'unlocked' })
    const household = app.fake.addHousehold({ address_line_1: '3 Larch Grove' })
    vi.spyOn(app.fake, 'plansForHousehold').mockResolvedValue(
      ok([
        {
          plan: fakePlan(),
          household_id: household.id,
          address: '3 Larch Grove, Eastwick Vale',
          postcode: 'ZY18 9ZA',
          follow_up_due: '2026-02-20',
          totals: {
            estimated_pence: 19500,
            actual_pence: 0,
            lines_without_actual: 0,
            cap_pence: 50000,
            over_cap_by_pence: 0,
            under_cap_by_pence: 30500,
            lines: [],
          },
        },
      ]),
    )
    vi.spyOn(app.fake, 'cocoons').mockResolvedValue(
      ok([
        {
          id: 'c-1',
          household_id: household.id,
          address: '3 Larch Grove, Eastwick Vale',
          dates: { opened_on: '2025-11-20', visit_by: '2025-11-27', closes_on: '2025-12-18' },
          dosage: { targets: 20, attempted: 15, reached: 12 },
          state: 'overdue',
        },
      ]),
    )
    window.location.hash = `#/household/${household.id}`

    const plans = await screen.findByRole('table', { name: 'Improvement plans' })
    const plan = within(plans).getAllByRole('row')[1]!
    expect(within(plan).getByText('Silver')).toBeInTheDocument()
    expect(within(plan).getByText('Fitted')).toHaveClass('govuk-tag')
    expect(within(plan).getByText('£195.00')).toBeInTheDocument()
    expect(within(plan).getByText('20 February 2026')).toBeInTheDocument()
    expect(within(plan).getByRole('link', { name: /^Open plan/ })).toHaveAttribute(
      'href',
      '#/plan/pl-1',
    )

    const cocoons = screen.getByRole('table', { name: 'Cocoons' })
    const cocoon = within(cocoons).getAllByRole('row')[1]!
    expect(within(cocoon).getByText('12 of 20 doors reached')).toBeInTheDocument()
    expect(within(cocoon).getByText('Overdue')).toHaveClass('govuk-tag')
    expect(within(cocoon).getByRole('link', { name: /^Open cocoon/ })).toHaveAttribute(
      'href',
      '#/cocoon/c-1',
    )
  })

  it('lists the cocoon a burglary visit opened as soon as the visit is saved', async () => {
    const { user } = await openHousehold()
    expect(await screen.findByText('No cocoon has been opened around this home.')).toBeVisible()
    await user.selectOptions(screen.getByLabelText('Type of visit'), 'burglary_victim')
    await user.selectOptions(screen.getByLabelText('Outcome'), 'completed')
    await user.click(screen.getByRole('button', { name: 'Save visit' }))
    await waitFor(() =>
      expect(document.getElementById('cocoon-list')).toHaveTextContent(/doors reached/),
    )
  })

  it('shows why a cocoon could not be opened', async () => {
    const { user, fake } = await openHousehold()
    vi.spyOn(fake, 'openCocoon').mockResolvedValue(
      err(
        appError(
          'validation',
          'This household has no location: add its coordinates before opening a cocoon',
          [],
          'coordinates',
        ),
      ),
    )
    await user.click(screen.getByRole('button', { name: 'Open a cocoon' }))
    const message = await screen.findByText(/This household has no location/)
    const summary = message.closest('.govuk-error-summary') as HTMLElement
    expect(summary).toHaveTextContent('There is a problem')
    await waitFor(() => expect(summary).toHaveFocus())
    expect(screen.getByRole('heading', { level: 1, name: '12 Acacia Avenue' })).toBeInTheDocument()
  })
})

function fakePlan(): Plan {
  const actor = { officer_id: 'o-1', role: 'officer' as const }
  return {
    id: 'pl-1',
    survey_id: 's-1',
    template_id: 'home-security-survey',
    template_version: 1,
    policy_version: '2026.1',
    catalogue_version: '2026.1',
    recommendation: {
      tier: 'silver',
      matrix_tier: 'silver',
      risk_level: 'medium',
      vulnerability_level: 'medium',
      reasons: [],
      refer_to_da_service: null,
    },
    tier: 'silver',
    tier_reason: null,
    da_service_decision: null,
    cap_pence: 50000,
    over_cap_reason: null,
    items: [
      {
        id: 'pi-1',
        measure_id: 'ts007_cylinder',
        name: 'TS 007 3 star cylinder',
        tier: 'silver',
        trade: 'locksmith',
        quantity: 2,
        unit_cost_pence: 6500,
        actual_cost_pence: null,
        addresses: [],
        applies_to: [],
        origin: 'proposed',
      },
      {
        id: 'pi-2',
        measure_id: 'sensor_light',
        name: 'External sensor light',
        tier: 'silver',
        trade: 'electrician',
        quantity: 1,
        unit_cost_pence: 6500,
        actual_cost_pence: null,
        addresses: [],
        applies_to: [],
        origin: 'proposed',
      },
    ],
    uncovered: [],
    landlord_consent: null,
    cctv_acknowledgement: null,
    status: 'fitted',
    agreement: null,
    approval: null,
    created_by: actor,
    created_at: '2025-11-20T10:00:00Z',
    history: [],
  }
}
