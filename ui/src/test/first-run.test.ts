import { screen, waitFor, within } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import { renderApp } from './render'

type User = ReturnType<typeof renderApp>['user']

/** Fills in the set-up form as Sam Officer; the confirmation is the passphrase unless given. */
async function fillIn(user: User, passphrase: string, confirm = passphrase) {
  await user.type(await screen.findByLabelText('Your name'), 'Sam Officer')
  await user.type(screen.getByLabelText('Passphrase'), passphrase)
  await user.type(screen.getByLabelText('Type the passphrase again'), confirm)
}

describe('first run', () => {
  it('blocks mismatched passphrases, says so beside the field and keeps what was typed', async () => {
    const { user, fake } = renderApp({ state: 'first_run' })
    await screen.findByRole('heading', { level: 1, name: 'Set up Doorstep' })

    await fillIn(user, 'lantern orbit velvet quarry', 'lantern orbit velvet quary')
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
    expect(screen.getByLabelText('Your name')).toHaveValue('Sam Officer')
    expect(screen.getByLabelText('Passphrase')).toHaveValue('lantern orbit velvet quarry')
    expect(fake.calls.some((c) => c.method === 'setUp')).toBe(false)
    expect(document.title).toBe('Error: Set up Doorstep – Doorstep')
  })

  it('blocks a weak passphrase with the reason', async () => {
    const { user, fake } = renderApp({ state: 'first_run' })
    await fillIn(user, 'password1')
    await user.click(screen.getByRole('button', { name: 'Create my encrypted store' }))

    await waitFor(() =>
      expect(document.getElementById('passphrase-error')).toHaveTextContent(
        'Choose a stronger passphrase',
      ),
    )
    expect(fake.calls.some((c) => c.method === 'setUp')).toBe(false)
    expect(fake.state).toBe('first_run')
  })

  it('shows live strength feedback as text and a tag', async () => {
    const { user } = renderApp({ state: 'first_run' })
    await user.type(await screen.findByLabelText('Passphrase'), 'qwerty')
    const feedback = document.getElementById('passphrase-strength')
    expect(feedback).toHaveAttribute('aria-live', 'polite')
    await waitFor(() => expect(feedback).toHaveTextContent('Not strong enough yet'))
    expect(feedback?.querySelector('.govuk-tag')).not.toBeNull()
  })

  it('sets up, offers the demo area and lands on Today once it is loaded', async () => {
    const { user, fake } = renderApp({ state: 'first_run' })
    await fillIn(user, 'lantern orbit velvet quarry')
    await user.keyboard('{Enter}')

    const offer = await screen.findByRole('heading', { level: 1, name: 'Load a demo area?' })
    expect(offer).toHaveFocus()
    expect(fake.state).toBe('unlocked')

    await user.click(screen.getByRole('button', { name: 'Load the demo area' }))
    const today = await screen.findByRole('heading', { level: 1, name: 'Today' })
    await waitFor(() => expect(today).toHaveFocus())
    expect(screen.getByText('The demo area is loaded')).toBeInTheDocument()
    expect(fake.households.length).toBeGreaterThan(0)
  })

  it('asks for their role, with burglary reduction officer chosen unless they change it', async () => {
    const { user, fake } = renderApp({ state: 'first_run' })
    const group = await screen.findByRole('group', { name: 'Your role' })
    const radios = within(group).getAllByRole('radio')
    expect(radios.map((r) => r.closest('.govuk-radios__item')?.textContent?.trim())).toEqual([
      'Burglary reduction officer',
      'Neighbourhood warden',
      'Fire crew',
      'Supervisor',
    ])
    expect(within(group).getByRole('radio', { name: 'Burglary reduction officer' })).toBeChecked()

    await fillIn(user, 'lantern orbit velvet quarry')
    await user.click(screen.getByRole('button', { name: 'Create my encrypted store' }))
    await screen.findByRole('heading', { level: 1, name: 'Load a demo area?' })
    expect(fake.calls.find((c) => c.method === 'setUp')?.args).toEqual([
      'Sam Officer',
      'officer',
      'lantern orbit velvet quarry',
    ])
  })

  it('sets up a supervisor when they say so, and shows the role beside their name', async () => {
    const { user, fake } = renderApp({ state: 'first_run' })
    await user.click(await screen.findByRole('radio', { name: 'Supervisor' }))
    await fillIn(user, 'lantern orbit velvet quarry')
    await user.click(screen.getByRole('button', { name: 'Create my encrypted store' }))
    await user.click(await screen.findByRole('button', { name: 'Start with an empty store' }))

    await screen.findByRole('heading', { level: 1, name: 'Today' })
    expect(fake.users[0]?.role).toBe('supervisor')
    const session = screen.getByRole('region', { name: 'Your session' })
    expect(within(session).getByText('Supervisor')).toBeInTheDocument()
    expect(session).toHaveTextContent('Signed in as Sam Officer, Supervisor')
  })

  it('can start with an empty store', async () => {
    const { user, fake } = renderApp({ state: 'first_run' })
    await fillIn(user, 'lantern orbit velvet quarry')
    await user.click(screen.getByRole('button', { name: 'Create my encrypted store' }))
    await user.click(await screen.findByRole('button', { name: 'Start with an empty store' }))

    await screen.findByRole('heading', { level: 1, name: 'Today' })
    expect(fake.households).toHaveLength(0)
    expect(await screen.findByText(/No visits are planned for today/)).toBeInTheDocument()
  })
})
