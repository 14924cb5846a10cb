import { screen, waitFor, within } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import { DEMO_SUPERVISOR } from '$lib/backend/fake-data'
import { PASSPHRASE, renderApp } from './render'

const WARDEN_PASSPHRASE = 'meadow copper lighthouse anvil'

async function openSettings(options: Parameters<typeof renderApp>[0] = {}) {
  const app = renderApp({ state: 'unlocked', passphrase: PASSPHRASE, ...options })
  await app.user.click(await screen.findByRole('link', { name: 'Settings' }))
  await screen.findByRole('heading', { level: 1, name: 'Settings' })
  await screen.findByRole('heading', { level: 2, name: 'People who use this laptop' })
  return app
}

function peopleList(): string[] {
  const list = document.getElementById('people-list')
  return Array.from(list?.querySelectorAll('.govuk-summary-list__row') ?? []).map((row) =>
    (row.textContent ?? '').replace(/\s+/g, ' ').trim(),
  )
}

describe('People who use this laptop', () => {
  it('lists each person with their role', async () => {
    await openSettings({
      officerName: 'Sam Officer',
      otherUsers: [DEMO_SUPERVISOR],
    })
    await waitFor(() =>
      expect(peopleList()).toEqual([
        'Morgan Checkley Supervisor',
        'Sam Officer Burglary reduction officer Signed in now',
      ]),
    )
    expect(screen.getByText(/who every visit, survey, plan and approval is recorded against/))
  })

  it('shows what is wrong beside each field, from the form and from the backend', async () => {
    const { user, fake } = await openSettings()
    await user.click(screen.getByRole('button', { name: 'Add this person' }))

    const summary = await screen.findByRole('alert')
    expect(within(summary).getByRole('link', { name: 'Enter their full name' })).toHaveAttribute(
      'href',
      '#new-person-name',
    )
    expect(document.getElementById('new-person-name-error')).toHaveTextContent(
      'Enter their full name',
    )
    expect(document.getElementById('new-person-passphrase-error')).toHaveTextContent(
      'Enter a passphrase',
    )
    expect(fake.calls.some((c) => c.method === 'addUser')).toBe(false)

    // The backend refuses a name already on the laptop and a passphrase someone else uses.
    await user.type(screen.getByLabelText('Full name'), 'sam officer')
    await user.type(screen.getByLabelText('Their passphrase'), PASSPHRASE)
    await user.type(screen.getByLabelText('Type their passphrase again'), PASSPHRASE)
    await user.click(screen.getByRole('button', { name: 'Add this person' }))

    await waitFor(() =>
      expect(document.getElementById('new-person-name-error')).toHaveTextContent(
        'Sam Officer can already unlock Doorstep on this laptop',
      ),
    )
    expect(document.getElementById('new-person-passphrase-error')).toHaveTextContent(
      'Choose a different passphrase',
    )
    expect(screen.getByLabelText('Their passphrase')).toHaveAttribute(
      'aria-describedby',
      expect.stringContaining('new-person-passphrase-error'),
    )
    expect(screen.getByLabelText('Full name')).toHaveValue('sam officer')
    expect(fake.users).toHaveLength(1)
    expect(screen.queryByText(/can now unlock Doorstep/)).toBeNull()
  })

  it('adds a supervisor, says so, and hands adding people over to them', async () => {
    const { user, fake } = await openSettings()
    await user.type(screen.getByLabelText('Full name'), DEMO_SUPERVISOR.name)
    await user.click(screen.getByRole('radio', { name: 'Supervisor' }))
    await user.type(screen.getByLabelText('Their passphrase'), DEMO_SUPERVISOR.passphrase)
    await user.type(
      screen.getByLabelText('Type their passphrase again'),
      DEMO_SUPERVISOR.passphrase,
    )
    await user.click(screen.getByRole('button', { name: 'Add this person' }))

    expect(
      await screen.findByText('Morgan Checkley can now unlock Doorstep with their own passphrase'),
    ).toBeInTheDocument()
    await waitFor(() => expect(peopleList()).toContain('Morgan Checkley Supervisor'))
    expect(fake.users.map((u) => [u.name, u.role])).toEqual([
      ['Sam Officer', 'officer'],
      ['Morgan Checkley', 'supervisor'],
    ])
    // Now there is a supervisor, the officer who set up the laptop no longer adds people.
    await waitFor(() =>
      expect(screen.queryByRole('button', { name: 'Add this person' })).toBeNull(),
    )
    expect(screen.getByText(/Only a supervisor can add people to this laptop/)).toBeInTheDocument()
  })

  it('lets a signed-in supervisor add a warden, then clears the form for the next person', async () => {
    const { user, fake } = await openSettings({
      otherUsers: [DEMO_SUPERVISOR],
      signedInAs: DEMO_SUPERVISOR.name,
    })
    const session = screen.getByRole('region', { name: 'Your session' })
    expect(session).toHaveTextContent('Morgan Checkley, Supervisor')

    await user.type(screen.getByLabelText('Full name'), 'Jo Walker')
    await user.click(screen.getByRole('radio', { name: 'Neighbourhood warden' }))
    await user.type(screen.getByLabelText('Their passphrase'), WARDEN_PASSPHRASE)
    await user.type(screen.getByLabelText('Type their passphrase again'), WARDEN_PASSPHRASE)
    await user.click(screen.getByRole('button', { name: 'Add this person' }))

    expect(
      await screen.findByText('Jo Walker can now unlock Doorstep with their own passphrase'),
    ).toBeInTheDocument()
    expect(fake.users.at(-1)).toMatchObject({ name: 'Jo Walker', role: 'warden' })
    expect(screen.getByLabelText('Full name')).toHaveValue('')
    expect(screen.getByLabelText('Their passphrase')).toHaveValue('')
    expect(screen.getByRole('radio', { name: 'Burglary reduction officer' })).toBeChecked()
    await waitFor(() => expect(peopleList()).toContain('Jo Walker Neighbourhood warden'))
  })

  it('offers no form to someone who may not add people', async () => {
    await openSettings({
      otherUsers: [
        DEMO_SUPERVISOR,
        { name: 'Jo Walker', role: 'warden', passphrase: WARDEN_PASSPHRASE },
      ],
      signedInAs: 'Jo Walker',
    })
    await waitFor(() => expect(peopleList()).toHaveLength(3))
    expect(screen.queryByRole('button', { name: 'Add this person' })).toBeNull()
    expect(screen.getByText(/Only a supervisor can add people to this laptop/)).toBeInTheDocument()
  })
})
