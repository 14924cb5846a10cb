import { screen, waitFor, within } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
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
    await user.type(screen.getByLabelText('Postcode'), 'ng18 9zz')
    await user.type(screen.getByLabelText('Town or city'), 'Mansfield{Enter}')

    const heading = await screen.findByRole('heading', { level: 1, name: '7 Quarry Lane' })
    await waitFor(() => expect(heading).toHaveFocus())
    expect(screen.getByText('Household added')).toBeInTheDocument()
    expect(fake.households[0]?.postcode).toBe('NG18 9ZZ')
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
      postcode: 'NG18 9ZA',
    })
    window.location.hash = `#/household/${household.id}`
    await screen.findByRole('heading', { level: 1, name: '12 Acacia Avenue' })
    return { ...app, household }
  }

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
    expect(screen.getByLabelText('Date of visit')).toHaveValue(TODAY)
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
    await user.clear(screen.getByLabelText('Date of visit'))
    await user.type(screen.getByLabelText('Date of visit'), '2025-12-24')
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
