import { isTauri } from '@tauri-apps/api/core'
import type { Backend } from './backend'

export type { Backend, Result, Unsubscribe } from './backend'
export { appError, err, ok } from './backend'
export * from './types'

export type BackendChoice = { backend: Backend; kind: 'tauri' | 'preview' }

/**
 * Inside the desktop app this is the Tauri backend. In an ordinary browser
 * (`npm run dev`, or a build made with VITE_PREVIEW_BACKEND=fake) it is the
 * in-memory fake with made-up data; a normal production build leaves the fake
 * out entirely and refuses to run outside Tauri.
 */
export async function createBackend(): Promise<BackendChoice | null> {
  if (isTauri()) {
    const { createTauriBackend } = await import('./tauri')
    return { backend: createTauriBackend(), kind: 'tauri' }
  }
  if (import.meta.env.DEV || import.meta.env.VITE_PREVIEW_BACKEND === 'fake') {
    const { FakeBackend } = await import('./fake')
    return {
      backend: new FakeBackend({ state: 'first_run', latencyMs: 250, idleTimer: true }),
      kind: 'preview',
    }
  }
  return null
}
