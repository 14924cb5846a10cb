// The in-memory fake's home security surveys. See fake.ts for the contract.
//
// It asks a small hand-written form (three sections) instead of the council's template,
// and its rules only approximate the Rust ones: show_if with `equals`/`any_of`, required
// answers, option, range and length checks, one weakness rule and a few scoring factors.

import { appError, err, ok, type Result } from './backend'
import type { FakeBackend } from './fake'
import type {
  AnswerKind,
  AnswerValue,
  AppError,
  Assessment,
  Condition,
  Contribution,
  FieldError,
  Item,
  Level,
  Score,
  Survey,
  SurveyPage,
  SurveyPhoto,
  SurveyState,
  Template,
  Weakness,
} from './types'

type AnswerMap = { [key: string]: AnswerValue }
type StoredPhoto = SurveyPhoto & { survey_id: string }

const YES_NO = { type: 'yes_no' } as const

/** The fake's form: a small stand-in for assets/templates/home-security-survey.toml. */
export const FAKE_TEMPLATE: Template = {
  id: 'home-security-survey',
  version: 1,
  title: 'Home security survey',
  sections: [
    {
      id: 'incident',
      title: 'A. The burglary',
      guidance: 'For a neighbour (cocooning) or a referral, only the first question applies.',
      notes: true,
      items: [
        {
          id: 'repeat_victim',
          label: 'Has this home been burgled in the last 12 months (before this time)?',
          guidance: 'Repeat victims are the top priority: risk is highest in the first weeks.',
          required: true,
          show_if: [],
          photos: true,
          answer: YES_NO,
        },
        {
          id: 'crime_ref',
          label: 'Police crime reference',
          guidance: 'As given by the police. Never sent to contractors.',
          required: false,
          show_if: [],
          photos: true,
          answer: { type: 'text', max_length: 40 },
        },
      ],
    },
    {
      id: 'doors',
      title: 'B. External doors',
      guidance:
        'Add every external door, including back, side, patio and French doors and a door from an integral garage.',
      notes: true,
      items: [
        {
          id: 'doors',
          label: 'External doors',
          guidance: '',
          required: true,
          show_if: [],
          photos: true,
          answer: {
            type: 'group',
            instance_label: 'Door',
            min: 1,
            max: 4,
            items: [
              {
                id: 'lock_type',
                label: 'Lock on this door',
                guidance: 'Look for the kitemark and stars on the cylinder face.',
                required: true,
                show_if: [],
                photos: true,
                answer: {
                  type: 'single_choice',
                  options: [
                    { id: 'euro_standard', label: 'Euro cylinder with no kitemark' },
                    { id: 'ts007_3star', label: 'TS 007 3 star cylinder' },
                    { id: 'bs3621_mortice', label: 'BS 3621 mortice lock' },
                  ],
                },
              },
              {
                id: 'cylinder_projects',
                label: 'Does the cylinder stick out more than 3 mm past the handle?',
                guidance: '',
                required: true,
                show_if: [{ item: 'lock_type', test: { equals: 'euro_standard' } }],
                photos: true,
                answer: YES_NO,
              },
              {
                id: 'door_photo',
                label: 'Photo of the door',
                guidance: '',
                required: false,
                show_if: [],
                photos: true,
                answer: { type: 'photo' },
              },
            ],
          },
        },
      ],
    },
    {
      id: 'resident',
      title: "C. The resident's circumstances",
      guidance: 'Sensitive: record only what the plan needs. Never sent to contractors.',
      notes: true,
      items: [
        {
          id: 'feel_safe',
          label: 'How safe do you feel in your home? (1 = very unsafe, 5 = very safe)',
          guidance: 'Ask in the resident’s words; the same question is asked again at follow-up.',
          required: true,
          show_if: [],
          photos: false,
          answer: { type: 'number', min: 1, max: 5, unit: null, whole: true },
        },
        {
          id: 'da_concern',
          label: 'Is there a domestic abuse concern?',
          guidance:
            'A flag only: record no details here. The domestic abuse service assesses risk and decides any sanctuary or gold-level work; you do not.',
          required: true,
          show_if: [],
          photos: false,
          answer: YES_NO,
        },
      ],
    },
  ],
  weaknesses: [
    {
      id: 'snappable_cylinder',
      title: 'Lock cylinder that can be snapped',
      explanation:
        'This lock can be snapped in seconds with simple tools. A cylinder with the kitemark and three stars (TS 007) stops that.',
      evidence: 'strong',
      when: [{ item: 'lock_type', test: { equals: 'euro_standard' } }],
    },
  ],
}

/** A 1×1 transparent PNG: every fake photo shows as this. */
export const FAKE_PHOTO_DATA_URL =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII='

const NOT_A_PHOTO = 'The file is not a photo: choose a JPEG, PNG, WebP or GIF image'
const DA_MESSAGE =
  'Refer to the domestic abuse service today. They assess risk and decide any sanctuary or gold-level work; do not discuss it in front of others or put it on the contractor order.'
// The points and thresholds of assets/policy.toml.
const STRONG_POINTS = 8
const REPEAT_VICTIM_POINTS = 25
const FEELS_UNSAFE_POINTS = 6
const RISK = { medium: 20, high: 45 }
const VULNERABILITY = { medium: 8, high: 16 }

function validation(fields: FieldError[]): AppError {
  const message =
    fields.length === 1
      ? (fields[0]?.message ?? '')
      : 'Some answers need attention: see the messages beside them.'
  return appError('validation', message, fields, fields[0]?.field ?? null)
}

function isBlank(v: AnswerValue | undefined): boolean {
  if (v === undefined) return true
  switch (v.type) {
    case 'text':
    case 'photo':
    case 'choice':
      return v.value.trim() === ''
    case 'choices':
    case 'group':
      return v.value.length === 0
    default:
      return false
  }
}

/** The answer as the option id a condition compares (yes/no and single choice), or null. */
function compared(v: AnswerValue | undefined): string | string[] | null {
  if (v?.type === 'yes_no' || v?.type === 'choice') return v.value
  if (v?.type === 'choices') return v.value
  return null
}

/** `show_if` and weakness conditions: a sibling in the same instance first, then the survey. */
function holds(c: Condition, top: AnswerMap, instance: AnswerMap | null): boolean {
  const value = compared(instance && c.item in instance ? instance[c.item] : top[c.item])
  if (value === null) return false
  const wanted = 'equals' in c.test && c.test.equals !== undefined ? [c.test.equals] : c.test.any_of
  if (!wanted) return false
  return Array.isArray(value) ? value.some((v) => wanted.includes(v)) : wanted.includes(value)
}

function shown(item: Item, top: AnswerMap, instance: AnswerMap | null): boolean {
  return item.show_if.every((c) => holds(c, top, instance))
}

function allItems(): Item[] {
  return FAKE_TEMPLATE.sections.flatMap((s) => s.items)
}

function groupItems(kind: AnswerKind): Item[] {
  return kind.type === 'group' ? kind.items : []
}

function instances(v: AnswerValue | undefined): AnswerMap[] {
  return v?.type === 'group' ? v.value : []
}

/** Problems with one answer's type, options, range or length (as `check_value` in Rust). */
function checkValue(item: Item, value: AnswerValue, path: string): FieldError[] {
  const problem = (message: string) => [{ field: path, message }]
  const kind = item.answer
  if (isBlank(value)) return []
  switch (kind.type) {
    case 'yes_no':
      return value.type === 'yes_no' ? [] : wrongType(item, path)
    case 'date':
      return value.type === 'date' ? [] : wrongType(item, path)
    case 'photo':
      return value.type === 'photo' ? [] : wrongType(item, path)
    case 'single_choice':
      if (value.type !== 'choice') return wrongType(item, path)
      return kind.options.some((o) => o.id === value.value)
        ? []
        : problem(
            `"${value.value}" is not one of the options for "${item.label}": choose from the list`,
          )
    case 'multiple_choice':
      if (value.type !== 'choices') return wrongType(item, path)
      return value.value.every((id) => kind.options.some((o) => o.id === id))
        ? []
        : problem(`Choose from the options for "${item.label}"`)
    case 'number': {
      if (value.type !== 'number') return wrongType(item, path)
      const n = value.value
      const unit = kind.unit ? ` ${kind.unit}` : ''
      if (n === null || !Number.isFinite(n)) return problem('Enter a number')
      if (kind.whole && !Number.isInteger(n)) return problem('Enter a whole number')
      if (kind.min !== null && n < kind.min) return problem(`Enter ${kind.min}${unit} or more`)
      if (kind.max !== null && n > kind.max) return problem(`Enter ${kind.max}${unit} or less`)
      return []
    }
    case 'text':
      if (value.type !== 'text') return wrongType(item, path)
      return [...value.value].length > kind.max_length
        ? problem(`Use ${kind.max_length} characters or fewer`)
        : []
    case 'group': {
      if (value.type !== 'group') return wrongType(item, path)
      if (value.value.length > kind.max) {
        return problem(
          `Record at most ${kind.max} of ${kind.instance_label.toLowerCase()}: remove the extra ones`,
        )
      }
      const problems: FieldError[] = []
      value.value.forEach((instance, i) => {
        for (const [childId, childValue] of Object.entries(instance)) {
          const childPath = `${path}[${i}].${childId}`
          const child = kind.items.find((c) => c.id === childId)
          if (!child) {
            problems.push({
              field: childPath,
              message: `This form has no question "${childId}" here: reload the survey`,
            })
          } else {
            problems.push(...checkValue(child, childValue, childPath))
          }
        }
      })
      return problems
    }
  }
}

function wrongType(item: Item, path: string): FieldError[] {
  return [{ field: path, message: `"${item.label}" takes a ${item.answer.type} answer` }]
}

function requiredMessage(item: Item): string {
  const kind = item.answer
  return kind.type === 'group'
    ? `Add at least ${Math.max(kind.min, 1)} ${kind.instance_label.toLowerCase()} for "${item.label}"`
    : `Answer "${item.label}": it is required`
}

function level(total: number, thresholds: { medium: number; high: number }): Level {
  if (total >= thresholds.high) return 'high'
  if (total >= thresholds.medium) return 'medium'
  return 'low'
}

function score(contributions: Contribution[], thresholds: { medium: number; high: number }): Score {
  const sorted = [...contributions].sort((a, b) => b.points - a.points)
  const total = sorted.reduce((sum, c) => sum + c.points, 0)
  return { total, level: level(total, thresholds), contributions: sorted }
}

export class FakeSurveys {
  readonly surveys: Survey[] = []
  readonly photos: StoredPhoto[] = []
  private next = 1

  constructor(readonly owner: FakeBackend) {}

  start(householdId: string, visitId: string | null): Result<SurveyPage> {
    if (!this.owner.households.some((h) => h.id === householdId)) {
      return err(appError('not_found', 'Doorstep has no record of this household.'))
    }
    const now = new Date().toISOString()
    const survey: Survey = {
      id: `s-${String(this.next++).padStart(4, '0')}`,
      household_id: householdId,
      visit_id: visitId,
      answers: {
        template_id: FAKE_TEMPLATE.id,
        template_version: FAKE_TEMPLATE.version,
        values: {},
      },
      section_notes: {},
      created_at: now,
      updated_at: now,
    }
    this.surveys.push(survey)
    return this.page(survey.id)
  }

  page(id: string): Result<SurveyPage> {
    const survey = this.find(id)
    if (!survey) return err(notFound())
    const household = this.owner.households.find((h) => h.id === survey.household_id)
    if (!household) return err(appError('not_found', 'Doorstep has no record of this household.'))
    return ok(
      structuredClone({
        state: this.state(survey),
        template: FAKE_TEMPLATE,
        household,
        photos: this.photos
          .filter((p) => p.survey_id === id)
          .map(({ survey_id: _, ...photo }) => photo),
        plans: [],
      }),
    )
  }

  forHousehold(householdId: string): Result<Survey[]> {
    return ok(
      structuredClone(
        this.surveys
          .filter((s) => s.household_id === householdId)
          .sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id)),
      ),
    )
  }

  saveAnswer(surveyId: string, item: string, value: AnswerValue | null): Result<SurveyState> {
    const survey = this.find(surveyId)
    if (!survey) return err(notFound())
    const question = allItems().find((i) => i.id === item)
    if (!question) {
      return err(
        validation([
          { field: item, message: `This form has no question "${item}": reload the survey` },
        ]),
      )
    }
    if (value === null) {
      delete survey.answers.values[item]
    } else {
      const problems = checkValue(question, value, item)
      if (problems.length > 0) return err(validation(problems))
      survey.answers.values[item] = structuredClone(value)
    }
    survey.updated_at = new Date().toISOString()
    return ok(structuredClone(this.state(survey)))
  }

  saveSectionNote(surveyId: string, section: string, note: string): Result<SurveyState> {
    const survey = this.find(surveyId)
    if (!survey) return err(notFound())
    if (!FAKE_TEMPLATE.sections.some((s) => s.id === section)) {
      return err(validation([{ field: 'section', message: 'This form has no such section' }]))
    }
    if (note.length > 4000) {
      return err(validation([{ field: 'note', message: 'Use 4000 characters or fewer' }]))
    }
    if (note.trim() === '') delete survey.section_notes[section]
    else survey.section_notes[section] = note
    survey.updated_at = new Date().toISOString()
    return ok(structuredClone(this.state(survey)))
  }

  addPhoto(surveyId: string, item: string, path: string): Result<SurveyPhoto> {
    if (!this.find(surveyId)) return err(notFound())
    const match = /\.(jpe?g|png)$/i.exec(path)
    if (!match) {
      return err(
        appError('validation', NOT_A_PHOTO, [{ field: 'photo', message: NOT_A_PHOTO }], 'photo'),
      )
    }
    const n = this.next++
    const photo: StoredPhoto = {
      id: `ph-${String(n).padStart(4, '0')}`,
      survey_id: surveyId,
      item,
      sha256: `sha256:${n.toString(16).padStart(64, '0')}`,
      file_name: path.split(/[\\/]/).pop() ?? path,
      media_type: match[1]?.toLowerCase() === 'png' ? 'image/png' : 'image/jpeg',
    }
    this.photos.push(photo)
    const { survey_id: _, ...shown } = photo
    return ok(shown)
  }

  dataUrl(sha256: string): Result<string> {
    if (!this.photos.some((p) => p.sha256 === sha256)) {
      return err(appError('not_found', 'Doorstep has no such photo.'))
    }
    return ok(FAKE_PHOTO_DATA_URL)
  }

  // ---- internals ----------------------------------------------------------

  private find(id: string): Survey | undefined {
    return this.surveys.find((s) => s.id === id)
  }

  private state(survey: Survey): SurveyState {
    const values = survey.answers.values
    return {
      survey,
      visible: visiblePaths(values),
      progress: FAKE_TEMPLATE.sections.map((section) => {
        const visible = new Set(visiblePaths(values))
        const shownItems = section.items.filter((i) => visible.has(i.id))
        const problems = problemsOf(values).filter((p) =>
          section.items.some((i) => p.field === i.id || p.field.startsWith(`${i.id}[`)),
        )
        return {
          section: section.id,
          shown: shownItems.length,
          answered: shownItems.filter((i) => !isBlank(values[i.id])).length,
          needing_attention: problems.length,
        }
      }),
      problems: problemsOf(values),
      earlier_form: Object.keys(values).filter((key) => !allItems().some((i) => i.id === key)),
      assessment: assess(values),
    }
  }
}

function notFound(): AppError {
  return appError('not_found', 'Doorstep has no record of this survey.')
}

function visiblePaths(values: AnswerMap): string[] {
  const out: string[] = []
  for (const item of allItems()) {
    if (!shown(item, values, null)) continue
    out.push(item.id)
    instances(values[item.id]).forEach((instance, i) => {
      for (const child of groupItems(item.answer)) {
        if (shown(child, values, instance)) out.push(`${item.id}[${i}].${child.id}`)
      }
    })
  }
  return out
}

function problemsOf(values: AnswerMap): FieldError[] {
  const problems: FieldError[] = []
  for (const item of allItems()) {
    if (!shown(item, values, null)) continue
    const value = values[item.id]
    if (isBlank(value)) {
      if (item.required) problems.push({ field: item.id, message: requiredMessage(item) })
      continue
    }
    instances(value).forEach((instance, i) => {
      for (const child of groupItems(item.answer)) {
        if (child.required && shown(child, values, instance) && isBlank(instance[child.id])) {
          problems.push({ field: `${item.id}[${i}].${child.id}`, message: requiredMessage(child) })
        }
      }
    })
  }
  return problems
}

function assess(values: AnswerMap): Assessment {
  const weaknesses: Weakness[] = []
  for (const rule of FAKE_TEMPLATE.weaknesses) {
    instances(values['doors']).forEach((instance, i) => {
      if (rule.when.every((c) => holds(c, values, instance))) {
        weaknesses.push({
          id: rule.id,
          title: rule.title,
          instance: `doors[${i}]`,
          causes: rule.when.map((c) => `doors[${i}].${c.item}`),
          explanation: rule.explanation,
          evidence: rule.evidence,
          weight: STRONG_POINTS,
        })
      }
    })
  }
  const risk: Contribution[] = weaknesses.map((w) => ({
    factor: w.id,
    sources: w.causes,
    points: w.weight,
    reason: `${w.title} (door ${Number(/\[(\d+)\]/.exec(w.instance ?? '')?.[1] ?? 0) + 1})`,
  }))
  const answer = (id: string) => compared(values[id])
  if (answer('repeat_victim') === 'yes') {
    risk.push({
      factor: 'repeat_victim',
      sources: ['repeat_victim'],
      points: REPEAT_VICTIM_POINTS,
      reason:
        'Burgled here before in the last 12 months: repeat burglary risk is many times higher, and highest in the first weeks',
    })
  }
  const vulnerability: Contribution[] = []
  const feelSafe = values['feel_safe']
  if (feelSafe?.type === 'number' && feelSafe.value !== null && feelSafe.value <= 2) {
    vulnerability.push({
      factor: 'feels_unsafe',
      sources: ['feel_safe'],
      points: FEELS_UNSAFE_POINTS,
      reason: 'Feels unsafe at home (2 or less out of 5)',
    })
  }
  return {
    weaknesses,
    risk: score(risk, RISK),
    vulnerability: score(vulnerability, VULNERABILITY),
    refer_to_da_service: answer('da_concern') === 'yes' ? DA_MESSAGE : null,
  }
}
