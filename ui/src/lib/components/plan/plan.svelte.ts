import type { Backend, Result } from '$lib/backend/backend'
import type { AppError, PlanEdit, PlanPage, PlanStep } from '$lib/backend/types'
import { loadInto } from '$lib/stores/load'

/**
 * One plan's page: loading it, and replacing it with what the backend returns after each
 * change. A refused change leaves the page exactly as it was.
 */
export class PlanStore {
  page = $state.raw<PlanPage | null>(null)
  loading = $state(true)
  error = $state<AppError | null>(null)

  readonly #backend: Backend
  readonly id: string

  constructor(backend: Backend, id: string) {
    this.#backend = backend
    this.id = id
  }

  load(): Promise<void> {
    return loadInto(
      this,
      () => this.#backend.getPlan(this.id),
      (page) => {
        this.page = page
      },
    )
  }

  edit(edit: PlanEdit): Promise<Result<PlanPage>> {
    return this.#apply(this.#backend.editPlan(this.id, edit))
  }

  step(step: PlanStep): Promise<Result<PlanPage>> {
    return this.#apply(this.#backend.planStep(this.id, step))
  }

  async #apply(pending: Promise<Result<PlanPage>>): Promise<Result<PlanPage>> {
    const result = await pending
    if (result.status === 'ok') this.page = result.data
    return result
  }
}
