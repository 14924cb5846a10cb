import { getContext, setContext, untrack } from 'svelte'
import type { Backend, Result, Unsubscribe } from '$lib/backend/backend'
import type { SyncStatus } from '$lib/backend/sync-types'
import type { AppError } from '$lib/backend/types'
import { Latest } from '$lib/services/timing'

/** How often relative times ("2 minutes ago") are worked out again. */
export const CLOCK_TICK_MS = 60_000

export type SyncStoreOptions = {
  /** The clock, replaced in tests. */
  now?: () => number
  tickMs?: number
  /** The hub revoked this laptop (its data is being erased). */
  onRevoked?: () => void
}

/**
 * The sync status as the background sync reports it. Lives as long as the app: the
 * header shows it on every screen, and a sync started on the Sync screen keeps
 * running (and showing) when the officer goes elsewhere.
 */
export class SyncStore {
  status = $state.raw<SyncStatus | null>(null)
  /** Why the status could not be loaded (null once it has been). */
  error = $state.raw<AppError | null>(null)
  loading = $state(false)
  /** A "Sync now" is waiting for its answer. */
  requested = $state(false)
  /** The time relative times are measured from; moves every minute. */
  now = $state(0)
  /**
   * For a polite live region: set when a sync fails or the laptop is revoked, and
   * cleared when that is over. Progress is never announced from here.
   */
  announcement = $state('')

  readonly #backend: Backend
  readonly #clock: () => number
  readonly #tickMs: number
  readonly #onRevoked: () => void
  readonly #latest = new Latest()
  #unsubscribe: Unsubscribe | null = null
  #timer: ReturnType<typeof setInterval> | null = null

  constructor(backend: Backend, options: SyncStoreOptions = {}) {
    this.#backend = backend
    this.#clock = options.now ?? Date.now
    this.#tickMs = options.tickMs ?? CLOCK_TICK_MS
    this.#onRevoked = options.onRevoked ?? (() => {})
    this.now = this.#clock()
  }

  /** A sync is running, or has been asked for. */
  get syncing(): boolean {
    return this.requested || this.status?.activity === 'syncing'
  }

  /** Connected to a hub (including a laptop the hub has since revoked). */
  get enrolled(): boolean {
    return this.status !== null && this.status.activity !== 'not_enrolled'
  }

  /** Listens for status events and starts the clock. Safe to call twice. */
  start(): void {
    this.#unsubscribe ??= this.#backend.onSyncStatus((status) => this.apply(status))
    if (this.#timer === null) {
      this.#timer = setInterval(() => this.tick(), this.#tickMs)
    }
    this.tick()
  }

  stop(): void {
    this.#unsubscribe?.()
    this.#unsubscribe = null
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
  }

  /** Moves the clock on, so relative times are said again. */
  tick(): void {
    this.now = this.#clock()
  }

  /** Asks the backend for the status (once unlocked, and whenever a screen needs it fresh). */
  async load(): Promise<void> {
    const ticket = this.#latest.next()
    this.loading = true
    const result = await this.#backend.syncStatus()
    if (!this.#latest.isCurrent(ticket)) return
    this.loading = false
    if (result.status === 'ok') this.apply(result.data)
    else this.error = result.error
  }

  /** Takes a status from an event or an answer; it is newer than any load still running. */
  apply(status: SyncStatus): void {
    this.#latest.invalidate()
    this.loading = false
    this.error = null
    const before = this.status?.activity ?? null
    this.status = status
    this.tick()
    if (status.activity === before) return
    if (status.activity === 'failed') {
      this.announcement = status.last_error ? `Sync failed. ${status.last_error}` : 'Sync failed.'
    } else if (status.activity === 'revoked') {
      this.announcement = 'This laptop was removed from the council hub.'
      this.#onRevoked()
    } else if (before === 'failed' || before === 'revoked') {
      this.announcement = ''
    }
  }

  /** Syncs now, unless a sync is already running (then null). */
  async syncNow(): Promise<Result<SyncStatus> | null> {
    if (this.syncing) return null
    this.requested = true
    try {
      const result = await this.#backend.syncNow()
      if (result.status === 'ok') this.apply(result.data)
      return result
    } finally {
      this.requested = false
    }
  }

  /** Enrols this laptop with a hub; the status is taken on success. */
  async enrol(hubUrl: string, code: string): Promise<Result<SyncStatus>> {
    const result = await this.#backend.hubEnrol(hubUrl, code)
    if (result.status === 'ok') this.apply(result.data)
    return result
  }

  /** Forgets the status (locked by hand); the next unlock loads it again. */
  reset(): void {
    this.#latest.invalidate()
    this.status = null
    this.error = null
    this.loading = false
    this.announcement = ''
  }
}

const KEY = Symbol('doorstep-sync')

export function setSyncContext(store: SyncStore): SyncStore {
  return setContext(KEY, store)
}

export function getSyncContext(): SyncStore {
  const store = getContext<SyncStore | undefined>(KEY)
  if (!store) throw new Error('getSyncContext() called outside <App>')
  return store
}

/**
 * Calls `reload` whenever a sync changes records on this laptop (a colleague's edit, a
 * contractor's progress, a household moved to another team), so an open screen shows it
 * without being left. Call while a component initialises.
 */
export function reloadAfterSync(reload: () => void): void {
  const sync = getSyncContext()
  let seen = untrack(() => sync.status?.records_changed_at ?? null)
  $effect(() => {
    const changed = sync.status?.records_changed_at ?? null
    if (changed === null || changed === seen) return
    seen = changed
    untrack(reload)
  })
}
