import { afterEach, describe, expect, it, vi } from 'vitest'
import { ok, type Result } from '$lib/backend/backend'
import { FakeBackend } from '$lib/backend/fake'
import type { SyncStatus } from '$lib/backend/sync-types'
import { indicatorText } from '$lib/components/sync/sync-text'
import { SyncStore } from '$lib/stores/sync.svelte'

const MINUTE = 60_000

function enrolledFake(sync: ConstructorParameters<typeof FakeBackend>[0] = {}) {
  return new FakeBackend({ state: 'unlocked', sync: { enrolled: true }, ...sync })
}

describe('SyncStore', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('loads the status, then follows the background sync by its events', async () => {
    const fake = enrolledFake()
    const store = new SyncStore(fake)
    store.start()
    await store.load()
    expect(store.status?.activity, 'enrolled and not syncing').toBe('idle')

    fake.sync.emit({ waiting: 5 })
    expect(store.status?.waiting, 'an event replaces the status at once').toBe(5)

    store.stop()
    fake.sync.emit({ waiting: 9 })
    expect(store.status?.waiting, 'no events are taken after stop()').toBe(5)
  })

  it('keeps a newer event when an older load answers late', async () => {
    const fake = enrolledFake()
    const store = new SyncStore(fake)
    store.start()
    let answer: (r: Result<SyncStatus>) => void = () => {}
    vi.spyOn(fake, 'syncStatus').mockImplementation(
      () => new Promise((resolve) => (answer = resolve)),
    )
    const loading = store.load()
    fake.sync.emit({ waiting: 7 })
    answer(ok({ ...fake.sync.status(), waiting: 1 }))
    await loading
    expect(store.status?.waiting, 'the late answer is older than the event').toBe(7)
    store.stop()
  })

  it('says relative times again every minute', async () => {
    vi.useFakeTimers()
    let now = new Date(2025, 10, 27, 12, 0).getTime()
    const fake = enrolledFake({
      sync: { enrolled: true, lastSyncedAt: new Date(now - 30_000).toISOString() },
    })
    const store = new SyncStore(fake, { now: () => now })
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
    const fake = enrolledFake()
    const revoked = vi.fn()
    const store = new SyncStore(fake, { onRevoked: revoked })
    store.start()
    await store.load()

    fake.sync.emit({ activity: 'syncing', progress: { stage: 'sending', done: 1, total: 4 } })
    fake.sync.emit({ progress: { stage: 'sending', done: 3, total: 4 } })
    expect(store.announcement, 'progress is not announced').toBe('')

    fake.sync.emit({ activity: 'failed', last_error: 'The hub refused the changes.' })
    expect(store.announcement).toBe('Sync failed. The hub refused the changes.')

    fake.sync.emit({ activity: 'idle', last_error: null })
    expect(store.announcement, 'cleared once the failure is over').toBe('')

    fake.sync.emit({ activity: 'revoked' })
    expect(store.announcement).toBe('This laptop was removed from the council hub.')
    expect(revoked).toHaveBeenCalledTimes(1)
    fake.sync.emit({ waiting: 0 })
    expect(revoked, 'only the change into revoked counts').toHaveBeenCalledTimes(1)
    store.stop()
  })

  it('does not start a second sync while one runs', async () => {
    const fake = enrolledFake()
    const store = new SyncStore(fake)
    let finish: (r: Result<SyncStatus>) => void = () => {}
    const run = vi
      .spyOn(fake, 'syncNow')
      .mockImplementation(() => new Promise((resolve) => (finish = resolve)))
    const first = store.syncNow()
    expect(store.syncing).toBe(true)
    expect(await store.syncNow(), 'a second press does nothing').toBeNull()
    finish(ok({ ...fake.sync.status(), waiting: 0 }))
    await first
    expect(run).toHaveBeenCalledTimes(1)
    expect(store.syncing).toBe(false)
  })

  it('forgets the status when reset (locked by hand)', async () => {
    const store = new SyncStore(enrolledFake())
    await store.load()
    store.reset()
    expect(store.status).toBeNull()
  })
})
