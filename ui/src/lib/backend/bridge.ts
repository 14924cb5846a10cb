/**
 * The development bridge backend: the very Tauri backend the app uses (`tauri.ts` over the
 * generated bindings), with Tauri's IPC replaced by HTTP to `doorstep-dev-bridge`
 * (tools/dev-bridge, docs/dev-bridge.md). Installing a minimal `window.__TAURI_INTERNALS__`
 * keeps every command name, argument object, error and event on the same path as in the
 * window, so a browser session exercises the real adapter against real Rust.
 *
 * Development only: the bridge has no sign-in and is never shipped.
 */
import type { Backend } from './backend'

/** What the generated bindings and `@tauri-apps/api` reach for on `window`. */
type TauriInternals = {
  invoke: (cmd: string, args?: Record<string, unknown>, options?: unknown) => Promise<unknown>
  transformCallback: (callback: (response: unknown) => void, once?: boolean) => number
  unregisterCallback: (id: number) => void
  convertFileSrc: (path: string, protocol?: string) => string
}

type EventPluginInternals = { unregisterListener: (event: string, eventId: number) => void }

/** Where the shim goes: `window` (typed loosely, as @tauri-apps/api declares these itself). */
type ShimTarget = {
  __TAURI_INTERNALS__?: TauriInternals
  __TAURI_EVENT_PLUGIN_INTERNALS__?: EventPluginInternals
}

/** What the shim needs from the browser; tests pass stand-ins. */
export type BridgeEnvironment = {
  /** The bridge's base URL without a trailing slash; `''` for the page's own origin. */
  base: string
  fetch: typeof fetch
  EventSource: typeof EventSource
  /** Asks for a path where the desktop would show an open dialog; `null` is Cancel. */
  prompt: (message: string) => string | null
}

/** Said when the bridge cannot be reached; tauri.ts reports it with code `internal`. */
export const BRIDGE_DOWN =
  'The development bridge did not answer. Is doorstep-dev-bridge still running?'

/** Whether a bridge answers at `base` (its `/api/health`). */
export async function bridgeAnswers(base: string, fetcher: typeof fetch = fetch): Promise<boolean> {
  try {
    const reply = await fetcher(`${base}/api/health`, { headers: { accept: 'application/json' } })
    if (!reply.ok) return false
    const body: unknown = await reply.json()
    return (
      typeof body === 'object' &&
      body !== null &&
      (body as Record<string, unknown>).service === 'doorstep-dev-bridge'
    )
  } catch {
    return false
  }
}

/** A listener registered through `plugin:event|listen`. */
type Listener = { eventId: number; handler: number }

/**
 * Installs the shim on `target` (the window). Commands go to `POST /api/invoke/{cmd}`;
 * event listeners share one `EventSource` on `/api/events`; the dialog plugin's `save` and
 * `open` go to the bridge's stand-ins.
 */
export function installBridge(env: BridgeEnvironment, target: object = window): void {
  const callbacks = new Map<number, { run: (response: unknown) => void; once: boolean }>()
  const listeners = new Map<string, Listener[]>()
  const subscribed = new Set<string>()
  let nextId = 1
  let source: EventSource | null = null

  async function post(path: string, body: unknown): Promise<unknown> {
    let reply: Response
    try {
      reply = await env.fetch(`${env.base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body ?? {}),
      })
    } catch {
      // A string, not an Error: the generated bindings rethrow Errors instead of
      // returning them, and tauri.ts turns a string into an `internal` AppError.
      throw BRIDGE_DOWN
    }
    const text = await reply.text()
    let parsed: unknown = null
    try {
      parsed = text === '' ? null : JSON.parse(text)
    } catch {
      parsed = text
    }
    if (reply.ok) return parsed
    // The AppError object exactly as Rust sent it, as Tauri rejects with it.
    throw typeof parsed === 'object' && parsed !== null
      ? parsed
      : `The development bridge answered ${reply.status}: ${String(parsed)}`
  }

  function deliver(event: string, data: string) {
    let payload: unknown
    try {
      payload = JSON.parse(data)
    } catch {
      console.error(`The development bridge sent "${event}" with a payload that is not JSON`)
      return
    }
    for (const { eventId, handler } of listeners.get(event) ?? []) {
      callbacks.get(handler)?.run({ event, id: eventId, payload })
    }
  }

  function listen(event: string, handler: number): number {
    const eventId = nextId++
    listeners.set(event, [...(listeners.get(event) ?? []), { eventId, handler }])
    source ??= new env.EventSource(`${env.base}/api/events`)
    if (!subscribed.has(event)) {
      subscribed.add(event)
      source.addEventListener(event, (e) => deliver(event, (e as MessageEvent<string>).data))
    }
    return eventId
  }

  function unlisten(event: string, eventId: number) {
    const all = listeners.get(event) ?? []
    for (const l of all) if (l.eventId === eventId) callbacks.delete(l.handler)
    listeners.set(
      event,
      all.filter((l) => l.eventId !== eventId),
    )
  }

  async function openDialog(options: Record<string, unknown>): Promise<unknown> {
    const what = options.directory === true ? 'folder' : 'file'
    const title = typeof options.title === 'string' ? options.title : `Choose a ${what}`
    const path = env.prompt(
      `${title}\n\n(Development bridge: type the full path of a ${what} on this computer.)`,
    )
    if (path === null || path.trim() === '') return null
    return post('/api/dialog/open', { path, directory: options.directory === true })
  }

  const internals: TauriInternals = {
    async invoke(cmd, args = {}) {
      switch (cmd) {
        case 'plugin:event|listen':
          return listen(String(args.event), Number(args.handler))
        case 'plugin:event|unlisten':
          unlisten(String(args.event), Number(args.eventId))
          return null
        case 'plugin:dialog|save':
          return post('/api/dialog/save', args.options ?? {})
        case 'plugin:dialog|open':
          return openDialog((args.options ?? {}) as Record<string, unknown>)
      }
      if (cmd.startsWith('plugin:')) {
        throw `The development bridge does not stand in for ${cmd}.`
      }
      return post(`/api/invoke/${encodeURIComponent(cmd)}`, args)
    },
    transformCallback(callback, once = false) {
      const id = nextId++
      callbacks.set(id, {
        once,
        run: (response) => {
          if (once) callbacks.delete(id)
          callback(response)
        },
      })
      return id
    },
    unregisterCallback(id) {
      callbacks.delete(id)
    },
    convertFileSrc(path) {
      // Doorstep shows attachments as data: URLs from Rust, never by file path.
      return path
    },
  }
  const shim = target as ShimTarget
  shim.__TAURI_INTERNALS__ = internals
  shim.__TAURI_EVENT_PLUGIN_INTERNALS__ = { unregisterListener: unlisten }
}

/** The browser's own fetch, EventSource and prompt, against `base`. */
export function browserEnvironment(base: string): BridgeEnvironment {
  return {
    base: base.replace(/\/+$/, ''),
    fetch: (input, init) => window.fetch(input, init),
    EventSource: window.EventSource,
    prompt: (message) => window.prompt(message),
  }
}

/** Installs the shim, then builds the app's own Tauri backend over it. */
export async function createBridgeBackend(env: BridgeEnvironment): Promise<Backend> {
  installBridge(env)
  const { createTauriBackend } = await import('./tauri')
  return createTauriBackend()
}
