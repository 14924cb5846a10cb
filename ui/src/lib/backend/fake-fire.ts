// The in-memory fake's CHARLIE checks and referrals. See fake.ts for the contract.
//
// The rules follow crates/core/src/fire/{charlie,referral,agency}.rs closely enough for the
// screens and their tests (codes, fields, messages): checks are validated and scored as
// `assess` does, referrals are suggested as `suggest_referrals` does, and a referral is only
// sent with consent covering the agency's purpose or a lawful basis with a justification. The
// template is assets/templates/charlie.toml with three of its six hazards; the directory is
// three agencies from assets/agencies.toml. Referral times use the real clock, as the app does.

import { appError, err, ok, type Result } from './backend'
import type { FakeBackend } from './fake'
import type {
  Agency,
  AgencyDirectory,
  AppError,
  BasisRecord,
  CharlieAssessment,
  CharlieCheck,
  CharlieContribution,
  CharlieDraft,
  CharlieResult,
  CharlieTemplate,
  Consent,
  ConsentPurpose,
  FieldError,
  Household,
  Referral,
  ReferralDraft,
  ReferralPage,
  ReferralStatus,
  ReferralStep,
  ReferralStepKind,
  ReferralSummary,
  ResponseTime,
  RiskLevel,
  Role,
  RuleViolation,
  SuggestedReferral,
  Urgency,
} from './types'

/** `JUSTIFICATION_MIN` in referral.rs. */
export const FAKE_JUSTIFICATION_MIN = 40
const NOTE_MAX = 2000
const FLOOR_MAX = 40
const TEXT_MAX = 2000
const CIR_MIN = 1
const CIR_MAX = 9
const REFERRAL_ROLES: Role[] = ['officer', 'fire_crew', 'warden', 'supervisor']
const HOUR_MS = 3_600_000

const SCALE = [
  { value: 1, label: 'Rare' },
  { value: 2, label: 'Unlikely' },
  { value: 4, label: 'Possible' },
  { value: 8, label: 'Likely' },
  { value: 10, label: 'Almost certain' },
]

function descriptors(texts: [string, string, string, string, string]) {
  return SCALE.map((p, i) => ({ score: p.value, text: texts[i] ?? '' }))
}

/** assets/templates/charlie.toml, version 1, with three of its hazards. */
export const FAKE_CHARLIE_TEMPLATE: CharlieTemplate = {
  id: 'charlie',
  version: 1,
  title: 'CHARLIE fire risk check',
  scale: SCALE,
  factors: [
    {
      id: 'care_and_support',
      letter: 'C',
      title: 'Care and support needs (including cooking)',
      guidance:
        'Think about meals, medication, personal care and whether carers manage smoking or fire-retardant bedding. Cooking counts here: a cooking fire in the last 12 months scores 10.',
      prompts: [
        'Does anyone help you at home, for example with meals, medication or washing?',
        'Is that help enough? Has anything been missed recently?',
        'Do you cook for yourself? Have you had a pan fire or a near miss in the last year?',
      ],
      descriptors: descriptors([
        'No care or support needed; cooks safely.',
        "A care package is in place and meets the person's needs.",
        'Support is not enough: meals, medication or carers are not managing risks such as smoking or bedding.',
        'No support although it is needed, with a clear concern; or pans often left unattended.',
        'No support and serious concern; or a cooking fire in the last 12 months.',
      ]),
    },
    {
      id: 'hoarding',
      letter: 'H',
      title: 'Hoarding (and mental health)',
      guidance:
        'Use the Clutter Image Rating pictures for the worst room. The score normally follows the rating; if you score differently, say why in the note. Look for blocked exits and fuel near heaters.',
      prompts: [
        'Which Clutter Image Rating picture is closest to the worst room?',
        'Can every exit and the stairs be used easily?',
        'Is anything stored near heaters, cookers or sockets?',
      ],
      descriptors: descriptors([
        'Clutter Image Rating 1 to 2: rooms are clear.',
        'Clutter Image Rating 3: some clutter, exits clear.',
        'Clutter Image Rating 4 to 5: clutter in several rooms; paths narrowed.',
        'Clutter Image Rating 6 to 7: heavy fuel load; exits partly blocked.',
        'Clutter Image Rating 8 to 9: rooms unusable; exits blocked.',
      ]),
    },
    {
      id: 'alcohol_and_drugs',
      letter: 'A',
      title: 'Alcohol, drugs and medication',
      guidance:
        'Alcohol, drugs or medication that make the person drowsy or slow to react, especially with smoking or cooking.',
      prompts: [
        'Do you take any medication that makes you sleepy?',
        'How much do you usually drink in a day?',
      ],
      descriptors: descriptors([
        'No use that affects safety.',
        'Occasional use; no effect on safety seen.',
        'Regular use, or drowsy medication, with some effect on safety.',
        'Binges or dependency with ongoing safety issues.',
        'Significant ongoing safety issues, e.g. found asleep while cooking or smoking.',
      ]),
    },
    {
      id: 'reduced_mobility',
      letter: 'R',
      title: 'Reduced mobility',
      guidance: 'Could the person get out quickly on their own if there were a fire at night?',
      prompts: [
        'How do you get about the house and up and down the stairs?',
        'Could you get out on your own at night?',
      ],
      descriptors: descriptors([
        'Fully independent.',
        'Slower, but gets out unaided.',
        'Uses walking aids or a stairlift.',
        'Needs another person to get out.',
        'Hoist or bed-bound; cannot escape without help.',
      ]),
    },
    {
      id: 'lives_alone',
      letter: 'L',
      title: 'Lives alone (and how often people visit)',
      guidance:
        'Nobody to raise the alarm. Ask how often visitors, carers or family call, and whether a pendant or telecare is worn and tested.',
      prompts: [
        'Who else lives here?',
        'How often does someone visit or call in?',
        'Do you have a pendant alarm or telecare? When was it last tested?',
      ],
      descriptors: descriptors([
        'Lives with family or others who would raise the alarm.',
        'Lives alone with daily visitors or a tested pendant.',
        'Lives alone with visitors a few times a week.',
        'Lives alone with few visitors; no pendant or telecare.',
        'Lives alone, isolated; nobody would notice a fire.',
      ]),
    },
    {
      id: 'inappropriate_smoking',
      letter: 'I',
      title: 'Inappropriate smoking',
      guidance:
        'Smoking in bed or when drowsy, burn marks on clothes, furniture or carpets, smoking near medical oxygen or with emollient creams on clothes or bedding.',
      prompts: [
        'Does anyone smoke in the home? Where, and when?',
        'Are there burn marks on chairs, bedding, clothes or carpets?',
      ],
      descriptors: descriptors([
        'Nobody smokes.',
        'Smokes outside or safely, with a proper ashtray.',
        'Smokes indoors; occasional careless habits.',
        'Smokes in bed or when drowsy; burn marks seen.',
        'Smokes near medical oxygen or with emollient creams on clothes or bedding.',
      ]),
    },
    {
      id: 'elderly',
      letter: 'E',
      title: 'Elderly (65 or over)',
      guidance:
        'Age on its own raises risk, more so with the other factors. Ask the age band, not the date of birth, unless a referral needs it.',
      prompts: ['Which age band are you in?'],
      descriptors: descriptors([
        'Under 65.',
        '65 to 74, active and well.',
        '65 to 74 with other factors, or 75 to 84.',
        '85 or over.',
        '85 or over and frail, or with dementia.',
      ]),
    },
  ],
  clutter_image_rating: {
    factor: 'hoarding',
    guidance:
      'Show the resident or compare with the nine pictures for living room, kitchen and bedroom; record the highest.',
    bands: [
      { from: 1, to: 2, score: 1 },
      { from: 3, to: 3, score: 2 },
      { from: 4, to: 5, score: 4 },
      { from: 6, to: 7, score: 8 },
      { from: 8, to: 9, score: 10 },
    ],
  },
  alarms: {
    guidance:
      'Check every floor with living space: is there an alarm, does it work when tested, did you fit one today? At least one working alarm per floor, in the hallway or landing.',
    no_working_alarm_points: 8,
  },
  escape_route: {
    guidance: 'Can everyone get out: keys to hand, exits clear, doors closed at night?',
    obstructed_points: 8,
  },
  flags: [
    {
      id: 'emollient_creams',
      label: 'Emollient (skin) creams used',
      guidance:
        'Paraffin-based and paraffin-free creams soak into clothes and bedding and make them burn fast.',
      points: 4,
    },
    {
      id: 'medical_oxygen',
      label: 'Medical oxygen in the home',
      guidance:
        'Oxygen makes anything burn fiercely. Tell the fire service; smoking near it is the highest risk.',
      points: 8,
    },
    {
      id: 'candles',
      label: 'Candles or open flames used',
      guidance: 'Candles, tea lights, oil lamps or incense, especially near curtains or clutter.',
      points: 2,
    },
  ],
  fire_service_visit: {
    offered: 'The fire and rescue service can visit you for free to check your smoke alarms.',
    requested: 'We have asked the fire and rescue service to visit you.',
  },
  risk: {
    present_from: 4,
    medium_from: 14,
    high_from: 22,
    very_high_from: 32,
    referral_from: 22,
    referral_when_any_factor_at: 10,
  },
}

/** Three agencies from assets/agencies.toml, with its urgency policy. */
export const FAKE_AGENCIES: AgencyDirectory = {
  version: 1,
  urgency: {
    soon: { working_days: 2 },
    urgent: { hours: 24 },
    soon_from_level: 'high',
    urgent_from_level: 'very_high',
  },
  agencies: [
    {
      id: 'fire_safe_and_well',
      name: 'Fire and Rescue Service: Safe and Well (demo)',
      kind: 'fire_safe_and_well',
      purpose: 'share_with_fire',
      method: 'email',
      contact: 'safeandwell@fire.example.org',
      response: { working_days: 5 },
      takes:
        'Home fire safety and Safe and Well visits: alarms, escape plans, and health and wellbeing checks.',
      suggest_when: {
        referral_threshold: true,
        no_working_alarm: true,
        flags: ['medical_oxygen', 'emollient_creams'],
      },
    },
    {
      id: 'victim_care',
      name: 'Victim Care (demo)',
      kind: 'victim_care',
      purpose: 'share_with_support',
      method: 'phone',
      contact: '0115 496 0123',
      response: { working_days: 2 },
      takes: 'Emotional and practical support after a crime, including burglary.',
      suggest_when: { weaknesses: ['entry_door_forced'] },
    },
    {
      id: 'substance_misuse',
      name: 'Drug and Alcohol Recovery Service (demo)',
      kind: 'substance_misuse',
      purpose: 'share_with_health',
      method: 'email',
      contact: 'referrals@recovery.example.org',
      response: { working_days: 5 },
      takes: 'Support to cut down or stop drinking or using drugs.',
      suggest_when: { factors: ['alcohol_and_drugs'] },
    },
  ],
}

const LEVEL_RANK: Record<RiskLevel, number> = { low: 0, medium: 1, high: 2, very_high: 3 }
const LEVEL_WORDS: Record<RiskLevel, string> = {
  low: 'Low',
  medium: 'Medium',
  high: 'High',
  very_high: 'Very high',
}

/** `ConsentPurpose::label` in agency.rs. */
const PURPOSE_WORDS: Record<ConsentPurpose, string> = {
  visit: 'the visit',
  share_with_fire: 'sharing with the fire service',
  share_with_health: 'sharing with health and social care',
  share_with_support: 'sharing with support services',
  follow_up: 'follow-up contact',
}

/** `ReferralStepKind::allowed_from` and `target` in referral.rs. */
const STEP_FROM: Record<ReferralStepKind, ReferralStatus[]> = {
  send: ['draft'],
  acknowledge: ['sent'],
  book_visit: ['sent', 'acknowledged'],
  complete: ['acknowledged', 'visit_booked'],
  decline: ['sent', 'acknowledged', 'visit_booked'],
  no_contact: ['sent', 'acknowledged', 'visit_booked'],
}
const STEP_TARGET: Record<ReferralStepKind, ReferralStatus> = {
  send: 'sent',
  acknowledge: 'acknowledged',
  book_visit: 'visit_booked',
  complete: 'completed',
  decline: 'declined',
  no_contact: 'no_contact',
}
const STEP_KINDS = Object.keys(STEP_TARGET) as ReferralStepKind[]

function validationError(fields: FieldError[]): AppError {
  const only = fields.length === 1 ? fields[0]?.message : undefined
  return appError(
    'validation',
    only ?? 'Some answers need attention: see the messages beside them.',
    fields,
    fields[0]?.field ?? null,
  )
}

function oneLine(h: Household): string {
  return [h.address_line_1, h.address_line_2, h.address_line_3, h.town]
    .filter((part): part is string => !!part)
    .join(', ')
}

/** `ResponseTime::due`: clock hours, or Monday-to-Friday days. */
function due(response: ResponseTime, from: Date): Date {
  if (response.hours !== undefined) return new Date(from.getTime() + response.hours * HOUR_MS)
  const at = new Date(from.getTime())
  let left = response.working_days ?? 0
  while (left > 0) {
    at.setUTCDate(at.getUTCDate() + 1)
    const day = at.getUTCDay()
    if (day !== 0 && day !== 6) left--
  }
  return at
}

function level(total: number): RiskLevel {
  const r = FAKE_CHARLIE_TEMPLATE.risk
  if (total >= r.very_high_from) return 'very_high'
  if (total >= r.high_from) return 'high'
  if (total >= r.medium_from) return 'medium'
  return 'low'
}

function cirScore(rating: number): number | null {
  return (
    FAKE_CHARLIE_TEMPLATE.clutter_image_rating.bands.find((b) => rating >= b.from && rating <= b.to)
      ?.score ?? null
  )
}

/** `CharlieCheck::validate`: every problem against its field. */
function validateCheck(check: CharlieCheck): FieldError[] {
  const t = FAKE_CHARLIE_TEMPLATE
  const errors: FieldError[] = []
  const add = (field: string, message: string) => errors.push({ field, message })
  const scale = t.scale.map((p) => `${p.value} (${p.label})`).join(', ')
  const seen = new Set<string>()
  check.factors.forEach((f, i) => {
    if (!t.factors.some((x) => x.id === f.factor)) {
      add(`factors[${i}].factor`, `There is no factor "${f.factor}" on this check`)
      return
    }
    if (seen.has(f.factor)) {
      add(`factors.${f.factor}.score`, 'This factor is scored twice; keep one score')
    }
    seen.add(f.factor)
    if (!t.scale.some((p) => p.value === f.score)) {
      add(`factors.${f.factor}.score`, `Choose a score on the scale: ${scale}`)
    }
    if ([...f.note].length > NOTE_MAX) {
      add(`factors.${f.factor}.note`, `Use ${NOTE_MAX} characters or fewer`)
    }
  })
  for (const factor of t.factors) {
    if (!seen.has(factor.id)) {
      add(
        `factors.${factor.id}.score`,
        `Score ${factor.title}; choose ${t.scale[0]?.value ?? 0} if it does not apply`,
      )
    }
  }
  const rating = check.clutter_image_rating
  if (rating !== null) {
    if (!Number.isInteger(rating) || rating < CIR_MIN || rating > CIR_MAX) {
      add('clutter_image_rating', `Choose a Clutter Image Rating from ${CIR_MIN} to ${CIR_MAX}`)
    } else {
      const factorId = t.clutter_image_rating.factor
      const expected = cirScore(rating)
      const scored = check.factors.find((f) => f.factor === factorId)
      if (expected !== null && scored && scored.score !== expected && scored.note.trim() === '') {
        add(
          `factors.${factorId}.note`,
          `A Clutter Image Rating of ${rating} normally scores ${expected}; you scored ${scored.score}. Say why in the note`,
        )
      }
    }
  }
  const floors = new Set<string>()
  check.alarms.forEach((a, i) => {
    const floor = a.floor.trim()
    if (floor === '' || [...floor].length > FLOOR_MAX) {
      add(
        `alarms[${i}].floor`,
        `Name the floor in ${FLOOR_MAX} characters or fewer, e.g. "Ground floor"`,
      )
    } else if (floors.has(floor.toLowerCase())) {
      add(`alarms[${i}].floor`, 'This floor is listed twice')
    } else {
      floors.add(floor.toLowerCase())
    }
    if (!a.present && (a.working || a.tested)) {
      add(`alarms[${i}].present`, 'An alarm that was tested or working must be marked present')
    }
    if (a.working && !a.tested) {
      add(`alarms[${i}].tested`, 'Only mark an alarm working after testing it')
    }
  })
  const flags = new Set<string>()
  check.flags.forEach((id, i) => {
    if (!t.flags?.some((f) => f.id === id)) {
      add(`flags[${i}]`, `There is no hazard "${id}" on this check`)
    } else if (flags.has(id)) {
      add(`flags[${i}]`, 'This hazard is ticked twice')
    } else {
      flags.add(id)
    }
  })
  return errors
}

/** `assess`: the total, level, contributions and why, for a valid check. */
function assess(check: CharlieCheck): CharlieAssessment {
  const t = FAKE_CHARLIE_TEMPLATE
  const contributions: CharlieContribution[] = []
  const presentFactors: string[] = []
  let topFactor: [string, number] | null = null
  for (const factor of t.factors) {
    const score = check.factors.find((f) => f.factor === factor.id)?.score
    if (score === undefined) continue
    const label = t.scale.find((p) => p.value === score)?.label ?? ''
    const descriptor = factor.descriptors.find((d) => d.score === score)?.text ?? ''
    contributions.push({
      kind: 'factor',
      id: factor.id,
      label: factor.title,
      points: score,
      reason: `Scored ${score} (${label}): ${descriptor}`,
    })
    if (score >= t.risk.present_from) presentFactors.push(factor.id)
    const at = t.risk.referral_when_any_factor_at
    if (at !== null && at !== undefined && score >= at && topFactor === null) {
      topFactor = [factor.title, score]
    }
  }
  const flags: string[] = []
  for (const flag of t.flags ?? []) {
    if (!check.flags.includes(flag.id)) continue
    flags.push(flag.id)
    if (flag.points > 0) {
      contributions.push({
        kind: 'flag',
        id: flag.id,
        label: flag.label,
        points: flag.points,
        reason: flag.guidance,
      })
    }
  }
  const uncovered = check.alarms
    .filter((a) => !(a.fitted_today || (a.present && a.working)))
    .map((a) => a.floor.trim())
  const noWorkingAlarm = uncovered.length > 0
  if (noWorkingAlarm && t.alarms.no_working_alarm_points > 0) {
    contributions.push({
      kind: 'alarm',
      id: 'no_working_alarm',
      label: 'No working smoke alarm',
      points: t.alarms.no_working_alarm_points,
      reason: `No working smoke alarm on: ${uncovered.join(', ')}`,
    })
  }
  if (check.escape_route === 'obstructed' && t.escape_route.obstructed_points > 0) {
    contributions.push({
      kind: 'escape_route',
      id: 'escape_route_obstructed',
      label: 'Escape route obstructed',
      points: t.escape_route.obstructed_points,
      reason: 'An exit is blocked or keys are not to hand',
    })
  }
  // Array.prototype.sort is stable, as Rust's sort_by_key: template order stays on ties.
  contributions.sort((a, b) => b.points - a.points)
  const total = contributions.reduce((sum, c) => sum + c.points, 0)
  const lvl = level(total)
  const because: string[] = []
  if (total >= t.risk.referral_from) {
    because.push(`The total ${total} is at or above the referral threshold ${t.risk.referral_from}`)
  }
  if (topFactor !== null) because.push(`${topFactor[0]} scored ${topFactor[1]}`)
  const meets = because.length > 0
  if (!meets) {
    because.push(`The total ${total} is below the referral threshold ${t.risk.referral_from}`)
  }
  const lowest = t.scale[0]?.value ?? 0
  const drivers = contributions
    .filter((c) => c.kind !== 'factor' || c.points > lowest)
    .map((c) => `${c.label} ${c.points}`)
  let explanation = `${LEVEL_WORDS[lvl]} risk (${total} points). `
  explanation +=
    drivers.length === 0
      ? 'No factor or hazard above the lowest score.'
      : `Driven by: ${drivers.join(', ')}.`
  if (check.alarms.length === 0) explanation += ' Smoke alarms were not checked.'
  return {
    check_id: check.id,
    total,
    level: lvl,
    contributions,
    any_factor: presentFactors.length > 0,
    present_factors: presentFactors,
    flags,
    no_working_alarm: noWorkingAlarm,
    meets_referral_threshold: meets,
    referral_because: because,
    explanation,
  }
}

/** `suggest_referrals` with no survey weaknesses (as save_charlie_check calls it). */
function suggest(a: CharlieAssessment): SuggestedReferral[] {
  const policy = FAKE_AGENCIES.urgency
  const urgency: Urgency =
    LEVEL_RANK[a.level] >= LEVEL_RANK[policy.urgent_from_level]
      ? 'urgent'
      : LEVEL_RANK[a.level] >= LEVEL_RANK[policy.soon_from_level]
        ? 'soon'
        : 'routine'
  const label = (id: string) => {
    const c = a.contributions.find((x) => x.id === id)
    return c ? `${c.label} (${c.points} points)` : id.replace(/_/g, ' ')
  }
  const out: SuggestedReferral[] = []
  for (const agency of FAKE_AGENCIES.agencies) {
    if (agency.kind === 'domestic_abuse') continue
    const s = agency.suggest_when ?? {}
    const reasons: string[] = []
    if (s.referral_threshold && a.meets_referral_threshold) {
      reasons.push(
        `CHARLIE ${LEVEL_WORDS[a.level].toLowerCase()} risk, ${a.total} points: ${a.referral_because.join('; ')}`,
      )
    }
    if (s.no_working_alarm && a.no_working_alarm) reasons.push(label('no_working_alarm'))
    for (const f of s.factors ?? []) if (a.present_factors.includes(f)) reasons.push(label(f))
    for (const f of s.flags ?? []) if (a.flags.includes(f)) reasons.push(label(f))
    if (reasons.length > 0) out.push({ agency_id: agency.id, reasons, urgency })
  }
  return out
}

/** `validate_consent` in referral.rs. */
function consentProblems(consent: Consent): FieldError[] {
  const errors: FieldError[] = []
  if (consent.given_by_name.trim() === '') {
    errors.push({
      field: 'consent.given_by_name',
      message: 'Enter the name of the person who gave consent',
    })
  }
  if (consent.purposes.length === 0) {
    errors.push({ field: 'consent.purposes', message: 'Tick what the person agreed to' })
  }
  if (new Set(consent.purposes).size !== consent.purposes.length) {
    errors.push({ field: 'consent.purposes', message: 'A purpose is ticked twice' })
  }
  if (consent.method === 'signed' && (consent.signature_ref ?? '').trim() === '') {
    errors.push({
      field: 'consent.signature_ref',
      message: 'Attach the signature, or record the consent as verbal',
    })
  }
  if (consent.capacity_concerns !== null && consent.capacity_concerns.trim() === '') {
    errors.push({
      field: 'consent.capacity_concerns',
      message: 'Describe the concern, or clear the box',
    })
  }
  return errors
}

/** `validate_basis` in referral.rs. */
function basisProblems(basis: BasisRecord): FieldError[] {
  const got = [...basis.justification.trim()].length
  if (got < FAKE_JUSTIFICATION_MIN) {
    return [
      {
        field: 'lawful_basis.justification',
        message: `Explain why sharing without consent is necessary in at least ${FAKE_JUSTIFICATION_MIN} characters`,
      },
    ]
  }
  if (got > TEXT_MAX) {
    return [{ field: 'lawful_basis.justification', message: `Use ${TEXT_MAX} characters or fewer` }]
  }
  return []
}

/** `Referral::send_authority`: why it may not be sent, or null. */
function sendRefusal(referral: Referral, agency: Agency): string | null {
  const needed = PURPOSE_WORDS[agency.purpose]
  const basis = referral.lawful_basis
  if (basis) {
    const got = [...basis.justification.trim()].length
    return got >= FAKE_JUSTIFICATION_MIN
      ? null
      : `Explain why sharing without consent is necessary in at least ${FAKE_JUSTIFICATION_MIN} characters (you wrote ${got})`
  }
  const consent = referral.consent
  if (!consent) {
    return `Record the resident's consent to ${needed}, or a lawful basis with a justification, before sending`
  }
  if (!consent.purposes.includes(agency.purpose)) {
    const given = consent.purposes.map((p) => PURPOSE_WORDS[p]).join(', ')
    return `The resident agreed to ${given === '' ? 'nothing' : given} but not to ${needed}: ask them, or record a lawful basis`
  }
  if (consent.capacity_concerns !== null) {
    return 'Capacity concerns were recorded, so this consent cannot be relied on: record a lawful basis and why'
  }
  return null
}

/** A refusal as the page carries it; the fake names one rule for them all. */
function refusalView(message: string | null): RuleViolation | null {
  return message === null ? null : { rule: 'send_refused', message, field: 'consent' }
}

/** What a test may set on a seeded referral. */
export type SeedReferralOverrides = Partial<
  Pick<
    Referral,
    'agency_id' | 'reasons' | 'urgency' | 'charlie_check_id' | 'consent' | 'lawful_basis'
  >
> & {
  /** Walks the lifecycle to this status (consent covering the agency is recorded if none is given). */
  status?: ReferralStatus
  /** For a sent referral: how many hours past its due time it is now. */
  overdueHours?: number
}

type StoredCheck = { check: CharlieCheck; savedAt: string }

export class FakeFire {
  #role: Role | null = null

  /** The signed-in person's role for referrals, until a test sets another. */
  get role(): Role {
    return this.#role ?? this.owner.signedIn?.role ?? 'officer'
  }

  set role(role: Role) {
    this.#role = role
  }

  private readonly checks = new Map<string, StoredCheck>()
  private readonly referrals = new Map<string, Referral>()
  private next = 1

  constructor(readonly owner: FakeBackend) {}

  // ---- test helpers -------------------------------------------------------

  /**
   * A referral for a resident: to the fire service, routine, a draft with no consent unless
   * `overrides` say otherwise. A later status walks the history with consent recorded.
   */
  seedReferral(
    householdId: string,
    personId: string,
    overrides: SeedReferralOverrides = {},
  ): ReferralPage {
    const status = overrides.status ?? 'draft'
    const agencyId = overrides.agency_id ?? 'fire_safe_and_well'
    const agency = this.agency(agencyId)
    if (!agency) throw new Error(`the fake directory has no agency ${agencyId}`)
    const now = new Date()
    const consent =
      overrides.consent !== undefined
        ? overrides.consent
        : status === 'draft'
          ? null
          : this.consentFor(agency, now)
    const referral: Referral = {
      id: this.newId('referral'),
      person_id: personId,
      household_id: householdId,
      agency_id: agencyId,
      reasons: overrides.reasons ?? ['CHARLIE high risk, 24 points'],
      urgency: overrides.urgency ?? 'routine',
      charlie_check_id: overrides.charlie_check_id ?? null,
      consent,
      lawful_basis: overrides.lawful_basis ?? null,
      status: 'draft',
      created_by: 'o-seed-officer',
      created_at: new Date(now.getTime() - 7 * 24 * HOUR_MS).toISOString(),
      sent_at: null,
      due_at: null,
      history: [],
    }
    this.referrals.set(referral.id, referral)
    const path: Record<ReferralStatus, ReferralStep[]> = {
      draft: [],
      sent: [{ step: 'send' }],
      acknowledged: [{ step: 'send' }, { step: 'acknowledge', agency_reference: 'SW-1001' }],
      visit_booked: [
        { step: 'send' },
        { step: 'book_visit', visit_at: new Date(now.getTime() + 48 * HOUR_MS).toISOString() },
      ],
      completed: [
        { step: 'send' },
        { step: 'acknowledge', agency_reference: null },
        { step: 'complete', outcome: 'Visited; alarms fitted on both floors' },
      ],
      declined: [{ step: 'send' }, { step: 'decline', reason: 'The resident said no thank you' }],
      no_contact: [{ step: 'send' }, { step: 'no_contact', attempts: 'Three calls, one letter' }],
    }
    for (const step of path[status]) {
      const refused = this.apply(referral, step, 'o-seed-officer', 'officer')
      if (refused) throw new Error(`seedReferral: ${refused.message}`)
    }
    if (overrides.overdueHours !== undefined) this.makeOverdue(referral.id, overrides.overdueHours)
    return this.pageOf(referral)
  }

  /** Moves a sent referral's send and due times back so it is `hours` past due now. */
  makeOverdue(referralId: string, hours: number): void {
    const referral = this.referrals.get(referralId)
    if (!referral) throw new Error(`no referral ${referralId}`)
    const dueAt = new Date(Date.now() - hours * HOUR_MS - 60_000)
    referral.due_at = dueAt.toISOString()
    referral.sent_at = new Date(dueAt.getTime() - 5 * 24 * HOUR_MS).toISOString()
  }

  /** A saved check for a household, as if scored with these factor scores (others 1). */
  seedCheck(
    householdId: string,
    scores: Record<string, number> = {},
    personId: string | null = null,
  ): CharlieResult {
    const check = this.toCheck({
      id: null,
      person_id: personId,
      household_id: householdId,
      visit_id: null,
      factors: FAKE_CHARLIE_TEMPLATE.factors.map((f) => ({
        factor: f.id,
        score: scores[f.id] ?? 1,
        note: '',
      })),
      clutter_image_rating: null,
      alarms: [],
      escape_route: 'not_checked',
      flags: [],
    })
    this.checks.set(check.id, { check, savedAt: new Date().toISOString() })
    return this.resultOf(check)
  }

  // ---- CHARLIE ----------------------------------------------------------------

  template(): Result<CharlieTemplate> {
    return ok(structuredClone(FAKE_CHARLIE_TEMPLATE))
  }

  agencies(): Result<AgencyDirectory> {
    return ok(structuredClone(FAKE_AGENCIES))
  }

  saveCheck(draft: CharlieDraft): Result<CharlieResult> {
    const check = this.toCheck(draft)
    const problems = validateCheck(check)
    if (problems.length > 0) return err(validationError(problems))
    if (check.household_id !== null && !this.household(check.household_id)) {
      return err(appError('not_found', 'That household no longer exists.'))
    }
    if (check.person_id !== null && !this.owner.persons.some((p) => p.id === check.person_id)) {
      return err(appError('not_found', 'That person no longer exists.'))
    }
    const before = this.checks.get(check.id)
    this.checks.set(check.id, { check, savedAt: before?.savedAt ?? new Date().toISOString() })
    return ok(this.resultOf(check))
  }

  checksFor(householdId: string): Result<CharlieResult[]> {
    return ok(
      [...this.checks.values()]
        .filter((s) => s.check.household_id === householdId)
        .reverse()
        .map((s) => this.resultOf(s.check)),
    )
  }

  // ---- referrals ----------------------------------------------------------------

  draftReferral(draft: ReferralDraft): Result<ReferralPage> {
    if (!REFERRAL_ROLES.includes(this.role)) return err(this.roleRefused())
    const problems: FieldError[] = []
    if (!this.agency(draft.agency_id)) {
      problems.push({ field: 'agency_id', message: 'Choose an agency from the directory' })
    }
    const reasons = draft.reasons.map((r) => r.trim()).filter((r) => r !== '')
    if (reasons.length === 0) {
      problems.push({ field: 'reasons', message: 'Give at least one reason for the referral' })
    }
    if (reasons.some((r) => [...r].length > TEXT_MAX)) {
      problems.push({
        field: 'reasons',
        message: `Use ${TEXT_MAX} characters or fewer for each reason`,
      })
    }
    if (draft.consent) problems.push(...consentProblems(draft.consent))
    if (draft.lawful_basis) problems.push(...basisProblems(draft.lawful_basis))
    if (problems.length > 0) return err(validationError(problems))
    if (!this.household(draft.household_id)) {
      return err(appError('not_found', 'That household no longer exists.'))
    }
    const now = new Date().toISOString()
    const by = this.officerId()
    const referral: Referral = {
      id: this.newId('referral'),
      person_id: draft.person_id,
      household_id: draft.household_id,
      agency_id: draft.agency_id,
      reasons,
      urgency: draft.urgency,
      charlie_check_id: draft.charlie_check_id,
      consent: draft.consent ? { ...draft.consent, recorded_by: by, at: now } : null,
      lawful_basis: draft.lawful_basis ? { ...draft.lawful_basis, recorded_by: by, at: now } : null,
      status: 'draft',
      created_by: by,
      created_at: now,
      sent_at: null,
      due_at: null,
      history: [],
    }
    this.referrals.set(referral.id, referral)
    return ok(this.pageOf(referral))
  }

  referral(id: string): Result<ReferralPage> {
    const referral = this.referrals.get(id)
    return referral ? ok(this.pageOf(referral)) : err(this.notFound())
  }

  recordAuthority(
    id: string,
    consent: Consent | null,
    basis: BasisRecord | null,
  ): Result<ReferralPage> {
    const referral = this.referrals.get(id)
    if (!referral) return err(this.notFound())
    const refuseUnlessDraft = () =>
      referral.status === 'draft'
        ? null
        : appError(
            'wrong_step',
            'This referral has been sent, so its consent and basis can no longer be changed',
          )
    const now = new Date().toISOString()
    const by = this.officerId()
    // As the Rust command: consent first, then the basis, each refused on its own.
    if (consent) {
      const refused = refuseUnlessDraft()
      if (refused) return err(refused)
      const problems = consentProblems(consent)
      if (problems.length > 0) return err(validationError(problems))
      referral.consent = { ...consent, recorded_by: by, at: now }
    }
    if (basis) {
      const refused = refuseUnlessDraft()
      if (refused) return err(refused)
      const problems = basisProblems(basis)
      if (problems.length > 0) return err(validationError(problems))
      referral.lawful_basis = { ...basis, recorded_by: by, at: now }
    }
    return ok(this.pageOf(referral))
  }

  step(id: string, step: ReferralStep): Result<ReferralPage> {
    const referral = this.referrals.get(id)
    if (!referral) return err(this.notFound())
    const refused = this.apply(referral, step, this.officerId(), this.role)
    return refused ? err(refused) : ok(this.pageOf(referral))
  }

  referralsFor(householdId: string): Result<ReferralSummary[]> {
    return ok(
      [...this.referrals.values()]
        .filter((r) => r.household_id === householdId)
        .reverse()
        .map((r) => this.summaryOf(r)),
    )
  }

  overdue(): Result<ReferralSummary[]> {
    return ok(
      [...this.referrals.values()]
        .map((r) => this.summaryOf(r))
        .filter((s) => s.hours_overdue !== null)
        .sort((a, b) => (b.hours_overdue ?? 0) - (a.hours_overdue ?? 0)),
    )
  }

  // ---- internals --------------------------------------------------------------

  private newId(prefix: string): string {
    return `${prefix}-${String(this.next++).padStart(4, '0')}`
  }

  private officerId(): string {
    return this.owner.signedIn?.id ?? 'o-signed-in'
  }

  private household(id: string): Household | undefined {
    return this.owner.households.find((h) => h.id === id)
  }

  private agency(id: string): Agency | undefined {
    return FAKE_AGENCIES.agencies.find((a) => a.id === id)
  }

  private consentFor(agency: Agency, at: Date): Consent {
    return {
      given_by: 'person',
      given_by_name: 'The resident',
      method: 'verbal',
      signature_ref: null,
      purposes: [agency.purpose],
      capacity_concerns: null,
      recorded_by: 'o-seed-officer',
      at: at.toISOString(),
    }
  }

  private toCheck(draft: CharlieDraft): CharlieCheck {
    const at = new Date().toISOString()
    const by = this.officerId()
    return {
      id: draft.id ?? this.newId('charlie'),
      template_id: FAKE_CHARLIE_TEMPLATE.id,
      template_version: FAKE_CHARLIE_TEMPLATE.version,
      person_id: draft.person_id,
      household_id: draft.household_id,
      visit_id: draft.visit_id,
      factors: draft.factors.map((f) => ({ ...f, by, at })),
      clutter_image_rating: draft.clutter_image_rating,
      alarms: draft.alarms.map((a) => ({ ...a })),
      escape_route: draft.escape_route,
      flags: [...draft.flags],
    }
  }

  private resultOf(check: CharlieCheck): CharlieResult {
    const assessment = assess(check)
    return structuredClone({ check, assessment, suggestions: suggest(assessment) })
  }

  /** `Referral::apply`: takes the step, or says why not and leaves the referral as it was. */
  private apply(referral: Referral, step: ReferralStep, by: string, role: Role): AppError | null {
    const kind = step.step
    if (!STEP_FROM[kind].includes(referral.status)) {
      return appError(
        'wrong_step',
        `A referral that is ${referral.status} cannot be given the step "${kind}"`,
      )
    }
    if (!REFERRAL_ROLES.includes(role)) return this.roleRefused(role)
    const now = new Date()
    let recorded: ReferralStep = step
    const blank = (text: string, what: string): AppError | null =>
      text.trim() === ''
        ? appError('validation', `Enter ${what}`)
        : [...text.trim()].length > TEXT_MAX
          ? appError('validation', `Shorten ${what} to ${TEXT_MAX} characters or fewer`)
          : null
    switch (step.step) {
      case 'send': {
        const agency = this.agency(referral.agency_id)
        if (!agency) {
          return appError(
            'not_found',
            `The agency "${referral.agency_id}" is not in the directory; choose another`,
          )
        }
        const refusal = sendRefusal(referral, agency)
        if (refusal) return validationError([{ field: 'consent', message: refusal }])
        referral.sent_at = now.toISOString()
        const own = due(agency.response, now)
        const faster =
          referral.urgency === 'soon'
            ? due(FAKE_AGENCIES.urgency.soon, now)
            : referral.urgency === 'urgent'
              ? due(FAKE_AGENCIES.urgency.urgent, now)
              : null
        referral.due_at = (faster && faster < own ? faster : own).toISOString()
        break
      }
      case 'acknowledge': {
        const reference = step.agency_reference?.trim() ?? ''
        recorded = { step: 'acknowledge', agency_reference: reference === '' ? null : reference }
        break
      }
      case 'book_visit':
        break
      case 'complete': {
        const problem = blank(step.outcome, 'what happened')
        if (problem) return problem
        recorded = { step: 'complete', outcome: step.outcome.trim() }
        break
      }
      case 'decline': {
        const problem = blank(step.reason, 'why it was declined')
        if (problem) return problem
        recorded = { step: 'decline', reason: step.reason.trim() }
        break
      }
      case 'no_contact': {
        const problem = blank(step.attempts, 'the attempts made to make contact')
        if (problem) return problem
        recorded = { step: 'no_contact', attempts: step.attempts.trim() }
        break
      }
    }
    const to = STEP_TARGET[kind]
    referral.history.push({
      from: referral.status,
      to,
      step: recorded,
      by,
      role,
      at: now.toISOString(),
    })
    referral.status = to
    return null
  }

  private pageOf(referral: Referral): ReferralPage {
    const agency = this.agency(referral.agency_id)
    if (!agency) throw new Error(`the fake directory has no agency ${referral.agency_id}`)
    const household = this.household(referral.household_id)
    const steps = REFERRAL_ROLES.includes(this.role)
      ? STEP_KINDS.filter((k) => STEP_FROM[k].includes(referral.status))
      : []
    return structuredClone({
      referral,
      agency,
      person_name: this.personName(referral.person_id),
      address: household ? oneLine(household) : '',
      steps,
      cannot_send_because: refusalView(
        referral.status === 'draft' ? sendRefusal(referral, agency) : null,
      ),
      hours_overdue: this.summaryOf(referral).hours_overdue,
    })
  }

  private summaryOf(referral: Referral): ReferralSummary {
    const household = this.household(referral.household_id)
    let hoursOverdue: number | null = null
    if (referral.status === 'sent' && referral.due_at !== null) {
      const late = Date.now() - new Date(referral.due_at).getTime()
      if (late > 0) hoursOverdue = Math.floor(late / HOUR_MS)
    }
    return structuredClone({
      referral,
      agency_name: this.agency(referral.agency_id)?.name ?? referral.agency_id,
      person_name: this.personName(referral.person_id),
      address: household ? oneLine(household) : '',
      hours_overdue: hoursOverdue,
    })
  }

  private personName(id: string): string {
    return this.owner.persons.find((p) => p.id === id)?.full_name ?? ''
  }

  private notFound(): AppError {
    return appError('not_found', 'That referral is not in Doorstep.')
  }

  private roleRefused(role: Role = this.role): AppError {
    return appError('not_allowed', `Signed in as ${role}, you cannot work on referrals`)
  }
}
