import { afterEach, describe, expect, it, vi } from 'vitest'

vi.mock('@tauri-apps/api/core', async (original) => ({
  ...(await original<typeof import('@tauri-apps/api/core')>()),
  isTauri: () => false,
}))

const { createBackend } = await import('./index')

afterEach(() => {
  vi.unstubAllGlobals()
  const w = window as unknown as Record<string, unknown>
  delete w.__TAURI_INTERNALS__
  delete w.__TAURI_EVENT_PLUGIN_INTERNALS__
})

describe('choosing a backend outside the desktop app', () => {
  it('uses the development bridge when one answers at the page’s origin', async () => {
    const health = { service: 'doorstep-dev-bridge', commands: 73 }
    const probe = vi.fn(() => Promise.resolve(new Response(JSON.stringify(health))))
    vi.stubGlobal('fetch', probe)
    const choice = await createBackend()
    expect(choice.kind).toBe('bridge')
    expect(probe).toHaveBeenCalledWith('/api/health', expect.anything())
  })

  it('asks for the bridge on the dev server when none answers, with no fake to fall back on', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(() => Promise.reject(new TypeError('Failed to fetch'))),
    )
    expect(await createBackend()).toEqual({ kind: 'needs-bridge' })
  })
})
