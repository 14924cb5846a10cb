// The sync store against what the real commands and a real hub answered (the sync
// scenario, ui/src/test/fixtures/sync.json): statuses and the events a sync sent are Rust's.

import { afterEach, describe, expect, it, vi } from 'vitest'
import { ok, type Result } from '$lib/backend/backend'
import { Stub, type RecordedEvent } from '$lib/backend/stub'
import type { SyncStatus } from '$lib/backend/sync-types'
import { indicatorText } from '$lib/components/sync/sync-text'
import { SyncStore } from '$lib/stores/sync.svelte'
import { fixture } from './recorded'

const MINUTE = 60_000

/** The backend as recorded at `mark`. */
async function recorded(mark: string): Promise<Stub> {
  return new Stub(await fixture('sync'), { from: mark })
}

/** The first Sync now recorded from `mark` on: its answer and the events it sent. */
async function syncFrom(mark: string): Promise<{ result: SyncStatus; events: RecordedEvent[] }> {
  const { calls } = await fixture('sync')
  const at = calls.findIndex((c) => c.mark === mark)
  const call = calls.slice(at).find((c) => c.command === 'sync_now')
  if (at < 0 || !call) throw new Error(`sync.json has no sync_now after "${mark}"`)
  return { result: call.result as SyncStatus, events: call.events ?? [] }
}

const status = (event: RecordedEvent | undefined) => event?.payload as SyncStatus

describe('SyncStore', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('loads the status, then follows the background sync by its events', async () => {
    const stub = await recorded('waiting')
    const { events } = await syncFrom('sync now')
    const store = new SyncStore(stub.backend)
    store.start()
    await store.load()
    expect(store.status?.activity, 'enrolled and not syncing').toBe('idle')
    expect(store.status?.waiting).toBe(5)

    const sent = events.find((e) => status(e).waiting === 0)!
    await stub.emit(sent.event, sent.payload)
    expect(store.status?.waiting, 'an event replaces the status at once').toBe(0)

    store.stop()
    await stub.emit(events[0]!.event, events[0]!.payload)
    expect(status(events[0]).waiting).toBe(5)
    expect(store.status?.waiting, 'no events are taken after stop()').toBe(0)
  })

  it('keeps a newer event when an older load answers late', async () => {
    const stub = await recorded('waiting')
    const { events } = await syncFrom('sync now')
    const store = new SyncStore(stub.backend)
    store.start()
    const older = stub.result<SyncStatus>('sync_status')
    let answer: (r: Result<SyncStatus>) => void = () => {}
    vi.spyOn(stub.backend, 'syncStatus').mockImplementation(
      () => new Promise((resolve) => (answer = resolve)),
    )
    const loading = store.load()
    const newer = events.at(-1)!
    await stub.emit(newer.event, newer.payload)
    answer(ok(older))
    await loading
    expect(older.waiting).toBe(5)
    expect(store.status?.waiting, 'the late answer is older than the event').toBe(0)
    store.stop()
  })

  it('says relative times again every minute', async () => {
    vi.useFakeTimers()
    const stub = await recorded('synced')
    const synced = stub.result<SyncStatus>('sync_status').last_synced_at!
    let now = new Date(synced).getTime() + 30_000
    const store = new SyncStore(stub.backend, { now: () => now })
    store.start()
    await store.load()
    expect(indicatorText(store.status, store.now)).toBe('Synced just now')

    now += 2 * MINUTE
    vi.advanceTimersByTime(MINUTE)
    expect(indicatorText(store.status, store.now)).toBe('Synced 2 minutes ago')

    store.stop()
    now += 60 * MINUTE
    vi.advanceTimersByTime(MINUTE)
    expect(store.now, 'the clock stops with the store').toBe(now - 60 * MINUTE)
  })

  it('announces a failure and a revocation once, and never progress', async () => {
    const stub = await recorded('synced')
    const revoked = vi.fn()
    const store = new SyncStore(stub.backend, { onRevoked: revoked })
    store.start()
    await store.load()
    const emit = (e: RecordedEvent) => stub.emit(e.event, e.payload)

    const progress = (await syncFrom('sync now')).events
    for (const e of progress.filter((e) => status(e).activity === 'syncing')) await emit(e)
    expect(store.announcement, 'progress is not announced').toBe('')

    const failing = (await syncFrom('failing')).events
    await emit(failing.find((e) => status(e).activity === 'failed')!)
    expect(store.announcement).toBe('Sync failed. The hub refused the request: Not Found')

    await emit(progress.at(-1)!)
    expect(status(progress.at(-1)).activity).toBe('idle')
    expect(store.announcement, 'cleared once the failure is over').toBe('')

    const gone = (await syncFrom('revoked')).events.find((e) => status(e).activity === 'revoked')!
    await emit(gone)
    expect(store.announcement).toBe('This laptop was removed from the council hub.')
    expect(revoked).toHaveBeenCalledTimes(1)
    await emit(gone)
    expect(revoked, 'only the change into revoked counts').toHaveBeenCalledTimes(1)
    store.stop()
  })

  it('does not start a second sync while one runs', async () => {
    const stub = await recorded('sync now')
    const { result } = await syncFrom('sync now')
    const store = new SyncStore(stub.backend)
    let finish: (r: Result<SyncStatus>) => void = () => {}
    const run = vi
      .spyOn(stub.backend, 'syncNow')
      .mockImplementation(() => new Promise((resolve) => (finish = resolve)))
    const first = store.syncNow()
    expect(store.syncing).toBe(true)
    expect(await store.syncNow(), 'a second press does nothing').toBeNull()
    finish(ok(result))
    await first
    expect(run).toHaveBeenCalledTimes(1)
    expect(store.syncing).toBe(false)
  })

  it('forgets the status when reset (locked by hand)', async () => {
    const stub = await recorded('synced')
    const store = new SyncStore(stub.backend)
    await store.load()
    expect(store.status).not.toBeNull()
    store.reset()
    expect(store.status).toBeNull()
  })
})
