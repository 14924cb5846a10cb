import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeBackend } from '$lib/backend/fake'
import { Router } from './router.svelte'
import { Session, TOUCH_INTERVAL_MS } from './session.svelte'

describe('Session', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    window.location.hash = ''
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('tells the backend about activity at most once every 30 seconds', async () => {
    const backend = new FakeBackend({ state: 'unlocked' })
    const session = new Session(backend, new Router())
    await session.start()
    const touches = () => backend.calls.filter((c) => c.method === 'touch').length

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
    const backend = new FakeBackend({ state: 'locked' })
    const session = new Session(backend, new Router())
    await session.start()
    session.activity()
    await vi.runOnlyPendingTimersAsync()
    expect(backend.calls.some((c) => c.method === 'touch')).toBe(false)
  })

  it('reports the idle time from the locked event', async () => {
    const backend = new FakeBackend({ state: 'unlocked', idleLockMinutes: 1 })
    const session = new Session(backend, new Router())
    await session.start()
    backend.fireIdleLock()
    expect(session.phase).toBe('locked')
    expect(session.workspaceKept).toBe(true)
    expect(session.idleLockMessage).toBe('Doorstep locked itself after 1 minute without use')
  })
})
