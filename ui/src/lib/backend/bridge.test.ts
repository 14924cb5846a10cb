import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { BRIDGE_DOWN, bridgeAnswers, createBridgeBackend, type BridgeEnvironment } from './bridge'
import type { Backend } from './backend'

/** An EventSource that a test drives by hand. */
class FakeEventSource {
  static made: FakeEventSource[] = []
  readonly handlers = new Map<string, ((e: MessageEvent<string>) => void)[]>()
  constructor(readonly url: string) {
    FakeEventSource.made.push(this)
  }
  addEventListener(name: string, handler: (e: MessageEvent<string>) => void) {
    this.handlers.set(name, [...(this.handlers.get(name) ?? []), handler])
  }
  emit(name: string, payload: unknown) {
    const event = new MessageEvent<string>(name, { data: JSON.stringify(payload) })
    for (const h of this.handlers.get(name) ?? []) h(event)
  }
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  })
}

/** Lets the shim's promise chains (listen, then subscribe) settle. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

const fetchMock = vi.fn<typeof fetch>()
const prompt = vi.fn<(message: string) => string | null>()
let backend: Backend

beforeEach(async () => {
  FakeEventSource.made = []
  fetchMock.mockReset()
  prompt.mockReset()
  const env: BridgeEnvironment = {
    base: 'http://127.0.0.1:5180',
    fetch: fetchMock,
    EventSource: FakeEventSource as unknown as typeof EventSource,
    prompt,
  }
  backend = await createBridgeBackend(env)
})

afterEach(() => {
  const w = window as unknown as Record<string, unknown>
  delete w.__TAURI_INTERNALS__
  delete w.__TAURI_EVENT_PLUGIN_INTERNALS__
})

/** The URL and parsed JSON body of the fetch call at `index`. */
function call(index: number): { url: string; body: unknown } {
  const [url, init] = fetchMock.mock.calls[index] ?? []
  return { url: String(url), body: JSON.parse(String(init?.body)) }
}

describe('the development bridge shim', () => {
  it('posts a command with the bindings’ camelCase arguments and returns its answer', async () => {
    fetchMock.mockResolvedValue(json(200, { state: 'unlocked' }))
    const result = await backend.setUp('Sam Officer', 'officer', 'secret words here')
    expect(result).toEqual({ status: 'ok', data: { state: 'unlocked' } })
    expect(call(0)).toEqual({
      url: 'http://127.0.0.1:5180/api/invoke/set_up',
      body: { officerName: 'Sam Officer', role: 'officer', passphrase: 'secret words here' },
    })
    expect(fetchMock.mock.calls[0]?.[1]?.method).toBe('POST')
  })

  it('rejects with the AppError exactly as Rust sent it', async () => {
    const error = { code: 'wrong_passphrase', message: 'Wrong.', field: null, fields: [] }
    fetchMock.mockResolvedValue(json(400, error))
    expect(await backend.unlock('nope')).toEqual({ status: 'error', error })
  })

  it('reports a bridge that does not answer as internal, saying so', async () => {
    fetchMock.mockRejectedValue(new TypeError('Failed to fetch'))
    const result = await backend.search('acacia')
    expect(result).toEqual({
      status: 'error',
      error: { code: 'internal', message: BRIDGE_DOWN, field: null, fields: [] },
    })
  })

  it('delivers events to listeners over one stream, and stops after unsubscribing', async () => {
    const sync = vi.fn()
    const locked = vi.fn()
    const stopSync = backend.onSyncStatus(sync)
    backend.onLocked(locked)
    await settle()
    expect(FakeEventSource.made).toHaveLength(1)
    const [source] = FakeEventSource.made
    expect(source?.url).toBe('http://127.0.0.1:5180/api/events')

    source?.emit('sync-status', { activity: 'not_enrolled' })
    source?.emit('locked', { minutes: 15 })
    expect(sync).toHaveBeenCalledWith({ activity: 'not_enrolled' })
    expect(locked).toHaveBeenCalledWith(15)

    stopSync()
    await settle()
    source?.emit('sync-status', { activity: 'syncing' })
    expect(sync).toHaveBeenCalledTimes(1)
    source?.emit('locked', { minutes: 5 })
    expect(locked).toHaveBeenCalledTimes(2)
    // Listening and unlistening never reached the bridge's commands.
    expect(fetchMock).not.toHaveBeenCalled()
  })

  it('asks the bridge where a save goes', async () => {
    fetchMock.mockResolvedValue(json(200, '/data/bridge-files/plan.pdf'))
    const result = await backend.chooseDocumentDestination('plan.pdf')
    expect(result).toEqual({ status: 'ok', data: '/data/bridge-files/plan.pdf' })
    const { url, body } = call(0)
    expect(url).toBe('http://127.0.0.1:5180/api/dialog/save')
    expect(body).toMatchObject({ defaultPath: 'plan.pdf' })
  })

  it('opens a path the developer types, and nothing when they cancel', async () => {
    prompt.mockReturnValueOnce('/tmp/doors.csv')
    fetchMock.mockResolvedValue(json(200, '/tmp/doors.csv'))
    expect(await backend.chooseDoorListFile()).toEqual({ status: 'ok', data: '/tmp/doors.csv' })
    expect(call(0)).toEqual({
      url: 'http://127.0.0.1:5180/api/dialog/open',
      body: { path: '/tmp/doors.csv', directory: false },
    })
    prompt.mockReturnValueOnce(null)
    expect(await backend.chooseGazetteerFile()).toEqual({ status: 'ok', data: null })
    expect(fetchMock).toHaveBeenCalledTimes(1)
  })
})

describe('finding a bridge', () => {
  it('answers yes only for the bridge’s own health reply', async () => {
    const probe = vi.fn<typeof fetch>()
    probe.mockResolvedValueOnce(json(200, { service: 'doorstep-dev-bridge', commands: 73 }))
    expect(await bridgeAnswers('', probe)).toBe(true)
    expect(String(probe.mock.calls[0]?.[0])).toBe('/api/health')
    probe.mockResolvedValueOnce(new Response('<!doctype html>', { status: 200 }))
    expect(await bridgeAnswers('', probe)).toBe(false)
    probe.mockResolvedValueOnce(json(404, {}))
    expect(await bridgeAnswers('', probe)).toBe(false)
    probe.mockRejectedValueOnce(new TypeError('Failed to fetch'))
    expect(await bridgeAnswers('', probe)).toBe(false)
  })
})
