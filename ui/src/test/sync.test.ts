import { act, screen, waitFor, within } from '@testing-library/svelte'
import axe from 'axe-core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ok, type Result } from '$lib/backend/backend'
import type { FakeBackendOptions } from '$lib/backend/fake'
import { FAKE_ENROLMENT_CODE, FAKE_USED_CODE } from '$lib/backend/fake-sync'
import type { SetAsideView, SyncStage, SyncStatus } from '$lib/backend/sync-types'
import { formatDateTime } from '$lib/components/sync/sync-text'
import { href, parseRoute, section } from '$lib/services/routes'
import { PASSPHRASE, renderApp } from './render'

const MINUTE = 60_000
const minutesAgo = (n: number) => new Date(Date.now() - n * MINUTE - 5_000).toISOString()

async function violations(): Promise<string[]> {
  const results = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false } } })
  return results.violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  )
}

/** The header indicator's visible words. */
function indicator(): string {
  return document.getElementById('nav-sync-text')?.textContent?.trim() ?? ''
}

/** The app, unlocked, on `hash` (Today unless given). */
async function openApp(options: FakeBackendOptions = {}, hash = '#/today') {
  const app = renderApp({ state: 'unlocked', ...options })
  window.location.hash = hash
  return app
}

async function openSync(options: FakeBackendOptions = {}) {
  const app = await openApp(options, '#/sync')
  await screen.findByRole('heading', { level: 1, name: 'Sync with the council hub' })
  return app
}

async function openConflicts(options: FakeBackendOptions = {}) {
  const app = await openApp(
    { role: 'supervisor', officerName: 'Dee Supervisor', sync: { enrolled: true }, ...options },
    '#/conflicts',
  )
  await screen.findByRole('heading', { level: 1, name: 'Conflicts to decide' })
  return app
}

describe('sync routes', () => {
  it('round-trip through their hashes and belong to no menu item', () => {
    for (const name of ['sync', 'conflicts'] as const) {
      expect(parseRoute(href({ name }))).toEqual({ name })
      expect(section({ name })).toBeNull()
    }
  })
})

describe('sync indicator in the header', () => {
  it.each<[string, FakeBackendOptions['sync'], Partial<SyncStatus> | null, string]>([
    ['not enrolled', undefined, null, 'Not connected to a hub'],
    ['synced', { enrolled: true, lastSyncedAt: minutesAgo(2) }, null, 'Synced 2 minutes ago'],
    [
      'syncing',
      { enrolled: true },
      { activity: 'syncing', progress: { stage: 'sending', done: 4, total: 10 } },
      'Syncing… 40%',
    ],
    [
      'offline',
      { enrolled: true, activity: 'offline', waiting: 12 },
      null,
      'Offline · 12 changes waiting',
    ],
    ['failed', { enrolled: true, activity: 'failed', waiting: 3 }, null, 'Sync failed · 3 waiting'],
    ['revoked', { enrolled: true }, { activity: 'revoked' }, 'Removed from the hub'],
  ])('says "%s" in words, as a link to the Sync screen', async (_, sync, event, text) => {
    const { fake } = await openApp({ sync })
    await screen.findByRole('heading', { level: 1, name: 'Today' })
    if (event) {
      await waitFor(() => expect(indicator()).not.toBe('Sync status'))
      act(() => void fake.sync.emit(event))
    }
    await waitFor(() => expect(indicator()).toBe(text))
    const link = screen.getByRole('link', { name: `Sync status: ${text}` })
    expect(link).toHaveAttribute('href', '#/sync')
    expect(link, 'the indicator itself is not a live region').not.toHaveAttribute('aria-live')
  })

  it('asks for the status only once Doorstep is unlocked', async () => {
    const { user, fake } = renderApp({
      state: 'locked',
      passphrase: PASSPHRASE,
      sync: { enrolled: true, lastSyncedAt: minutesAgo(5) },
    })
    await user.type(await screen.findByLabelText('Passphrase'), PASSPHRASE)
    expect(fake.calls.some((c) => c.method === 'syncStatus')).toBe(false)
    await user.keyboard('{Enter}')
    await waitFor(() => expect(indicator()).toBe('Synced 5 minutes ago'))
    expect(fake.calls.filter((c) => c.method === 'syncStatus')).toHaveLength(1)
  })

  it('announces a failure politely, but not the progress before it', async () => {
    const { fake } = await openApp({ sync: { enrolled: true, waiting: 3 } })
    await waitFor(() => expect(indicator()).toBe('Not synced yet · 3 waiting'))
    const live = document.getElementById('nav-sync-announcement')
    expect(live).toHaveAttribute('aria-live', 'polite')

    act(() => void fake.sync.emit({ activity: 'syncing', progress: null }))
    act(() => void fake.sync.emit({ progress: { stage: 'sending', done: 1, total: 3 } }))
    await waitFor(() => expect(indicator()).toBe('Syncing… 33%'))
    expect(live).toHaveTextContent('')

    act(
      () =>
        void fake.sync.emit({
          activity: 'failed',
          progress: null,
          last_error: 'The hub refused the changes. Ask your hub administrator.',
        }),
    )
    await waitFor(() =>
      expect(live).toHaveTextContent(
        'Sync failed. The hub refused the changes. Ask your hub administrator.',
      ),
    )
  })

  it('says relative times again as the minutes pass', async () => {
    // Only the clock and the minute timer are faked, so the screen still settles by itself.
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] })
    try {
      await openApp({ sync: { enrolled: true, lastSyncedAt: new Date().toISOString() } })
      await waitFor(() => expect(indicator()).toBe('Synced just now'))
      await act(() => vi.advanceTimersByTimeAsync(2 * MINUTE))
      expect(indicator()).toBe('Synced 2 minutes ago')
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('Sync screen', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('explains how to connect when the laptop is not enrolled', async () => {
    const { user } = await openSync()
    expect(await screen.findByText(/This laptop is not connected to your council's hub/)).toBe(
      document.getElementById('sync-not-enrolled'),
    )
    expect(screen.queryByRole('button', { name: 'Sync now' })).toBeNull()
    await user.click(
      screen.getByRole('link', { name: 'Connect this laptop in Settings, under Council hub' }),
    )
    await screen.findByRole('heading', { level: 1, name: 'Settings' })
    expect(screen.getByRole('heading', { level: 2, name: 'Council hub' })).toBeInTheDocument()
  })

  it('shows the hub, who is signed in, the last sync and what is waiting', async () => {
    await openSync({
      officerName: 'Sam Officer',
      sync: { enrolled: true, lastSyncedAt: minutesAgo(2), waiting: 12 },
    })
    await waitFor(() => expect(document.getElementById('sync-hub')).not.toBeNull())
    expect(document.getElementById('sync-hub')).toHaveTextContent(
      'Eastwick Vale District Council (demo) https://hub.eastwick-vale.example',
    )
    expect(document.getElementById('sync-hub-user')).toHaveTextContent(
      'Sam Officer (Burglary reduction officer)',
    )
    expect(document.getElementById('sync-last-synced')).toHaveTextContent('2 minutes ago')
    expect(document.getElementById('sync-waiting')).toHaveTextContent(
      '12 changes not yet on the hub',
    )
    expect(document.getElementById('sync-activity')).toHaveTextContent(
      'Changes are waiting to be sent',
    )
    expect(document.getElementById('sync-next-attempt'), 'only when offline or failed').toBeNull()
    expect(screen.queryByRole('heading', { name: 'Conflicts' }), 'not for an officer').toBeNull()
  })

  it('shows the last error in a warning and when it will try again, when offline', async () => {
    await openSync({
      sync: {
        enrolled: true,
        activity: 'offline',
        waiting: 4,
        lastError: 'Doorstep could not reach the hub. Check this laptop is connected.',
        nextAttemptAt: new Date(Date.now() + 5 * MINUTE).toISOString(),
      },
    })
    const warning = await screen.findByText(/Doorstep could not reach the hub/)
    expect(warning.closest('.govuk-warning-text')).toHaveAttribute('id', 'sync-last-error')
    expect(document.getElementById('sync-next-attempt')).toHaveTextContent('in 5 minutes')
    expect(document.getElementById('sync-activity')).toHaveTextContent(
      'Offline: the hub cannot be reached',
    )
  })

  it('syncs now with a progress bar for each stage, then shows everything sent', async () => {
    const { user, fake } = await openSync({ sync: { enrolled: true, waiting: 40 } })
    let finish: (r: Result<SyncStatus>) => void = () => {}
    vi.spyOn(fake, 'syncNow').mockImplementation(() => new Promise((resolve) => (finish = resolve)))
    const button = await screen.findByRole('button', { name: 'Sync now' })
    expect(button).toHaveAttribute('aria-describedby', 'sync-now-hint')
    await user.click(button)

    await waitFor(() => expect(button).toHaveAttribute('aria-disabled', 'true'))
    expect(document.getElementById('sync-now-hint')).toHaveTextContent('A sync is running')

    act(
      () =>
        void fake.sync.emit({
          activity: 'syncing',
          progress: { stage: 'sending', done: 12, total: 40 },
        }),
    )
    const sending = await screen.findByRole('progressbar', { name: 'Sending changes' })
    expect(sending).toHaveAttribute('max', '40')
    expect(sending).toHaveAttribute('value', '12')
    expect(screen.getByText('12 of 40 changes')).toBeInTheDocument()
    expect(document.getElementById('sync-announcement')).toHaveTextContent('Sending changes…')

    act(() => void fake.sync.emit({ progress: { stage: 'files', done: 1, total: 2 } }))
    const files = await screen.findByRole('progressbar', { name: 'Sending photos' })
    expect(files).toHaveAttribute('value', '1')
    expect(files).toHaveAttribute('max', '2')

    act(() => void fake.sync.emit({ progress: { stage: 'receiving', done: 25, total: null } }))
    const receiving = await screen.findByRole('progressbar', { name: 'Receiving changes' })
    expect(receiving, 'the size is not known, so the bar is indeterminate').not.toHaveAttribute(
      'value',
    )
    expect(document.getElementById('nav-sync-text')).toHaveTextContent('Syncing…')

    await act(async () => {
      const done = fake.sync.emit({
        activity: 'idle',
        progress: null,
        waiting: 0,
        last_synced_at: new Date().toISOString(),
      })
      finish(ok(done))
    })
    await waitFor(() => expect(screen.queryByRole('progressbar')).toBeNull())
    expect(button).toHaveAttribute('aria-disabled', 'false')
    expect(document.getElementById('sync-waiting')).toHaveTextContent(
      'None: everything is on the hub',
    )
    expect(document.getElementById('sync-last-synced')).toHaveTextContent('just now')
    expect(indicator()).toBe('Synced just now')
    expect(document.getElementById('sync-announcement')).toHaveTextContent(
      'Sync finished. Everything is on the hub.',
    )
  })

  it('runs the fake sync through its stages and empties what is waiting', async () => {
    const { user, fake } = await openSync({ sync: { enrolled: true, waiting: 6 } })
    fake.sync.photosWaiting = 2
    const stages: SyncStage[] = []
    fake.onSyncStatus((s) => {
      if (s.progress && stages.at(-1) !== s.progress.stage) stages.push(s.progress.stage)
    })
    await user.click(await screen.findByRole('button', { name: 'Sync now' }))
    await waitFor(() => expect(indicator()).toBe('Synced just now'))
    expect(stages).toEqual(['sending', 'files', 'receiving'])
    expect(fake.sync.waiting).toBe(0)
  })

  it('reports a hub that cannot be reached, with what to do, and keeps the changes', async () => {
    const { user } = await openSync({ sync: { enrolled: true, waiting: 6, hubReachable: false } })
    await user.click(await screen.findByRole('button', { name: 'Sync now' }))
    expect(await screen.findByText(/Doorstep could not reach the hub/)).toBeInTheDocument()
    expect(indicator()).toBe('Offline · 6 changes waiting')
    expect(document.getElementById('sync-next-attempt')).toHaveTextContent('in 5 minutes')
    expect(document.getElementById('sync-announcement')).toHaveTextContent(
      'The hub could not be reached.',
    )
  })

  describe('changes the hub could not take', () => {
    const setAside = (madeBy: string, record: string): SetAsideView => ({
      id: `change-${madeBy}`,
      record,
      action: 'changed',
      fields: [
        { field: 'Address line 2', value: 'Flat 1' },
        { field: 'Phone', value: '07700900123' },
      ],
      made_by: madeBy,
      made_at: minutesAgo(90),
      set_aside_at: minutesAgo(10),
    })
    const both = [
      setAside('Sam Officer', 'Household for 4 Example Row, TE1 1ST'),
      setAside('Alex Other', 'Resident for 9 Sample Close, TE2 2ND'),
    ]

    it('shows people the changes they made, each with its record and what it set', async () => {
      await openSync({ officerName: 'Sam Officer', sync: { enrolled: true, setAside: both } })
      const heading = await screen.findByRole('heading', {
        level: 2,
        name: '1 change the hub could not take',
      })
      const section = heading.closest('section') as HTMLElement
      expect(section).toHaveTextContent(/moved to another team on the hub/)
      const card = await within(section).findByRole('region', {
        name: 'Household for 4 Example Row, TE1 1ST',
      })
      expect(within(card).getByText('Address line 2').nextElementSibling).toHaveTextContent(
        'Flat 1',
      )
      expect(within(card).getByText('Phone').nextElementSibling).toHaveTextContent('07700900123')
      expect(within(card).getByText('What was done').nextElementSibling).toHaveTextContent(
        `Changed, ${formatDateTime(both[0]!.made_at)}`,
      )
      expect(screen.queryByText('Resident for 9 Sample Close, TE2 2ND'), 'not theirs').toBeNull()
    })

    it('shows a supervisor every change, with who made each', async () => {
      await openSync({
        role: 'supervisor',
        officerName: 'Dee Supervisor',
        sync: { enrolled: true, setAside: both },
      })
      await screen.findByRole('heading', { level: 2, name: '2 changes the hub could not take' })
      const card = await screen.findByRole('region', {
        name: 'Resident for 9 Sample Close, TE2 2ND',
      })
      expect(within(card).getByText('What was done').nextElementSibling).toHaveTextContent(
        'Changed by Alex Other',
      )
    })

    it('removes a change once its maker says it was passed on, after asking first', async () => {
      const { user, fake } = await openSync({
        officerName: 'Sam Officer',
        sync: { enrolled: true, setAside: both },
      })
      const card = await screen.findByRole('region', {
        name: 'Household for 4 Example Row, TE1 1ST',
      })
      // Cancel leaves it.
      await user.click(
        within(card).getByRole('button', {
          name: 'Remove from this laptop: Household for 4 Example Row, TE1 1ST',
        }),
      )
      const confirm = document.getElementById('set-aside-confirm') as HTMLElement
      expect(confirm).toHaveFocus()
      expect(confirm).toHaveTextContent('only once you have passed it on')
      expect(await violations()).toEqual([])
      await user.click(within(card).getByRole('button', { name: 'Cancel' }))
      expect(document.getElementById('set-aside-confirm')).toBeNull()
      expect(fake.calls.some((c) => c.method === 'discardSetAsideChange')).toBe(false)

      await user.click(within(card).getByRole('button', { name: /Remove from this laptop/ }))
      await user.click(within(card).getByRole('button', { name: /Yes, remove it/ }))
      await waitFor(() =>
        expect(document.getElementById('set-aside-none')).toHaveTextContent('None is left'),
      )
      expect(document.getElementById('set-aside-heading')).toHaveFocus()
      expect(fake.calls.find((c) => c.method === 'discardSetAsideChange')?.args).toEqual([
        'change-Sam Officer',
      ])
      // The other officer's change is still kept, for them.
      expect(fake.sync.setAsideList.map((c) => c.made_by)).toEqual(['Alex Other'])
    })

    it('is not shown when there are none', async () => {
      await openSync({ sync: { enrolled: true, lastSyncedAt: minutesAgo(2) } })
      await waitFor(() => expect(document.getElementById('sync-hub')).not.toBeNull())
      expect(document.getElementById('set-aside')).toBeNull()
    })

    it('has no axe violations', async () => {
      await openSync({ officerName: 'Sam Officer', sync: { enrolled: true, setAside: both } })
      await screen.findByRole('region', { name: 'Household for 4 Example Row, TE1 1ST' })
      expect(await violations()).toEqual([])
    })
  })

  it('links a supervisor to the conflicts to decide', async () => {
    const { user } = await openSync({ role: 'supervisor', sync: { enrolled: true } })
    await user.click(await screen.findByRole('link', { name: '2 conflicts to decide' }))
    await screen.findByRole('heading', { level: 1, name: 'Conflicts to decide' })
  })

  it('has no axe violations when not enrolled', async () => {
    await openSync()
    await screen.findByText(/not connected to your council's hub/)
    expect(await violations()).toEqual([])
  })

  it('has no axe violations while syncing, for a supervisor', async () => {
    const { fake, user } = await openSync({
      role: 'supervisor',
      sync: { enrolled: true, activity: 'failed', waiting: 3, lastError: 'The hub refused.' },
    })
    vi.spyOn(fake, 'syncNow').mockImplementation(() => new Promise(() => {}))
    await user.click(await screen.findByRole('button', { name: 'Sync now' }))
    act(
      () =>
        void fake.sync.emit({
          activity: 'syncing',
          progress: { stage: 'sending', done: 1, total: 3 },
        }),
    )
    await screen.findByRole('progressbar', { name: 'Sending changes' })
    expect(await violations()).toEqual([])
  })
})

describe('Settings: Council hub', () => {
  async function openHub(options: FakeBackendOptions = {}) {
    const app = await openApp(options, '#/settings')
    await screen.findByRole('heading', { level: 1, name: 'Settings' })
    const section = screen.getByRole('region', { name: 'Council hub' })
    await within(section).findByLabelText('Hub address')
    return { ...app, section }
  }

  it('asks for both fields before sending anything', async () => {
    const { user, fake } = await openHub()
    await user.click(screen.getByRole('button', { name: 'Connect to the hub' }))
    const summary = await screen.findByRole('alert')
    expect(within(summary).getByRole('link', { name: 'Enter the hub address' })).toHaveAttribute(
      'href',
      '#hub-url',
    )
    expect(within(summary).getByRole('link', { name: 'Enter the enrolment code' })).toHaveAttribute(
      'href',
      '#enrolment-code',
    )
    expect(document.getElementById('hub-url-error')).toHaveTextContent('Enter the hub address')
    expect(fake.calls.some((c) => c.method === 'hubEnrol')).toBe(false)
  })

  it('shows the hub side’s format errors beside each field, keeping what was typed', async () => {
    const { user } = await openHub()
    await user.type(screen.getByLabelText('Hub address'), 'http://hub.example')
    await user.type(screen.getByLabelText('Enrolment code'), 'ABC')
    await user.click(screen.getByRole('button', { name: 'Connect to the hub' }))
    await waitFor(() =>
      expect(document.getElementById('hub-url-error')).toHaveTextContent(
        'must start with https://',
      ),
    )
    expect(document.getElementById('enrolment-code-error')).toHaveTextContent(
      'for example K7M2Q-9XRTA-4HWZC',
    )
    expect(screen.getByLabelText('Hub address')).toHaveValue('http://hub.example')
    expect(screen.getByLabelText('Enrolment code')).toHaveValue('ABC')
    expect(screen.getByLabelText('Enrolment code')).toHaveAttribute('aria-invalid', 'true')
  })

  it('says a used code was refused, beside the code', async () => {
    const { user } = await openHub()
    await user.type(screen.getByLabelText('Hub address'), 'https://hub.eastwick-vale.example')
    await user.type(screen.getByLabelText('Enrolment code'), FAKE_USED_CODE)
    await user.click(screen.getByRole('button', { name: 'Connect to the hub' }))
    const summary = await screen.findByRole('alert')
    expect(
      within(summary).getByRole('link', { name: /already been used/ }),
      'linked to the code field',
    ).toHaveAttribute('href', '#enrolment-code')
    expect(document.getElementById('enrolment-code-error')).toHaveTextContent(
      'Ask your hub administrator for a new code',
    )
  })

  it('says when the hub cannot be reached, beside the address', async () => {
    const { user } = await openHub({ sync: { hubReachable: false } })
    await user.type(screen.getByLabelText('Hub address'), 'https://hub.eastwick-vale.example')
    await user.type(screen.getByLabelText('Enrolment code'), FAKE_ENROLMENT_CODE)
    await user.click(screen.getByRole('button', { name: 'Connect to the hub' }))
    await waitFor(() =>
      expect(document.getElementById('hub-url-error')).toHaveTextContent('could not reach the hub'),
    )
  })

  it('connects with a good code, says so, and shows the hub and the user', async () => {
    const { user, fake } = await openHub({ officerName: 'Sam Officer' })
    expect(indicator()).toBe('Not connected to a hub')
    await user.type(screen.getByLabelText('Hub address'), 'https://hub.eastwick-vale.example/')
    await user.type(screen.getByLabelText('Enrolment code'), 'demo1-demo2-demo3')
    await user.click(screen.getByRole('button', { name: 'Connect to the hub' }))

    const banner = await screen.findByText(
      "This laptop is connected to Eastwick Vale District Council (demo)'s hub",
    )
    await waitFor(() => expect(document.getElementById('hub-connected')).toHaveFocus())
    expect(banner.closest('[role="alert"]')).not.toBeNull()
    expect(document.getElementById('hub-organisation')).toHaveTextContent(
      'Eastwick Vale District Council (demo)',
    )
    expect(document.getElementById('hub-address')).toHaveTextContent(
      'https://hub.eastwick-vale.example',
    )
    expect(document.getElementById('hub-user')).toHaveTextContent(
      'Sam Officer (Burglary reduction officer)',
    )
    expect(screen.queryByLabelText('Enrolment code'), 'the form is gone').toBeNull()
    expect(fake.calls.find((c) => c.method === 'hubEnrol')?.args).toEqual([
      'https://hub.eastwick-vale.example/',
      'demo1-demo2-demo3',
    ])
    expect(indicator()).toBe('Not synced yet')
  })

  it('has no axe violations, with errors and once connected', async () => {
    const { user } = await openHub()
    await user.click(screen.getByRole('button', { name: 'Connect to the hub' }))
    await screen.findByRole('alert')
    expect(await violations()).toEqual([])

    await user.type(screen.getByLabelText('Hub address'), 'https://hub.eastwick-vale.example')
    await user.type(screen.getByLabelText('Enrolment code'), FAKE_ENROLMENT_CODE)
    await user.click(screen.getByRole('button', { name: 'Connect to the hub' }))
    await screen.findByText(/This laptop is connected to/)
    expect(await violations()).toEqual([])
  })
})

describe('Conflicts screen', () => {
  it('shows each conflict with both values, who set them and when', async () => {
    const { fake } = await openConflicts()
    const [plan] = fake.sync.conflictList
    const card = await screen.findByRole('region', {
      name: 'Plan for 12 Acacia Avenue, ZY18 1AA: Plan status',
    })
    expect(card).toHaveTextContent(
      new RegExp(
        `Kept by the hub\\s*Approved\\s*Set by Sam Ortiz, ${formatDateTime(plan!.kept_at)}`,
      ),
    )
    expect(card).toHaveTextContent(
      new RegExp(`Not applied\\s*Ordered\\s*Set by Ann Patel, ${formatDateTime(plan!.other_at)}`),
    )
    const choice = within(card).getByRole('group', { name: 'Which plan status should stand?' })
    expect(within(choice).getByRole('radio', { name: 'Keep Approved' })).not.toBeChecked()
    expect(within(choice).getByRole('radio', { name: 'Use Ordered instead' })).not.toBeChecked()
    expect(screen.getByText('2 conflicts to decide.')).toBeInTheDocument()
  })

  it('asks for a choice, then saves the decision and lists it as decided', async () => {
    const { user, fake } = await openConflicts()
    const card = await screen.findByRole('region', {
      name: 'Plan for 12 Acacia Avenue, ZY18 1AA: Plan status',
    })
    await user.click(within(card).getByRole('button', { name: 'Confirm decision' }))
    const summary = await screen.findByRole('alert')
    expect(
      within(summary).getByRole('link', { name: /Choose which plan status should stand/ }),
    ).toHaveAttribute('href', '#choice-conflict-0001')
    expect(fake.calls.some((c) => c.method === 'resolveConflict')).toBe(false)

    await user.click(within(card).getByRole('radio', { name: 'Use Ordered instead' }))
    await user.click(within(card).getByRole('button', { name: 'Confirm decision' }))

    const saved = await screen.findByText('Decision saved; it will reach the hub at the next sync')
    await waitFor(() => expect(document.getElementById('conflicts-notice')).toHaveFocus())
    expect(saved).toBeInTheDocument()
    expect(fake.calls.find((c) => c.method === 'resolveConflict')?.args).toEqual([
      'conflict-0001',
      'take_other',
    ])
    expect(screen.queryByRole('region', { name: /12 Acacia Avenue/ })).toBeNull()
    expect(screen.getByText('1 conflict to decide.')).toBeInTheDocument()
    const decided = screen.getByRole('table', { name: 'Decided conflicts' })
    const row = within(decided)
      .getByText(/Plan for 12 Acacia Avenue/)
      .closest('tr')
    expect(row).toHaveTextContent('Used Ordered instead')
    expect(row).toHaveTextContent('Dee Supervisor')
    expect(fake.sync.waiting, 'the decision waits for the next sync').toBe(1)
  })

  it('says when there is nothing to decide', async () => {
    const { fake } = renderApp({
      state: 'unlocked',
      role: 'supervisor',
      sync: { enrolled: true },
    })
    for (const c of fake.sync.conflictList)
      c.decision = { chosen: 'keep', by: 'Kim', at: c.raised_at }
    window.location.hash = '#/conflicts'
    expect(await screen.findByText('No conflicts to decide.')).toBeInTheDocument()
    expect(screen.getByRole('table', { name: 'Decided conflicts' })).toBeInTheDocument()
  })

  it('tells anyone but a supervisor that only supervisors decide conflicts', async () => {
    const { fake } = await openConflicts({ role: 'officer' })
    expect(document.getElementById('conflicts-supervisor-only')).toHaveTextContent(
      'Only a supervisor can see and decide conflicts',
    )
    expect(fake.calls.some((c) => c.method === 'conflicts')).toBe(false)
    expect(await violations()).toEqual([])
  })

  it('has no axe violations, with conflicts, an error and a decision', async () => {
    const { user } = await openConflicts()
    const card = await screen.findByRole('region', { name: /12 Acacia Avenue/ })
    expect(await violations()).toEqual([])
    await user.click(within(card).getByRole('button', { name: 'Confirm decision' }))
    await screen.findByRole('alert')
    expect(await violations()).toEqual([])
    await user.click(within(card).getByRole('radio', { name: 'Keep Approved' }))
    await user.click(within(card).getByRole('button', { name: 'Confirm decision' }))
    await screen.findByText('Decision saved; it will reach the hub at the next sync')
    expect(await violations()).toEqual([])
  })
})

describe('first run after the hub revoked the laptop', () => {
  const NOTICE =
    'An administrator removed this laptop from the council hub, so Doorstep erased the data on it.'

  it('says what happened, prominently, and what to do', async () => {
    renderApp({ state: 'first_run', wipedNotice: NOTICE })
    await screen.findByRole('heading', { level: 1, name: 'Set up Doorstep' })
    const banner = document.getElementById('wiped-notice')
    expect(banner).toHaveAttribute('role', 'alert')
    expect(banner).toHaveTextContent(NOTICE)
    expect(banner).toHaveTextContent('ask your hub administrator for a new enrolment code')
    expect(await violations()).toEqual([])
  })

  it('shows no notice on an ordinary first run', async () => {
    renderApp({ state: 'first_run' })
    await screen.findByRole('heading', { level: 1, name: 'Set up Doorstep' })
    expect(document.getElementById('wiped-notice')).toBeNull()
  })
})
