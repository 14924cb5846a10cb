// The survey screen's state: the page as loaded, the officer's answers as typed, and
// the autosave queue. Every save returns the survey's new state (what is shown, progress,
// problems, assessment), which replaces the old one; what the officer typed is kept here
// whatever the save says, so nothing typed is ever lost.

import type { Backend, Result } from '$lib/backend/backend'
import type {
  AnswerValue,
  AppError,
  SurveyPage,
  SurveyPhoto,
  SurveyState,
} from '$lib/backend/types'
import { isIsoDate } from '$lib/services/dates'
import { withAdvice } from '$lib/services/errors'
import { loadInto } from '$lib/stores/load'
import { answerAt, answerText, childPath, instancePath, parsePath, type AnswerMap } from './answers'

/** What the live status line says about saving. */
export type SaveStatus =
  | { kind: 'idle' }
  | { kind: 'saving' }
  | { kind: 'saved'; message: string }
  | { kind: 'error'; message: string }
  /** Doorstep locked itself: saves wait for the officer to unlock. */
  | { kind: 'waiting' }

/** A save still to send: a top-level answer or a section's note, with the paths changed. */
type Pending = Map<string, Set<string>>

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)$/

export function noteKey(section: string): string {
  return `note:${section}`
}

function photoKey(path: string): string {
  return `photo:${path}`
}

export class SurveyEditor {
  page = $state.raw<SurveyPage | null>(null)
  state = $state.raw<SurveyState | null>(null)
  loading = $state(true)
  error = $state<AppError | null>(null)

  /** The answers as the officer gave them (saved or not). */
  answers = $state<AnswerMap>({})
  /** Number and text boxes as typed, by answer path. */
  drafts = $state<Record<string, string>>({})
  /** Messages beside the controls, by answer path (`note:<section>`, `photo:<path>` too). */
  errors = $state<Record<string, string>>({})
  notes = $state<Record<string, string>>({})
  photos = $state<SurveyPhoto[]>([])
  /** Photo `data:` URLs by attachment reference; null while loading or when it failed. */
  photoUrls = $state<Record<string, string | null>>({})
  status = $state<SaveStatus>({ kind: 'idle' })

  readonly visible = $derived(new Set(this.state?.visible ?? []))

  readonly #backend: Backend
  readonly id: string
  #queue: Pending = new Map()
  /** Saves refused because Doorstep locked itself: sent again on unlock. */
  #held: Pending = new Map()
  #running = false
  #waiting: (() => void)[] = []

  constructor(backend: Backend, id: string) {
    this.#backend = backend
    this.id = id
  }

  load(): Promise<void> {
    return loadInto(
      this,
      () => this.#backend.getSurvey(this.id),
      (page) => this.#apply(page),
    )
  }

  #apply(page: SurveyPage) {
    this.page = page
    this.state = page.state
    this.answers = structuredClone(page.state.survey.answers.values)
    this.notes = { ...page.state.survey.section_notes }
    this.photos = page.photos
    for (const photo of page.photos) void this.#loadPhoto(photo.sha256)
  }

  // ---- reading ------------------------------------------------------------

  value(path: string): AnswerValue | undefined {
    return answerAt(this.answers, path)
  }

  /** The instances of a group, as given so far. */
  instances(group: string): AnswerMap[] {
    const value = this.answers[group]
    return value?.type === 'group' ? value.value : []
  }

  /** Instances the backend has saved (its `visible` paths cover only these). */
  savedInstances(group: string): number {
    const value = this.state?.survey.answers.values[group]
    return value?.type === 'group' ? value.value.length : 0
  }

  /** A number or text box's contents: as typed, or else the saved answer. */
  text(path: string): string {
    return this.drafts[path] ?? answerText(this.value(path))
  }

  photosFor(path: string): SurveyPhoto[] {
    return this.photos.filter((p) => p.item === path)
  }

  photoError(path: string): string | undefined {
    return this.errors[photoKey(path)]
  }

  // ---- answering ----------------------------------------------------------

  /** Records an answer (null clears it) and saves it. */
  answer(path: string, value: AnswerValue | null): void {
    const parsed = parsePath(path)
    if (parsed.kind === 'item') {
      if (value === null) delete this.answers[parsed.item]
      else this.answers[parsed.item] = value
      this.#enqueue(parsed.item, path)
      return
    }
    if (parsed.kind !== 'child') return
    const instance = this.instances(parsed.group)[parsed.index]
    if (!instance) return
    if (value === null) delete instance[parsed.child]
    else instance[parsed.child] = value
    this.#enqueue(parsed.group, path)
  }

  setDraft(path: string, text: string): void {
    this.drafts[path] = text
  }

  /** Saves a number box (on blur, or when typing pauses); keeps text that is not a number. */
  commitNumber(path: string): void {
    const text = this.text(path).trim()
    if (text !== '' && !NUMBER.test(text)) {
      this.errors[path] = 'Enter a number, like 3'
      this.#settle()
      return
    }
    const value: AnswerValue | null = text === '' ? null : { type: 'number', value: Number(text) }
    this.#commit(path, value)
  }

  /** Saves a date from the day, month and year boxes; keeps what is not yet a real date. */
  commitDate(path: string, text: string): void {
    if (text !== '' && !isIsoDate(text)) {
      this.errors[path] = 'Enter a real date, for example 27 11 2026'
      this.#settle()
      return
    }
    this.#commit(path, text === '' ? null : { type: 'date', value: text })
  }

  /** Saves a text box (on blur, or when typing pauses). */
  commitText(path: string): void {
    const text = this.text(path)
    this.#commit(path, text.trim() === '' ? null : { type: 'text', value: text })
  }

  #commit(path: string, value: AnswerValue | null) {
    const current = this.value(path) ?? null
    if (JSON.stringify(current) === JSON.stringify(value) && !this.errors[path]) return
    this.answer(path, value)
  }

  addInstance(group: string): void {
    const current = this.answers[group]
    const list = current?.type === 'group' ? current.value : []
    list.push({})
    if (current?.type !== 'group') this.answers[group] = { type: 'group', value: list }
    this.#enqueue(group, instancePath(group, list.length - 1))
  }

  /** A new instance answered as instance `from` is, but for its photos (they show that one). */
  copyInstance(group: string, from: number): void {
    const source = this.instances(group)[from]
    if (!source) return
    const copy: AnswerMap = {}
    for (const [child, answer] of Object.entries($state.snapshot(source) as AnswerMap)) {
      if (answer.type !== 'photo') copy[child] = answer
    }
    const current = this.answers[group]
    if (current?.type !== 'group') return
    current.value.push(copy)
    this.#enqueue(group, instancePath(group, current.value.length - 1))
  }

  removeInstance(group: string, index: number): void {
    const current = this.answers[group]
    if (current?.type !== 'group') return
    current.value.splice(index, 1)
    // Boxes and messages of later instances move up one.
    this.drafts = shifted(this.drafts, group, index)
    this.errors = shifted(this.errors, group, index)
    this.#enqueue(group, group)
  }

  setNote(section: string, note: string): void {
    this.notes[section] = note
  }

  commitNote(section: string): void {
    const saved = this.state?.survey.section_notes[section] ?? ''
    const note = this.notes[section] ?? ''
    if (note === saved && !this.errors[noteKey(section)]) return
    this.#enqueue(noteKey(section), noteKey(section))
  }

  // ---- photos -------------------------------------------------------------

  /** Asks for a photo file and attaches it to `path`; a photo question is answered with it. */
  async addPhoto(path: string, answersQuestion: boolean): Promise<void> {
    const key = photoKey(path)
    const chosen = await this.#backend.choosePhotoFile()
    if (chosen.status === 'error') {
      this.errors[key] = withAdvice(chosen.error)
      return
    }
    if (chosen.data === null) return
    const result = await this.#backend.addSurveyPhoto(this.id, path, chosen.data)
    if (result.status === 'error') {
      this.errors[key] = withAdvice(result.error)
      return
    }
    delete this.errors[key]
    this.photos.push(result.data)
    void this.#loadPhoto(result.data.sha256)
    if (answersQuestion) this.answer(path, { type: 'photo', value: result.data.sha256 })
    else this.status = { kind: 'saved', message: `Photo ${result.data.file_name} added` }
  }

  async #loadPhoto(sha256: string) {
    if (sha256 in this.photoUrls) return
    this.photoUrls[sha256] = null
    const result = await this.#backend.attachmentDataUrl(sha256)
    if (result.status === 'ok') this.photoUrls[sha256] = result.data
  }

  // ---- saving -------------------------------------------------------------

  /** Sends again the saves refused while Doorstep was locked. */
  resume(): void {
    if (this.#held.size === 0) return
    for (const [key, paths] of this.#held) this.#merge(this.#queue, key, paths)
    this.#held = new Map()
    void this.#drain()
  }

  #merge(into: Pending, key: string, paths: Iterable<string>) {
    const set = into.get(key) ?? new Set<string>()
    for (const p of paths) set.add(p)
    into.set(key, set)
  }

  #enqueue(key: string, path: string) {
    this.#merge(this.#queue, key, [path])
    void this.#drain()
  }

  /** One save at a time, so the newest state returned is always the newest saved. */
  async #drain() {
    if (this.#running) return
    this.#running = true
    while (this.#queue.size > 0) {
      const [key, paths] = this.#queue.entries().next().value as [string, Set<string>]
      this.#queue.delete(key)
      this.status = { kind: 'saving' }
      await this.#send(key, paths)
    }
    this.#running = false
    for (const resolve of this.#waiting.splice(0)) resolve()
  }

  /** Resolves once every answer given so far has been sent. */
  settled(): Promise<void> {
    if (!this.#running && this.#queue.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.#waiting.push(resolve))
  }

  async #send(key: string, changed: Set<string>) {
    let result: Result<SurveyState>
    let kept = new Set<string>()
    if (key.startsWith('note:')) {
      const section = key.slice('note:'.length)
      result = await this.#backend.saveSectionNote(this.id, section, this.notes[section] ?? '')
    } else {
      const payload = this.#payload(key, changed)
      kept = payload.kept
      result = await this.#backend.saveAnswer(this.id, key, payload.value)
    }
    if (result.status === 'ok') {
      this.state = result.data
      for (const path of Object.keys(this.errors)) {
        const mine = path === key || path.startsWith(`${key}[`)
        if (mine && !kept.has(path)) delete this.errors[path]
      }
      this.#settle()
      return
    }
    this.#failed(key, changed, result.error)
  }

  /**
   * A top-level answer to send. For a group, answers inside it that were refused and not
   * changed since go as last saved (or not at all), so one bad box does not hold up the
   * rest of the group.
   */
  #payload(item: string, changed: Set<string>): { value: AnswerValue | null; kept: Set<string> } {
    const kept = new Set<string>()
    const local = this.answers[item]
    if (local === undefined) return { value: null, kept }
    const value = $state.snapshot(local) as AnswerValue
    if (value.type !== 'group') return { value, kept }
    const saved = this.state?.survey.answers.values[item]
    // After an instance is removed the saved instances no longer line up with these.
    const savedList = saved?.type === 'group' && !changed.has(item) ? saved.value : []
    value.value = value.value.map((instance, i) => {
      const out: AnswerMap = {}
      for (const [child, answer] of Object.entries(instance)) {
        const path = childPath(item, i, child)
        if (this.errors[path] !== undefined && !changed.has(path)) {
          kept.add(path)
          const previous = savedList[i]?.[child]
          if (previous !== undefined) out[child] = previous
        } else {
          out[child] = answer
        }
      }
      return out
    })
    return { value, kept }
  }

  #failed(key: string, changed: Set<string>, error: AppError) {
    if (error.code === 'locked') {
      // The app shows Unlock; the answers stay here and are sent again afterwards.
      this.#merge(this.#held, key, changed)
      this.status = { kind: 'waiting' }
      return
    }
    for (const path of changed) delete this.errors[path]
    const fields =
      error.fields.length > 0
        ? error.fields
        : error.field !== null
          ? [{ field: error.field, message: error.message }]
          : []
    const own = fields.filter((f) => f.field === key || f.field.startsWith(`${key}[`))
    if (own.length > 0) {
      for (const f of own) this.errors[f.field] ??= f.message
    } else {
      // Not about one box (a disk error, say): say so beside what was changed.
      for (const path of changed) this.errors[path] = withAdvice(error)
    }
    this.status = { kind: 'error', message: 'Not saved: see the message beside the question' }
  }

  /** The status once nothing is being sent. */
  #settle() {
    if (this.#running && this.#queue.size > 0) return
    const unsaved = Object.keys(this.errors).some((k) => !k.startsWith('photo:'))
    this.status = unsaved
      ? { kind: 'error', message: 'Some answers are not saved: see the messages beside them' }
      : { kind: 'saved', message: 'Saved' }
  }
}

/** Re-keys `group[i]…` entries after instance `removed` is taken out. */
function shifted<T>(record: Record<string, T>, group: string, removed: number): Record<string, T> {
  const out: Record<string, T> = {}
  for (const [key, value] of Object.entries(record)) {
    const parsed = parsePath(key.startsWith('photo:') ? key.slice(6) : key)
    if (parsed.kind === 'item' || parsed.group !== group || parsed.index < removed) {
      out[key] = value
      continue
    }
    if (parsed.index === removed) continue
    const moved =
      parsed.kind === 'child'
        ? childPath(group, parsed.index - 1, parsed.child)
        : instancePath(group, parsed.index - 1)
    out[key.startsWith('photo:') ? photoKey(moved) : moved] = value
  }
  return out
}
