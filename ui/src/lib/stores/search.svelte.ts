import type { Backend } from '$lib/backend/backend'
import type { AppError, SearchHit } from '$lib/backend/types'
import { debounce, Latest } from '$lib/services/timing'

export const SEARCH_DEBOUNCE_MS = 150

/**
 * Type-ahead search. Waits for a pause in typing, and only ever shows the
 * answer to the latest query, however the responses arrive.
 */
export class SearchStore {
  query = $state('')
  hits = $state.raw<SearchHit[]>([])
  /** The query the shown hits answer; null when nothing has been searched. */
  answered = $state<string | null>(null)
  pending = $state(false)
  error = $state<AppError | null>(null)

  readonly #backend: Backend
  readonly #latest = new Latest()
  readonly #scheduled

  constructor(backend: Backend, delayMs = SEARCH_DEBOUNCE_MS) {
    this.#backend = backend
    this.#scheduled = debounce((q: string) => void this.#run(q), delayMs)
  }

  setQuery(query: string): void {
    this.query = query
    if (query.trim() === '') {
      this.#scheduled.cancel()
      this.#latest.invalidate()
      this.hits = []
      this.answered = null
      this.pending = false
      this.error = null
      return
    }
    this.pending = true
    this.#scheduled(query)
  }

  /** Search again now for the current query (e.g. after a household was added). */
  refresh(): void {
    this.#scheduled.cancel()
    if (this.query.trim() !== '') void this.#run(this.query)
  }

  /** Forget everything (on lock). */
  reset(): void {
    this.setQuery('')
  }

  async #run(query: string): Promise<void> {
    const ticket = this.#latest.next()
    this.pending = true
    const result = await this.#backend.search(query.trim())
    if (!this.#latest.isCurrent(ticket)) return
    this.pending = false
    if (result.status === 'ok') {
      this.hits = result.data
      this.error = null
    } else {
      this.hits = []
      this.error = result.error
    }
    this.answered = query
  }
}
