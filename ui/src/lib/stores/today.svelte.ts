import type { Backend } from '$lib/backend/backend'
import type { AppError, VisitWithAddress } from '$lib/backend/types'
import { loadInto } from './load'

/** Splits a day's visits into planned (no outcome yet) and done, each in address order. */
export function splitVisits(rows: VisitWithAddress[]): {
  planned: VisitWithAddress[]
  done: VisitWithAddress[]
} {
  const byAddress = (a: VisitWithAddress, b: VisitWithAddress) =>
    a.postcode.localeCompare(b.postcode) ||
    a.address.localeCompare(b.address, 'en-GB', { numeric: true })
  return {
    planned: rows.filter((r) => r.visit.outcome === null).sort(byAddress),
    done: rows.filter((r) => r.visit.outcome !== null).sort(byAddress),
  }
}

/** The visits for one day. */
export class DayStore {
  rows = $state.raw<VisitWithAddress[]>([])
  loading = $state(true)
  error = $state<AppError | null>(null)

  readonly #backend: Backend
  readonly date: string

  constructor(backend: Backend, date: string) {
    this.#backend = backend
    this.date = date
  }

  #split = $derived(splitVisits(this.rows))

  get planned(): VisitWithAddress[] {
    return this.#split.planned
  }

  get done(): VisitWithAddress[] {
    return this.#split.done
  }

  load(): Promise<void> {
    return loadInto(
      this,
      () => this.#backend.visitsForDay(this.date),
      (rows) => {
        this.rows = rows
      },
    )
  }
}
