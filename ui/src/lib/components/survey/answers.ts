// Reading a survey's answers and template: answer paths, labels and words for the screen.
// Paths are the backend's: `repeat_victim`, `doors[1]` (an instance, 0-based) and
// `doors[1].lock_type` (a question inside it); photos of a section use `section:<id>`.

import type { AnswerValue, Item, Level, SectionProgress, Template, YesNo } from '$lib/backend/types'
import { formatDate } from '$lib/services/dates'

export type AnswerMap = { [key: string]: AnswerValue }

export type ParsedPath =
  | { kind: 'item'; item: string }
  | { kind: 'instance'; group: string; index: number }
  | { kind: 'child'; group: string; index: number; child: string }

const INSTANCE = /^([^[.]+)\[(\d+)\](?:\.(.+))?$/

export function parsePath(path: string): ParsedPath {
  const match = INSTANCE.exec(path)
  if (!match) return { kind: 'item', item: path }
  const group = match[1] ?? ''
  const index = Number(match[2])
  return match[3] === undefined
    ? { kind: 'instance', group, index }
    : { kind: 'child', group, index, child: match[3] }
}

export function instancePath(group: string, index: number): string {
  return `${group}[${index}]`
}

export function childPath(group: string, index: number, child: string): string {
  return `${group}[${index}].${child}`
}

/** The top-level item an answer path belongs to (a group for its instances and children). */
export function topItem(path: string): string {
  const parsed = parsePath(path)
  return parsed.kind === 'item' ? parsed.item : parsed.group
}

export function sectionPhotoPath(section: string): string {
  return `section:${section}`
}

/** An element id for an answer path (paths hold `[`, `]` and `.`). */
export function fieldId(path: string): string {
  return `q-${path.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/-+$/, '')}`
}

/** The question at a path, with the group it sits in. */
export function itemAt(
  template: Template,
  path: string,
): { item: Item; group: Item | null } | null {
  const parsed = parsePath(path)
  const top = template.sections.flatMap((s) => s.items).find((i) => i.id === topItem(path))
  if (!top) return null
  if (parsed.kind !== 'child') return { item: top, group: null }
  const child =
    top.answer.type === 'group' ? top.answer.items.find((c) => c.id === parsed.child) : undefined
  return child ? { item: child, group: top } : null
}

/** The section a path's question is in, or null for an answer the form no longer asks. */
export function sectionOf(template: Template, path: string): string | null {
  const item = topItem(path)
  return template.sections.find((s) => s.items.some((i) => i.id === item))?.id ?? null
}

/** "Door 2" for `doors[1]`, when the group is known. */
export function instanceName(template: Template, path: string): string | null {
  const parsed = parsePath(path)
  if (parsed.kind === 'item') return null
  const group = itemAt(template, parsed.group)?.item
  const label = group?.answer.type === 'group' ? group.answer.instance_label : parsed.group
  return `${label} ${parsed.index + 1}`
}

/** A question's label as shown: GOV.UK marks the optional ones, not the required ones. */
export function labelText(item: Item): string {
  return item.required ? item.label : `${item.label} (optional)`
}

export const YES_NO_OPTIONS: readonly { value: YesNo; label: string }[] = [
  { value: 'yes', label: 'Yes' },
  { value: 'no', label: 'No' },
  { value: 'unknown', label: 'Not known' },
]

export function isBlank(value: AnswerValue | undefined | null): boolean {
  if (!value) return true
  switch (value.type) {
    case 'text':
    case 'photo':
    case 'choice':
      return value.value.trim() === ''
    case 'choices':
    case 'group':
      return value.value.length === 0
    case 'number':
      return value.value === null
    default:
      return false
  }
}

/** The number or text in a box, as the officer would have typed it. */
export function answerText(value: AnswerValue | undefined): string {
  if (value?.type === 'number') return value.value === null ? '' : String(value.value)
  if (value?.type === 'text' || value?.type === 'date') return value.value
  return ''
}

/** A readable answer, for answers to questions the form no longer asks (options unknown). */
export function describeAnswer(value: AnswerValue): string {
  switch (value.type) {
    case 'yes_no':
      return YES_NO_OPTIONS.find((o) => o.value === value.value)?.label ?? value.value
    case 'choice':
      return humanise(value.value)
    case 'choices':
      return value.value.length === 0 ? 'None chosen' : value.value.map(humanise).join(', ')
    case 'number':
      return value.value === null ? 'Not given' : String(value.value)
    case 'text':
      return value.value
    case 'date':
      return formatDate(value.value)
    case 'photo':
      return 'A photo'
    case 'group':
      return value.value.length === 1 ? '1 entry' : `${value.value.length} entries`
  }
}

/** `crime_ref` → "Crime ref", for ids the form no longer names. */
export function humanise(id: string): string {
  const words = id.replace(/[_-]+/g, ' ').trim()
  return words.charAt(0).toUpperCase() + words.slice(1)
}

/** The answer at a path in an answer map. */
export function answerAt(values: AnswerMap, path: string): AnswerValue | undefined {
  const parsed = parsePath(path)
  if (parsed.kind === 'item') return values[parsed.item]
  const group = values[parsed.group]
  if (group?.type !== 'group') return undefined
  const instance = group.value[parsed.index]
  if (parsed.kind === 'instance') return instance ? { type: 'group', value: [instance] } : undefined
  return instance?.[parsed.child]
}

/** The first section that needs attention, or the first section. */
export function openingSection(template: Template, progress: SectionProgress[]): string | null {
  const first = template.sections[0]?.id ?? null
  return (
    template.sections.find((s) =>
      progress.some((p) => p.section === s.id && p.needing_attention > 0),
    )?.id ?? first
  )
}

export const LEVEL_TAG_CLASSES: Record<Level, string> = {
  low: 'govuk-tag--green',
  medium: 'govuk-tag--yellow',
  high: 'govuk-tag--red',
}

/** The day part of a timestamp, as "27 November 2025". */
export function formatDay(timestamp: string): string {
  return formatDate(timestamp.slice(0, 10))
}
