// The in-memory fake's days of action. See fake.ts for the contract.
//
// The rules follow crates/core/src/fire/day_of_action.rs (knock validation, `summarise`, the
// revisit queue, the summary CSV) and crates/store/src/days.rs (set-up, adding and importing
// doors) closely enough for the screens and their tests: same codes, field names and messages.
// Where the store reads the gazetteer, the fake uses its own gazetteer when it has matching
// addresses and otherwise makes up ten doors for the street or postcode.

import { appError, err, ok, type Result } from './backend'
import type { FakeBackend } from './fake'
import type {
  AppError,
  DayOfAction,
  DayOfActionDraft,
  DayOfActionPage,
  DayOfActionSummaryRow,
  DaySummary,
  DoorOutcomeCode,
  DoorRow,
  DoorsAdded,
  FieldError,
  KnockDraft,
  RowError,
} from './types'

/** Most doors on one day's list (days.rs `MAX_DOORS`). */
const MAX_DOORS = 5_000
/** Longest name, area or crew name (day_of_action.rs `DAY_TEXT_MAX`). */
const DAY_TEXT_MAX = 120
/** Most people in one crew (day_of_action.rs `CREW_MAX`). */
const CREW_MAX = 20
/** Doors the fake finds for a street or postcode that is not in its gazetteer. */
const SYNTHETIC_DOORS = 10

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/
const FULL_POSTCODE = /^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$/i

/** The summary CSV's header (day_of_action.rs `SUMMARY_CSV_HEADER`). */
export const SUMMARY_CSV_HEADER =
  'event,date,doors_knocked,doors_answered,alarms_fitted,alarms_tested_ok,full_visits,charlie_checks,higher_risk_people,referrals_made,revisits_outstanding'

export const IMPORT_HEADER_MESSAGE =
  'The file needs a column headed "uprn" (the council\'s property reference): nothing was added'

type StoredDoor = {
  id: string
  rank: number
  uprn: string
  address_line_1: string
  postcode: string
}

type StoredKnock = {
  doorId: string
  uprn: string
  draft: KnockDraft
  /** Order of recording, standing in for the time. */
  at: number
}

type StoredDay = {
  day: DayOfAction
  /** Order of creation, for "newest first" among days on the same date. */
  seq: number
  doors: StoredDoor[]
  knocks: StoredKnock[]
}

/** True when the code means someone came to the door (`DoorOutcomeCode::means_answered`). */
export function meansAnswered(code: DoorOutcomeCode): boolean {
  return !['no_answer', 'void', 'not_safe', 'leaflet_left'].includes(code)
}

function answered(knock: KnockDraft): boolean {
  return knock.outcomes.some(meansAnswered)
}

function isRealDate(value: string): boolean {
  if (!ISO_DATE.test(value)) return false
  const [y, m, d] = value.split('-').map(Number) as [number, number, number]
  const date = new Date(Date.UTC(y, m - 1, d))
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d
}

function validationError(fields: FieldError[]): AppError {
  // As `AppError::from_fields`: one problem is its own message.
  const only = fields.length === 1 ? fields[0]?.message : undefined
  return appError(
    'validation',
    only ?? 'Some answers need attention: see the messages beside them.',
    fields,
    fields[0]?.field ?? null,
  )
}

function notFound(entity: string): AppError {
  return appError('not_found', `No ${entity} with that id was found; it may have been removed.`)
}

/** `DayOfActionDraft::validate`. */
function checkDraft(draft: DayOfActionDraft): FieldError[] {
  const problems: FieldError[] = []
  const tooLong = `Use ${DAY_TEXT_MAX} characters or fewer`
  const name = draft.name.trim()
  if (name === '') {
    problems.push({
      field: 'name',
      message: 'Enter a name for the day, like "Lantern estate day of action"',
    })
  } else if ([...name].length > DAY_TEXT_MAX) {
    problems.push({ field: 'name', message: tooLong })
  }
  if (!isRealDate(draft.date.trim())) {
    problems.push({ field: 'date', message: 'Enter the day as a real date' })
  }
  if ([...draft.area.trim()].length > DAY_TEXT_MAX) {
    problems.push({ field: 'area', message: tooLong })
  }
  const crew = draft.crew.map((c) => c.trim()).filter((c) => c !== '')
  if (crew.length === 0) {
    problems.push({ field: 'crew', message: 'Enter who is in the crew, one name per line' })
  } else if (crew.length > CREW_MAX) {
    problems.push({ field: 'crew', message: `A crew has at most ${CREW_MAX} people` })
  } else if (crew.some((c) => [...c].length > DAY_TEXT_MAX)) {
    problems.push({
      field: 'crew',
      message: `Use ${DAY_TEXT_MAX} characters or fewer for each name`,
    })
  }
  return problems
}

/** `DoorRecord::validate`, less the crew (the signed-in person is always at the door). */
export function checkKnock(knock: KnockDraft): FieldError[] {
  const problems: FieldError[] = []
  const has = (code: DoorOutcomeCode) => knock.outcomes.includes(code)
  if (knock.outcomes.length === 0) {
    problems.push({ field: 'outcomes', message: 'Choose what happened at this door' })
  }
  if (new Set(knock.outcomes).size !== knock.outcomes.length) {
    problems.push({ field: 'outcomes', message: 'An outcome is recorded twice' })
  }
  if ((has('no_answer') || has('void') || has('not_safe')) && answered(knock)) {
    problems.push({
      field: 'outcomes',
      message: 'No answer, void and not safe cannot be combined with an answered outcome',
    })
  }
  if (has('alarm_fitted') !== knock.alarms_fitted > 0) {
    problems.push({
      field: 'alarms_fitted',
      message: 'Enter how many alarms were fitted, with "alarm fitted"',
    })
  }
  if (has('referral') !== knock.referrals_made > 0) {
    problems.push({
      field: 'referrals_made',
      message: 'Enter how many referrals were made, with "referral"',
    })
  }
  if (knock.higher_risk_people > 0 && !has('charlie_done')) {
    problems.push({
      field: 'higher_risk_people',
      message: 'Record "CHARLIE done" for a higher-risk person',
    })
  }
  return problems
}

/** Door uprns to go back to, longest-waiting first (`revisit_queue`). */
function revisitQueue(knocks: StoredKnock[]): string[] {
  const byDoor = new Map<string, StoredKnock[]>()
  for (const k of knocks) {
    const list = byDoor.get(k.uprn)
    if (list) list.push(k)
    else byDoor.set(k.uprn, [k])
  }
  const queue: { uprn: string; last: number }[] = []
  for (const [uprn, list] of byDoor) {
    const neverAnswered = list.every((k) => !answered(k.draft))
    const triedNoAnswer = list.some((k) => k.draft.outcomes.includes('no_answer'))
    const excluded = list.some(
      (k) => k.draft.outcomes.includes('void') || k.draft.outcomes.includes('not_safe'),
    )
    if (neverAnswered && triedNoAnswer && !excluded) {
      queue.push({ uprn, last: Math.max(...list.map((k) => k.at)) })
    }
  }
  queue.sort((a, b) => a.last - b.last || a.uprn.localeCompare(b.uprn))
  return queue.map((q) => q.uprn)
}

/** `summarise`: a day's figures from its knocks. */
function summarise(knocks: StoredKnock[]): DaySummary {
  const distinct = (filter: (k: StoredKnock) => boolean) =>
    new Set(knocks.filter(filter).map((k) => k.uprn)).size
  const withCode = (code: DoorOutcomeCode) =>
    knocks.filter((k) => k.draft.outcomes.includes(code)).length
  const sum = (f: (k: KnockDraft) => number) => knocks.reduce((t, k) => t + f(k.draft), 0)
  return {
    doors_knocked: distinct(() => true),
    doors_answered: distinct((k) => answered(k.draft)),
    alarms_fitted: sum((k) => k.alarms_fitted),
    alarms_tested_ok: distinct((k) => k.draft.outcomes.includes('alarm_tested_ok')),
    full_visits: withCode('full_visit'),
    charlie_checks: withCode('charlie_done'),
    higher_risk_people: sum((k) => k.higher_risk_people),
    referrals_made: sum((k) => k.referrals_made),
    revisits_outstanding: revisitQueue(knocks).length,
  }
}

/** `csv_field`: quotes when needed, and defuses spreadsheet formulas. */
function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[,"\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

/** `summary_csv`: the header and one row, CRLF line ends. */
export function summaryCsv(event: string, date: string, s: DaySummary): string {
  const values = [
    s.doors_knocked,
    s.doors_answered,
    s.alarms_fitted,
    s.alarms_tested_ok,
    s.full_visits,
    s.charlie_checks,
    s.higher_risk_people,
    s.referrals_made,
    s.revisits_outstanding,
  ]
  return `${SUMMARY_CSV_HEADER}\r\n${[csvField(event), date, ...values].join(',')}\r\n`
}

/** A small stable number for a piece of text, so the same street always gives the same doors. */
function hash(text: string): number {
  let h = 2166136261
  for (const ch of text.toLowerCase()) {
    h ^= ch.codePointAt(0) ?? 0
    h = Math.imul(h, 16777619) >>> 0
  }
  return h
}

/** A synthetic UPRN (test data starts 99): 12 digits from a seed and a door number. */
function syntheticUprn(seed: number, n: number): string {
  return `99${String(seed % 1_000_000).padStart(6, '0')}${String(n).padStart(4, '0')}`
}

function titleCase(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .split(/\s+/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ')
}

function normalisePostcode(value: string): string {
  const compact = value.replace(/\s+/g, '').toUpperCase()
  return compact.length > 3 ? `${compact.slice(0, -3)} ${compact.slice(-3)}` : compact
}

/** "14 Lantern Walk" → [14, "lantern walk"], as `street_position` splits a first line. */
function streetPosition(line: string): [number, string] {
  const match = /^(\d+)[a-z]?\s+(.+)$/i.exec(line.trim())
  if (!match) return [Number.MAX_SAFE_INTEGER, line.trim().toLowerCase()]
  return [Number(match[1]), (match[2] ?? '').toLowerCase()]
}

// Ids run on across every fake in the window, as the store's UUIDs never repeat: the screens
// remember things by id (the door a day's list was at) for the life of the window.
let nextDayId = 1
let nextDoorId = 1

type Candidate = { line: number; uprn: string; address_line_1: string; postcode: string }

export class FakeDays {
  private readonly days = new Map<string, StoredDay>()
  private clock = 0

  /** CSV files "written" by saveCsv, by path. */
  readonly savedFiles = new Map<string, string>()

  constructor(readonly owner: FakeBackend) {}

  // ---- test helpers -------------------------------------------------------

  /** Sets up a day without the form: a valid day unless the overrides say otherwise. */
  seedDay(overrides: Partial<DayOfActionDraft> = {}): DayOfAction {
    const draft: DayOfActionDraft = {
      name: 'Lantern estate day of action',
      date: this.owner.today,
      area: 'Lantern estate, ZY1 4',
      crew: ['Jo Sampleton', 'Ash Testwell'],
      ...overrides,
    }
    return this.store(draft)
  }

  /**
   * Adds `n` doors to a day: "1 Lantern Walk" to "<n> Lantern Walk", in ZY1 postcodes, with
   * UPRNs starting 99. Every 25th door from the 5th has a household on file (5, 30, 55 …).
   */
  seedDoors(dayId: string, n: number): DoorRow[] {
    const stored = this.days.get(dayId)
    if (!stored) throw new Error(`no day ${dayId}`)
    const known = new Set(this.owner.households.map((h) => h.uprn))
    const start = stored.doors.length
    for (let i = 1; i <= n; i++) {
      const number = start + i
      const uprn = `99${String(number).padStart(10, '0')}`
      const block = Math.floor((number - 1) / 100)
      const postcode = `ZY1 ${(block % 9) + 1}${String.fromCharCode(65 + (block % 26))}B`
      const address = `${number} Lantern Walk`
      this.addDoor(stored, uprn, address, postcode)
      if (number % 25 === 5 && !known.has(uprn)) {
        this.owner.addHousehold({ address_line_1: address, postcode, uprn })
      }
    }
    return this.rows(stored).slice(start)
  }

  /** Records a knock without the screen; throws if the knock breaks a rule. */
  seedKnock(
    dayId: string,
    doorId: string,
    outcomes: DoorOutcomeCode[],
    counts: Partial<Omit<KnockDraft, 'outcomes'>> = {},
  ): DoorRow {
    const result = this.knock(dayId, doorId, {
      outcomes,
      alarms_fitted: counts.alarms_fitted ?? (outcomes.includes('alarm_fitted') ? 1 : 0),
      referrals_made: counts.referrals_made ?? (outcomes.includes('referral') ? 1 : 0),
      higher_risk_people: counts.higher_risk_people ?? 0,
    })
    if (result.status === 'error') throw new Error(result.error.message)
    return result.data
  }

  /** Every knock recorded on a day, oldest first: what the door list sent. */
  knocksOf(dayId: string): { doorId: string; draft: KnockDraft }[] {
    return (this.days.get(dayId)?.knocks ?? []).map((k) => ({
      doorId: k.doorId,
      draft: structuredClone(k.draft),
    }))
  }

  // ---- Backend ------------------------------------------------------------

  create(draft: DayOfActionDraft): Result<DayOfAction> {
    const problems = checkDraft(draft)
    if (problems.length > 0) return err(validationError(problems))
    return ok(structuredClone(this.store(draft)))
  }

  list(): Result<DayOfActionSummaryRow[]> {
    const rows = [...this.days.values()]
      .sort((a, b) => b.day.date.localeCompare(a.day.date) || b.seq - a.seq)
      .map((s) => ({
        day: structuredClone(s.day),
        doors: s.doors.length,
        knocked: new Set(s.knocks.map((k) => k.doorId)).size,
      }))
    return ok(rows)
  }

  page(id: string): Result<DayOfActionPage> {
    const stored = this.days.get(id)
    if (!stored) return err(notFound('day of action'))
    const byUprn = new Map(stored.doors.map((d) => [d.uprn, d.id]))
    return ok({
      day: structuredClone(stored.day),
      doors: this.rows(stored),
      summary: summarise(stored.knocks),
      revisit: revisitQueue(stored.knocks)
        .map((uprn) => byUprn.get(uprn))
        .filter((d): d is string => d !== undefined),
    })
  }

  addDoors(dayId: string, query: string): Result<DoorsAdded> {
    const stored = this.days.get(dayId)
    if (!stored) return err(notFound('day of action'))
    const text = query.trim()
    if ([...text].length < 3) {
      return err(
        validationError([
          {
            field: 'street_or_postcode',
            message: 'Enter a street name, or a postcode or the start of one, like "ZY1 4"',
          },
        ]),
      )
    }
    let found = this.fromGazetteer(text)
    if (found.length === 0 && /^no such\b/i.test(text)) {
      return err(
        validationError([
          {
            field: 'street_or_postcode',
            message: `No address in the gazetteer is on "${text}": check the spelling, or import the gazetteer in Settings`,
          },
        ]),
      )
    }
    if (found.length === 0) found = this.synthetic(text)
    return this.addAll(stored, found, [])
  }

  importDoors(dayId: string, path: string): Result<DoorsAdded> {
    const stored = this.days.get(dayId)
    if (!stored) return err(notFound('day of action'))
    if (path.endsWith('noheader.csv')) {
      return err(appError('import_header', IMPORT_HEADER_MESSAGE))
    }
    const seed = hash(path)
    const make = (line: number, n: number): Candidate => ({
      line,
      uprn: syntheticUprn(seed, n),
      address_line_1: `${n} Kiln Row`,
      postcode: 'ZY1 6KR',
    })
    if (path.endsWith('bad.csv')) {
      // Line 3 holds "12x"; lines 2 and 4 to 7 are good.
      const rejected: RowError[] = [{ line: 3, reason: '"12x" is not a UPRN (up to 12 digits)' }]
      return this.addAll(
        stored,
        [2, 4, 5, 6, 7].map((line, i) => make(line, i + 1)),
        rejected,
      )
    }
    return this.addAll(
      stored,
      Array.from({ length: 8 }, (_, i) => make(i + 2, i + 1)),
      [],
    )
  }

  knock(dayId: string, doorId: string, knock: KnockDraft): Result<DoorRow> {
    const stored = this.days.get(dayId)
    const door = stored?.doors.find((d) => d.id === doorId)
    if (!stored || !door) return err(notFound('door'))
    const problems = checkKnock(knock)
    if (problems.length > 0) return err(validationError(problems))
    stored.knocks.push({
      doorId,
      uprn: door.uprn,
      draft: structuredClone(knock),
      at: ++this.clock,
    })
    const row = this.rows(stored, doorId)[0]
    return row ? ok(row) : err(notFound('door'))
  }

  saveCsv(dayId: string, path: string): Result<string> {
    const stored = this.days.get(dayId)
    if (!stored) return err(notFound('day of action'))
    if (path.startsWith('/readonly/')) {
      return err(appError('io', `Could not use ${path}: Permission denied (os error 13)`))
    }
    this.savedFiles.set(
      path,
      summaryCsv(stored.day.name, stored.day.date, summarise(stored.knocks)),
    )
    return ok(path)
  }

  // ---- inside -------------------------------------------------------------

  private store(draft: DayOfActionDraft): DayOfAction {
    const day: DayOfAction = {
      id: `day-${String(nextDayId++).padStart(4, '0')}`,
      name: draft.name.trim(),
      date: draft.date.trim(),
      area: draft.area.trim(),
      crew: draft.crew.map((c) => c.trim()).filter((c) => c !== ''),
    }
    this.days.set(day.id, { day, seq: this.days.size + 1, doors: [], knocks: [] })
    return day
  }

  private addDoor(stored: StoredDay, uprn: string, address: string, postcode: string): boolean {
    if (stored.doors.some((d) => d.uprn === uprn)) return false
    stored.doors.push({
      id: `door-${String(nextDoorId++).padStart(5, '0')}`,
      rank: (stored.doors.at(-1)?.rank ?? 0) + 1,
      uprn,
      address_line_1: address,
      postcode,
    })
    return true
  }

  private addAll(stored: StoredDay, rows: Candidate[], rejected: RowError[]): Result<DoorsAdded> {
    if (stored.doors.length + rows.length > MAX_DOORS) {
      return err(
        validationError([
          {
            field: 'street_or_postcode',
            message: `A day's list holds at most ${MAX_DOORS} doors: choose a smaller area`,
          },
        ]),
      )
    }
    let added = 0
    let duplicates = 0
    for (const row of rows) {
      if (this.addDoor(stored, row.uprn, row.address_line_1, row.postcode)) added++
      else duplicates++
    }
    return ok({ added, duplicates, rejected: [...rejected].sort((a, b) => a.line - b.line) })
  }

  /** The fake gazetteer's addresses on a street (any case) or in a postcode or its start. */
  private fromGazetteer(query: string): Candidate[] {
    const street = query.toLowerCase()
    const postcode = query.toUpperCase().split(/\s+/).join(' ')
    return this.owner.gazetteer
      .filter(
        (g) => streetPosition(g.address_line_1)[1] === street || g.postcode.startsWith(postcode),
      )
      .map((g) => ({
        line: 0,
        uprn: g.uprn,
        address_line_1: g.address_line_1,
        postcode: g.postcode,
      }))
      .sort((a, b) => {
        // Street, then odd and even sides, then house number: the order a crew walks.
        const [na, sa] = streetPosition(a.address_line_1)
        const [nb, sb] = streetPosition(b.address_line_1)
        return (
          sa.localeCompare(sb) ||
          (na % 2) - (nb % 2) ||
          na - nb ||
          a.postcode.localeCompare(b.postcode) ||
          a.uprn.localeCompare(b.uprn)
        )
      })
  }

  /** Ten made-up doors for a street or postcode the fake's gazetteer does not hold. */
  private synthetic(query: string): Candidate[] {
    const looksLikePostcode = /\d/.test(query)
    const street = looksLikePostcode ? 'Foundry Close' : titleCase(query)
    const postcode =
      looksLikePostcode && FULL_POSTCODE.test(query.trim()) ? normalisePostcode(query) : 'ZY1 4AB'
    const seed = hash(query.trim().replace(/\s+/g, ' '))
    return Array.from({ length: SYNTHETIC_DOORS }, (_, i) => ({
      line: 0,
      uprn: syntheticUprn(seed, i + 1),
      address_line_1: `${i + 1} ${street}`,
      postcode,
    }))
  }

  /** The door list as the page shows it (every door, or just one). */
  private rows(stored: StoredDay, only?: string): DoorRow[] {
    const latest = new Map<string, { knocks: number; outcomes: DoorOutcomeCode[] }>()
    for (const k of stored.knocks) {
      const entry = latest.get(k.doorId) ?? { knocks: 0, outcomes: [] }
      entry.knocks += 1
      entry.outcomes = k.draft.outcomes
      latest.set(k.doorId, entry)
    }
    const households = new Map<string, string>()
    for (const h of this.owner.households) if (h.uprn) households.set(h.uprn, h.id)
    return stored.doors
      .filter((d) => only === undefined || d.id === only)
      .map((d) => {
        const knocked = latest.get(d.id)
        return {
          id: d.id,
          rank: d.rank,
          uprn: d.uprn,
          address_line_1: d.address_line_1,
          postcode: d.postcode,
          knocks: knocked?.knocks ?? 0,
          outcomes: [...(knocked?.outcomes ?? [])],
          household_id: households.get(d.uprn) ?? null,
        }
      })
  }
}
