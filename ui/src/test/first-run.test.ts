// First run against what the real commands answered (ui/src/test/fixtures/first-run.json,
// and settings.json for a supervisor's laptop): the passphrase advice, the refusals and the
// demo area are Rust's.

import { screen, waitFor, within } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import type { AppStatus, DemoReport, PassphraseAssessment } from '$lib/backend/types'
import { renderRecorded } from './render'

type User = Awaited<ReturnType<typeof renderRecorded>>['user']

const OFFICER = 'Alex Doorley'
const PASSPHRASE = 'kettle harbour violet sprocket'

/** Fills in the set-up form; the confirmation is the passphrase unless given. */
async function fillIn(user: User, name: string, passphrase: string, confirm = passphrase) {
  await user.type(await screen.findByLabelText('Your name'), name)
  await user.type(screen.getByLabelText('Passphrase'), passphrase)
  await user.type(screen.getByLabelText('Type the passphrase again'), confirm)
}

async function openFirstRun() {
  const app = await renderRecorded('first-run')
  await screen.findByRole('heading', { level: 1, name: 'Set up Doorstep' })
  return app
}

describe('first run', () => {
  it('blocks mismatched passphrases, says so beside the field and keeps what was typed', async () => {
    const { user, stub } = await openFirstRun()

    await fillIn(user, OFFICER, PASSPHRASE, 'kettle harbour violet sprocke')
    await user.click(screen.getByRole('button', { name: 'Create my encrypted store' }))

    const summary = await screen.findByRole('alert')
    expect(within(summary).getByRole('link', { name: /passphrases do not match/ })).toHaveAttribute(
      'href',
      '#passphrase-confirm',
    )
    expect(document.getElementById('passphrase-confirm-error')).toHaveTextContent(
      'The passphrases do not match',
    )
    expect(screen.getByLabelText('Type the passphrase again')).toHaveAttribute(
      'aria-describedby',
      expect.stringContaining('passphrase-confirm-error'),
    )
    expect(screen.getByLabelText('Your name')).toHaveValue(OFFICER)
    expect(screen.getByLabelText('Passphrase')).toHaveValue(PASSPHRASE)
    expect(stub.sent('set_up')).toEqual([])
    expect(document.title).toBe('Error: Set up Doorstep – Doorstep')
    expect(stub.unanswered).toEqual([])
  })

  it('blocks a weak passphrase with the reason Rust gives', async () => {
    const { user, stub } = await openFirstRun()
    await fillIn(user, OFFICER, 'password1')
    await user.click(screen.getByRole('button', { name: 'Create my encrypted store' }))

    const verdict = stub.result<PassphraseAssessment>('assess_passphrase', {
      passphrase: 'password1',
    })
    expect(verdict.acceptable).toBe(false)
    await waitFor(() =>
      expect(document.getElementById('passphrase-error')).toHaveTextContent(
        `Choose a stronger passphrase. ${verdict.warning}`,
      ),
    )
    expect(stub.sent('set_up')).toEqual([])
    expect(document.title).toBe('Error: Set up Doorstep – Doorstep')
  })

  it('shows live strength feedback as text and a tag', async () => {
    const { user, stub } = await openFirstRun()
    await user.type(await screen.findByLabelText('Passphrase'), 'password1')
    const feedback = document.getElementById('passphrase-strength')
    expect(feedback).toHaveAttribute('aria-live', 'polite')
    await waitFor(() => expect(feedback).toHaveTextContent('Not strong enough yet'))
    expect(feedback?.querySelector('.govuk-tag')).not.toBeNull()
    const verdict = stub.result<PassphraseAssessment>('assess_passphrase', {
      passphrase: 'password1',
    })
    expect(feedback).toHaveTextContent(verdict.warning ?? '')
    for (const suggestion of verdict.suggestions) expect(feedback).toHaveTextContent(suggestion)
  })

  it('sets up, offers the demo area and lands on Today once it is loaded', async () => {
    const { user, stub } = await openFirstRun()
    await fillIn(user, OFFICER, PASSPHRASE)
    await user.keyboard('{Enter}')

    const offer = await screen.findByRole('heading', { level: 1, name: 'Load a demo area?' })
    expect(offer).toHaveFocus()
    expect(
      stub.result<AppStatus>('set_up', { officerName: OFFICER, passphrase: PASSPHRASE }).state,
    ).toBe('unlocked')

    await user.click(screen.getByRole('button', { name: 'Load the demo area' }))
    const today = await screen.findByRole('heading', { level: 1, name: 'Today' })
    await waitFor(() => expect(today).toHaveFocus())
    expect(screen.getByText('The demo area is loaded')).toBeInTheDocument()
    const loaded = stub.result<DemoReport>('load_demo_data')
    expect(loaded.households).toBeGreaterThan(0)
    expect(screen.getByText(/all made up/)).toHaveTextContent(`${loaded.households} households`)
    expect(stub.unanswered).toEqual([])
  })

  it('asks for their role, with burglary reduction officer chosen unless they change it', async () => {
    const { user, stub } = await openFirstRun()
    const group = await screen.findByRole('group', { name: 'Your role' })
    const radios = within(group).getAllByRole('radio')
    expect(radios.map((r) => r.closest('.govuk-radios__item')?.textContent?.trim())).toEqual([
      'Burglary reduction officer',
      'Neighbourhood warden',
      'Fire crew',
      'Supervisor',
    ])
    expect(within(group).getByRole('radio', { name: 'Burglary reduction officer' })).toBeChecked()

    await fillIn(user, OFFICER, PASSPHRASE)
    await user.click(screen.getByRole('button', { name: 'Create my encrypted store' }))
    await screen.findByRole('heading', { level: 1, name: 'Load a demo area?' })
    expect(stub.sent('set_up')).toEqual([
      { officerName: OFFICER, role: 'officer', passphrase: PASSPHRASE },
    ])
  })

  it('sets up a supervisor when they say so, and shows the role beside their name', async () => {
    const { user, stub } = await renderRecorded('settings', { from: 'first run' })
    await user.click(await screen.findByRole('radio', { name: 'Supervisor' }))
    await fillIn(user, 'Morgan Checkley', 'lantern orchard pebble quartz')
    await user.click(screen.getByRole('button', { name: 'Create my encrypted store' }))
    await user.click(await screen.findByRole('button', { name: 'Start with an empty store' }))

    await screen.findByRole('heading', { level: 1, name: 'Today' })
    expect(stub.sent('set_up')).toEqual([
      {
        officerName: 'Morgan Checkley',
        role: 'supervisor',
        passphrase: 'lantern orchard pebble quartz',
      },
    ])
    expect(stub.result<AppStatus>('set_up').officer_role).toBe('supervisor')
    const session = screen.getByRole('region', { name: 'Your session' })
    expect(within(session).getByText('Supervisor')).toBeInTheDocument()
    expect(session).toHaveTextContent('Signed in as Morgan Checkley, Supervisor')
  })

  it('can start with an empty store', async () => {
    const { user, stub } = await renderRecorded('settings', { from: 'first run' })
    await user.click(await screen.findByRole('radio', { name: 'Supervisor' }))
    await fillIn(user, 'Morgan Checkley', 'lantern orchard pebble quartz')
    await user.click(screen.getByRole('button', { name: 'Create my encrypted store' }))
    await user.click(await screen.findByRole('button', { name: 'Start with an empty store' }))

    await screen.findByRole('heading', { level: 1, name: 'Today' })
    expect(stub.sent('load_demo_data')).toEqual([])
    expect(await screen.findByText(/No visits are planned for today/)).toBeInTheDocument()
    expect(stub.unanswered).toEqual([])
  })
})
