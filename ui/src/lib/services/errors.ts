// Turning an AppError into what a form shows. The UI branches on `code` and
// on field names, never on message text.

import type { AppError, ErrorCode } from '$lib/backend/types'

/** One line in an error summary. `targetId` is the control its link focuses, if any. */
export type SummaryItem = { message: string; targetId: string | null }

/** What a form shows: the summary at the top and a message beside each field (by element id). */
export type FormProblems = { summary: SummaryItem[]; inline: Record<string, string> }

export const NO_PROBLEMS: FormProblems = { summary: [], inline: {} }

/** Backend field name → element id, for one form. */
export type FieldIds = Record<string, string>

/** Error codes that always concern one control of a form (e.g. wrong_passphrase → its field). */
export type CodeTargets = Partial<Record<ErrorCode, string>>

/**
 * Maps an error onto a form. Field errors whose field the form does not show
 * still appear in the summary (unlinked), so nothing is silently dropped.
 */
export function problemsFrom(
  error: AppError,
  fieldIds: FieldIds,
  codeTargets: CodeTargets = {},
): FormProblems {
  const byCode = codeTargets[error.code]
  if (error.fields.length === 0 && byCode !== undefined) {
    return localProblems([{ id: byCode, message: error.message }])
  }
  const fieldErrors =
    error.fields.length > 0
      ? error.fields
      : error.field !== null
        ? [{ field: error.field, message: error.message }]
        : []
  if (fieldErrors.length === 0) {
    return { summary: [{ message: withAdvice(error), targetId: null }], inline: {} }
  }
  const summary: SummaryItem[] = []
  const inline: Record<string, string> = {}
  for (const { field, message } of fieldErrors) {
    const targetId = fieldIds[field] ?? null
    summary.push({ message, targetId })
    if (targetId !== null && !(targetId in inline)) inline[targetId] = message
  }
  return { summary, inline }
}

/** Problems the UI finds itself before calling the backend (element id → message). */
export function localProblems(list: { id: string; message: string }[]): FormProblems {
  const inline: Record<string, string> = {}
  for (const { id, message } of list) if (!(id in inline)) inline[id] = message
  return { summary: list.map(({ id, message }) => ({ message, targetId: id })), inline }
}

export function hasProblems(p: FormProblems): boolean {
  return p.summary.length > 0
}

const ADVICE: Partial<Record<ErrorCode, string>> = {
  io: 'Check the drive is connected and has space, then try again.',
  internal:
    'Try again. If it keeps happening, contact your IT service desk and say what you were doing.',
  data_folder_in_use: 'When you have closed the other Doorstep window, choose Try again.',
  corrupt_data:
    'The data file may be damaged. Contact your IT service desk; they can restore your most recent backup.',
  schema_too_new:
    'This data was saved by a newer version of Doorstep. Ask your IT service desk to update Doorstep on this computer.',
  not_doorstep_data:
    'The data folder holds files that Doorstep did not make. Contact your IT service desk.',
  not_set_up: 'Restart Doorstep to set it up.',
}

/** What to do next, for errors where the message alone does not say. */
export function adviceFor(code: ErrorCode): string | null {
  return ADVICE[code] ?? null
}

export function withAdvice(error: AppError): string {
  const advice = adviceFor(error.code)
  return advice ? `${error.message} ${advice}` : error.message
}
