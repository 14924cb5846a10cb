import type { Result } from '$lib/backend/backend'
import type { AppError } from '$lib/backend/types'
import {
  hasProblems,
  localProblems,
  NO_PROBLEMS,
  problemsFrom,
  type CodeTargets,
  type FieldIds,
  type FormProblems,
} from '$lib/services/errors'

/** The error state of one form: what the summary lists and what each field says. */
export class FormState {
  problems = $state.raw<FormProblems>(NO_PROBLEMS)
  submitting = $state(false)
  readonly #fieldIds: FieldIds
  readonly #codeTargets: CodeTargets

  /**
   * @param fieldIds backend field name → element id
   * @param codeTargets error codes that always concern one control, whatever `field` says
   */
  constructor(fieldIds: FieldIds = {}, codeTargets: CodeTargets = {}) {
    this.#fieldIds = fieldIds
    this.#codeTargets = codeTargets
  }

  get hasErrors(): boolean {
    return hasProblems(this.problems)
  }

  /** The message to show beside the control with this element id, if any. */
  errorFor(id: string): string | undefined {
    return this.problems.inline[id]
  }

  fromError(error: AppError): void {
    this.problems = problemsFrom(error, this.#fieldIds, this.#codeTargets)
  }

  fromLocal(list: { id: string; message: string }[]): void {
    this.problems = localProblems(list)
  }

  clear(): void {
    this.problems = NO_PROBLEMS
  }

  /**
   * Sends the form with `request`, unless it is already being sent. A failure
   * is shown on the form; on success the problems are cleared and `saved` runs.
   */
  async submit<T>(
    request: () => Promise<Result<T>>,
    saved: (data: T) => void | Promise<void>,
  ): Promise<void> {
    if (this.submitting) return
    this.submitting = true
    const result = await request()
    if (result.status === 'error') {
      this.submitting = false
      this.fromError(result.error)
      return
    }
    this.clear()
    // Still "submitting" while the follow-up work runs, so a second press sends nothing twice.
    await saved(result.data)
    this.submitting = false
  }
}
