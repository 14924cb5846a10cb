import type { Backend, Result } from '$lib/backend/backend'
import type {
  AppError,
  Household,
  HouseholdPage,
  Person,
  PersonDraft,
  Visit,
  VisitDraft,
} from '$lib/backend/types'
import { byDateDescending } from '$lib/services/dates'
import { loadInto } from './load'

/** One household's page: loading it, and keeping it current as things are added. */
export class HouseholdStore {
  page = $state<HouseholdPage | null>(null)
  loading = $state(true)
  error = $state<AppError | null>(null)

  readonly #backend: Backend
  readonly id: string

  constructor(backend: Backend, id: string) {
    this.#backend = backend
    this.id = id
  }

  /** Newest first. */
  readonly visits = $derived(this.page ? [...this.page.visits].sort(byDateDescending) : [])

  load(): Promise<void> {
    return loadInto(
      this,
      () => this.#backend.getHousehold(this.id),
      (page) => {
        this.page = page
      },
    )
  }

  async addPerson(draft: PersonDraft): Promise<Result<Person>> {
    const result = await this.#backend.addPerson(draft)
    if (result.status === 'ok' && this.page) this.page.persons.push(result.data)
    return result
  }

  async updatePerson(id: string, draft: PersonDraft): Promise<Result<Person>> {
    const result = await this.#backend.updatePerson(id, draft)
    if (result.status === 'ok' && this.page) {
      const index = this.page.persons.findIndex((p) => p.id === id)
      if (index >= 0) this.page.persons[index] = result.data
    }
    return result
  }

  async addVisit(draft: VisitDraft): Promise<Result<Visit>> {
    const result = await this.#backend.createVisit(draft)
    if (result.status === 'ok' && this.page) this.page.visits.push(result.data)
    return result
  }
}

/** Saves a household from the address form: creates it, or updates `id`. */
export function saveHousehold(
  backend: Backend,
  id: string | null,
  draft: Parameters<Backend['createHousehold']>[0],
): Promise<Result<Household>> {
  return id === null ? backend.createHousehold(draft) : backend.updateHousehold(id, draft)
}
