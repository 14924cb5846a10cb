import type { Backend } from '$lib/backend/backend'
import type { PassphraseAssessment } from '$lib/backend/types'
import { debounce, Latest } from '$lib/services/timing'

export const STRENGTH_DEBOUNCE_MS = 250

/** Live passphrase strength from the backend, for the passphrase being typed. */
export class StrengthMeter {
  /** Verdict on `assessedFor`, or null. */
  assessment = $state.raw<PassphraseAssessment | null>(null)
  assessedFor = $state<string | null>(null)

  readonly #backend: Backend
  readonly #latest = new Latest()
  readonly #scheduled

  constructor(backend: Backend, delayMs = STRENGTH_DEBOUNCE_MS) {
    this.#backend = backend
    this.#scheduled = debounce((p: string) => void this.assess(p), delayMs)
  }

  update(passphrase: string): void {
    if (passphrase === '') {
      this.#scheduled.cancel()
      this.#latest.invalidate()
      this.assessment = null
      this.assessedFor = null
      return
    }
    this.#scheduled(passphrase)
  }

  /** Assess now; resolves to the verdict for exactly this passphrase (null if it failed). */
  async assess(passphrase: string): Promise<PassphraseAssessment | null> {
    this.#scheduled.cancel()
    if (this.assessedFor === passphrase && this.assessment) return this.assessment
    const ticket = this.#latest.next()
    const result = await this.#backend.assessPassphrase(passphrase)
    if (result.status === 'error') return null
    if (this.#latest.isCurrent(ticket)) {
      this.assessment = result.data
      this.assessedFor = passphrase
    }
    return result.data
  }

  /** The verdict, if it is for exactly `passphrase`. */
  verdictFor(passphrase: string): PassphraseAssessment | null {
    return this.assessedFor === passphrase ? this.assessment : null
  }

  clear(): void {
    this.update('')
  }
}
