// A scripted backend for tests: the Tauri backend over a mocked IPC whose answers come
// from a fixture that crates/api/tests/ui_fixtures.rs recorded from the real commands.
// It computes nothing: every answer is recorded or scripted by the test.

import { emit } from '@tauri-apps/api/event'
import { mockIPC } from '@tauri-apps/api/mocks'
import type { Backend } from './backend'
import { createTauriBackend } from './tauri'
import type { AppError } from './types'

type Args = Record<string, unknown>

/** One call as the fixture writer recorded it: `result` when it succeeded, else `error`. */
export type RecordedCall = {
  command: string
  args: Args
  mark?: string
  result?: unknown
  error?: AppError
  /** The events the call sent the window while it ran (a sync's progress), in order. */
  events?: RecordedEvent[]
}

/** An event as the fixture writer recorded it: its name and the payload Rust sent. */
export type RecordedEvent = { event: string; payload: unknown }

/** A fixture file: the calls of a scenario, and branches that go on from its end. */
export type Fixture = {
  scenario: string
  about: string
  regenerate: string
  anchor: string
  calls: RecordedCall[]
  branches: Record<string, RecordedCall[]>
}

/** A call the screen made: the IPC command and its camelCase arguments. */
export type SentCall = { command: string; args: Args }

/** The native dialogs, by their IPC names: cancelled (null) unless a test scripts a path. */
export const OPEN_DIALOG = 'plugin:dialog|open'
export const SAVE_DIALOG = 'plugin:dialog|save'

/**
 * Commands that only read: answered with the latest answer recorded before the next change
 * the screens have not made yet, so reading again never skips ahead of what they did.
 */
const READS = new Set([
  'app_status',
  'assess_passphrase',
  'touch',
  'search',
  'get_household',
  'visits_for_day',
  'visits_for_household',
  'reference_problems',
  'get_survey',
  'surveys_for_household',
  'attachment_data_url',
  'get_plan',
  'plans_with_status',
  'plans_for_household',
  'get_cocoon',
  'cocoons',
  'charlie_template',
  'agencies',
  'charlie_checks_for_household',
  'get_referral',
  'referrals_for_household',
  'overdue_referral_list',
  'queued_referral_list',
  'days_of_action',
  'get_day_of_action',
  'sync_status',
  'set_aside_changes',
  'conflicts',
  'list_users',
  'team_report',
])

type Script = {
  command: string
  args: Args | null
  outcome: { result: unknown } | { error: AppError }
}

/** The same JSON whatever the order of object keys. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Args).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  )
}

/** `args` holds every key of `wanted` with the same value. */
function matches(args: Args, wanted: Args): boolean {
  return Object.entries(wanted).every(([key, value]) => canonical(args[key]) === canonical(value))
}

export type StubOptions = {
  /** Go on with this branch after the fixture's calls. */
  branch?: string
  /** Start at the call the fixture writer marked with this name (else the branch's start). */
  from?: string
}

export class Stub {
  /** The Backend to render the app with. */
  readonly backend: Backend
  /** Every command the screens sent, in order. */
  readonly calls: SentCall[] = []
  /** Calls nothing answered: neither the fixture nor a script. */
  readonly unanswered: SentCall[] = []
  private readonly timeline: RecordedCall[]
  private cursor = 0
  private readonly scripts: Script[] = []

  constructor(fixture: Fixture | null = null, options: StubOptions = {}) {
    const trunk = fixture?.calls ?? []
    const branch = options.branch === undefined ? [] : fixture?.branches[options.branch]
    if (!branch) throw new Error(`The fixture ${fixture?.scenario} has no branch ${options.branch}`)
    this.timeline = [...trunk, ...branch]
    this.cursor = options.branch === undefined ? 0 : trunk.length
    if (options.from !== undefined) this.from(options.from)
    mockIPC((command, payload) => this.invoke(command, (payload ?? {}) as Args), {
      shouldMockEvents: true,
    })
    this.backend = createTauriBackend()
  }

  /** Carries on from the call marked `mark`, as if everything before it had happened. */
  from(mark: string): this {
    const at = this.timeline.findIndex((c) => c.mark === mark)
    if (at < 0) throw new Error(`No call is marked "${mark}"`)
    this.cursor = at
    return this
  }

  /** Answers `command` (when its arguments include `args`) with `result`, before the fixture. */
  answer(command: string, result: unknown, args: Args | null = null): this {
    this.scripts.unshift({ command, args, outcome: { result } })
    return this
  }

  /** Refuses `command` (when its arguments include `args`) with `error`, before the fixture. */
  fail(command: string, error: AppError, args: Args | null = null): this {
    this.scripts.unshift({ command, args, outcome: { error } })
    return this
  }

  /** The arguments of each call of `command` the screens sent. */
  sent(command: string): Args[] {
    return this.calls.filter((c) => c.command === command).map((c) => c.args)
  }

  /**
   * A recorded call of `command` whose arguments include `args`, to read what Rust
   * answered: the first from where the stub has reached, else the first of all.
   */
  recorded(command: string, args: Args = {}): RecordedCall {
    const wanted = (c: RecordedCall) => c.command === command && matches(c.args, args)
    const call =
      this.timeline.find((c, i) => i >= this.cursor && wanted(c)) ?? this.timeline.find(wanted)
    if (!call) throw new Error(`The fixture recorded no ${command} ${canonical(args)}`)
    return call
  }

  /** What Rust answered to a recorded successful call (see `recorded`). */
  result<T>(command: string, args: Args = {}): T {
    return this.recorded(command, args).result as T
  }

  /** Sends an event to the screens, as the Rust side would (`sync-status`, `locked`…). */
  async emit(event: string, payload: unknown): Promise<void> {
    await emit(event, payload)
  }

  private invoke(command: string, args: Args): unknown {
    this.calls.push({ command, args })
    const script = this.scripts.find(
      (s) => s.command === command && (s.args === null || matches(args, s.args)),
    )
    if (script) return settle(script.outcome)
    if (command === OPEN_DIALOG || command === SAVE_DIALOG) return null
    const call = this.find(command, args)
    if (call) return settle(call)
    this.unanswered.push({ command, args })
    throw {
      code: 'internal',
      message: `The stub has no answer for ${command} ${canonical(args)}: record it in crates/api/tests/ui_fixtures.rs or script it with stub.answer`,
      field: null,
      fields: [],
    } satisfies AppError
  }

  private find(command: string, args: Args): RecordedCall | undefined {
    const key = canonical(args)
    const same = (c: RecordedCall) => c.command === command && canonical(c.args) === key
    const after = this.timeline.findIndex((c, i) => i >= this.cursor && same(c))
    if (READS.has(command)) {
      // The state now: what was read before the next change the screens have not made.
      const next = this.timeline.findIndex((c, i) => i >= this.cursor && !READS.has(c.command))
      const seen = this.timeline.slice(0, next < 0 ? undefined : next).findLast(same)
      return seen ?? this.timeline[after]
    }
    if (after < 0) return this.timeline.slice(0, this.cursor).findLast(same)
    this.cursor = after + 1
    return this.timeline[after]
  }
}

function settle(outcome: { result?: unknown; error?: AppError }): unknown {
  if (outcome.error !== undefined) throw outcome.error
  return outcome.result ?? null
}
