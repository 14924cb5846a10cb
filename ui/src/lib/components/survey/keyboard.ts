// The survey from the keyboard: every question, and each group's "what next" buttons, is a
// stop marked in the page; a stop still waiting for an answer is pending. Answering moves the
// focus to the next pending stop, in this section or the next, as the day of action moves to
// the next door.

import { getContext, setContext } from 'svelte'

/** Marks a stop; its value names it (the answer path, or `<group>:more`). */
export const STOP = 'data-survey-stop'
/** Present on a stop that still needs the officer: a required question not yet answered. */
export const PENDING = 'data-pending'

/** What a question or group asks of the survey screen once it has been answered. */
export type SurveyFlow = {
  /** Moves the focus on from `from` once the answer is saved and the page shows its effects. */
  advance(from: HTMLElement): void
  /** True while the focus is being moved: keys typed meanwhile are replayed afterwards. */
  holdKey(event: KeyboardEvent): boolean
}

const KEY = Symbol('survey-flow')

export function setSurveyFlow(flow: SurveyFlow): void {
  setContext(KEY, flow)
}

/** The survey screen's flow; a question shown elsewhere (a test) gets one that does nothing. */
export function getSurveyFlow(): SurveyFlow {
  return (
    getContext<SurveyFlow | undefined>(KEY) ?? {
      advance: () => {},
      holdKey: () => false,
    }
  )
}

/** The stops under `root`, in page order. */
export function stops(root: ParentNode): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(`[${STOP}]`)]
}

/** The first pending stop after `from` (or from the top when `from` is null). */
export function nextPending(root: ParentNode, from: HTMLElement | null): HTMLElement | null {
  const all = stops(root)
  const start = from === null ? 0 : all.indexOf(from) + 1
  return all.slice(start).find((s) => s.hasAttribute(PENDING)) ?? null
}

/** Focuses a stop's control: the chosen answer, else its first control. */
export function focusStop(stop: HTMLElement): boolean {
  const control =
    stop.querySelector<HTMLElement>('input:checked') ??
    stop.querySelector<HTMLElement>('input, textarea, select, button')
  if (!control) return false
  control.focus()
  control.scrollIntoView?.({ block: 'center' })
  return true
}

/** The number a key names (1–9 and 0, top row or keypad), or null for any other key. */
export function digitOf(event: KeyboardEvent): number | null {
  if (event.ctrlKey || event.metaKey || event.altKey) return null
  return /^[0-9]$/.test(event.key) ? Number(event.key) : null
}

/** Numbers typed within this long of each other make one number (option 12 is "1", "2"). */
export const DIGIT_PAUSE_MS = 1000
