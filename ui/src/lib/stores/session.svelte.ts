import type { Backend, Result, Unsubscribe } from '$lib/backend/backend'
import type { AppError, AppStatus, Role } from '$lib/backend/types'
import { HOME } from '$lib/services/routes'
import { throttle } from '$lib/services/timing'
import type { Flash, Router } from './router.svelte'

export type Phase =
  /** Asking the backend what state the store is in. */
  | 'starting'
  /** The store cannot be opened at all (in use, corrupt, too new…). */
  | 'unavailable'
  | 'first_run'
  /** Set up has just succeeded; offering the demo area. */
  | 'demo_offer'
  | 'locked'
  | 'unlocked'

/** Why the Unlock screen is showing. */
export type LockReason = 'startup' | 'manual' | 'idle'

export const TOUCH_INTERVAL_MS = 30_000

/**
 * Where the app is in its life: first run, locked, unlocked. Owns locking,
 * the idle-lock event and the activity ping.
 *
 * When Doorstep locks itself (idle timer), the screen underneath is hidden but
 * kept, so nothing the officer typed is lost; unlocking returns to it. Locking
 * by hand starts afresh at Today and drops everything held in memory.
 */
export class Session {
  phase = $state<Phase>('starting')
  status = $state<AppStatus | null>(null)
  startupError = $state<AppError | null>(null)
  lockReason = $state<LockReason | null>(null)
  /** For an idle lock: how many minutes without use it took, when known. */
  lockedAfterMinutes = $state<number | null>(null)
  /** The screens behind the Unlock screen are kept and come back on unlock. */
  workspaceKept = $state(false)
  /** Bumped whenever the screens must start afresh with nothing in memory. */
  generation = $state(0)

  readonly #backend: Backend
  readonly #router: Router
  readonly #onWipe: () => void
  #unsubscribe: Unsubscribe | null = null
  readonly #ping: () => void

  constructor(backend: Backend, router: Router, onWipe: () => void = () => {}) {
    this.#backend = backend
    this.#router = router
    this.#onWipe = onWipe
    this.#ping = throttle(() => void this.#touch(), TOUCH_INTERVAL_MS)
  }

  /** Screens are mounted (visible when unlocked, hidden under Unlock when kept). */
  get workspaceOpen(): boolean {
    return this.phase === 'unlocked' || (this.phase === 'locked' && this.workspaceKept)
  }

  get idleLockMinutes(): number {
    return this.status?.idle_lock_minutes ?? 0
  }

  /** What the Unlock screen says about an idle lock. */
  get idleLockMessage(): string {
    const minutes = this.lockedAfterMinutes
    if (minutes === null) return 'Doorstep locked itself after a time without use'
    return `Doorstep locked itself after ${minutes} ${minutes === 1 ? 'minute' : 'minutes'} without use`
  }

  async start(): Promise<void> {
    this.#unsubscribe ??= this.#backend.onLocked((minutes) => this.noticeLocked('idle', minutes))
    this.phase = 'starting'
    this.startupError = null
    const result = await this.#backend.appStatus()
    if (result.status === 'error') {
      this.startupError = result.error
      this.phase = 'unavailable'
      return
    }
    this.status = result.data
    switch (result.data.state) {
      case 'first_run':
        this.phase = 'first_run'
        break
      case 'locked':
        this.lockReason = 'startup'
        this.phase = 'locked'
        break
      case 'unlocked':
        this.phase = 'unlocked'
        break
    }
  }

  stop(): void {
    this.#unsubscribe?.()
    this.#unsubscribe = null
  }

  async setUp(officerName: string, role: Role, passphrase: string): Promise<Result<AppStatus>> {
    const result = await this.#backend.setUp(officerName, role, passphrase)
    if (result.status === 'ok') {
      this.status = result.data
      this.phase = 'demo_offer'
    }
    return result
  }

  /** Leaves the demo offer for Today. */
  finishSetUp(flash?: Flash): void {
    this.#freshWorkspace()
    this.phase = 'unlocked'
    this.#router.navigate(HOME, { replace: true, ...(flash ? { flash } : {}) })
  }

  async unlock(passphrase: string): Promise<Result<AppStatus>> {
    const result = await this.#backend.unlock(passphrase)
    if (result.status === 'ok') {
      this.status = result.data
      const resume = this.workspaceKept
      this.workspaceKept = false
      this.lockReason = null
      if (!resume) {
        this.#freshWorkspace()
        this.#router.navigate(HOME, { replace: true })
      }
      this.phase = 'unlocked'
    }
    return result
  }

  /** Lock by hand: the Rust side forgets the key, the UI forgets what it showed. */
  async lock(): Promise<void> {
    // Hide everything first: even if the call fails, the screen must not show data.
    this.workspaceKept = false
    this.lockReason = 'manual'
    this.phase = 'locked'
    this.#freshWorkspace()
    const result = await this.#backend.lock()
    if (result.status === 'ok') this.status = result.data
  }

  /** The store locked itself (idle timer, or a command answered `locked`). */
  noticeLocked(reason: LockReason = 'idle', minutes: number | null = null): void {
    this.lockedAfterMinutes = minutes ?? this.status?.idle_lock_minutes ?? null
    if (this.phase === 'unlocked') {
      this.workspaceKept = true
      this.lockReason = reason
      this.phase = 'locked'
    } else if (this.phase === 'demo_offer') {
      this.workspaceKept = false
      this.lockReason = reason
      this.phase = 'locked'
    }
  }

  /** Keyboard or pointer activity: tells the backend, at most every 30 seconds. */
  activity(): void {
    if (this.phase === 'unlocked' || this.phase === 'demo_offer') this.#ping()
  }

  applyStatus(status: AppStatus): void {
    this.status = status
  }

  /** Asks the backend again, e.g. after adding a person changes who may add people. */
  async refreshStatus(): Promise<void> {
    const result = await this.#backend.appStatus()
    if (result.status === 'ok') this.status = result.data
  }

  async #touch(): Promise<void> {
    const result = await this.#backend.touch()
    if (result.status === 'error' && result.error.code === 'locked') this.noticeLocked('idle')
  }

  #freshWorkspace(): void {
    this.generation++
    this.#onWipe()
  }
}
