// The sync screens against what a real council hub and the real commands answered
// (ui/src/test/fixtures/sync.json, written by crates/api/tests/ui_fixtures/sync.rs): one
// laptop, in order, marked where each test starts. Statuses, refusals, set-aside changes,
// conflicts and the events a sync sends are Rust's; a test only replays them.

import { act, screen, waitFor, within } from '@testing-library/svelte'
import axe from 'axe-core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ok } from '$lib/backend/backend'
import type { RecordedCall, RecordedEvent, Stub } from '$lib/backend/stub'
import type { ConflictView, SetAsideView, SyncStatus } from '$lib/backend/sync-types'
import type { AppStatus } from '$lib/backend/types'
import { formatDateTime } from '$lib/components/sync/sync-text'
import { href, parseRoute, section } from '$lib/services/routes'
import { fixture } from './recorded'
import { renderRecorded } from './render'

const MINUTE = 60_000
const OFFICER_PASSPHRASE = 'kettle harbour violet sprocket'
/** The recorded hub's address and codes (the fixture shows its loopback port this way). */
const HUB_URL = 'https://hub.eastwick-vale.example'
const OFFLINE_URL = 'https://hub.eastwick-vale-offline.example'
const CODE = 'K7M2Q-9XRTA-4HWZC'
const USED_CODE = 'P3VNC-8WQLD-2JHTF'
/** The console's enrolment QR code for the used code, as a barcode scanner types it. */
const SCANNED_USED_CODE =
  'doorstep-enrol:?hub=https%3A%2F%2Fhub%2Eeastwick%2Dvale%2Eexample&code=P3VNC%2D8WQLD%2D2JHTF'

afterEach(() => {
  vi.useRealTimers()
})

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

/** The recorded calls from the one marked `mark` on. */
async function callsFrom(mark: string): Promise<RecordedCall[]> {
  const { calls } = await fixture('sync')
  const at = calls.findIndex((c) => c.mark === mark)
  if (at < 0) throw new Error(`sync.json has no mark "${mark}"`)
  return calls.slice(at)
}

/** The first recorded answer to `command` from `mark` on. */
async function answerFrom<T>(mark: string, command: string): Promise<T> {
  const call = (await callsFrom(mark)).find((c) => c.command === command)
  if (!call) throw new Error(`sync.json has no ${command} after "${mark}"`)
  return call.result as T
}

/** The first recorded Sync now from `mark` on: what it answered and the events it sent. */
async function syncFrom(mark: string): Promise<{ result: SyncStatus; events: RecordedEvent[] }> {
  const call = (await callsFrom(mark)).find((c) => c.command === 'sync_now')
  if (!call) throw new Error(`sync.json has no sync_now after "${mark}"`)
  return { result: call.result as SyncStatus, events: call.events ?? [] }
}

/** Sends an event Rust sent while syncing. */
async function replay(stub: Stub, event: RecordedEvent) {
  await act(() => stub.emit(event.event, event.payload))
}

/**
 * The laptop's clock `minutes` after `iso` (a recorded time), so relative times read the
 * same on every run. Only the date is faked: the screens' own timers still run.
 */
function clockAt(iso: string, minutes = 0) {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(new Date(iso).getTime() + minutes * MINUTE)
}

/** The app at `mark`, on `hash`. */
async function openApp(from: string, hash = '#/today') {
  return renderRecorded('sync', { from, hash })
}

async function openSync(from: string) {
  const app = await openApp(from, '#/sync')
  await screen.findByRole('heading', { level: 1, name: 'Sync with the council hub' })
  return app
}

async function openConflicts(from: string) {
  const app = await openApp(from, '#/conflicts')
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
  it.each<[string, string, number, string]>([
    ['not enrolled', 'not enrolled', 0, 'Not connected to a hub'],
    ['synced', 'synced', 2, 'Synced 2 minutes ago'],
    ['offline', 'offline', 0, 'Offline · 5 changes waiting'],
    ['failed', 'failed', 0, 'Sync failed · 5 waiting'],
  ])('says "%s" in words, as a link to the Sync screen', async (_, from, minutes, text) => {
    const status = await answerFrom<SyncStatus>(from, 'sync_status')
    clockAt(status.last_synced_at ?? (await fixture('sync')).anchor, minutes)
    await openApp(from)
    await screen.findByRole('heading', { level: 1, name: 'Today' })
    await waitFor(() => expect(indicator()).toBe(text))
    const link = screen.getByRole('link', { name: `Sync status: ${text}` })
    expect(link).toHaveAttribute('href', '#/sync')
    expect(link, 'the indicator itself is not a live region').not.toHaveAttribute('aria-live')
  })

  it.each<[string, string, (e: RecordedEvent) => boolean, string]>([
    [
      'syncing',
      'sync now',
      (e) => (e.payload as SyncStatus).progress?.stage === 'sending',
      'Syncing… 0%',
    ],
    [
      'revoked',
      'revoked',
      (e) => (e.payload as SyncStatus).activity === 'revoked',
      'Removed from the hub',
    ],
  ])('says "%s" when a sync says so', async (_, from, which, text) => {
    const { stub } = await openApp(from)
    await screen.findByRole('heading', { level: 1, name: 'Today' })
    await waitFor(() => expect(indicator()).not.toBe('Sync status'))
    const { events } = await syncFrom(from)
    await replay(stub, events.find(which)!)
    await waitFor(() => expect(indicator()).toBe(text))
    expect(screen.getByRole('link', { name: `Sync status: ${text}` })).toHaveAttribute(
      'href',
      '#/sync',
    )
  })

  it('asks for the status only once Doorstep is unlocked', async () => {
    const synced = await answerFrom<SyncStatus>('synced', 'sync_status')
    clockAt(synced.last_synced_at!, 5)
    const { user, stub } = await openApp('locked')
    await user.type(await screen.findByLabelText('Passphrase'), OFFICER_PASSPHRASE)
    expect(stub.sent('sync_status')).toEqual([])
    await user.keyboard('{Enter}')
    await waitFor(() => expect(indicator()).toBe('Synced 5 minutes ago'))
    expect(stub.sent('sync_status')).toHaveLength(1)
  })

  it('announces a failure politely, but not the progress before it', async () => {
    const before = await answerFrom<SyncStatus>('failing', 'sync_status')
    clockAt(before.last_synced_at!, 3)
    const { stub } = await openApp('failing')
    await waitFor(() => expect(indicator()).toBe('Synced 3 minutes ago · 5 waiting'))
    const live = document.getElementById('nav-sync-announcement')
    expect(live).toHaveAttribute('aria-live', 'polite')

    const { events } = await syncFrom('failing')
    const [start, failed] = events
    expect((start?.payload as SyncStatus).activity).toBe('syncing')
    await replay(stub, start!)
    await waitFor(() => expect(indicator()).toBe('Syncing…'))
    expect(live).toHaveTextContent('')

    await replay(stub, failed!)
    const error = (failed!.payload as SyncStatus).last_error
    expect(error).toBe('The hub refused the request: Not Found')
    await waitFor(() => expect(live).toHaveTextContent(`Sync failed. ${error}`))
  })

  it('says relative times again as the minutes pass', async () => {
    const synced = await answerFrom<SyncStatus>('synced', 'sync_status')
    // Only the clock and the minute timer are faked, so the screen still settles by itself.
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] })
    vi.setSystemTime(new Date(synced.last_synced_at!))
    await openApp('synced')
    await waitFor(() => expect(indicator()).toBe('Synced just now'))
    await act(() => vi.advanceTimersByTimeAsync(2 * MINUTE))
    expect(indicator()).toBe('Synced 2 minutes ago')
  })
})

describe('Sync screen', () => {
  it('explains how to connect when the laptop is not enrolled', async () => {
    const { user } = await openSync('not enrolled')
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
    const status = await answerFrom<SyncStatus>('failing', 'sync_status')
    clockAt(status.last_synced_at!, 2)
    await openSync('failing')
    await waitFor(() => expect(document.getElementById('sync-hub')).not.toBeNull())
    expect(document.getElementById('sync-hub')).toHaveTextContent(
      `Eastwick Vale District Council ${HUB_URL}/`,
    )
    expect(document.getElementById('sync-hub-user')).toHaveTextContent(
      'Morgan Checkley (Supervisor)',
    )
    expect(document.getElementById('sync-last-synced')).toHaveTextContent('2 minutes ago')
    expect(document.getElementById('sync-waiting')).toHaveTextContent(
      '5 changes not yet on the hub',
    )
    expect(document.getElementById('sync-activity')).toHaveTextContent(
      'Changes are waiting to be sent',
    )
    expect(document.getElementById('sync-next-attempt'), 'only when offline or failed').toBeNull()
    expect(screen.queryByRole('heading', { name: 'Conflicts' }), 'not for an officer').toBeNull()
  })

  it('shows the last error in a warning and when it will try again, when offline', async () => {
    const { result } = await syncFrom('going offline')
    clockAt(result.next_attempt_at!, -0.5)
    await openSync('offline')
    const error = result.last_error!
    expect(error).toMatch(/^The hub cannot be reached/)
    const warning = await screen.findByText(error, { exact: false })
    expect(warning.closest('.govuk-warning-text')).toHaveAttribute('id', 'sync-last-error')
    expect(document.getElementById('sync-next-attempt')).toHaveTextContent('in less than a minute')
    expect(document.getElementById('sync-activity')).toHaveTextContent(
      'Offline: the hub cannot be reached',
    )
  })

  it('syncs now with a progress bar for each stage, then shows everything sent', async () => {
    const { result, events } = await syncFrom('sync now')
    clockAt(result.last_synced_at!)
    const { user, stub } = await openSync('sync now')
    // Rust answers only once the sync is over; until then the screen has its events.
    let finish: () => void = () => {}
    vi.spyOn(stub.backend, 'syncNow').mockImplementation(
      () => new Promise((resolve) => (finish = () => resolve(ok(result)))),
    )
    const button = await screen.findByRole('button', { name: 'Sync now' })
    expect(button).toHaveAttribute('aria-describedby', 'sync-now-hint')
    await user.click(button)

    await waitFor(() => expect(button).toHaveAttribute('aria-disabled', 'true'))
    expect(document.getElementById('sync-now-hint')).toHaveTextContent('A sync is running')

    const stage = (name: string) =>
      events.filter((e) => (e.payload as SyncStatus).progress?.stage === name)
    const sending = stage('sending')
    const [receiving] = stage('receiving')
    expect(sending.length, 'Rust sends a sending event before and after').toBeGreaterThan(1)
    for (const event of sending) {
      await replay(stub, event)
      const { done, total } = (event.payload as SyncStatus).progress!
      const bar = await screen.findByRole('progressbar', { name: 'Sending changes' })
      await waitFor(() => expect(bar).toHaveAttribute('value', String(done)))
      expect(bar).toHaveAttribute('max', String(total))
      expect(screen.getByText(`${done} of ${total} changes`)).toBeInTheDocument()
    }
    expect(document.getElementById('sync-announcement')).toHaveTextContent('Sending changes…')

    await replay(stub, receiving!)
    const bar = await screen.findByRole('progressbar', { name: 'Receiving changes' })
    expect(bar, 'the size is not known, so the bar is indeterminate').not.toHaveAttribute('value')
    expect(document.getElementById('nav-sync-text')).toHaveTextContent('Syncing…')

    await replay(stub, events.at(-1)!)
    await act(async () => finish())
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

  it('sends what is waiting when asked: Rust reports sending, then receiving', async () => {
    const { result, events } = await syncFrom('sync now')
    clockAt(result.last_synced_at!)
    const { user, stub } = await openSync('sync now')
    await waitFor(() => expect(indicator()).toBe('Not synced yet · 5 waiting'))
    await user.click(await screen.findByRole('button', { name: 'Sync now' }))
    await waitFor(() => expect(indicator()).toBe('Synced just now'))
    expect(stub.sent('sync_now')).toEqual([{}])
    const stages = events
      .map((e) => (e.payload as SyncStatus).progress?.stage)
      .filter((s, i, all) => s !== undefined && s !== all[i - 1])
    expect(stages).toEqual(['sending', 'receiving'])
    expect(result.waiting).toBe(0)
  })

  it('reports a hub that cannot be reached, with what to do, and keeps the changes', async () => {
    const { result } = await syncFrom('going offline')
    clockAt(result.next_attempt_at!, -0.5)
    const { user } = await openSync('going offline')
    await user.click(await screen.findByRole('button', { name: 'Sync now' }))
    expect(await screen.findByText(/The hub cannot be reached/)).toBeInTheDocument()
    expect(indicator()).toBe('Offline · 5 changes waiting')
    expect(document.getElementById('sync-next-attempt')).toHaveTextContent('in less than a minute')
    expect(document.getElementById('sync-announcement')).toHaveTextContent(
      'The hub could not be reached.',
    )
  })

  describe('changes the hub could not take', () => {
    const HOUSEHOLD = 'Household for 7 Beech Close, ZY18 9ZB'
    const RESIDENT = 'Resident for 7 Beech Close, ZY18 9ZB'

    it('shows people the changes they made, each with its record and what it set', async () => {
      const { stub } = await openSync('set aside: officer')
      const heading = await screen.findByRole('heading', {
        level: 2,
        name: '1 change the hub could not take',
      })
      const section = heading.closest('section') as HTMLElement
      expect(section).toHaveTextContent(/moved to another team on the hub/)
      const card = await within(section).findByRole('region', { name: HOUSEHOLD })
      expect(within(card).getByText('Address line 2').nextElementSibling).toHaveTextContent(
        'Flat 1',
      )
      const [change] = stub.result<SetAsideView[]>('set_aside_changes')
      expect(within(card).getByText('What was done').nextElementSibling).toHaveTextContent(
        `Changed, ${formatDateTime(change!.made_at)}`,
      )
      expect(screen.queryByText(RESIDENT), 'not theirs').toBeNull()
    })

    it('shows a supervisor every change, with who made each', async () => {
      await openSync('set aside: supervisor')
      await screen.findByRole('heading', { level: 2, name: '2 changes the hub could not take' })
      const card = await screen.findByRole('region', { name: HOUSEHOLD })
      expect(within(card).getByText('What was done').nextElementSibling).toHaveTextContent(
        'Changed by Alex Doorley',
      )
      const theirs = screen.getByRole('region', { name: RESIDENT })
      expect(within(theirs).getByText('Full name').nextElementSibling).toHaveTextContent(
        'Noor Kindlewood',
      )
    })

    it('removes a change once its maker says it was passed on, after asking first', async () => {
      const { user, stub } = await openSync('set aside: officer')
      const [change] = stub.result<SetAsideView[]>('set_aside_changes')
      const card = await screen.findByRole('region', { name: HOUSEHOLD })
      // Cancel leaves it.
      await user.click(
        within(card).getByRole('button', { name: `Remove from this laptop: ${HOUSEHOLD}` }),
      )
      const confirm = document.getElementById('set-aside-confirm') as HTMLElement
      expect(confirm).toHaveFocus()
      expect(confirm).toHaveTextContent('only once you have passed it on')
      expect(await violations()).toEqual([])
      await user.click(within(card).getByRole('button', { name: 'Cancel' }))
      expect(document.getElementById('set-aside-confirm')).toBeNull()
      expect(stub.sent('discard_set_aside_change')).toEqual([])

      await user.click(within(card).getByRole('button', { name: /Remove from this laptop/ }))
      await user.click(within(card).getByRole('button', { name: /Yes, remove it/ }))
      await waitFor(() =>
        expect(document.getElementById('set-aside-none')).toHaveTextContent('None is left'),
      )
      expect(document.getElementById('set-aside-heading')).toHaveFocus()
      expect(stub.sent('discard_set_aside_change')).toEqual([{ id: change!.id }])
    })

    it('keeps the other person’s change, for them, after one is removed', async () => {
      await openSync('set aside: supervisor after')
      await screen.findByRole('heading', { level: 2, name: '1 change the hub could not take' })
      expect(await screen.findByRole('region', { name: RESIDENT })).toBeInTheDocument()
      expect(screen.queryByRole('region', { name: HOUSEHOLD })).toBeNull()
    })

    it('is not shown when there are none', async () => {
      await openSync('synced')
      await waitFor(() => expect(document.getElementById('sync-hub')).not.toBeNull())
      expect(document.getElementById('set-aside')).toBeNull()
    })

    it('has no axe violations', async () => {
      await openSync('set aside: officer')
      await screen.findByRole('region', { name: HOUSEHOLD })
      expect(await violations()).toEqual([])
    })
  })

  it('links a supervisor to the conflicts to decide', async () => {
    const { user } = await openSync('conflicts')
    await user.click(await screen.findByRole('link', { name: '2 conflicts to decide' }))
    await screen.findByRole('heading', { level: 1, name: 'Conflicts to decide' })
  })

  it('has no axe violations when not enrolled', async () => {
    await openSync('not enrolled')
    await screen.findByText(/not connected to your council's hub/)
    expect(await violations()).toEqual([])
  })

  it('has no axe violations while syncing, for a supervisor', async () => {
    const { user, stub } = await openSync('conflicts')
    vi.spyOn(stub.backend, 'syncNow').mockImplementation(() => new Promise(() => {}))
    await user.click(await screen.findByRole('button', { name: 'Sync now' }))
    const { events } = await syncFrom('sync now')
    await replay(
      stub,
      events.find((e) => (e.payload as SyncStatus).progress !== null)!,
    )
    await screen.findByRole('progressbar', { name: 'Sending changes' })
    expect(await violations()).toEqual([])
  })
})

describe('Settings: Council hub', () => {
  async function openHub() {
    const app = await openApp('not enrolled', '#/settings')
    await screen.findByRole('heading', { level: 1, name: 'Settings' })
    const section = screen.getByRole('region', { name: 'Council hub' })
    await within(section).findByLabelText('Hub address')
    return { ...app, section }
  }

  it('shows what Rust says of blank boxes, beside each', async () => {
    const { user, stub } = await openHub()
    await user.click(screen.getByRole('button', { name: 'Connect to the hub' }))
    const summary = await screen.findByRole('alert')
    expect(within(summary).getByRole('link', { name: /Enter the hub's address/ })).toHaveAttribute(
      'href',
      '#hub-url',
    )
    expect(
      within(summary).getByRole('link', {
        name: 'Enter the enrolment code your administrator gave you',
      }),
    ).toHaveAttribute('href', '#enrolment-code')
    expect(document.getElementById('hub-url-error')).toHaveTextContent(
      "Enter the hub's address, for example https://hub.example.gov.uk",
    )
    expect(stub.sent('hub_enrol')).toEqual([{ hubUrl: '', code: '' }])
  })

  it('reads an enrolment QR code scanned into the code box, address and all', async () => {
    const { user, stub } = await openHub()
    const code = screen.getByLabelText('Enrolment code')
    await user.type(code, 'doorstep-enrol:?code=K7M2Q')
    await user.click(screen.getByRole('button', { name: 'Connect to the hub' }))
    await waitFor(() =>
      expect(document.getElementById('enrolment-code-error')).toHaveTextContent(
        'not an enrolment code from the council console',
      ),
    )
    await user.clear(code)
    await user.type(code, SCANNED_USED_CODE)
    await user.click(screen.getByRole('button', { name: 'Connect to the hub' }))
    // The hub was reached at the scanned address, and answered about the code.
    await waitFor(() =>
      expect(document.getElementById('enrolment-code-error')).toHaveTextContent(
        'This enrolment code has already been used',
      ),
    )
    expect(screen.getByLabelText('Hub address')).toHaveValue('')
    expect(stub.sent('hub_enrol').at(-1)).toEqual({ hubUrl: '', code: SCANNED_USED_CODE })
  })

  it('shows Rust’s format errors beside each field, keeping what was typed', async () => {
    const { user } = await openHub()
    const address = screen.getByLabelText('Hub address')
    const code = screen.getByLabelText('Enrolment code')
    await user.type(address, 'http://hub.example')
    await user.type(code, CODE)
    await user.click(screen.getByRole('button', { name: 'Connect to the hub' }))
    await waitFor(() =>
      expect(document.getElementById('hub-url-error')).toHaveTextContent(
        'must start with https://',
      ),
    )
    expect(address).toHaveValue('http://hub.example')
    expect(address).toHaveAttribute('aria-invalid', 'true')

    await user.clear(address)
    await user.type(address, HUB_URL)
    await user.clear(code)
    await user.type(code, 'ABC')
    await user.click(screen.getByRole('button', { name: 'Connect to the hub' }))
    await waitFor(() =>
      expect(document.getElementById('enrolment-code-error')).toHaveTextContent(
        'for example K7M2Q-9XRTA-4HWZC',
      ),
    )
    expect(code).toHaveValue('ABC')
    expect(code).toHaveAttribute('aria-invalid', 'true')
  })

  it('says a used code was refused, beside the code', async () => {
    const { user } = await openHub()
    await user.type(screen.getByLabelText('Hub address'), HUB_URL)
    await user.type(screen.getByLabelText('Enrolment code'), USED_CODE)
    await user.click(screen.getByRole('button', { name: 'Connect to the hub' }))
    const summary = await screen.findByRole('alert')
    expect(
      within(summary).getByRole('link', { name: /already been used/ }),
      'linked to the code field',
    ).toHaveAttribute('href', '#enrolment-code')
    // The hub's own words, with what to do next.
    expect(document.getElementById('enrolment-code-error')).toHaveTextContent(
      'This enrolment code has already been used',
    )
  })

  it('says when the hub cannot be reached, beside the address', async () => {
    const { user } = await openHub()
    await user.type(screen.getByLabelText('Hub address'), OFFLINE_URL)
    await user.type(screen.getByLabelText('Enrolment code'), CODE)
    await user.click(screen.getByRole('button', { name: 'Connect to the hub' }))
    await waitFor(() =>
      expect(document.getElementById('hub-url-error')).toHaveTextContent(
        'The hub cannot be reached',
      ),
    )
  })

  it('connects with a good code, says so, and shows the hub and the user', async () => {
    const { user, stub } = await openHub()
    expect(indicator()).toBe('Not connected to a hub')
    await user.type(screen.getByLabelText('Hub address'), `${HUB_URL}/`)
    await user.type(screen.getByLabelText('Enrolment code'), CODE)
    await user.click(screen.getByRole('button', { name: 'Connect to the hub' }))

    const banner = await screen.findByText(
      "This laptop is connected to Eastwick Vale District Council's hub",
    )
    await waitFor(() => expect(document.getElementById('hub-connected')).toHaveFocus())
    expect(banner.closest('[role="alert"]')).not.toBeNull()
    expect(document.getElementById('hub-organisation')).toHaveTextContent(
      'Eastwick Vale District Council',
    )
    expect(document.getElementById('hub-address')).toHaveTextContent(`${HUB_URL}/`)
    expect(document.getElementById('hub-user')).toHaveTextContent('Morgan Checkley (Supervisor)')
    expect(screen.queryByLabelText('Enrolment code'), 'the form is gone').toBeNull()
    expect(stub.sent('hub_enrol')).toEqual([{ hubUrl: `${HUB_URL}/`, code: CODE }])
    expect(indicator()).toBe('Not synced yet')
  })

  it('has no axe violations, with errors and once connected', async () => {
    const { user } = await openHub()
    await user.click(screen.getByRole('button', { name: 'Connect to the hub' }))
    await screen.findByRole('alert')
    expect(await violations()).toEqual([])

    await user.type(screen.getByLabelText('Hub address'), `${HUB_URL}/`)
    await user.type(screen.getByLabelText('Enrolment code'), CODE)
    await user.click(screen.getByRole('button', { name: 'Connect to the hub' }))
    await screen.findByText(/This laptop is connected to/)
    expect(await violations()).toEqual([])
  })
})

describe('Conflicts screen', () => {
  const CARD = 'Survey for 12 Acacia Avenue, ZY18 9ZA: Domestic abuse concern'

  it('shows each conflict with both values, who set them and when', async () => {
    const { stub } = await openConflicts('conflicts')
    const [conflict] = stub.result<ConflictView[]>('conflicts')
    const card = await screen.findByRole('region', { name: CARD })
    expect(card).toHaveTextContent(
      new RegExp(
        `Kept by the hub\\s*Yes\\s*Set by Priya Lakeman, ${formatDateTime(conflict!.kept_at)}`,
      ),
    )
    expect(card).toHaveTextContent(
      new RegExp(
        `Not applied\\s*No\\s*Set by Morgan Checkley, ${formatDateTime(conflict!.other_at)}`,
      ),
    )
    const choice = within(card).getByRole('group', {
      name: 'Which domestic abuse concern should stand?',
    })
    expect(within(choice).getByRole('radio', { name: 'Keep Yes' })).not.toBeChecked()
    expect(within(choice).getByRole('radio', { name: 'Use No instead' })).not.toBeChecked()
    expect(screen.getByText('2 conflicts to decide.')).toBeInTheDocument()
  })

  it('asks for a choice, then saves the decision and lists it as decided', async () => {
    const { user, stub } = await openConflicts('conflicts')
    const [conflict] = stub.result<ConflictView[]>('conflicts')
    const card = await screen.findByRole('region', { name: CARD })
    await user.click(within(card).getByRole('button', { name: 'Confirm decision' }))
    const summary = await screen.findByRole('alert')
    expect(
      within(summary).getByRole('link', {
        name: /Choose which domestic abuse concern should stand/,
      }),
    ).toHaveAttribute('href', `#choice-${conflict!.id}`)
    expect(stub.sent('resolve_conflict')).toEqual([])

    await user.click(within(card).getByRole('radio', { name: 'Use No instead' }))
    await user.click(within(card).getByRole('button', { name: 'Confirm decision' }))

    const saved = await screen.findByText('Decision saved; it will reach the hub at the next sync')
    await waitFor(() => expect(document.getElementById('conflicts-notice')).toHaveFocus())
    expect(saved).toBeInTheDocument()
    expect(stub.sent('resolve_conflict')).toEqual([{ id: conflict!.id, choice: 'take_other' }])
    expect(screen.queryByRole('region', { name: CARD })).toBeNull()
    expect(screen.getByText('1 conflict to decide.')).toBeInTheDocument()
    const decided = screen.getByRole('table', { name: 'Decided conflicts' })
    const row = within(decided)
      .getByText(/Survey for 12 Acacia Avenue/)
      .closest('tr')
    expect(row).toHaveTextContent('Used No instead')
    expect(row).toHaveTextContent('Morgan Checkley')
    const after = stub.result<SyncStatus>('sync_status')
    expect(after.waiting, 'the decision waits for the next sync').toBeGreaterThan(0)
    await waitFor(() => expect(indicator()).toMatch(new RegExp(` · ${after.waiting} waiting$`)))
  })

  it('says when there is nothing to decide', async () => {
    await openConflicts('all decided')
    expect(await screen.findByText('No conflicts to decide.')).toBeInTheDocument()
    expect(screen.getByRole('table', { name: 'Decided conflicts' })).toBeInTheDocument()
  })

  it('tells anyone but a supervisor that only supervisors decide conflicts', async () => {
    const { stub } = await openConflicts('synced')
    expect(document.getElementById('conflicts-supervisor-only')).toHaveTextContent(
      'Only a supervisor can see and decide conflicts',
    )
    expect(stub.sent('conflicts')).toEqual([])
    expect(await violations()).toEqual([])
  })

  it('has no axe violations, with conflicts, an error and a decision', async () => {
    const { user } = await openConflicts('conflicts')
    const card = await screen.findByRole('region', { name: CARD })
    expect(await violations()).toEqual([])
    await user.click(within(card).getByRole('button', { name: 'Confirm decision' }))
    await screen.findByRole('alert')
    expect(await violations()).toEqual([])
    await user.click(within(card).getByRole('radio', { name: 'Use No instead' }))
    await user.click(within(card).getByRole('button', { name: 'Confirm decision' }))
    await screen.findByText('Decision saved; it will reach the hub at the next sync')
    expect(await violations()).toEqual([])
  })
})

describe('first run after the hub revoked the laptop', () => {
  it('says what happened, prominently, and what to do', async () => {
    const { stub } = await openApp('next start', '')
    await screen.findByRole('heading', { level: 1, name: 'Set up Doorstep' })
    const notice = stub.result<AppStatus>('app_status').wiped_notice
    expect(notice).toMatch(/removed this laptop from the council hub/)
    const banner = document.getElementById('wiped-notice')
    expect(banner).toHaveAttribute('role', 'alert')
    expect(banner).toHaveTextContent(notice!)
    expect(banner).toHaveTextContent('ask your hub administrator for a new enrolment code')
    expect(await violations()).toEqual([])
  })

  it('shows no notice on an ordinary first run', async () => {
    await renderRecorded('first-run', { from: 'first run' })
    await screen.findByRole('heading', { level: 1, name: 'Set up Doorstep' })
    expect(document.getElementById('wiped-notice')).toBeNull()
  })
})
