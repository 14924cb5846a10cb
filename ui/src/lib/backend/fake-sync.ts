// The in-memory fake's council hub: enrolment, "Sync now" with progress events, and
// conflicts for a supervisor. See fake.ts for the contract. The codes, field names and
// shapes follow the Rust commands; the hub itself is made up (no network).

import { appError, err, ok, type Result, type Unsubscribe } from './backend'
import type { FakeBackend } from './fake'
import {
  syncError,
  type ConflictChoice,
  type ConflictView,
  type HubLinkView,
  type SetAsideView,
  type SyncActivity,
  type SyncProgress,
  type SyncStatus,
} from './sync-types'
import type { FieldError } from './types'

/** The enrolment code the fake hub accepts (once per fake, like a real one). */
export const FAKE_ENROLMENT_CODE = 'DEMO1-DEMO2-DEMO3'
/** A well-formed code the fake hub says was already used. */
export const FAKE_USED_CODE = 'USED1-USED2-USED3'
export const FAKE_HUB_URL = 'https://hub.eastwick-vale.example'
export const FAKE_HUB_ORGANISATION = 'Eastwick Vale District Council (demo)'
/** How long the fake waits before trying again by itself after a failed sync. */
export const FAKE_RETRY_MINUTES = 5

export type FakeSyncOptions = {
  /** Start enrolled with the demo hub, as the signed-in person. */
  enrolled?: boolean
  /** Only when enrolled; `idle` unless given. */
  activity?: Exclude<SyncActivity, 'not_enrolled' | 'syncing'>
  waiting?: number
  /** RFC 3339; null for never. */
  lastSyncedAt?: string | null
  lastError?: string | null
  nextAttemptAt?: string | null
  /** false: the hub cannot be reached (enrolment and syncs find it offline). */
  hubReachable?: boolean
  /** Changes the hub could no longer take, as the Rust side lists them. */
  setAside?: SetAsideView[]
}

// As the Rust side checks it: 10 to 40 letters and digits once dashes and spaces are gone.
const CODE_SHAPE = /^[A-Z0-9]{10,40}$/

/** "k7m2q 9xrta-4hwzc" → "K7M2Q9XRTA4HWZC": case, spaces and dashes do not matter. */
export function compactCode(code: string): string {
  return code.replace(/[\s-]/g, '').toUpperCase()
}

function hubAddressProblem(url: string): string | null {
  const trimmed = url.trim()
  if (trimmed === '') return "Enter the hub's address, for example https://hub.example.gov.uk"
  let parsed: URL
  try {
    parsed = new URL(trimmed)
  } catch {
    return `"${trimmed}" is not a web address: enter it like https://hub.example.gov.uk`
  }
  if (parsed.protocol !== 'https:') {
    return 'The hub address must start with https:// (records are personal data)'
  }
  return null
}

function codeProblem(code: string): string | null {
  const compact = compactCode(code)
  if (compact === '') return 'Enter the enrolment code your administrator gave you'
  if (!CODE_SHAPE.test(compact)) {
    return 'Enter the enrolment code exactly as your administrator gave it, for example K7M2Q-9XRTA-4HWZC'
  }
  return null
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export class FakeSync {
  hub: HubLinkView | null = null
  activity: SyncActivity = 'not_enrolled'
  waiting = 0
  /** Photos waiting to go up with the next sync. */
  photosWaiting = 0
  lastSyncedAt: string | null = null
  lastError: string | null = null
  nextAttemptAt: string | null = null
  /** When a sync last changed records (screens showing records load them again). */
  recordsChangedAt: string | null = null
  progress: SyncProgress | null = null
  hubReachable: boolean
  /** Conflicts the hub raised, open and decided (only supervisors see them). */
  conflictList: ConflictView[] = []
  /** Changes set aside on this laptop, by whoever made them. */
  setAsideList: SetAsideView[] = []
  /** Enrolment codes spent on this fake hub. */
  private readonly spentCodes = new Set<string>([compactCode(FAKE_USED_CODE)])
  private readonly handlers = new Set<(status: SyncStatus) => void>()

  constructor(
    readonly owner: FakeBackend,
    options: FakeSyncOptions = {},
  ) {
    this.hubReachable = options.hubReachable ?? true
    this.setAsideList = structuredClone(options.setAside ?? [])
    if (options.enrolled) {
      this.link(FAKE_HUB_URL, new Date(Date.now() - 14 * 86_400_000).toISOString())
      this.activity = options.activity ?? 'idle'
      this.waiting = options.waiting ?? 0
      this.lastSyncedAt = options.lastSyncedAt ?? null
      this.lastError = options.lastError ?? null
      this.nextAttemptAt = options.nextAttemptAt ?? null
    }
  }

  // ---- test helpers -------------------------------------------------------

  /** Changes the state as the background sync would, and tells listeners. */
  emit(change: Partial<SyncStatus> = {}): SyncStatus {
    if (change.activity !== undefined) this.activity = change.activity
    if (change.hub !== undefined) this.hub = change.hub
    if (change.waiting !== undefined) this.waiting = change.waiting
    if (change.last_synced_at !== undefined) this.lastSyncedAt = change.last_synced_at
    if (change.last_error !== undefined) this.lastError = change.last_error
    if (change.progress !== undefined) this.progress = change.progress
    if (change.next_attempt_at !== undefined) this.nextAttemptAt = change.next_attempt_at
    if (change.records_changed_at !== undefined) this.recordsChangedAt = change.records_changed_at
    const status = this.status()
    for (const handler of this.handlers) handler(structuredClone(status))
    return status
  }

  /** The two sample conflicts: a plan's status and a referral's consent, edited on two laptops. */
  seedConflicts(): ConflictView[] {
    const at = (daysAgo: number, time: string) => {
      const date = new Date(`${this.owner.today}T${time}:00`)
      date.setDate(date.getDate() - daysAgo)
      return date.toISOString()
    }
    this.conflictList = [
      {
        id: 'conflict-0001',
        record: 'Plan for 12 Acacia Avenue, ZY18 1AA',
        field: 'Plan status',
        kept_value: 'Approved',
        kept_by: 'Sam Ortiz',
        kept_at: at(2, '10:04'),
        other_value: 'Ordered',
        other_by: 'Ann Patel',
        other_at: at(2, '10:06'),
        raised_at: at(2, '10:31'),
        decision: null,
      },
      {
        id: 'conflict-0002',
        record: 'Referral for Flat 3, 8 Chapel Lane, ZY19 7PQ',
        field: 'Consent to share',
        kept_value: 'Given, verbally, to Lee Walker',
        kept_by: 'Lee Walker',
        kept_at: at(1, '14:20'),
        other_value: 'Withdrawn',
        other_by: 'Priya Shah',
        other_at: at(1, '15:02'),
        raised_at: at(1, '15:40'),
        decision: null,
      },
    ]
    return this.conflictList
  }

  // ---- commands -----------------------------------------------------------

  status(): SyncStatus {
    const supervisor = this.owner.signedIn?.role === 'supervisor'
    return {
      activity: this.hub ? this.activity : 'not_enrolled',
      hub: this.hub ? { ...this.hub } : null,
      last_synced_at: this.lastSyncedAt,
      waiting: this.waiting,
      last_error: this.lastError,
      progress: this.activity === 'syncing' ? this.progress : null,
      next_attempt_at: this.nextAttemptAt,
      open_conflicts: supervisor ? this.conflictList.filter((c) => c.decision === null).length : 0,
      set_aside: this.setAsideChanges().length,
      records_changed_at: this.recordsChangedAt,
    }
  }

  /** As the Rust side: its maker or a supervisor removes one; anyone else is refused. */
  discardSetAside(id: string): Result<SetAsideView[]> {
    if (!this.setAsideChanges().some((c) => c.id === id)) {
      return err(
        appError(
          'not_allowed',
          'That change is not in your list of changes the hub could not take. Only the person who made a change, or a supervisor, can remove it.',
        ),
      )
    }
    this.setAsideList = this.setAsideList.filter((c) => c.id !== id)
    this.emit()
    return ok(this.setAsideChanges())
  }

  /** As the Rust side: people see the changes they made; a supervisor sees every one. */
  setAsideChanges(): SetAsideView[] {
    const me = this.owner.signedIn
    const mine = (c: SetAsideView) => me?.role === 'supervisor' || c.made_by === me?.name
    return structuredClone(this.setAsideList.filter(mine))
  }

  enrol(hubUrl: string, code: string): Result<SyncStatus> {
    const problems: FieldError[] = []
    const urlProblem = hubAddressProblem(hubUrl)
    if (urlProblem) problems.push({ field: 'hub_url', message: urlProblem })
    const badCode = codeProblem(code)
    if (badCode) problems.push({ field: 'code', message: badCode })
    if (problems.length > 0) {
      return err(appError('validation', 'Some answers need correcting.', problems))
    }
    const url = hubUrl.trim().replace(/\/+$/, '')
    // One laptop, one council: enrolling again is only for the same hub.
    if (this.hub && this.hub.hub_url.toLowerCase() !== url.toLowerCase()) {
      return err(
        syncError(
          'hub_refused',
          `This laptop is already connected to ${this.hub.hub_url}. Ask an administrator to remove it from that hub first.`,
        ),
      )
    }
    if (!this.hubReachable || new URL(url).hostname.includes('unreachable')) {
      return err(
        syncError(
          'offline',
          `Doorstep could not reach the hub at ${url}. Check the address, and that this laptop is connected to the internet, then try again.`,
        ),
      )
    }
    const compact = compactCode(code)
    if (this.spentCodes.has(compact)) {
      return err(
        syncError(
          'hub_refused',
          'This enrolment code has already been used. Ask your hub administrator for a new code.',
        ),
      )
    }
    if (compact !== compactCode(FAKE_ENROLMENT_CODE)) {
      return err(
        syncError(
          'hub_refused',
          'The hub did not accept this enrolment code. It may be mistyped, or more than 72 hours old: check it, or ask your hub administrator for a new code.',
        ),
      )
    }
    this.spentCodes.add(compact)
    this.link(url, new Date().toISOString())
    this.activity = 'idle'
    // Everything recorded so far has yet to reach the hub.
    this.waiting =
      this.owner.households.length + this.owner.persons.length + this.owner.visits.length
    this.photosWaiting = this.waiting > 0 ? 2 : 0
    this.lastError = null
    this.nextAttemptAt = null
    return ok(this.emit())
  }

  /** Sends, uploads photos, receives, with a progress event at each step. */
  async syncNow(): Promise<Result<SyncStatus>> {
    if (!this.hub) {
      return err(
        syncError(
          'hub_refused',
          'This laptop is not connected to a council hub yet: enrol it in Settings, Council hub.',
        ),
      )
    }
    if (this.activity === 'syncing') return ok(this.status())
    const pause = () => (this.owner.latencyMs > 0 ? sleep(this.owner.latencyMs) : Promise.resolve())

    const sending = this.waiting
    this.emit({ activity: 'syncing', progress: { stage: 'sending', done: 0, total: sending } })
    await pause()
    if (!this.hubReachable) {
      const next = new Date(Date.now() + FAKE_RETRY_MINUTES * 60_000).toISOString()
      return ok(
        this.emit({
          activity: 'offline',
          progress: null,
          last_error:
            'Doorstep could not reach the hub. Check this laptop is connected to the internet. Nothing is lost: your changes wait on this laptop.',
          next_attempt_at: next,
        }),
      )
    }
    const steps = Math.min(sending, 4)
    for (let i = 1; i <= steps; i++) {
      const done = Math.round((sending * i) / steps)
      this.emit({ waiting: sending - done, progress: { stage: 'sending', done, total: sending } })
      await pause()
    }
    const photos = this.photosWaiting
    for (let i = 0; i <= photos; i++) {
      this.emit({ progress: { stage: 'files', done: i, total: photos } })
      await pause()
    }
    this.photosWaiting = 0
    // The hub does not say how much there is to receive until the last page.
    for (const done of [0, 25, 60]) {
      this.emit({ progress: { stage: 'receiving', done, total: null } })
      await pause()
    }
    return ok(
      this.emit({
        activity: 'idle',
        waiting: 0,
        progress: null,
        last_synced_at: new Date().toISOString(),
        last_error: null,
        next_attempt_at: null,
      }),
    )
  }

  conflicts(): Result<ConflictView[]> {
    const refused = this.refuseNonSupervisor()
    if (refused) return refused
    return ok(structuredClone(this.conflictList))
  }

  resolve(id: string, choice: ConflictChoice): Result<ConflictView[]> {
    const refused = this.refuseNonSupervisor()
    if (refused) return refused
    const conflict = this.conflictList.find((c) => c.id === id)
    if (!conflict) {
      return err(appError('not_found', 'That conflict no longer exists. It may have been decided.'))
    }
    if (conflict.decision) {
      return err(
        appError(
          'wrong_step',
          `${conflict.decision.by} has already decided this conflict. The list has been refreshed.`,
        ),
      )
    }
    if (choice !== 'keep' && choice !== 'take_other') {
      return err(
        appError('validation', 'Some answers need correcting.', [
          { field: 'choice', message: 'Choose which value to keep' },
        ]),
      )
    }
    conflict.decision = {
      chosen: choice,
      by: this.owner.signedIn?.name ?? 'Unknown',
      at: new Date().toISOString(),
    }
    // The decision is an ordinary edit: it waits for the next sync like any other.
    this.emit({ waiting: this.waiting + 1 })
    return ok(structuredClone(this.conflictList))
  }

  on(handler: (status: SyncStatus) => void): Unsubscribe {
    this.handlers.add(handler)
    return () => this.handlers.delete(handler)
  }

  // ---- internals ----------------------------------------------------------

  private link(url: string, enrolledAt: string): void {
    const me = this.owner.signedIn ?? this.owner.users[0]
    this.hub = {
      hub_url: url,
      organisation: FAKE_HUB_ORGANISATION,
      user_name: me?.name ?? 'Sam Officer',
      user_role: me?.role ?? 'officer',
      enrolled_at: enrolledAt,
    }
    if (this.conflictList.length === 0) this.seedConflicts()
  }

  private refuseNonSupervisor(): Result<never> | null {
    if (this.owner.signedIn?.role === 'supervisor') return null
    return err(
      appError(
        'not_allowed',
        'Only a supervisor can see and decide conflicts. Ask a supervisor to unlock Doorstep with their own passphrase.',
      ),
    )
  }
}
