// In-memory stand-in for the Rust side. Used by Vitest, and by `npm run dev`
// in an ordinary browser so the screens can be seen without Tauri. It follows
// the same contract as the real commands (codes, field names, shapes) but its
// rules are only an approximation of the Rust ones.

import { appError, err, ok, type Backend, type Result, type Unsubscribe } from './backend'
import {
  demoGazetteer,
  demoPerson,
  demoVisit,
  FAKE_LAPTOP_ROLES,
  pick,
  seededRandom,
  type FakeUser,
  type GazetteerEntry,
} from './fake-data'
import { FakeDays } from './fake-days'
import { FakeFire } from './fake-fire'
import { FakePlans } from './fake-plans'
import { FakeSurveys } from './fake-survey'
import { FakeSync, type FakeSyncOptions } from './fake-sync'
import type { AppStatusWithSync, ConflictChoice, SyncStatus } from './sync-types'
import type {
  ReferenceProblem,
  DocumentProgressEvent,
  SavedDocument,
  BasisRecord,
  CharlieDraft,
  Consent,
  DayOfActionDraft,
  KnockDraft,
  ReferralDraft,
  ReferralStep,
  AnswerValue,
  CocoonOutcome,
  FollowUpFindings,
  PlanEdit,
  PlanStatus,
  PlanStep,
  AppError,
  AppState,
  AppStatus,
  FieldError,
  Limits,
  Household,
  HouseholdDraft,
  ImportProgress,
  Officer,
  PassphraseAssessment,
  Person,
  PersonDraft,
  Role,
  SearchHit,
  Visit,
  VisitDraft,
} from './types'

export type FakeBackendOptions = {
  state?: AppState
  /** Passphrase the store was "set up" with (when state is not first_run). */
  passphrase?: string
  officerName?: string
  /** The first user's role; a burglary reduction officer unless given. */
  role?: Role
  /** Other people who can unlock the laptop, after the first user. */
  otherUsers?: FakeUser[]
  /** Who is signed in when the fake starts unlocked (by name); the first user unless given. */
  signedInAs?: string
  /** YYYY-MM-DD; defaults to the local date. */
  today?: string
  /** Artificial delay for every call, to make loading states visible. */
  latencyMs?: number
  idleLockMinutes?: number
  /** Run a real idle timer that locks and fires `locked` (for the browser preview). */
  idleTimer?: boolean
  /** Start with the demo area loaded. */
  demo?: boolean
  dataFolder?: string
  /** The council hub: not enrolled unless given. */
  sync?: FakeSyncOptions
  /** What the app says after a revoked laptop erased its data (shown on first run). */
  wipedNotice?: string | null
}

/** `Limits::current()` in crates/core/src/limits.rs, as the fake's status sends it. */
const FAKE_LIMITS: Limits = {
  person_name_max: 120,
  phone_max: 40,
  email_max: 254,
  language_max: 60,
  address_line_max: 120,
  town_max: 60,
  uprn_digits_max: 12,
  visit_notes_max: 10_000,
  plan_quantity_max: 50,
  section_note_max: 4_000,
  follow_up_notes_max: 4_000,
  charlie_note_max: 2_000,
  alarm_floor_max: 40,
  justification_min: 40,
  referral_text_max: 2_000,
  day_text_max: 120,
  crew_max: 20,
}

const POSTCODE = /^(GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})$/i
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const COMMON = ['password', 'passphrase', 'doorstep', 'mansfield', 'qwerty', 'letmein', '123456']

export function localIsoDate(date = new Date()): string {
  const y = date.getFullYear()
  const m = String(date.getMonth() + 1).padStart(2, '0')
  const d = String(date.getDate()).padStart(2, '0')
  return `${y}-${m}-${d}`
}

function isRealDate(value: string): boolean {
  if (!ISO_DATE.test(value)) return false
  const [y, m, d] = value.split('-').map(Number) as [number, number, number]
  const date = new Date(Date.UTC(y, m - 1, d))
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d
}

function normalisePostcode(value: string): string {
  const compact = value.replace(/\s+/g, '').toUpperCase()
  return compact.length > 3 ? `${compact.slice(0, -3)} ${compact.slice(-3)}` : compact
}

function blankToNull(value: string): string | null {
  const trimmed = value.trim()
  return trimmed === '' ? null : trimmed
}

function oneLine(h: Household): string {
  return [h.address_line_1, h.address_line_2, h.address_line_3, h.town]
    .filter((part): part is string => !!part)
    .join(', ')
}

function validation(fields: FieldError[]): AppError {
  return appError('validation', 'Some answers need correcting.', fields)
}

/** A rough, deterministic stand-in for zxcvbn. */
export function fakeAssess(passphrase: string): PassphraseAssessment {
  const lower = passphrase.toLowerCase()
  const words = passphrase.trim().split(/\s+/).filter(Boolean).length
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9\s]/].filter((r) =>
    r.test(passphrase),
  ).length
  let score = 0
  if (passphrase.length >= 8) score = 1
  if (passphrase.length >= 12) score = 2
  if (passphrase.length >= 16 || (passphrase.length >= 12 && (words >= 3 || classes >= 3)))
    score = 3
  if (passphrase.length >= 20 && (words >= 4 || classes >= 3)) score = 4
  let warning: string | null = null
  if (COMMON.some((word) => lower.includes(word))) {
    score = Math.min(score, 1)
    warning = 'This contains a very common word or password.'
  } else if (/(.)\1{3,}/.test(passphrase)) {
    score = Math.min(score, 1)
    warning = 'Repeated characters like "aaaa" are easy to guess.'
  } else if (score < 3 && passphrase.length > 0) {
    warning = 'This is too short to be safe.'
  }
  const suggestions =
    score >= 3 ? [] : ['Use four or more uncommon words.', 'Avoid names, dates and places.']
  return { acceptable: score >= 3, score, warning, suggestions }
}

/** One person on the fake laptop. */
type FakeAccount = Officer & { passphrase: string }

const PASSPHRASE_IN_USE =
  'Choose a different passphrase. Someone else on this laptop already uses this one, and each person needs their own'

export class FakeBackend implements Backend {
  state: AppState
  /** Everyone who can unlock the laptop; the first is the one who set it up. */
  users: FakeAccount[] = []
  /** Whose passphrase unlocked it last. */
  signedIn: FakeAccount | null = null
  idleLockMinutes: number
  today: string
  readonly dataFolder: string
  readonly latencyMs: number
  /** The notice left after the hub revoked this laptop and its data was erased. */
  wipedNotice: string | null
  /** The fake council hub (fake-sync.ts). */
  readonly sync: FakeSync

  gazetteer: GazetteerEntry[] = []
  households: Household[] = []
  persons: Person[] = []
  visits: Visit[] = []

  /** Every call, in order, for tests that need to count them. */
  readonly calls: { method: string; args: unknown[] }[] = []

  private nextId = 1
  private readonly lockedHandlers = new Set<(minutes: number | null) => void>()
  private readonly progressHandlers = new Set<(p: ImportProgress) => void>()
  private idleTimer: ReturnType<typeof setTimeout> | null = null
  private readonly useIdleTimer: boolean

  constructor(options: FakeBackendOptions = {}) {
    this.state = options.state ?? 'first_run'
    if (this.state !== 'first_run') {
      this.addAccount({
        name: options.officerName ?? 'Sam Officer',
        role: options.role ?? 'officer',
        passphrase: options.passphrase ?? 'correct horse battery staple',
      })
      for (const user of options.otherUsers ?? []) this.addAccount(user)
      this.signedIn = this.users.find((u) => u.name === options.signedInAs) ?? this.users[0] ?? null
    }
    this.today = options.today ?? localIsoDate()
    this.latencyMs = options.latencyMs ?? 0
    this.idleLockMinutes = options.idleLockMinutes ?? 10
    this.useIdleTimer = options.idleTimer ?? false
    this.dataFolder = options.dataFolder ?? '/home/officer/.local/share/doorstep'
    this.wipedNotice = options.wipedNotice ?? null
    this.sync = new FakeSync(this, options.sync)
    if (options.demo) this.seedDemo()
    if (this.state === 'unlocked') this.restartIdleTimer()
  }

  // ---- test helpers -------------------------------------------------------

  /** The signed-in person's passphrase (or the first user's, before anyone signs in). */
  get passphrase(): string | null {
    return (this.signedIn ?? this.users[0])?.passphrase ?? null
  }

  /** The signed-in person's name (or the first user's). */
  get officerName(): string | null {
    return (this.signedIn ?? this.users[0])?.name ?? null
  }

  addAccount(user: FakeUser): FakeAccount {
    const account: FakeAccount = { id: this.id('o'), ...user }
    this.users.push(account)
    return account
  }

  /** Lock as the idle timer would, and tell listeners. */
  fireIdleLock(): void {
    this.state = 'locked'
    this.clearIdleTimer()
    for (const handler of this.lockedHandlers) handler(this.idleLockMinutes)
  }

  addHousehold(draft: Partial<HouseholdDraft> & { address_line_1: string }): Household {
    const now = new Date().toISOString()
    const household: Household = {
      id: this.id('h'),
      uprn: blankToNull(draft.uprn ?? ''),
      address_line_1: draft.address_line_1,
      address_line_2: blankToNull(draft.address_line_2 ?? ''),
      address_line_3: blankToNull(draft.address_line_3 ?? ''),
      town: draft.town ?? 'Eastwick Vale',
      postcode: normalisePostcode(draft.postcode ?? 'ZY18 9ZA'),
      coordinates: draft.coordinates ?? null,
      created_at: now,
      updated_at: now,
    }
    this.households.push(household)
    return household
  }

  addVisit(householdId: string, visit: Partial<Omit<VisitDraft, 'household_id'>> = {}): Visit {
    const now = new Date().toISOString()
    const record: Visit = {
      id: this.id('v'),
      household_id: householdId,
      kind: visit.kind ?? 'burglary_victim',
      visit_date: visit.visit_date ?? this.today,
      officer_id: 'officer-1',
      officer_name: this.officerName ?? 'Sam Officer',
      outcome: visit.outcome ?? null,
      notes: visit.notes ?? '',
      created_at: now,
      updated_at: now,
    }
    this.visits.push(record)
    return record
  }

  // ---- Backend ------------------------------------------------------------

  async appStatus(): Promise<Result<AppStatus>> {
    await this.enter('appStatus')
    return ok(this.status())
  }

  async assessPassphrase(passphrase: string): Promise<Result<PassphraseAssessment>> {
    await this.enter('assessPassphrase', passphrase)
    return ok(fakeAssess(passphrase))
  }

  async setUp(officerName: string, role: Role, passphrase: string): Promise<Result<AppStatus>> {
    await this.enter('setUp', officerName, role, passphrase)
    if (this.state !== 'first_run') {
      return err(appError('already_set_up', 'Doorstep has already been set up on this computer.'))
    }
    if (officerName.trim() === '') {
      return err(validation([{ field: 'officer_name', message: 'Enter your name' }]))
    }
    const assessment = fakeAssess(passphrase)
    if (!assessment.acceptable) {
      return err(
        appError(
          'weak_passphrase',
          'Choose a stronger passphrase: use four or more uncommon words.',
          [],
          'passphrase',
        ),
      )
    }
    this.signedIn = this.addAccount({ name: officerName.trim(), role, passphrase })
    this.state = 'unlocked'
    this.wipedNotice = null
    this.restartIdleTimer()
    return ok(this.status())
  }

  async unlock(passphrase: string): Promise<Result<AppStatus>> {
    await this.enter('unlock', passphrase)
    if (this.state === 'first_run') {
      return err(appError('not_set_up', 'Doorstep has not been set up yet.'))
    }
    const account = this.users.find((u) => u.passphrase === passphrase)
    if (!account) {
      return err(
        appError(
          'wrong_passphrase',
          'That passphrase is not right. Check Caps Lock and try again.',
          [],
          'passphrase',
        ),
      )
    }
    this.signedIn = account
    this.state = 'unlocked'
    this.restartIdleTimer()
    return ok(this.status())
  }

  async lock(): Promise<Result<AppStatus>> {
    await this.enter('lock')
    if (this.state === 'unlocked') this.state = 'locked'
    this.clearIdleTimer()
    return ok(this.status())
  }

  async changePassphrase(current: string, replacement: string): Promise<Result<null>> {
    await this.enter('changePassphrase', current, replacement)
    const locked = this.requireUnlocked()
    if (locked) return err(locked)
    const me = this.signedIn
    if (!me || current !== me.passphrase) {
      return err(
        appError('wrong_passphrase', 'That is not your current passphrase.', [], 'current'),
      )
    }
    if (this.users.some((u) => u !== me && u.passphrase === replacement)) {
      return err(validation([{ field: 'replacement', message: PASSPHRASE_IN_USE }]))
    }
    if (!fakeAssess(replacement).acceptable) {
      return err(
        appError(
          'weak_passphrase',
          'Choose a stronger passphrase: use four or more uncommon words.',
          [],
          'replacement',
        ),
      )
    }
    me.passphrase = replacement
    return ok(null)
  }

  async touch(): Promise<Result<null>> {
    await this.enter('touch')
    const locked = this.requireUnlocked()
    if (locked) return err(locked)
    this.restartIdleTimer()
    return ok(null)
  }

  async setIdleLockMinutes(minutes: number): Promise<Result<AppStatus>> {
    await this.enter('setIdleLockMinutes', minutes)
    const locked = this.requireUnlocked()
    if (locked) return err(locked)
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 120) {
      return err(
        validation([
          { field: 'minutes', message: 'Enter a whole number of minutes from 1 to 120' },
        ]),
      )
    }
    this.idleLockMinutes = minutes
    this.restartIdleTimer()
    return ok(this.status())
  }

  async loadDemoData() {
    await this.enter('loadDemoData')
    const locked = this.requireUnlocked()
    if (locked) return err(locked)
    const before = {
      g: this.gazetteer.length,
      h: this.households.length,
      p: this.persons.length,
      v: this.visits.length,
    }
    this.seedDemo()
    return ok({
      gazetteer_entries: this.gazetteer.length - before.g,
      households: this.households.length - before.h,
      persons: this.persons.length - before.p,
      visits: this.visits.length - before.v,
    })
  }

  async search(query: string): Promise<Result<SearchHit[]>> {
    await this.enter('search', query)
    const locked = this.requireUnlocked()
    if (locked) return err(locked)
    const terms = query.toLowerCase().split(/\s+/).filter(Boolean)
    if (terms.length === 0) return ok([])
    const compact = (s: string) => s.toLowerCase().replace(/\s+/g, '')
    const matches = (text: string) =>
      terms.every((t) => text.toLowerCase().includes(t) || compact(text).includes(compact(t)))

    const hits: SearchHit[] = []
    const householdUprns = new Set<string>()
    for (const h of this.households) {
      if (h.uprn) householdUprns.add(h.uprn)
      const residents = this.persons.filter((p) => p.household_id === h.id).map((p) => p.full_name)
      const text = [oneLine(h), h.postcode, h.uprn ?? '', ...residents].join(' ')
      if (matches(text)) {
        hits.push({
          kind: 'household',
          household_id: h.id,
          uprn: h.uprn,
          address: oneLine(h),
          postcode: h.postcode,
          residents,
        })
      }
    }
    for (const g of this.gazetteer) {
      if (householdUprns.has(g.uprn)) continue
      const address = [g.address_line_1, g.address_line_2, g.address_line_3, g.town]
        .filter(Boolean)
        .join(', ')
      if (matches(`${address} ${g.postcode} ${g.uprn}`)) {
        hits.push({
          kind: 'gazetteer',
          household_id: null,
          uprn: g.uprn,
          address,
          postcode: g.postcode,
          residents: [],
        })
      }
    }
    return ok(hits.slice(0, 50))
  }

  async createHousehold(draft: HouseholdDraft): Promise<Result<Household>> {
    await this.enter('createHousehold', draft)
    const locked = this.requireUnlocked()
    if (locked) return err(locked)
    const problems = this.checkHousehold(draft, null)
    if (problems.length > 0) return err(validation(problems))
    return ok(structuredClone(this.addHousehold(draft)))
  }

  async createHouseholdFromGazetteer(uprn: string): Promise<Result<Household>> {
    await this.enter('createHouseholdFromGazetteer', uprn)
    const locked = this.requireUnlocked()
    if (locked) return err(locked)
    const existing = this.households.find((h) => h.uprn === uprn)
    if (existing) return ok(structuredClone(existing))
    const entry = this.gazetteer.find((g) => g.uprn === uprn)
    if (!entry) {
      return err(appError('not_found', `No gazetteer address has the UPRN ${uprn}.`))
    }
    return ok(
      structuredClone(
        this.addHousehold({
          ...entry,
          coordinates: { kind: 'grid', easting: entry.easting, northing: entry.northing },
        }),
      ),
    )
  }

  async updateHousehold(id: string, draft: HouseholdDraft): Promise<Result<Household>> {
    await this.enter('updateHousehold', id, draft)
    const locked = this.requireUnlocked()
    if (locked) return err(locked)
    const household = this.households.find((h) => h.id === id)
    if (!household) return err(appError('not_found', 'That household no longer exists.'))
    const problems = this.checkHousehold(draft, id)
    if (problems.length > 0) return err(validation(problems))
    Object.assign(household, {
      uprn: blankToNull(draft.uprn),
      address_line_1: draft.address_line_1.trim(),
      address_line_2: blankToNull(draft.address_line_2),
      address_line_3: blankToNull(draft.address_line_3),
      town: draft.town.trim(),
      postcode: normalisePostcode(draft.postcode),
      coordinates: draft.coordinates,
      updated_at: new Date().toISOString(),
    })
    return ok(structuredClone(household))
  }

  async getHousehold(id: string) {
    await this.enter('getHousehold', id)
    const locked = this.requireUnlocked()
    if (locked) return err(locked)
    const household = this.households.find((h) => h.id === id)
    if (!household) return err(appError('not_found', 'That household no longer exists.'))
    return ok(
      structuredClone({
        household,
        persons: this.persons.filter((p) => p.household_id === id),
        visits: this.visits
          .filter((v) => v.household_id === id)
          .sort((a, b) => b.visit_date.localeCompare(a.visit_date)),
      }),
    )
  }

  async addPerson(draft: PersonDraft): Promise<Result<Person>> {
    await this.enter('addPerson', draft)
    const locked = this.requireUnlocked()
    if (locked) return err(locked)
    if (!this.households.some((h) => h.id === draft.household_id)) {
      return err(appError('not_found', 'That household no longer exists.'))
    }
    const problems = this.checkPerson(draft)
    if (problems.length > 0) return err(validation(problems))
    const now = new Date().toISOString()
    const person: Person = {
      id: this.id('p'),
      ...this.personFields(draft),
      created_at: now,
      updated_at: now,
    }
    this.persons.push(person)
    return ok(structuredClone(person))
  }

  async updatePerson(id: string, draft: PersonDraft): Promise<Result<Person>> {
    await this.enter('updatePerson', id, draft)
    const locked = this.requireUnlocked()
    if (locked) return err(locked)
    const person = this.persons.find((p) => p.id === id)
    if (!person) return err(appError('not_found', 'That resident no longer exists.'))
    const problems = this.checkPerson(draft)
    if (problems.length > 0) return err(validation(problems))
    Object.assign(person, this.personFields(draft), { updated_at: new Date().toISOString() })
    return ok(structuredClone(person))
  }

  async createVisit(draft: VisitDraft): Promise<Result<Visit>> {
    await this.enter('createVisit', draft)
    const locked = this.requireUnlocked()
    if (locked) return err(locked)
    if (!this.households.some((h) => h.id === draft.household_id)) {
      return err(appError('not_found', 'That household no longer exists.'))
    }
    const problems: FieldError[] = []
    if (!isRealDate(draft.visit_date)) {
      problems.push({ field: 'visit_date', message: 'Enter a real date for the visit' })
    } else if (draft.outcome !== null && draft.visit_date > this.today) {
      problems.push({
        field: 'outcome',
        message: 'A visit in the future cannot have an outcome yet: choose "Planned"',
      })
    }
    if (draft.notes.length > 4000) {
      problems.push({ field: 'notes', message: 'Notes must be 4,000 characters or fewer' })
    }
    if (problems.length > 0) return err(validation(problems))
    const visit = this.addVisit(draft.household_id, draft)
    // As in Rust: a completed visit to a burglary victim opens the cocoon.
    if (visit.kind === 'burglary_victim' && visit.outcome === 'completed') {
      this.plans.openCocoon(visit.household_id)
    }
    return ok(structuredClone(visit))
  }

  async visitsForDay(date: string) {
    await this.enter('visitsForDay', date)
    const locked = this.requireUnlocked()
    if (locked) return err(locked)
    const rows = this.visits
      .filter((v) => v.visit_date === date)
      .map((visit) => {
        const household = this.households.find((h) => h.id === visit.household_id)
        return {
          visit,
          address: household ? oneLine(household) : 'Unknown address',
          postcode: household?.postcode ?? '',
        }
      })
    return ok(structuredClone(rows))
  }

  async importGazetteer(path: string) {
    await this.enter('importGazetteer', path)
    const locked = this.requireUnlocked()
    if (locked) return err(locked)
    if (/bad-header/i.test(path)) {
      return err(
        appError(
          'import_header',
          'The first line of the file must be: uprn,address_line_1,address_line_2,address_line_3,town,postcode,easting,northing',
        ),
      )
    }
    if (/missing/i.test(path)) {
      return err(appError('io', `Doorstep could not read ${path}: the file does not exist.`))
    }
    const total = 5 * 1024 * 1024
    const rows = 1200
    const steps = 10
    for (let i = 1; i <= steps; i++) {
      if (this.latencyMs > 0) await sleep(this.latencyMs)
      const progress = {
        rows_read: Math.round((rows * i) / steps),
        bytes_read: Math.round((total * i) / steps),
        total_bytes: total,
      }
      for (const handler of this.progressHandlers) handler(progress)
    }
    const rejectedTotal = 1005
    const rejected = Array.from({ length: 1000 }, (_, i) => ({
      line: 100 + i,
      reason: i % 2 === 0 ? 'The postcode is not valid' : 'The UPRN is missing',
    }))
    const random = seededRandom(this.gazetteer.length + 7)
    const imported = rows - rejectedTotal
    for (let i = 0; i < imported; i++) {
      const n = this.gazetteer.length + 1
      this.gazetteer.push({
        uprn: String(100000000000 + n),
        address_line_1: `${(i % 80) + 1} ${pick(random, ['Mill Street', 'Orchard Way', 'Quarry Lane'])}`,
        address_line_2: '',
        address_line_3: '',
        town: 'Eastwick Vale',
        postcode: `ZY19 9Z${String.fromCharCode(65 + (i % 20))}`,
        easting: 452000 + i,
        northing: 362000 + i,
      })
    }
    return ok({ rows_read: rows, imported, rejected, rejected_total: rejectedTotal })
  }

  async backup(path: string) {
    await this.enter('backup', path)
    const locked = this.requireUnlocked()
    if (locked) return err(locked)
    return ok({ path, key_path: `${path}.key`, bytes: 3_457_024 })
  }

  // ---- home security: delegated to FakeSurveys (fake-survey.ts) and FakePlans (fake-plans.ts)

  readonly surveys = new FakeSurveys(this)
  readonly plans = new FakePlans(this)

  /** Records the call, waits the latency, and refuses while locked: shared by the delegates. */
  async guarded<T>(method: string, args: unknown[], f: () => Result<T>): Promise<Result<T>> {
    await this.enter(method, ...args)
    const locked = this.requireUnlocked()
    if (locked) return err(locked)
    return f()
  }

  /** Data files refused at the last load; tests set it, reloading reads `nextReferenceProblems`. */
  referenceFileProblems: ReferenceProblem[] = []
  nextReferenceProblems: ReferenceProblem[] = []

  referenceProblems() {
    return this.guarded('referenceProblems', [], () => ok([...this.referenceFileProblems]))
  }
  reloadReferenceData() {
    return this.guarded('reloadReferenceData', [], () => {
      this.referenceFileProblems = [...this.nextReferenceProblems]
      return ok([...this.referenceFileProblems])
    })
  }
  startSurvey(householdId: string, visitId: string | null) {
    return this.guarded('startSurvey', [householdId, visitId], () =>
      this.surveys.start(householdId, visitId),
    )
  }
  getSurvey(id: string) {
    return this.guarded('getSurvey', [id], () => this.surveys.page(id))
  }
  surveysForHousehold(householdId: string) {
    return this.guarded('surveysForHousehold', [householdId], () =>
      this.surveys.forHousehold(householdId),
    )
  }
  saveAnswer(surveyId: string, item: string, value: AnswerValue | null) {
    return this.guarded('saveAnswer', [surveyId, item, value], () =>
      this.surveys.saveAnswer(surveyId, item, value),
    )
  }
  saveSectionNote(surveyId: string, section: string, note: string) {
    return this.guarded('saveSectionNote', [surveyId, section, note], () =>
      this.surveys.saveSectionNote(surveyId, section, note),
    )
  }
  addSurveyPhoto(surveyId: string, item: string, path: string) {
    return this.guarded('addSurveyPhoto', [surveyId, item, path], () =>
      this.surveys.addPhoto(surveyId, item, path),
    )
  }
  attachmentDataUrl(sha256: string) {
    return this.guarded('attachmentDataUrl', [sha256], () => this.surveys.dataUrl(sha256))
  }
  draftPlan(surveyId: string) {
    return this.guarded('draftPlan', [surveyId], () => this.plans.draft(surveyId))
  }
  getPlan(id: string) {
    return this.guarded('getPlan', [id], () => this.plans.page(id))
  }
  editPlan(id: string, edit: PlanEdit) {
    return this.guarded('editPlan', [id, edit], () => this.plans.edit(id, edit))
  }
  agreePlan(id: string, residentName: string, signature: string, disclaimerVersion: string) {
    return this.guarded('agreePlan', [id, residentName, signature, disclaimerVersion], () =>
      this.plans.agree(id, residentName, signature, disclaimerVersion),
    )
  }
  planStep(id: string, step: PlanStep) {
    return this.guarded('planStep', [id, step], () => this.plans.step(id, step))
  }
  plansWithStatus(status: PlanStatus) {
    return this.guarded('plansWithStatus', [status], () => this.plans.withStatus(status))
  }
  plansForHousehold(householdId: string) {
    return this.guarded('plansForHousehold', [householdId], () =>
      this.plans.forHousehold(householdId),
    )
  }
  recordFollowUp(id: string, findings: FollowUpFindings) {
    return this.guarded('recordFollowUp', [id, findings], () => this.plans.followUp(id, findings))
  }
  openCocoon(householdId: string) {
    return this.guarded('openCocoon', [householdId], () => this.plans.openCocoon(householdId))
  }
  getCocoon(id: string) {
    return this.guarded('getCocoon', [id], () => this.plans.cocoon(id))
  }
  recordCocoonOutcome(doorId: string, outcome: CocoonOutcome) {
    return this.guarded('recordCocoonOutcome', [doorId, outcome], () =>
      this.plans.recordOutcome(doorId, outcome),
    )
  }
  cocoons(householdId: string | null) {
    return this.guarded('cocoons', [householdId], () => this.plans.cocoons(householdId))
  }

  // ---- fire safety: CHARLIE and referrals in FakeFire (fake-fire.ts), days in FakeDays (fake-days.ts)

  readonly fire = new FakeFire(this)
  readonly days = new FakeDays(this)

  charlieTemplate() {
    return this.guarded('charlieTemplate', [], () => this.fire.template())
  }
  agencies() {
    return this.guarded('agencies', [], () => this.fire.agencies())
  }
  saveCharlieCheck(draft: CharlieDraft) {
    return this.guarded('saveCharlieCheck', [draft], () => this.fire.saveCheck(draft))
  }
  charlieChecksForHousehold(householdId: string) {
    return this.guarded('charlieChecksForHousehold', [householdId], () =>
      this.fire.checksFor(householdId),
    )
  }
  draftReferral(draft: ReferralDraft) {
    return this.guarded('draftReferral', [draft], () => this.fire.draftReferral(draft))
  }
  getReferral(id: string) {
    return this.guarded('getReferral', [id], () => this.fire.referral(id))
  }
  recordReferralAuthority(id: string, consent: Consent | null, lawfulBasis: BasisRecord | null) {
    return this.guarded('recordReferralAuthority', [id, consent, lawfulBasis], () =>
      this.fire.recordAuthority(id, consent, lawfulBasis),
    )
  }
  referralStep(id: string, step: ReferralStep) {
    return this.guarded('referralStep', [id, step], () => this.fire.step(id, step))
  }
  referralsForHousehold(householdId: string) {
    return this.guarded('referralsForHousehold', [householdId], () =>
      this.fire.referralsFor(householdId),
    )
  }
  overdueReferralList() {
    return this.guarded('overdueReferralList', [], () => this.fire.overdue())
  }
  createDayOfAction(draft: DayOfActionDraft) {
    return this.guarded('createDayOfAction', [draft], () => this.days.create(draft))
  }
  daysOfAction() {
    return this.guarded('daysOfAction', [], () => this.days.list())
  }
  getDayOfAction(id: string) {
    return this.guarded('getDayOfAction', [id], () => this.days.page(id))
  }
  addDayDoors(dayId: string, streetOrPostcode: string) {
    return this.guarded('addDayDoors', [dayId, streetOrPostcode], () =>
      this.days.addDoors(dayId, streetOrPostcode),
    )
  }
  importDayDoors(dayId: string, path: string) {
    return this.guarded('importDayDoors', [dayId, path], () => this.days.importDoors(dayId, path))
  }
  recordKnock(dayId: string, doorId: string, knock: KnockDraft) {
    return this.guarded('recordKnock', [dayId, doorId, knock], () =>
      this.days.knock(dayId, doorId, knock),
    )
  }
  saveDaySummaryCsv(dayId: string, path: string) {
    return this.guarded('saveDaySummaryCsv', [dayId, path], () => this.days.saveCsv(dayId, path))
  }
  async chooseDoorListFile(): Promise<Result<string | null>> {
    await this.enter('chooseDoorListFile')
    return ok('/home/officer/Downloads/doors.csv')
  }
  async chooseCsvDestination(suggestedName: string): Promise<Result<string | null>> {
    await this.enter('chooseCsvDestination', suggestedName)
    return ok(`/home/officer/Documents/${suggestedName}`)
  }

  /** Paths "saved" by saveResidentPlan, which openDocument accepts. */
  readonly savedDocuments: string[] = []

  saveResidentPlan(planId: string, path: string) {
    return this.guarded('saveResidentPlan', [planId, path], () => {
      if (!path.toLowerCase().endsWith('.pdf') || path.startsWith('/readonly/')) {
        return err(
          appError(
            'io',
            `could not save the document to ${path}: permission denied. The document has not been lost: choose another place to save it`,
          ),
        )
      }
      this.savedDocuments.push(path)
      return ok({ path, bytes: 48_213 })
    })
  }

  saveReferralPdf(referralId: string, path: string) {
    return this.guarded('saveReferralPdf', [referralId, path], () => {
      if (path.startsWith('/readonly/')) {
        return err(
          appError(
            'io',
            `could not save the document to ${path}: permission denied. The document has not been lost: choose another place to save it`,
          ),
        )
      }
      this.savedDocuments.push(path)
      return ok({ path, bytes: 31_877 })
    })
  }

  private readonly documentHandlers = new Set<(p: DocumentProgressEvent) => void>()

  /** Saves the day's summary and one referral form per referral given in `referralIds`. */
  async saveDayDocuments(dayId: string, folder: string) {
    await this.enter('saveDayDocuments', dayId, folder)
    const locked = this.requireUnlocked()
    if (locked) return err(locked)
    const page = this.days.page(dayId)
    if (page.status === 'error') return page
    const names = [`day-of-action-${page.data.day.date}.pdf`, ...this.dayReferralFiles]
    const total = names.length
    const saved: SavedDocument[] = []
    for (const [i, name] of names.entries()) {
      for (const h of this.documentHandlers) h({ done: i, total })
      const path = `${folder}/${name}`
      this.savedDocuments.push(path)
      saved.push({ path, bytes: 20_000 + i })
    }
    for (const h of this.documentHandlers) h({ done: total, total })
    return ok({ saved, failed: [] })
  }

  /** Referral file names a day's batch includes (tests set it). */
  dayReferralFiles: string[] = []

  async chooseFolder(title: string): Promise<Result<string | null>> {
    await this.enter('chooseFolder', title)
    return ok('/home/officer/Documents/day-of-action')
  }

  onDocumentProgress(handler: (progress: DocumentProgressEvent) => void): Unsubscribe {
    this.documentHandlers.add(handler)
    return () => this.documentHandlers.delete(handler)
  }

  openDocument(path: string) {
    return this.guarded('openDocument', [path], () =>
      this.savedDocuments.includes(path)
        ? ok(null)
        : err(
            appError(
              'not_found',
              'Doorstep only opens documents it saved since it was started: save the document again',
            ),
          ),
    )
  }

  async chooseDocumentDestination(suggestedName: string): Promise<Result<string | null>> {
    await this.enter('chooseDocumentDestination', suggestedName)
    return ok(`/home/officer/Documents/${suggestedName}`)
  }

  async choosePhotoFile(): Promise<Result<string | null>> {
    await this.enter('choosePhotoFile')
    return ok('/home/officer/Pictures/back-door.jpg')
  }

  async addUser(name: string, role: Role, passphrase: string): Promise<Result<Officer>> {
    await this.enter('addUser', name, role, passphrase)
    const locked = this.requireUnlocked()
    if (locked) return err(locked)
    if (!this.mayAddUsers()) {
      return err(
        validation([
          {
            field: 'role',
            message:
              'Only a supervisor can add people to Doorstep on this laptop. Ask a supervisor to unlock Doorstep with their own passphrase and add them',
          },
        ]),
      )
    }
    const problems: FieldError[] = []
    const trimmed = name.trim()
    const same = this.users.find((u) => u.name.toLowerCase() === trimmed.toLowerCase())
    if (trimmed === '') {
      problems.push({
        field: 'name',
        message: 'Enter their full name, as residents and colleagues know them',
      })
    } else if (trimmed.length > 80) {
      problems.push({ field: 'name', message: 'Use 80 characters or fewer' })
    } else if (same) {
      problems.push({
        field: 'name',
        message: `${same.name} can already unlock Doorstep on this laptop. If this is someone else with the same name, add something to tell them apart, like a middle initial`,
      })
    }
    if (!FAKE_LAPTOP_ROLES.includes(role)) {
      problems.push({
        field: 'role',
        message:
          'That role is set up by the council’s hub, not on this laptop. Choose another role',
      })
    }
    const assessment = fakeAssess(passphrase)
    if (!assessment.acceptable) {
      problems.push({
        field: 'passphrase',
        message: assessment.warning ?? 'Choose a stronger passphrase',
      })
    } else if (this.users.some((u) => u.passphrase === passphrase)) {
      problems.push({ field: 'passphrase', message: PASSPHRASE_IN_USE })
    }
    if (problems.length > 0) return err(validation(problems))
    const { id } = this.addAccount({ name: trimmed, role, passphrase })
    return ok({ id, name: trimmed, role })
  }

  async listUsers(): Promise<Result<Officer[]>> {
    await this.enter('listUsers')
    const locked = this.requireUnlocked()
    if (locked) return err(locked)
    return ok(
      this.users
        .map(({ id, name, role }) => ({ id, name, role }))
        .sort((a, b) => a.name.localeCompare(b.name, 'en', { sensitivity: 'base' })),
    )
  }

  async chooseGazetteerFile(): Promise<Result<string | null>> {
    await this.enter('chooseGazetteerFile')
    return ok('/home/officer/Downloads/gazetteer.csv')
  }

  async chooseBackupDestination(suggestedName: string): Promise<Result<string | null>> {
    await this.enter('chooseBackupDestination', suggestedName)
    return ok(`/media/officer/USB/${suggestedName}`)
  }

  onImportProgress(handler: (progress: ImportProgress) => void): Unsubscribe {
    this.progressHandlers.add(handler)
    return () => this.progressHandlers.delete(handler)
  }

  onLocked(handler: (minutes: number | null) => void): Unsubscribe {
    this.lockedHandlers.add(handler)
    return () => this.lockedHandlers.delete(handler)
  }

  // ---- sync with the council hub: delegated to FakeSync (fake-sync.ts) ---

  hubEnrol(hubUrl: string, code: string): Promise<Result<SyncStatus>> {
    return this.guarded('hubEnrol', [hubUrl, code], () => this.sync.enrol(hubUrl, code))
  }
  syncStatus(): Promise<Result<SyncStatus>> {
    return this.guarded('syncStatus', [], () => ok(this.sync.status()))
  }
  async syncNow(): Promise<Result<SyncStatus>> {
    await this.enter('syncNow')
    const locked = this.requireUnlocked()
    if (locked) return err(locked)
    return this.sync.syncNow()
  }
  setAsideChanges() {
    return this.guarded('setAsideChanges', [], () => ok(this.sync.setAsideChanges()))
  }
  discardSetAsideChange(id: string) {
    return this.guarded('discardSetAsideChange', [id], () => this.sync.discardSetAside(id))
  }
  conflicts() {
    return this.guarded('conflicts', [], () => this.sync.conflicts())
  }
  resolveConflict(id: string, choice: ConflictChoice) {
    return this.guarded('resolveConflict', [id, choice], () => this.sync.resolve(id, choice))
  }
  onSyncStatus(handler: (status: SyncStatus) => void): Unsubscribe {
    return this.sync.on(handler)
  }

  // ---- internals ----------------------------------------------------------

  private async enter(method: string, ...args: unknown[]): Promise<void> {
    this.calls.push({ method, args })
    if (this.latencyMs > 0) await sleep(this.latencyMs)
  }

  private status(): AppStatusWithSync {
    return {
      state: this.state,
      data_folder: this.dataFolder,
      officer_name: this.state === 'unlocked' ? (this.signedIn?.name ?? null) : null,
      officer_role: this.state === 'unlocked' ? (this.signedIn?.role ?? null) : null,
      can_add_people: this.state === 'unlocked' && this.mayAddUsers(),
      idle_lock_minutes: this.idleLockMinutes,
      idle_lock_minutes_min: 1,
      idle_lock_minutes_max: 120,
      limits: FAKE_LIMITS,
      today: this.today,
      wiped_notice: this.state === 'first_run' ? this.wipedNotice : null,
      council_name: 'Eastwick Vale District Council (demo)',
    }
  }

  /** As the Rust side decides: supervisors and admins, or the first user until there is one. */
  private mayAddUsers(): boolean {
    const me = this.signedIn
    if (!me) return false
    if (me.role === 'supervisor' || me.role === 'admin') return true
    return (
      me === this.users[0] && !this.users.some((u) => u.role === 'supervisor' || u.role === 'admin')
    )
  }

  private requireUnlocked(): AppError | null {
    if (this.state === 'unlocked') return null
    if (this.state === 'first_run') {
      return appError('not_set_up', 'Doorstep has not been set up yet.')
    }
    return appError('locked', 'Doorstep is locked. Unlock it to carry on.')
  }

  private id(prefix: string): string {
    return `${prefix}-${String(this.nextId++).padStart(4, '0')}`
  }

  private restartIdleTimer(): void {
    this.clearIdleTimer()
    if (!this.useIdleTimer) return
    this.idleTimer = setTimeout(() => this.fireIdleLock(), this.idleLockMinutes * 60_000)
  }

  private clearIdleTimer(): void {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer)
    this.idleTimer = null
  }

  private checkHousehold(draft: HouseholdDraft, id: string | null): FieldError[] {
    const problems: FieldError[] = []
    const uprn = draft.uprn.trim()
    if (uprn !== '' && !/^\d{1,12}$/.test(uprn)) {
      problems.push({ field: 'uprn', message: 'UPRN must be a number of up to 12 digits' })
    } else if (uprn !== '' && this.households.some((h) => h.uprn === uprn && h.id !== id)) {
      problems.push({ field: 'uprn', message: 'Another household already has this UPRN' })
    }
    if (draft.address_line_1.trim() === '') {
      problems.push({
        field: 'address_line_1',
        message: 'Enter the first line of the address, for example 12 Acacia Avenue',
      })
    }
    if (draft.town.trim() === '') {
      problems.push({ field: 'town', message: 'Enter the town or city' })
    }
    if (draft.postcode.trim() === '') {
      problems.push({ field: 'postcode', message: 'Enter the postcode' })
    } else if (!POSTCODE.test(draft.postcode.trim())) {
      problems.push({ field: 'postcode', message: 'Enter a real postcode, like ZY18 1AA' })
    }
    return problems
  }

  private checkPerson(draft: PersonDraft): FieldError[] {
    const problems: FieldError[] = []
    if (draft.full_name.trim() === '') {
      problems.push({ field: 'full_name', message: "Enter the resident's full name" })
    }
    if (draft.phone.trim() !== '' && !/^\+?[\d\s()-]{7,20}$/.test(draft.phone.trim())) {
      problems.push({ field: 'phone', message: 'Enter a phone number, like 01623 463463' })
    }
    if (draft.email.trim() !== '' && !EMAIL.test(draft.email.trim())) {
      problems.push({
        field: 'email',
        message: 'Enter an email address in the correct format, like name@example.com',
      })
    }
    if (draft.date_of_birth !== '') {
      if (!isRealDate(draft.date_of_birth)) {
        problems.push({ field: 'date_of_birth', message: 'Date of birth must be a real date' })
      } else if (draft.date_of_birth > this.today) {
        problems.push({ field: 'date_of_birth', message: 'Date of birth must be in the past' })
      }
    }
    const prefs = draft.contact_preferences
    if (prefs.phone && draft.phone.trim() === '') {
      problems.push({
        field: 'contact_preferences',
        message: 'Enter a phone number, or untick "Phone call"',
      })
    }
    return problems
  }

  private personFields(draft: PersonDraft) {
    return {
      household_id: draft.household_id,
      full_name: draft.full_name.trim(),
      phone: blankToNull(draft.phone),
      email: blankToNull(draft.email),
      date_of_birth: blankToNull(draft.date_of_birth),
      age_band: draft.age_band,
      preferred_language: blankToNull(draft.preferred_language),
      contact_preferences: { ...draft.contact_preferences },
    }
  }

  private seedDemo(): void {
    const random = seededRandom(2024)
    const known = new Set(this.gazetteer.map((g) => g.uprn))
    const entries = demoGazetteer().filter((g) => !known.has(g.uprn))
    this.gazetteer.push(...entries)
    const taken = new Set(this.households.map((h) => h.uprn))
    const chosen = entries.filter((g, i) => i % 7 === 0 && !taken.has(g.uprn))
    chosen.forEach((entry, i) => {
      const household = this.addHousehold({
        ...entry,
        coordinates: { kind: 'grid', easting: entry.easting, northing: entry.northing },
      })
      const residents = 1 + Math.floor(random() * 3)
      for (let r = 0; r < residents; r++) {
        const person = demoPerson(random)
        const now = new Date().toISOString()
        this.persons.push({
          id: this.id('p'),
          household_id: household.id,
          full_name: person.full_name,
          phone: person.phone || null,
          email: null,
          date_of_birth: null,
          age_band: person.age_band,
          preferred_language: person.preferred_language,
          contact_preferences: {
            phone: person.phone !== '',
            text: false,
            email: false,
            letter: true,
          },
          created_at: now,
          updated_at: now,
        })
      }
      const visits = 1 + Math.floor(random() * 2)
      for (let v = 0; v < visits; v++) {
        const details = demoVisit(random)
        const onToday = i % 6 === 0 && v === 0
        const daysAgo = onToday ? 0 : 1 + Math.floor(random() * 60)
        const date = new Date(`${this.today}T12:00:00`)
        date.setDate(date.getDate() - daysAgo)
        this.addVisit(household.id, {
          ...details,
          visit_date: localIsoDate(date),
          outcome: onToday && i % 12 === 0 ? null : (details.outcome ?? 'completed'),
        })
      }
    })
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
