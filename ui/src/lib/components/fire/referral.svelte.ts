import type { Backend, Result } from '$lib/backend/backend'
import type { AppError, BasisRecord, Consent, ReferralPage, ReferralStep } from '$lib/backend/types'
import { loadInto } from '$lib/stores/load'

/**
 * One referral's page: loading it, and replacing it with what the backend returns after each
 * change. A refused change leaves the page exactly as it was.
 */
export class ReferralStore {
  page = $state.raw<ReferralPage | null>(null)
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
      () => this.#backend.getReferral(this.id),
      (page) => {
        this.page = page
      },
    )
  }

  step(step: ReferralStep): Promise<Result<ReferralPage>> {
    return this.#apply(this.#backend.referralStep(this.id, step))
  }

  recordAuthority(
    consent: Consent | null,
    basis: BasisRecord | null,
  ): Promise<Result<ReferralPage>> {
    return this.#apply(this.#backend.recordReferralAuthority(this.id, consent, basis))
  }

  async #apply(pending: Promise<Result<ReferralPage>>): Promise<Result<ReferralPage>> {
    const result = await pending
    if (result.status === 'ok') this.page = result.data
    return result
  }
}
