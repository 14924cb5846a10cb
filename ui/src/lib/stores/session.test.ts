import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Stub } from '$lib/backend/stub'
import type { AppStatus } from '$lib/backend/types'
import { fixture } from '../../test/recorded'
import { Router } from './router.svelte'
import { Session, TOUCH_INTERVAL_MS } from './session.svelte'

/** The backend as recorded at `mark` of the sync scenario (an officer's laptop). */
async function recorded(mark: string): Promise<Stub> {
  return new Stub(await fixture('sync'), { from: mark })
}

describe('Session', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    window.location.hash = ''
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('tells the backend about activity at most once every 30 seconds', async () => {
    const stub = await recorded('synced')
    const session = new Session(stub.backend, new Router())
    await session.start()
    expect(session.phase).toBe('unlocked')
    const touches = () => stub.sent('touch').length

    for (let i = 0; i < 20; i++) {
      session.activity()
      await vi.advanceTimersByTimeAsync(1_000)
    }
    expect(touches()).toBe(1)

    await vi.advanceTimersByTimeAsync(TOUCH_INTERVAL_MS)
    session.activity()
    await vi.runOnlyPendingTimersAsync()
    expect(touches()).toBe(2)
  })

  it('sends no activity pings while locked', async () => {
    const stub = await recorded('locked')
    const session = new Session(stub.backend, new Router())
    await session.start()
    expect(session.phase).toBe('locked')
    session.activity()
    await vi.runOnlyPendingTimersAsync()
    expect(stub.sent('touch')).toEqual([])
  })

  it('reports the idle time from the locked event', async () => {
    const stub = await recorded('synced')
    const session = new Session(stub.backend, new Router())
    await session.start()
    // The event Rust sends when the idle time set on this laptop has passed.
    const minutes = stub.result<AppStatus>('app_status').idle_lock_minutes
    await stub.emit('locked', { minutes })
    expect(session.phase).toBe('locked')
    expect(session.workspaceKept).toBe(true)
    expect(session.idleLockMessage).toBe(
      `Doorstep locked itself after ${minutes} minutes without use`,
    )
  })
})
