import { isTauri } from '@tauri-apps/api/core'
import type { Backend } from './backend'

export type { Backend, Result, Unsubscribe } from './backend'
export { appError, err, ok } from './backend'
export * from './types'

/**
 * Which backend the page runs on: the desktop app's, or the development bridge's (the same
 * Tauri adapter over HTTP to real Rust); or none, because the dev server found no bridge,
 * or because a build was opened outside the app.
 */
export type BackendChoice =
  | { kind: 'tauri' | 'bridge'; backend: Backend }
  | { kind: 'needs-bridge' }
  | { kind: 'not-desktop' }

/** How to start the bridge, for the page that asks for it. */
export const BRIDGE_COMMAND = 'cargo run -p doorstep-dev-bridge -- --data-dir /tmp/doorstep-dev'

/**
 * Inside the desktop app this is the Tauri backend. In an ordinary browser it is the
 * development bridge when one answers: at the page's own origin (the bridge serving the
 * built UI, or `npm run dev` proxying `/api` to it), else at `VITE_BRIDGE_URL`. Without a
 * bridge there is no backend: there is no made-up data to fall back on.
 */
export async function createBackend(): Promise<BackendChoice> {
  if (isTauri()) {
    const { createTauriBackend } = await import('./tauri')
    return { backend: createTauriBackend(), kind: 'tauri' }
  }
  const { bridgeAnswers, browserEnvironment, createBridgeBackend } = await import('./bridge')
  const configured: unknown = import.meta.env.VITE_BRIDGE_URL
  const bases = ['', ...(typeof configured === 'string' && configured ? [configured] : [])]
  for (const base of bases) {
    if (await bridgeAnswers(base)) {
      return { backend: await createBridgeBackend(browserEnvironment(base)), kind: 'bridge' }
    }
  }
  return { kind: import.meta.env.DEV ? 'needs-bridge' : 'not-desktop' }
}
