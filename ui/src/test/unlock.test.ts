// Unlocking and locking against what the real commands answered
// (ui/src/test/fixtures/first-run.json): the wrong-passphrase sentence and the `locked`
// refusal are Rust's.

import { act, screen, waitFor, within } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import type { AppError, AppStatus } from '$lib/backend/types'
import { renderRecorded } from './render'

const PASSPHRASE = 'kettle harbour violet sprocket'

describe('unlock', () => {
  it('says the passphrase is wrong, clears the field and keeps focus in it', async () => {
    const { user, stub } = await renderRecorded('first-run', { from: 'locked' })
    await screen.findByRole('heading', { level: 1, name: 'Unlock Doorstep' })
    const field = screen.getByLabelText('Passphrase')

    await user.click(field)
    await user.keyboard('wrong words entirely here{Enter}')

    const inline = await waitFor(() => {
      const el = document.getElementById('unlock-passphrase-error')
      expect(el).not.toBeNull()
      return el as HTMLElement
    })
    const refusal = stub.recorded('unlock', { passphrase: 'wrong words entirely here' })
      .error as AppError
    expect(refusal.code).toBe('wrong_passphrase')
    expect(inline).toHaveTextContent(refusal.message)
    const summary = screen.getByRole('alert')
    expect(within(summary).getByRole('link')).toHaveTextContent(refusal.message)
    expect(field).toHaveValue('')
    expect(field).toHaveFocus()
    expect(field).toHaveAttribute('aria-invalid', 'true')

    // The officer can type again straight away.
    await user.keyboard(`${PASSPHRASE}{Enter}`)
    const today = await screen.findByRole('heading', { level: 1, name: 'Today' })
    await waitFor(() => expect(today).toHaveFocus())
    expect(document.title).toBe('Today – Doorstep')
    expect(stub.unanswered).toEqual([])
  })

  it('asks for the passphrase when the field is empty, without calling the backend', async () => {
    const { user, stub } = await renderRecorded('first-run', { from: 'locked' })
    await user.click(await screen.findByRole('button', { name: 'Unlock' }))
    expect(document.getElementById('unlock-passphrase-error')).toHaveTextContent(
      'Enter your passphrase',
    )
    expect(stub.sent('unlock')).toEqual([])
  })

  it('locking by hand returns to Unlock and forgets the screen', async () => {
    const { user, stub } = await renderRecorded('first-run', { from: 'demo loaded' })
    await user.click(await screen.findByRole('link', { name: 'Find a household' }))
    await user.type(await screen.findByLabelText(/Address, postcode/), 'Lantern Walk')
    await user.click(screen.getByRole('button', { name: 'Lock' }))

    await screen.findByRole('heading', { level: 1, name: 'Unlock Doorstep' })
    expect(stub.sent('lock')).toEqual([{}])
    expect(stub.result<AppStatus>('lock').state).toBe('locked')
    expect(screen.queryByDisplayValue('Lantern Walk')).toBeNull()
    expect(screen.queryByRole('navigation', { name: 'Menu' })).toBeNull()

    await user.type(screen.getByLabelText('Passphrase'), `${PASSPHRASE}{Enter}`)
    await screen.findByRole('heading', { level: 1, name: 'Today' })
    expect(stub.unanswered).toEqual([])
  })

  it('after an idle lock, says why and returns to the same screen with nothing lost', async () => {
    const { user, stub } = await renderRecorded('first-run', { from: 'demo loaded' })
    await user.click(await screen.findByRole('link', { name: 'Find a household' }))
    await user.click(await screen.findByRole('link', { name: 'Add a household by hand' }))
    await user.type(await screen.findByLabelText('Address line 1'), '7 Quarry Lane')

    // What Rust's idle timer sends, with the time the store was set to.
    const minutes = stub.result<AppStatus>('app_status').idle_lock_minutes
    await act(() => stub.emit('locked', { minutes }))

    expect(
      await screen.findByText(`Doorstep locked itself after ${minutes} minutes without use`),
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
    const { user, stub } = await renderRecorded('first-run', { from: 'demo loaded' })
    await user.click(await screen.findByRole('link', { name: 'Find a household' }))
    // The store locked itself before the event arrived: Rust refuses the search.
    expect((stub.recorded('search', { query: 'Bramble' }).error as AppError).code).toBe('locked')
    await user.type(await screen.findByLabelText(/Address, postcode/), 'Bramble')
    await screen.findByRole('heading', { level: 1, name: 'Unlock Doorstep' })
  })
})
