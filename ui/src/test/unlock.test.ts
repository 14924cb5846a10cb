import { act, screen, waitFor, within } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import { PASSPHRASE, renderApp } from './render'

describe('unlock', () => {
  it('says the passphrase is wrong, clears the field and keeps focus in it', async () => {
    const { user } = renderApp({ state: 'locked', passphrase: PASSPHRASE })
    await screen.findByRole('heading', { level: 1, name: 'Unlock Doorstep' })
    const field = screen.getByLabelText('Passphrase')

    await user.click(field)
    await user.keyboard('not my passphrase{Enter}')

    const inline = await waitFor(() => {
      const el = document.getElementById('unlock-passphrase-error')
      expect(el).not.toBeNull()
      return el as HTMLElement
    })
    expect(inline).toHaveTextContent('That passphrase is not right. Check Caps Lock and try again.')
    const summary = screen.getByRole('alert')
    expect(within(summary).getByRole('link')).toHaveTextContent('That passphrase is not right')
    expect(field).toHaveValue('')
    expect(field).toHaveFocus()
    expect(field).toHaveAttribute('aria-invalid', 'true')

    // The officer can type again straight away.
    await user.keyboard(`${PASSPHRASE}{Enter}`)
    const today = await screen.findByRole('heading', { level: 1, name: 'Today' })
    await waitFor(() => expect(today).toHaveFocus())
    expect(document.title).toBe('Today – Doorstep')
  })

  it('asks for the passphrase when the field is empty, without calling the backend', async () => {
    const { user, fake } = renderApp({ state: 'locked' })
    await user.click(await screen.findByRole('button', { name: 'Unlock' }))
    expect(document.getElementById('unlock-passphrase-error')).toHaveTextContent(
      'Enter your passphrase',
    )
    expect(fake.calls.some((c) => c.method === 'unlock')).toBe(false)
  })

  it('locking by hand returns to Unlock and forgets the screen', async () => {
    const { user, fake } = renderApp({ state: 'unlocked' })
    await user.click(await screen.findByRole('link', { name: 'Find a household' }))
    await user.type(await screen.findByLabelText(/Address, postcode/), 'acacia')
    await user.click(screen.getByRole('button', { name: 'Lock' }))

    await screen.findByRole('heading', { level: 1, name: 'Unlock Doorstep' })
    expect(fake.state).toBe('locked')
    expect(screen.queryByDisplayValue('acacia')).toBeNull()
    expect(screen.queryByRole('navigation', { name: 'Menu' })).toBeNull()

    await user.type(screen.getByLabelText('Passphrase'), `${PASSPHRASE}{Enter}`)
    await screen.findByRole('heading', { level: 1, name: 'Today' })
  })

  it('after an idle lock, says why and returns to the same screen with nothing lost', async () => {
    const { user, fake } = renderApp({ state: 'unlocked', idleLockMinutes: 5 })
    await user.click(await screen.findByRole('link', { name: 'Find a household' }))
    await user.click(await screen.findByRole('link', { name: 'Add a household by hand' }))
    await user.type(await screen.findByLabelText('Address line 1'), '7 Quarry Lane')

    act(() => fake.fireIdleLock())

    expect(
      await screen.findByText('Doorstep locked itself after 5 minutes without use'),
    ).toBeInTheDocument()
    const unlockHeading = screen.getByRole('heading', { level: 1, name: 'Unlock Doorstep' })
    await waitFor(() => expect(unlockHeading).toHaveFocus())
    // The form underneath is hidden from everyone while locked.
    expect(screen.queryByRole('textbox', { name: 'Address line 1' })).toBeNull()

    await user.type(screen.getByLabelText('Passphrase'), `${PASSPHRASE}{Enter}`)
    const heading = await screen.findByRole('heading', { level: 1, name: 'Add a household' })
    await waitFor(() => expect(heading).toHaveFocus())
    expect(screen.getByLabelText('Address line 1')).toHaveValue('7 Quarry Lane')
  })

  it('shows Unlock when a command finds the store already locked', async () => {
    const { user, fake } = renderApp({ state: 'unlocked' })
    await user.click(await screen.findByRole('link', { name: 'Find a household' }))
    fake.state = 'locked' // locked on the Rust side before the event arrived
    await user.type(await screen.findByLabelText(/Address, postcode/), 'acacia')
    await screen.findByRole('heading', { level: 1, name: 'Unlock Doorstep' })
  })
})
