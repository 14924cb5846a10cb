// The in-memory fake's plans and cocoons. See fake.ts for the contract.
//
// The rules follow crates/core/src/security/{plan,lifecycle}.rs, crates/core/src/work_order.rs
// and crates/core/src/cocoon.rs closely enough for the screens and their tests (codes, fields,
// messages), but the survey behind a plan is made up: every seeded plan answers the same small
// set of weaknesses.

import { instanceLabel } from '$lib/components/plan/plan-text'
import { formatPence } from '$lib/services/format'
import { appError, err, ok, type Result } from './backend'
import type { FakeBackend } from './fake'
import {
  toRuleViolation,
  violationField,
  violationMessage,
  type PlanRuleViolation,
} from './fake-plan-rules'
import type {
  AppError,
  Assessment,
  CocoonDoor,
  CocoonOutcome,
  CocoonPage,
  CocoonReason,
  CocoonState,
  CocoonSummary,
  FieldError,
  FirmChoices,
  FirmRef,
  FollowUpFindings,
  Household,
  MeasureChoice,
  Plan,
  PlanActor,
  PlanEdit,
  PlanItem,
  PlanPage,
  PlanStatus,
  PlanStep,
  PlanSummary,
  PlanWorkOrders,
  Role,
  SiteContact,
  StepKind,
  Tier,
  Trade,
  Weakness,
  WeaknessRef,
  WorkOrderSummary,
} from './types'

/** The disclaimer and CCTV guidance versions of the synthetic policy (assets/policy.toml). */
export const FAKE_DISCLAIMER_VERSION = '2026-01'
export const FAKE_CCTV_GUIDANCE_VERSION = '2026-01'
const CAPS: Record<Tier, number> = { bronze: 15000, silver: 50000, gold: 150000 }
const TIER_RANK: Record<Tier, number> = { bronze: 0, silver: 1, gold: 2 }
const TIER_LABEL: Record<Tier, string> = { bronze: 'Bronze', silver: 'Silver', gold: 'Gold' }
const MAX_QUANTITY = 50
const FOLLOW_UP_MONTHS = 3
const COCOON_VISIT_DAYS = 7
const COCOON_OPEN_DAYS = 28
/** Days a firm has to finish a job (`due_days` in assets/contractors.toml). */
const WORK_ORDER_DUE_DAYS = 28
const MAX_ACCESS_NOTES = 10

/** A fitting firm, as assets/contractors.toml lists one. */
export type FakeFirm = FirmRef & { code: string; trades: Trade[]; areas: string[] }

/**
 * Invented firms for the fake's ZY18 homes, in order of preference: each measure goes to the
 * first that fits its trade and covers the home, unless the supervisor chooses another.
 */
export const FAKE_FIRMS: readonly FakeFirm[] = [
  {
    id: 'sherwood_locks',
    code: 'SWL',
    name: 'Sherwood Locks Ltd',
    trades: ['locksmith', 'handyperson'],
    areas: ['ZY18'],
  },
  {
    id: 'trentside_security',
    code: 'TSS',
    name: 'Trentside Security',
    trades: ['locksmith', 'electrician', 'security_installer'],
    areas: ['ZY'],
  },
  {
    id: 'forest_joinery',
    code: 'FJF',
    name: 'Forest Joinery and Fencing',
    trades: ['joiner', 'fencer', 'glazier'],
    areas: ['ZY'],
  },
]

/** `Firm::covers`: an area ("ZY") or an outward code ("ZY18"). */
function covers(firm: FakeFirm, postcode: string): boolean {
  const outward = postcode.trim().toUpperCase().split(/\s+/)[0] ?? ''
  const area = /^[A-Z]+/.exec(outward)?.[0] ?? ''
  return firm.areas.some((a) => (/^[A-Z]+$/.test(a) ? a === area : a === outward))
}

/** What the supervisor decides for the work orders when approving (`PlanEdit::Approve`). */
type OrderInput = {
  over_cap_reason: string | null
  firm_choices: FirmChoices
  contact: SiteContact | null
  access_notes: string[]
}

const NO_CHOICES: Omit<OrderInput, 'over_cap_reason'> = {
  firm_choices: { by_measure: {} },
  contact: null,
  access_notes: [],
}

type FakeMeasure = {
  id: string
  name: string
  tier: Tier
  trade: Trade
  unit_cost_pence: number
  addresses: string[]
  explanation: string
  fabric: boolean
  cctv: boolean
  key_locks_window: boolean
}

/** A few measures from assets/catalogue/measures.toml, at its indicative prices. */
const CATALOGUE: FakeMeasure[] = [
  {
    id: 'security_advice',
    name: 'Security advice and habits leaflet',
    tier: 'bronze',
    trade: 'supply_only',
    unit_cost_pence: 0,
    addresses: ['entry_unobserved'],
    explanation: 'We will go through simple habits that stop most walk-in burglaries.',
    fabric: false,
    cctv: false,
    key_locks_window: false,
  },
  {
    id: 'window_alarm',
    name: 'Window alarm',
    tier: 'bronze',
    trade: 'handyperson',
    unit_cost_pence: 1000,
    addresses: ['window_no_lock'],
    explanation: 'A loud alarm that sounds if the window is opened.',
    fabric: false,
    cctv: false,
    key_locks_window: false,
  },
  {
    id: 'anti_snap_cylinder',
    name: 'Anti-snap lock cylinder',
    tier: 'silver',
    trade: 'locksmith',
    unit_cost_pence: 11000,
    addresses: ['cylinder_snappable', 'cylinder_projects'],
    explanation: 'A cylinder tested against snapping (TS 007 3 star or SS312 Diamond).',
    fabric: true,
    cctv: false,
    key_locks_window: false,
  },
  {
    id: 'window_lock',
    name: 'Key-operated window lock',
    tier: 'silver',
    trade: 'locksmith',
    unit_cost_pence: 4000,
    addresses: ['window_no_lock'],
    explanation: 'A lock that stops the window being opened from outside.',
    fabric: true,
    cctv: false,
    key_locks_window: true,
  },
  {
    id: 'video_doorbell',
    name: 'Video doorbell',
    tier: 'silver',
    trade: 'security_installer',
    unit_cost_pence: 12000,
    addresses: ['entry_unobserved'],
    explanation: 'See and speak to callers at the door, at home or away.',
    fabric: true,
    cctv: true,
    key_locks_window: false,
  },
  {
    id: 'pas24_doorset',
    name: 'PAS 24 / Secured by Design doorset',
    tier: 'gold',
    trade: 'joiner',
    unit_cost_pence: 120000,
    addresses: ['cylinder_snappable', 'door_weak_construction'],
    explanation: 'A whole door and frame tested against attack.',
    fabric: true,
    cctv: false,
    key_locks_window: false,
  },
  {
    id: 'secure_side_gate',
    name: 'Full-height lockable side gate',
    tier: 'gold',
    trade: 'fencer',
    unit_cost_pence: 45000,
    addresses: ['side_gate_insecure'],
    explanation: 'Keeps burglars out of sight at the back of the home.',
    fabric: true,
    cctv: false,
    key_locks_window: false,
  },
]

/** The weaknesses every seeded survey found (titles from the survey template). */
function seedWeaknesses(): Weakness[] {
  return [
    {
      id: 'cylinder_snappable',
      title: 'Lock cylinder can be snapped',
      instance: 'doors[1]',
      causes: ['doors[1].door_cylinder'],
      explanation:
        'The lock cylinder is not tested against snapping, the most common way into uPVC and composite doors. An anti-snap cylinder closes that route.',
      evidence: 'strong',
      weight: 8,
    },
    {
      id: 'window_no_lock',
      title: 'Window has no lock',
      instance: 'windows[0]',
      causes: ['windows[0].window_lock'],
      explanation:
        'This window can be opened from outside once the glass or catch is forced. Window locks are one of the most protective things a home can have.',
      evidence: 'wide',
      weight: 10,
    },
    {
      id: 'window_no_lock',
      title: 'Window has no lock',
      instance: 'windows[1]',
      causes: ['windows[1].window_lock'],
      explanation:
        'This window can be opened from outside once the glass or catch is forced. Window locks are one of the most protective things a home can have.',
      evidence: 'wide',
      weight: 10,
    },
    {
      id: 'side_gate_insecure',
      title: 'Open access to the back of the home',
      instance: null,
      causes: ['side_gate'],
      explanation:
        'A burglar can get round the back without being seen. A full-height lockable gate keeps them out of sight lines they rely on.',
      evidence: 'moderate',
      weight: 4,
    },
    {
      id: 'entry_unobserved',
      title: 'Nobody can see who comes to the door',
      instance: null,
      causes: ['doorbell_camera'],
      explanation:
        'The home has been burgled before and nothing records who comes to the door. A video doorbell lets you see and speak to callers, at home or away.',
      evidence: 'low',
      weight: 1,
    },
  ]
}

function level(total: number, medium: number, high: number): 'low' | 'medium' | 'high' {
  return total >= high ? 'high' : total >= medium ? 'medium' : 'low'
}

function seedAssessment(): Assessment {
  const weaknesses = seedWeaknesses()
  const riskParts = [
    ...weaknesses.map((w) => ({
      factor: w.id,
      sources: w.causes,
      points: w.weight,
      reason: w.instance ? `${w.title} (${instanceLabel(w.instance)})` : w.title,
    })),
    {
      factor: 'recent_burglary',
      sources: ['survey_reason'],
      points: 10,
      reason: 'Burgled recently: the same home and its neighbours are at raised risk for weeks',
    },
  ].sort((a, b) => b.points - a.points)
  const vulnerabilityParts = [
    {
      factor: 'age_75_plus',
      sources: ['resident_age'],
      points: 6,
      reason: 'Aged 75 or over: a burglary does more harm and recovery takes longer',
    },
    {
      factor: 'lives_alone',
      sources: ['lives_alone'],
      points: 4,
      reason: 'Lives alone: nobody else to notice or help',
    },
  ]
  const risk = riskParts.reduce((t, c) => t + c.points, 0)
  const vulnerability = vulnerabilityParts.reduce((t, c) => t + c.points, 0)
  return {
    weaknesses,
    risk: { total: risk, level: level(risk, 20, 45), contributions: riskParts },
    vulnerability: {
      total: vulnerability,
      level: level(vulnerability, 8, 16),
      contributions: vulnerabilityParts,
    },
    refer_to_da_service: null,
  }
}

export type Tenure = 'owner' | 'tenant' | 'unknown'

/** What a test may change about a seeded plan. */
export type SeedPlanOverrides = Partial<
  Pick<
    Plan,
    | 'tier'
    | 'tier_reason'
    | 'cap_pence'
    | 'over_cap_reason'
    | 'status'
    | 'created_by'
    | 'survey_id'
    | 'landlord_consent'
    | 'cctv_acknowledgement'
  >
> & {
  /** Owner (default), tenant (fabric work needs landlord consent) or not answered. */
  tenure?: Tenure
  /** The survey's 1–5 "how safe do you feel"; 2 unless given. */
  feeling_safe_before?: number | null
  /** For fitted (or later) plans: the day the measures were fitted. */
  fitted_on?: string
  /** Who agreed it (for agreed or later plans); someone other than the signed-in person unless given. */
  agreed_by?: PlanActor
  /**
   * Whether approving raised work orders, as in the app (so the plan went straight to ordered).
   * Yes unless the plan is seeded as approved, which only a plan without orders can be.
   */
  work_orders?: boolean
  /** Add the security advice leaflet: supply only, so the officer hands it over. */
  with_advice?: boolean
  /** A domestic abuse concern is recorded: the fitters must not phone the resident. */
  da_concern?: boolean
}

type StoredPlan = {
  plan: Plan
  householdId: string
  assessment: Assessment
  tenure: Tenure
  feelingSafeBefore: number | null
  /** Windows the survey confirms are not escape windows. */
  notEscapeWindows: string[]
  fittedOn: string | null
  /** Work orders raised at approval, as the sync engine has last seen them. */
  orders: WorkOrderSummary[]
}

type StoredCocoon = {
  id: string
  householdId: string
  address: string
  opened_on: string
  doors: CocoonDoor[]
}

/** Someone else on the scheme, so the signed-in person may approve what they did. */
export const SEED_OFFICER: PlanActor = { officer_id: 'o-seed-officer', role: 'officer' }
const SEED_SUPERVISOR: PlanActor = { officer_id: 'o-seed-supervisor', role: 'supervisor' }

function addDays(iso: string, days: number): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number]
  const date = new Date(Date.UTC(y, m - 1, d + days))
  return date.toISOString().slice(0, 10)
}

function addMonths(iso: string, months: number): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number]
  const date = new Date(Date.UTC(y, m - 1 + months, d))
  // Like chrono: the 31st plus a month that has no 31st is the month's last day.
  if (date.getUTCDate() !== d) date.setUTCDate(0)
  return date.toISOString().slice(0, 10)
}

function oneLine(h: Household): string {
  return [h.address_line_1, h.address_line_2, h.address_line_3, h.town]
    .filter((part): part is string => !!part)
    .join(', ')
}

function blank(value: string | null | undefined): boolean {
  return value === null || value === undefined || value.trim() === ''
}

function ruleError(violations: PlanRuleViolation[], message?: string): AppError {
  const fields: FieldError[] = violations.map((v) => ({
    field: violationField(v),
    message: violationMessage(v),
  }))
  const only = fields.length === 1 ? fields[0]?.message : undefined
  return appError(
    'plan_rule',
    message ?? only ?? 'Some answers need attention: see the messages beside them.',
    fields,
    fields[0]?.field ?? null,
  )
}

function validationError(fields: FieldError[]): AppError {
  const only = fields.length === 1 ? fields[0]?.message : undefined
  return appError(
    'validation',
    only ?? 'Some answers need attention: see the messages beside them.',
    fields,
    fields[0]?.field ?? null,
  )
}

const STEP_ROLES: Record<StepKind, Role[]> = {
  agree: ['officer', 'supervisor'],
  approve: ['supervisor'],
  order: ['officer', 'supervisor'],
  fit: ['officer', 'supervisor', 'contractor'],
  follow_up: ['officer', 'supervisor', 'warden'],
  refuse: ['officer', 'supervisor'],
  withdraw: ['officer', 'supervisor'],
}

const STEP_FROM: Record<StepKind, PlanStatus[]> = {
  agree: ['draft'],
  approve: ['agreed'],
  order: ['approved'],
  fit: ['ordered'],
  follow_up: ['fitted'],
  refuse: ['draft', 'agreed', 'approved', 'ordered', 'fitted'],
  withdraw: ['draft', 'agreed', 'approved', 'ordered', 'fitted'],
}

const STEP_TARGET: Record<StepKind, PlanStatus> = {
  agree: 'agreed',
  approve: 'approved',
  order: 'ordered',
  fit: 'fitted',
  follow_up: 'followed_up',
  refuse: 'refused',
  withdraw: 'withdrawn',
}

const STEP_KINDS = Object.keys(STEP_TARGET) as StepKind[]

const NEIGHBOUR_STREETS = ['Lantern Walk', 'Beech Close', 'Chapel Lane']

export class FakePlans {
  #role: Role | null = null

  /**
   * The signed-in person's role as the plan rules see it: the signed-in person's own role (an
   * officer unless set up otherwise) until a test sets it.
   */
  get role(): Role {
    return this.#role ?? this.owner.signedIn?.role ?? 'officer'
  }

  set role(role: Role) {
    this.#role = role
  }

  /** The contracted firms; a test may change the list (say, to leave a trade with no firm). */
  firms: FakeFirm[] = FAKE_FIRMS.map((f) => structuredClone(f))

  private readonly plans = new Map<string, StoredPlan>()
  private readonly cocoonStore = new Map<string, StoredCocoon>()
  private next = 1
  private clock = 0

  constructor(readonly owner: FakeBackend) {}

  // ---- test helpers -------------------------------------------------------

  /**
   * A plausible silver plan for a household: an anti-snap cylinder for the back door
   * (doors[1]) and window locks for two windows, one weakness left uncovered. A draft unless
   * `overrides.status` says otherwise, in which case its history is filled in.
   */
  seedPlan(householdId: string, overrides: SeedPlanOverrides = {}): PlanPage {
    const assessment = seedAssessment()
    const tier = overrides.tier ?? 'silver'
    const cylinder = CATALOGUE.find((m) => m.id === 'anti_snap_cylinder')
    const windowLock = CATALOGUE.find((m) => m.id === 'window_lock')
    const advice = CATALOGUE.find((m) => m.id === 'security_advice')
    if (!cylinder || !windowLock || !advice) throw new Error('the fake catalogue lost a measure')
    const items: PlanItem[] = [
      this.line(cylinder, 1, ['doors[1]'], [{ id: 'cylinder_snappable', instance: 'doors[1]' }]),
      this.line(
        windowLock,
        2,
        ['windows[0]', 'windows[1]'],
        [
          { id: 'window_no_lock', instance: 'windows[0]' },
          { id: 'window_no_lock', instance: 'windows[1]' },
        ],
      ),
    ]
    if (overrides.with_advice) {
      items.push(this.line(advice, 1, [], [{ id: 'entry_unobserved', instance: null }]))
    }
    const created = this.stamp(-20)
    const plan: Plan = {
      id: this.newId('plan'),
      survey_id: overrides.survey_id ?? this.newId('survey'),
      template_id: 'home-security-survey',
      template_version: 1,
      policy_version: '2026.1',
      catalogue_version: '2026.1-indicative',
      recommendation: {
        tier: 'silver',
        matrix_tier: 'silver',
        risk_level: assessment.risk.level,
        vulnerability_level: assessment.vulnerability.level,
        reasons: [
          `Risk ${assessment.risk.total} (${assessment.risk.level}) and vulnerability ${assessment.vulnerability.total} (${assessment.vulnerability.level}) give Silver in the scheme's table`,
        ],
        refer_to_da_service: overrides.da_concern
          ? 'The resident disclosed domestic abuse: offer the DA service'
          : null,
      },
      tier,
      tier_reason: overrides.tier_reason ?? null,
      da_service_decision: null,
      cap_pence: overrides.cap_pence ?? CAPS[tier],
      over_cap_reason: overrides.over_cap_reason ?? null,
      items,
      uncovered: [
        {
          weakness: { id: 'side_gate_insecure', instance: null },
          reason: 'No Silver measure in the catalogue fits this weakness here',
        },
        {
          weakness: { id: 'entry_unobserved', instance: null },
          reason: 'Advice only: a video doorbell needs the resident’s CCTV acknowledgement',
        },
      ],
      landlord_consent: overrides.landlord_consent ?? null,
      cctv_acknowledgement: overrides.cctv_acknowledgement ?? null,
      status: 'draft',
      agreement: null,
      approval: null,
      created_by: overrides.created_by ?? SEED_OFFICER,
      created_at: created,
      history: [],
      follow_up: null,
    }
    const stored: StoredPlan = {
      plan,
      householdId,
      assessment,
      tenure: overrides.tenure ?? 'owner',
      feelingSafeBefore:
        overrides.feeling_safe_before === undefined ? 2 : overrides.feeling_safe_before,
      notEscapeWindows: ['windows[0]', 'windows[1]'],
      fittedOn: null,
      orders: [],
    }
    this.plans.set(plan.id, stored)
    this.walkTo(stored, overrides.status ?? 'draft', overrides)
    return this.pageOf(stored)
  }

  /** A cocoon round a household with six neighbours' doors, opened `openedDaysAgo` days ago. */
  seedCocoon(householdId: string, openedDaysAgo = 2): CocoonPage {
    const household = this.owner.households.find((h) => h.id === householdId)
    const address = household ? oneLine(household) : '12 Acacia Avenue, Eastwick Vale'
    const postcode = household?.postcode ?? 'ZY18 9ZA'
    const match = /^(\d+)\s+(.+)$/.exec(household?.address_line_1 ?? '12 Acacia Avenue')
    const number = match ? Number(match[1]) : 12
    const street = match?.[2] ?? household?.address_line_1 ?? 'Acacia Avenue'
    const other = NEIGHBOUR_STREETS.find((s) => s !== street) ?? 'Lantern Walk'
    const targets: [string, number, CocoonReason][] = [
      [`${number + 2} ${street}`, 11, 'same_side'],
      [`${Math.max(number - 2, 1)} ${street}`, 12, 'same_side'],
      [`${number + 4} ${street}`, 23, 'same_side'],
      [`${number + 1} ${street}`, 24, 'opposite_side'],
      [`${number + 3} ${street}`, 29, 'opposite_side'],
      [`14 ${other}`, 140, 'within_radius'],
    ]
    const cocoon: StoredCocoon = {
      id: this.newId('cocoon'),
      householdId,
      address,
      opened_on: addDays(this.owner.today, -openedDaysAgo),
      doors: targets.map(([line, distance, reason], i) => ({
        id: this.newId('door'),
        rank: i + 1,
        target: {
          uprn: String(990000500000 + this.next * 10 + i),
          address_line_1: line,
          distance_m: distance,
          reason,
        },
        postcode: reason === 'within_radius' ? 'ZY18 9ZL' : postcode,
        outcome: null,
        outcome_at: null,
      })),
    }
    this.cocoonStore.set(cocoon.id, cocoon)
    return this.cocoonPage(cocoon)
  }

  /**
   * A firm's progress arriving through sync: `change` edits the order numbered `number` as the
   * contractor did, then the plan settles as the sync engine settles it (fitted, dated when the
   * last item was fitted, once every item on every order is fitted).
   */
  reportWorkOrder(planId: string, number: string, change: (order: WorkOrderSummary) => void): void {
    const stored = this.plans.get(planId)
    const order = stored?.orders.find((o) => o.number === number)
    if (!stored || !order) throw new Error(`reportWorkOrder: no order ${number} on ${planId}`)
    change(order)
    if (order.items.every((i) => i.status === 'fitted')) order.status = 'fitted'
    const items = stored.orders.flatMap((o) => o.items)
    if (!items.every((i) => i.status === 'fitted') || stored.plan.status !== 'ordered') return
    const last = items
      .map((i) => i.fitted_at ?? '')
      .sort()
      .at(-1)
    const result = this.apply(stored, { step: 'fit' }, SEED_OFFICER, last || this.stamp())
    if (result.status === 'error') throw new Error(result.error.message)
  }

  // ---- plans ----------------------------------------------------------------

  draft(surveyId: string): Result<PlanPage> {
    const existing = [...this.plans.values()].find(
      (s) => s.plan.survey_id === surveyId && s.plan.status === 'draft',
    )
    if (existing) return ok(this.pageOf(existing))
    // Ask the survey fake whose survey it is, through its public API only.
    const survey = this.owner.surveys.page(surveyId)
    const householdId =
      survey.status === 'ok' ? survey.data.household.id : this.owner.households[0]?.id
    if (householdId === undefined) {
      return err(appError('not_found', 'That survey is not in Doorstep.'))
    }
    return ok(this.seedPlan(householdId, { survey_id: surveyId, created_by: this.actor() }))
  }

  page(id: string): Result<PlanPage> {
    const stored = this.plans.get(id)
    return stored ? ok(this.pageOf(stored)) : err(this.notFound())
  }

  edit(id: string, edit: PlanEdit): Result<PlanPage> {
    const stored = this.plans.get(id)
    if (!stored) return err(this.notFound())
    if (edit.edit === 'approve') return this.approve(stored, edit)
    const { plan } = stored
    if (edit.edit === 'actual_cost') {
      if (!['approved', 'ordered', 'fitted'].includes(plan.status))
        return err(this.notEditable(plan))
      const line = plan.items.find((i) => i.id === edit.item)
      if (!line) return err(this.unknownItem())
      if (!Number.isInteger(edit.pence) || edit.pence < 0) {
        return err(
          validationError([{ field: 'pence', message: 'Enter the cost in pounds and pence' }]),
        )
      }
      line.actual_cost_pence = edit.pence
      return ok(this.pageOf(stored))
    }
    if (plan.status !== 'draft') return err(this.notEditable(plan))
    switch (edit.edit) {
      case 'add_measure': {
        const measure = CATALOGUE.find((m) => m.id === edit.measure_id)
        if (!measure) return err(ruleError([{ rule: 'unknown_measure', measure: edit.measure_id }]))
        const addresses = stored.assessment.weaknesses
          .filter((w) => measure.addresses.includes(w.id))
          .filter(
            (w) =>
              edit.applies_to.length === 0 ||
              (w.instance !== null && edit.applies_to.includes(w.instance)),
          )
          .map((w) => ({ id: w.id, instance: w.instance }))
        const item = {
          ...this.line(measure, edit.quantity, edit.applies_to, addresses),
          origin: 'officer' as const,
        }
        const broken = this.itemViolations(stored, item)
        if (broken[0]) return err(ruleError([broken[0]]))
        plan.items.push(item)
        break
      }
      case 'remove_item': {
        const at = plan.items.findIndex((i) => i.id === edit.item)
        if (at < 0) return err(this.unknownItem())
        plan.items.splice(at, 1)
        break
      }
      case 'set_quantity': {
        const line = plan.items.find((i) => i.id === edit.item)
        if (!line) return err(this.unknownItem())
        if (!Number.isInteger(edit.quantity) || edit.quantity < 1 || edit.quantity > MAX_QUANTITY) {
          return err(ruleError([{ rule: 'bad_quantity', name: line.name }]))
        }
        line.quantity = edit.quantity
        break
      }
      case 'choose_tier': {
        const reason = blank(edit.reason) ? null : (edit.reason ?? '').trim()
        const decision = blank(edit.da_service_decision)
          ? null
          : (edit.da_service_decision ?? '').trim()
        const candidate: Plan = {
          ...plan,
          tier: edit.tier,
          tier_reason: reason,
          da_service_decision: decision,
          cap_pence: CAPS[edit.tier],
        }
        const broken = this.tierViolations(candidate)
        if (broken[0]) return err(ruleError([broken[0]]))
        Object.assign(plan, candidate)
        break
      }
      case 'over_cap_reason': {
        if (blank(edit.reason)) {
          return err(appError('validation', 'Enter why the plan needs more than the cap'))
        }
        plan.over_cap_reason = edit.reason.trim()
        break
      }
      case 'landlord_consent': {
        if (blank(edit.landlord)) return err(appError('validation', "Enter the landlord's name"))
        if (blank(edit.reference)) {
          return err(
            appError(
              'validation',
              'Enter where the consent is recorded (letter, email or call reference)',
            ),
          )
        }
        plan.landlord_consent = {
          landlord: edit.landlord.trim(),
          reference: edit.reference.trim(),
          recorded_by: this.actor(),
          recorded_at: this.stamp(),
        }
        break
      }
      case 'cctv_acknowledgement': {
        if (blank(edit.resident_name)) {
          return err(appError('validation', "Enter the resident's name"))
        }
        plan.cctv_acknowledgement = {
          resident_name: edit.resident_name.trim(),
          guidance_version: FAKE_CCTV_GUIDANCE_VERSION,
          recorded_by: this.actor(),
          recorded_at: this.stamp(),
        }
        break
      }
    }
    return ok(this.pageOf(stored))
  }

  agree(id: string, name: string, signature: string, disclaimer: string): Result<PlanPage> {
    const trimmed = signature.trim()
    if (trimmed === '' || !/^[A-Za-z0-9+/=\s]+$/.test(trimmed)) {
      return err(
        validationError([
          {
            field: 'signature',
            message: 'Ask the resident to sign in the box before agreeing the plan',
          },
        ]),
      )
    }
    const stored = this.plans.get(id)
    if (!stored) return err(this.notFound())
    return this.apply(stored, {
      step: 'agree',
      resident_name: name,
      signature_ref: `sha256:${fakeHash(trimmed)}`,
      disclaimer_version: disclaimer,
    })
  }

  step(id: string, step: PlanStep): Result<PlanPage> {
    if (step.step === 'agree') {
      return err(
        appError('wrong_step', "A plan is agreed with the resident's signature on the Sign screen"),
      )
    }
    const stored = this.plans.get(id)
    if (!stored) return err(this.notFound())
    if (step.step === 'approve') {
      return this.approve(stored, { over_cap_reason: step.over_cap_reason, ...NO_CHOICES })
    }
    return this.apply(stored, step)
  }

  withStatus(status: PlanStatus): Result<PlanSummary[]> {
    const rows = [...this.plans.values()]
      .filter((s) => s.plan.status === status)
      .sort((a, b) => a.plan.created_at.localeCompare(b.plan.created_at))
    return ok(rows.map((s) => this.summaryOf(s)))
  }

  forHousehold(householdId: string): Result<PlanSummary[]> {
    const rows = [...this.plans.values()]
      .filter((s) => s.householdId === householdId)
      .sort((a, b) => b.plan.created_at.localeCompare(a.plan.created_at))
    return ok(rows.map((s) => this.summaryOf(s)))
  }

  followUp(id: string, findings: FollowUpFindings): Result<PlanPage> {
    const stored = this.plans.get(id)
    if (!stored) return err(this.notFound())
    return this.apply(stored, { step: 'follow_up', findings })
  }

  // ---- cocoons --------------------------------------------------------------

  openCocoon(householdId: string): Result<CocoonPage> {
    if (!this.owner.households.some((h) => h.id === householdId)) {
      return err(appError('not_found', 'That household is not in Doorstep.'))
    }
    const open = [...this.cocoonStore.values()].find(
      (c) => c.householdId === householdId && this.cocoonState(c) !== 'closed',
    )
    return ok(open ? this.cocoonPage(open) : this.seedCocoon(householdId, 0))
  }

  cocoon(id: string): Result<CocoonPage> {
    const cocoon = this.cocoonStore.get(id)
    return cocoon
      ? ok(this.cocoonPage(cocoon))
      : err(appError('not_found', 'That cocoon is not in Doorstep.'))
  }

  recordOutcome(doorId: string, outcome: CocoonOutcome): Result<CocoonPage> {
    for (const cocoon of this.cocoonStore.values()) {
      const door = cocoon.doors.find((d) => d.id === doorId)
      if (!door) continue
      if (this.cocoonState(cocoon) === 'closed') {
        return err(
          appError(
            'wrong_step',
            `This cocoon closed after ${this.cocoonDates(cocoon).closes_on}: outcomes can no longer be recorded`,
          ),
        )
      }
      door.outcome = outcome
      door.outcome_at = this.stamp()
      return ok(this.cocoonPage(cocoon))
    }
    return err(appError('not_found', 'That door is not in any cocoon.'))
  }

  cocoons(householdId: string | null): Result<CocoonSummary[]> {
    const rows = [...this.cocoonStore.values()]
      .filter((c) =>
        householdId === null ? this.cocoonState(c) !== 'closed' : c.householdId === householdId,
      )
      .sort((a, b) => a.opened_on.localeCompare(b.opened_on))
    return ok(
      rows.map((c) => {
        const { doors: _doors, ...summary } = this.cocoonPage(c)
        return summary
      }),
    )
  }

  // ---- internals --------------------------------------------------------------

  private newId(prefix: string): string {
    return `${prefix}-${String(this.next++).padStart(4, '0')}`
  }

  /** A timestamp on the fake's today (or `days` from it), later than the last one. */
  private stamp(days = 0): string {
    const tick = this.clock++
    const h = String(9 + (Math.floor(tick / 3600) % 12)).padStart(2, '0')
    const m = String(Math.floor(tick / 60) % 60).padStart(2, '0')
    const s = String(tick % 60).padStart(2, '0')
    return `${addDays(this.owner.today, days)}T${h}:${m}:${s}Z`
  }

  private actor(): PlanActor {
    return { officer_id: this.owner.signedIn?.id ?? 'o-signed-in', role: this.role }
  }

  private line(
    measure: FakeMeasure,
    quantity: number,
    appliesTo: string[],
    addresses: WeaknessRef[],
  ): PlanItem {
    return {
      id: this.newId('item'),
      measure_id: measure.id,
      name: measure.name,
      tier: measure.tier,
      trade: measure.trade,
      quantity,
      unit_cost_pence: measure.unit_cost_pence,
      actual_cost_pence: null,
      addresses,
      applies_to: appliesTo,
      origin: 'proposed',
    }
  }

  private notFound(): AppError {
    return appError('not_found', 'That plan is not in Doorstep.')
  }

  private unknownItem(): AppError {
    return appError('not_found', 'That line is not in this plan: refresh and try again')
  }

  private notEditable(plan: Plan): AppError {
    return appError(
      'wrong_step',
      `The plan is ${plan.status} and can no longer be changed: withdraw it and draft a new one`,
    )
  }

  private totals(plan: Plan) {
    const estimated = plan.items.reduce((t, i) => t + i.quantity * i.unit_cost_pence, 0)
    const actual = plan.items.reduce((t, i) => t + (i.actual_cost_pence ?? 0), 0)
    return {
      estimated_pence: estimated,
      actual_pence: actual,
      lines_without_actual: plan.items.filter((i) => i.actual_cost_pence === null).length,
      cap_pence: plan.cap_pence,
      over_cap_by_pence: Math.max(0, estimated - plan.cap_pence),
      under_cap_by_pence: Math.max(0, plan.cap_pence - estimated),
      lines: plan.items.map((i) => ({
        item_id: i.id,
        estimated_pence: i.quantity * i.unit_cost_pence,
      })),
    }
  }

  private tierViolations(plan: Plan): PlanRuleViolation[] {
    const out: PlanRuleViolation[] = []
    const recommended = plan.recommendation.tier
    if (plan.tier !== recommended && blank(plan.tier_reason)) {
      out.push({
        rule: 'tier_change_needs_reason',
        recommended: TIER_LABEL[recommended],
        chosen: TIER_LABEL[plan.tier],
      })
    }
    if (
      plan.tier === 'gold' &&
      recommended !== 'gold' &&
      plan.recommendation.refer_to_da_service !== null &&
      blank(plan.da_service_decision)
    ) {
      out.push({ rule: 'gold_needs_da_service' })
    }
    return out
  }

  private itemViolations(stored: StoredPlan, item: PlanItem): PlanRuleViolation[] {
    const out: PlanRuleViolation[] = []
    const measure = CATALOGUE.find((m) => m.id === item.measure_id)
    if (!measure) return [{ rule: 'unknown_measure', measure: item.measure_id }]
    const plan = stored.plan
    if (TIER_RANK[measure.tier] > TIER_RANK[plan.tier]) {
      out.push({
        rule: 'measure_above_tier',
        name: item.name,
        measure_tier: TIER_LABEL[measure.tier],
        plan_tier: TIER_LABEL[plan.tier],
      })
    }
    if (!Number.isInteger(item.quantity) || item.quantity < 1 || item.quantity > MAX_QUANTITY) {
      out.push({ rule: 'bad_quantity', name: item.name })
    }
    const genuine = (r: WeaknessRef) =>
      measure.addresses.includes(r.id) &&
      stored.assessment.weaknesses.some((w) => w.id === r.id && w.instance === r.instance)
    if (item.addresses.length === 0 || !item.addresses.every(genuine)) {
      out.push({ rule: 'not_for_a_weakness_found', name: item.name })
    }
    if (measure.key_locks_window) {
      if (item.applies_to.length === 0)
        out.push({ rule: 'key_lock_needs_windows', name: item.name })
      for (const window of item.applies_to) {
        if (!stored.notEscapeWindows.includes(window)) {
          out.push({ rule: 'key_lock_on_escape_window', name: item.name, window })
        }
      }
    }
    return out
  }

  private budgetViolation(plan: Plan, reason: string | null): PlanRuleViolation | null {
    const totals = this.totals(plan)
    if (totals.over_cap_by_pence === 0 || !blank(reason)) return null
    return {
      rule: 'over_cap_needs_reason',
      total: formatPence(totals.estimated_pence),
      cap: formatPence(totals.cap_pence),
      tier: TIER_LABEL[plan.tier],
    }
  }

  private check(stored: StoredPlan): PlanRuleViolation[] {
    const plan = stored.plan
    const out = this.tierViolations(plan)
    if (plan.items.length === 0) out.push({ rule: 'no_measures' })
    for (const item of plan.items) out.push(...this.itemViolations(stored, item))
    const names = (pick: (m: FakeMeasure) => boolean) =>
      plan.items
        .filter((i) => {
          const m = CATALOGUE.find((c) => c.id === i.measure_id)
          return m !== undefined && pick(m)
        })
        .map((i) => i.name)
        .join(', ')
    const fabric = names((m) => m.fabric)
    if (fabric !== '' && plan.landlord_consent === null) {
      if (stored.tenure === 'tenant')
        out.push({ rule: 'missing_landlord_consent', measures: fabric })
      if (stored.tenure === 'unknown') out.push({ rule: 'tenure_unknown', measures: fabric })
    }
    const cctv = names((m) => m.cctv)
    if (cctv !== '' && plan.cctv_acknowledgement?.guidance_version !== FAKE_CCTV_GUIDANCE_VERSION) {
      out.push({
        rule: 'missing_cctv_acknowledgement',
        measures: cctv,
        version: FAKE_CCTV_GUIDANCE_VERSION,
      })
    }
    const budget = this.budgetViolation(plan, plan.over_cap_reason)
    if (budget) out.push(budget)
    return out
  }

  private steps(plan: Plan): StepKind[] {
    return STEP_KINDS.filter(
      (k) => STEP_FROM[k].includes(plan.status) && STEP_ROLES[k].includes(this.role),
    )
  }

  private followUpDue(stored: StoredPlan): string | null {
    return stored.fittedOn ? addMonths(stored.fittedOn, FOLLOW_UP_MONTHS) : null
  }

  private measureChoices(stored: StoredPlan): MeasureChoice[] {
    const found = new Set(stored.assessment.weaknesses.map((w) => w.id))
    return CATALOGUE.filter((m) => m.addresses.some((a) => found.has(a))).map((m) => ({
      id: m.id,
      name: m.name,
      tier: m.tier,
      unit_cost_pence: m.unit_cost_pence,
      addresses: [...m.addresses],
      explanation: m.explanation,
    }))
  }

  private household(stored: StoredPlan): Household {
    const found = this.owner.households.find((h) => h.id === stored.householdId)
    if (found) return found
    const now = new Date().toISOString()
    return {
      id: stored.householdId,
      uprn: null,
      address_line_1: 'Unknown address',
      address_line_2: null,
      address_line_3: null,
      town: 'Eastwick Vale',
      postcode: 'ZY18 9ZA',
      coordinates: null,
      created_at: now,
      updated_at: now,
    }
  }

  private pageOf(stored: StoredPlan): PlanPage {
    return structuredClone({
      plan: stored.plan,
      // A fixed name: the naming rule is Rust's (`file_names::resident_plan`).
      resident_plan_file_name: 'home-safety-plan-1A2B3C4D.pdf',
      totals: this.totals(stored.plan),
      violations: this.check(stored)
        .filter((v) => v.rule !== 'over_cap_needs_reason')
        .map(toRuleViolation),
      approval_violations: this.check(stored)
        .filter((v) => v.rule === 'over_cap_needs_reason')
        .map(toRuleViolation),
      assessment: stored.assessment,
      steps: this.steps(stored.plan),
      household: this.household(stored),
      measures: this.measureChoices(stored),
      disclaimer_version: FAKE_DISCLAIMER_VERSION,
      cctv_guidance_version: FAKE_CCTV_GUIDANCE_VERSION,
      follow_up_due: this.followUpDue(stored),
      feeling_safe_before: stored.feelingSafeBefore,
      firm_options: stored.plan.status === 'agreed' ? this.firmOptions(stored) : {},
      work_orders: stored.orders.length > 0 ? this.workOrders(stored) : null,
    })
  }

  /** `firm_options` in the Rust `plan_page`. */
  private firmOptions(stored: StoredPlan): Record<string, FirmRef[]> {
    const postcode = this.household(stored).postcode
    const out: Record<string, FirmRef[]> = {}
    for (const item of stored.plan.items) {
      out[item.measure_id] = this.firms
        .filter(
          (f) =>
            covers(f, postcode) && (item.trade === 'supply_only' || f.trades.includes(item.trade)),
        )
        .map((f) => ({ id: f.id, name: f.name }))
    }
    return out
  }

  /** `Store::plan_work_orders`. */
  private workOrders(stored: StoredPlan): PlanWorkOrders {
    const onOrder = new Set(stored.orders.flatMap((o) => o.items.map((i) => i.measure_id)))
    const handedOver = [
      ...new Set(stored.plan.items.filter((i) => !onOrder.has(i.measure_id)).map((i) => i.name)),
    ]
    const items = stored.orders.flatMap((o) => o.items)
    return {
      plan_id: stored.plan.id,
      orders: stored.orders.map((o) => ({
        ...o,
        fitted: o.items.filter((i) => i.status === 'fitted').length,
      })),
      handed_over_by_officer: handedOver,
      all_fitted: items.length > 0 && items.every((i) => i.status === 'fitted'),
    }
  }

  /**
   * `Store::approve_plan`: the approve step, then one work order per firm, then (when there
   * are orders) the order step with their numbers. Nothing changes if any part is refused.
   */
  private approve(
    stored: StoredPlan,
    input: OrderInput,
    by: PlanActor = this.actor(),
    at = this.stamp(),
  ): Result<PlanPage> {
    const before = structuredClone(stored.plan)
    const approved = this.apply(
      stored,
      { step: 'approve', over_cap_reason: input.over_cap_reason },
      by,
      at,
    )
    if (approved.status === 'error') return approved
    const orders = this.ordersFor(stored, input, at.slice(0, 10))
    if (orders.status === 'error') {
      stored.plan = before
      return orders
    }
    stored.orders = orders.data
    if (orders.data.length === 0) return approved
    const orderRef = orders.data.map((o) => o.number).join(', ')
    return this.apply(stored, { step: 'order', order_ref: orderRef }, by, at)
  }

  /** `work_order::orders_for_plan`, with its messages. */
  private ordersFor(
    stored: StoredPlan,
    input: OrderInput,
    approvedOn: string,
  ): Result<WorkOrderSummary[]> {
    const plan = stored.plan
    const refuse = (field: string, message: string) => err(validationError([{ field, message }]))
    for (const [measure, firm] of Object.entries(input.firm_choices.by_measure)) {
      if (!plan.items.some((i) => i.measure_id === measure)) {
        return refuse(
          'firm_choices',
          `A firm was chosen for "${measure}", which is not in this plan`,
        )
      }
      if (!this.firms.some((f) => f.id === firm)) {
        return refuse(
          'firm_choices',
          `There is no firm "${firm}" in the contractors list: choose one from the list`,
        )
      }
    }
    const daFlagged =
      plan.recommendation.refer_to_da_service !== null || plan.da_service_decision !== null
    if (daFlagged && (input.contact === null || input.contact.is_resident)) {
      return refuse(
        'contact_name',
        'Give a contact who arranges access for the resident, such as their support worker: for this plan the fitter must not contact the resident directly',
      )
    }
    if (input.contact !== null && blank(input.contact.name)) {
      return err(appError('validation', "Enter the contact's name"))
    }
    if (input.access_notes.filter((n) => !blank(n)).length > MAX_ACCESS_NOTES) {
      return refuse('access_notes', `Keep to ${MAX_ACCESS_NOTES} access notes or fewer`)
    }
    const postcode = this.household(stored).postcode
    const shortRef = plan.id
      .replace(/[^A-Za-z0-9]/g, '')
      .toUpperCase()
      .slice(-8)
    const byFirm = new Map<string, WorkOrderSummary>()
    for (const item of plan.items) {
      const chosen = input.firm_choices.by_measure[item.measure_id]
      let firm: FakeFirm | undefined
      if (chosen !== undefined) firm = this.firms.find((f) => f.id === chosen)
      else if (item.trade === 'supply_only') continue
      else firm = this.firms.find((f) => f.trades.includes(item.trade) && covers(f, postcode))
      if (!firm) {
        return refuse(
          'firm_choices',
          `No firm in the contractors list does ${item.trade} work at this address, for ${item.name}: choose a firm for it`,
        )
      }
      let order = byFirm.get(firm.id)
      if (!order) {
        order = {
          id: `wo-${plan.id}-${firm.id}`,
          number: `WO-${shortRef}-${firm.code}`,
          firm_name: firm.name,
          status: 'new',
          due_date: addDays(approvedOn, WORK_ORDER_DUE_DAYS),
          appointment_date: null,
          decline_reason: null,
          items: [],
          fitted: 0,
        }
        byFirm.set(firm.id, order)
      }
      const line = order.items.find((l) => l.measure_id === item.measure_id)
      // As the Rust side: each door or window once, none for the whole home.
      const places = item.applies_to.map(instanceLabel)
      if (line) {
        line.quantity += item.quantity
        const all = line.location ? line.location.split(', ') : []
        for (const place of places) if (!all.includes(place)) all.push(place)
        line.location = all.length > 0 ? all.join(', ') : null
      } else {
        order.items.push({
          measure_id: item.measure_id,
          name: item.name,
          specification: CATALOGUE.find((m) => m.id === item.measure_id)?.explanation ?? '',
          location: places.length > 0 ? places.join(', ') : null,
          quantity: item.quantity,
          status: 'pending',
          fitted_at: null,
          product_standard: null,
          not_fitted_reason: null,
          photo_sha256: null,
        })
      }
    }
    return ok([...byFirm.values()])
  }

  private summaryOf(stored: StoredPlan): PlanSummary {
    const household = this.household(stored)
    return structuredClone({
      plan: stored.plan,
      household_id: stored.householdId,
      address: oneLine(household),
      postcode: household.postcode,
      totals: this.totals(stored.plan),
      follow_up_due: stored.plan.status === 'fitted' ? this.followUpDue(stored) : null,
    })
  }

  /** Takes a step as `Plan::apply` does: status, role, then the step's own rules. */
  private apply(
    stored: StoredPlan,
    step: PlanStep,
    by: PlanActor = this.actor(),
    at = this.stamp(),
  ): Result<PlanPage> {
    const plan = stored.plan
    const kind = step.step
    if (!STEP_FROM[kind].includes(plan.status)) {
      return err(
        appError('wrong_step', `A plan that is ${plan.status} cannot be given the step "${kind}"`),
      )
    }
    if (!STEP_ROLES[kind].includes(by.role)) {
      return err(
        appError(
          'not_allowed',
          `Signed in as ${by.role}, you cannot ${kind} a plan: ask a ${STEP_ROLES[kind].join(' or ')}`,
        ),
      )
    }
    let recorded: PlanStep = step
    switch (step.step) {
      case 'agree': {
        if (blank(step.resident_name)) {
          return err(appError('validation', "Enter the resident's name as they type it"))
        }
        if (step.disclaimer_version.trim() !== FAKE_DISCLAIMER_VERSION) {
          return err(
            appError(
              'validation',
              `The resident accepted disclaimer ${step.disclaimer_version}, but the current one is ${FAKE_DISCLAIMER_VERSION}: show them the current disclaimer`,
            ),
          )
        }
        const broken = this.check(stored).filter((v) => v.rule !== 'over_cap_needs_reason')
        if (broken[0]) {
          return err(ruleError(broken, `Fix the plan first: ${violationMessage(broken[0])}`))
        }
        recorded = { ...step, resident_name: step.resident_name.trim() }
        plan.agreement = {
          resident_name: recorded.resident_name,
          signature_ref: step.signature_ref,
          disclaimer_version: FAKE_DISCLAIMER_VERSION,
          by,
          at,
        }
        break
      }
      case 'approve': {
        const own =
          plan.created_by.officer_id === by.officer_id ||
          plan.agreement?.by.officer_id === by.officer_id
        if (own) {
          return err(
            appError(
              'not_allowed',
              'You drafted or agreed this plan, so another supervisor must approve it',
            ),
          )
        }
        const reason = blank(step.over_cap_reason)
          ? plan.over_cap_reason
          : (step.over_cap_reason ?? '').trim()
        const budget = this.budgetViolation(plan, reason)
        if (budget) {
          return err(ruleError([budget], `Fix the plan first: ${violationMessage(budget)}`))
        }
        const overCap = this.totals(plan).over_cap_by_pence > 0
        recorded = { step: 'approve', over_cap_reason: overCap ? reason : null }
        plan.approval = { by, at, over_cap_reason: overCap ? reason : null }
        break
      }
      case 'order':
        if (blank(step.order_ref)) return err(appError('validation', 'Enter the order reference'))
        recorded = { step: 'order', order_ref: step.order_ref.trim() }
        break
      case 'refuse':
        if (blank(step.reason)) return err(appError('validation', 'Enter why the plan was refused'))
        recorded = { step: 'refuse', reason: step.reason.trim() }
        break
      case 'withdraw':
        if (blank(step.reason)) {
          return err(appError('validation', 'Enter why the plan was withdrawn'))
        }
        recorded = { step: 'withdraw', reason: step.reason.trim() }
        break
      case 'fit':
        stored.fittedOn = at.slice(0, 10)
        break
      case 'follow_up': {
        const problems = followUpProblems(step.findings)
        if (problems.length > 0) return err(validationError(problems))
        plan.follow_up = {
          findings: structuredClone(step.findings),
          feeling_safe_before: stored.feelingSafeBefore,
          at,
        }
        break
      }
    }
    const to = STEP_TARGET[kind]
    plan.history.push({ from: plan.status, to, step: recorded, by, at })
    plan.status = to
    return ok(this.pageOf(stored))
  }

  /** Fills in a seeded plan's history up to `status`, as other people did it. */
  private walkTo(stored: StoredPlan, status: PlanStatus, overrides: SeedPlanOverrides): void {
    if (status === 'draft') return
    const path: PlanStep[] = []
    const agree: PlanStep = {
      step: 'agree',
      resident_name: 'Edith Sampleton',
      signature_ref: 'sha256:5eed',
      disclaimer_version: FAKE_DISCLAIMER_VERSION,
    }
    const happy: [PlanStatus, PlanStep][] = [
      ['agreed', agree],
      ['approved', { step: 'approve', over_cap_reason: stored.plan.over_cap_reason }],
      ['ordered', { step: 'order', order_ref: 'JOB-2025-0042' }],
      ['fitted', { step: 'fit' }],
      [
        'followed_up',
        {
          step: 'follow_up',
          findings: {
            measures_fitted: 'yes',
            measures_used: 'yes',
            feeling_safe: 4,
            repeat_burglary: 'no',
            notes: '',
          },
        },
      ],
    ]
    if (status === 'refused' || status === 'withdrawn') {
      path.push(
        status === 'refused'
          ? { step: 'refuse', reason: 'The resident changed their mind' }
          : { step: 'withdraw', reason: 'The resident moved away' },
      )
    } else {
      for (const [reached, step] of happy) {
        path.push(step)
        if (reached === status) break
      }
    }
    const fittedOn = overrides.fitted_on ?? addDays(this.owner.today, -7)
    const withOrders = overrides.work_orders ?? status !== 'approved'
    const total = path.length
    path.forEach((step, i) => {
      const by =
        step.step === 'agree'
          ? (overrides.agreed_by ?? SEED_OFFICER)
          : step.step === 'approve'
            ? SEED_SUPERVISOR
            : SEED_OFFICER
      const at =
        step.step === 'fit' || step.step === 'follow_up'
          ? `${step.step === 'fit' ? fittedOn : addDays(fittedOn, 90)}T10:00:00Z`
          : this.stamp(-14 + i - total)
      // With work orders the plan was ordered at approval, and the firms fitted every item.
      if (step.step === 'order' && stored.plan.status === 'ordered') return
      if (step.step === 'fit') this.fitEveryItem(stored, at)
      const result =
        step.step === 'approve' && withOrders
          ? this.approve(stored, { over_cap_reason: step.over_cap_reason, ...NO_CHOICES }, by, at)
          : this.apply(stored, step, by, at)
      if (result.status === 'error') {
        throw new Error(`seedPlan could not reach ${status}: ${result.error.message}`)
      }
    })
  }

  /** Every item on every order fitted at `at`, as the firms would report it. */
  private fitEveryItem(stored: StoredPlan, at: string): void {
    for (const order of stored.orders) {
      order.status = 'fitted'
      order.appointment_date = at.slice(0, 10)
      for (const item of order.items) {
        item.status = 'fitted'
        item.fitted_at = at
        item.product_standard = item.measure_id === 'anti_snap_cylinder' ? 'TS007 3*' : 'BS 8621'
      }
    }
  }

  private cocoonDates(c: StoredCocoon) {
    return {
      opened_on: c.opened_on,
      visit_by: addDays(c.opened_on, COCOON_VISIT_DAYS),
      closes_on: addDays(c.opened_on, COCOON_OPEN_DAYS),
    }
  }

  private dosage(c: StoredCocoon) {
    const reached: CocoonOutcome[] = ['visited', 'advice_given', 'survey_started', 'declined']
    return {
      targets: c.doors.length,
      attempted: c.doors.filter((d) => d.outcome !== null).length,
      reached: c.doors.filter((d) => d.outcome !== null && reached.includes(d.outcome)).length,
    }
  }

  private cocoonState(c: StoredCocoon): CocoonState {
    const dates = this.cocoonDates(c)
    const dosage = this.dosage(c)
    const today = this.owner.today
    if (today > dates.closes_on) return 'closed'
    if (dosage.attempted === dosage.targets) return 'delivered'
    if (today > dates.visit_by) return 'overdue'
    return 'in_progress'
  }

  private cocoonPage(c: StoredCocoon): CocoonPage {
    return structuredClone({
      id: c.id,
      household_id: c.householdId,
      address: c.address,
      dates: this.cocoonDates(c),
      dosage: this.dosage(c),
      state: this.cocoonState(c),
      doors: c.doors,
    })
  }
}

/** `FollowUpFindings::validate` on the Rust side. */
function followUpProblems(f: FollowUpFindings): FieldError[] {
  const out: FieldError[] = []
  if (!Number.isInteger(f.feeling_safe) || f.feeling_safe < 1 || f.feeling_safe > 5) {
    out.push({
      field: 'feeling_safe',
      message: 'Choose how safe the resident feels, from 1 (very unsafe) to 5 (very safe)',
    })
  }
  const asks: [keyof FollowUpFindings, string][] = [
    ['measures_fitted', 'whether every measure was fitted'],
    ['measures_used', 'whether the resident uses the measures'],
    ['repeat_burglary', 'whether there has been a burglary since'],
  ]
  for (const [field, what] of asks) {
    if (f[field] === 'unknown') out.push({ field, message: `Ask and record ${what}` })
  }
  if ([...f.notes].length > 4000) {
    out.push({ field: 'notes', message: 'Use 4000 characters or fewer' })
  }
  return out
}

/** A short stable fingerprint, standing in for the SHA-256 the store would take. */
function fakeHash(text: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h.toString(16).padStart(8, '0')
}
