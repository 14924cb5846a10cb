// The people who use the laptop, against what the real commands answered
// (ui/src/test/fixtures/people.json: an officer's laptop; settings.json: a supervisor's).
// Who may add people, and why a person is refused, are Rust's rules.

import { screen, waitFor, within } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import type { AppError, AppStatus, Officer } from '$lib/backend/types'
import type { FixtureName } from './recorded'
import { renderRecorded, type StubRenderOptions } from './render'

const OFFICER_PASSPHRASE = 'kettle harbour violet sprocket'
const SUPERVISOR = 'Morgan Checkley'
const SUPERVISOR_PASSPHRASE = 'lantern orchard pebble quartz'
const WARDEN_PASSPHRASE = 'meadow copper lantern gravel'

async function openSettings(name: FixtureName, options: StubRenderOptions = {}) {
  const app = await renderRecorded(name, { hash: '#/settings', ...options })
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
    await openSettings('people', { from: 'supervisor added' })
    await waitFor(() =>
      expect(peopleList()).toEqual([
        'Alex Doorley Burglary reduction officer Signed in now',
        'Morgan Checkley Supervisor',
      ]),
    )
    expect(screen.getByText(/who every visit, survey, plan and approval is recorded against/))
  })

  it('shows what is wrong beside each field, from the form and from Rust', async () => {
    const { user, stub } = await openSettings('people')
    await user.click(screen.getByRole('button', { name: 'Add this person' }))

    // Blank fields are the form's own prompts, before anything is sent.
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
    expect(stub.sent('add_user')).toEqual([])

    // Rust refuses a name already on the laptop and a passphrase someone else uses.
    await user.type(screen.getByLabelText('Full name'), 'alex doorley')
    await user.type(screen.getByLabelText('Their passphrase'), OFFICER_PASSPHRASE)
    await user.type(screen.getByLabelText('Type their passphrase again'), OFFICER_PASSPHRASE)
    await user.click(screen.getByRole('button', { name: 'Add this person' }))

    const refusal = stub.recorded('add_user', { name: 'alex doorley' }).error as AppError
    const said = (field: string) => refusal.fields.find((f) => f.field === field)?.message ?? ''
    expect(said('name')).toMatch(/^Alex Doorley can already unlock Doorstep on this laptop/)
    await waitFor(() =>
      expect(document.getElementById('new-person-name-error')).toHaveTextContent(said('name')),
    )
    expect(document.getElementById('new-person-passphrase-error')).toHaveTextContent(
      said('passphrase'),
    )
    expect(screen.getByLabelText('Their passphrase')).toHaveAttribute(
      'aria-describedby',
      expect.stringContaining('new-person-passphrase-error'),
    )
    expect(screen.getByLabelText('Full name')).toHaveValue('alex doorley')
    expect(screen.queryByText(/can now unlock Doorstep/)).toBeNull()
  })

  it('adds a supervisor, says so, and hands adding people over to them', async () => {
    const { user, stub } = await openSettings('people')
    await user.type(screen.getByLabelText('Full name'), SUPERVISOR)
    await user.click(screen.getByRole('radio', { name: 'Supervisor' }))
    await user.type(screen.getByLabelText('Their passphrase'), SUPERVISOR_PASSPHRASE)
    await user.type(screen.getByLabelText('Type their passphrase again'), SUPERVISOR_PASSPHRASE)
    await user.click(screen.getByRole('button', { name: 'Add this person' }))

    expect(
      await screen.findByText('Morgan Checkley can now unlock Doorstep with their own passphrase'),
    ).toBeInTheDocument()
    expect(stub.sent('add_user')).toEqual([
      { name: SUPERVISOR, role: 'supervisor', passphrase: SUPERVISOR_PASSPHRASE },
    ])
    await waitFor(() => expect(peopleList()).toContain('Morgan Checkley Supervisor'))
    expect(stub.result<Officer[]>('list_users').map((u) => [u.name, u.role])).toEqual([
      ['Alex Doorley', 'officer'],
      ['Morgan Checkley', 'supervisor'],
    ])
    // Now there is a supervisor, Rust no longer lets the officer who set up the laptop add people.
    expect(stub.result<AppStatus>('app_status').can_add_people).toBe(false)
    await waitFor(() =>
      expect(screen.queryByRole('button', { name: 'Add this person' })).toBeNull(),
    )
    expect(screen.getByText(/Only a supervisor can add people to this laptop/)).toBeInTheDocument()
    expect(stub.unanswered).toEqual([])
  })

  it('lets a signed-in supervisor add a warden, then clears the form for the next person', async () => {
    const { user, stub } = await openSettings('settings', { from: 'settings' })
    const session = screen.getByRole('region', { name: 'Your session' })
    expect(session).toHaveTextContent('Morgan Checkley, Supervisor')

    await user.type(screen.getByLabelText('Full name'), 'Sam Rivers')
    await user.click(screen.getByRole('radio', { name: 'Neighbourhood warden' }))
    await user.type(screen.getByLabelText('Their passphrase'), WARDEN_PASSPHRASE)
    await user.type(screen.getByLabelText('Type their passphrase again'), WARDEN_PASSPHRASE)
    await user.click(screen.getByRole('button', { name: 'Add this person' }))

    expect(
      await screen.findByText('Sam Rivers can now unlock Doorstep with their own passphrase'),
    ).toBeInTheDocument()
    expect(stub.result<Officer>('add_user')).toMatchObject({ name: 'Sam Rivers', role: 'warden' })
    expect(screen.getByLabelText('Full name')).toHaveValue('')
    expect(screen.getByLabelText('Their passphrase')).toHaveValue('')
    expect(screen.getByRole('radio', { name: 'Burglary reduction officer' })).toBeChecked()
    await waitFor(() => expect(peopleList()).toContain('Sam Rivers Neighbourhood warden'))
  })

  it('offers no form to someone who may not add people', async () => {
    const { stub } = await openSettings('settings', { branch: 'warden' })
    await waitFor(() => expect(peopleList()).toHaveLength(2))
    expect(stub.result<AppStatus>('app_status').can_add_people).toBe(false)
    expect(screen.queryByRole('button', { name: 'Add this person' })).toBeNull()
    expect(screen.getByText(/Only a supervisor can add people to this laptop/)).toBeInTheDocument()
  })
})
