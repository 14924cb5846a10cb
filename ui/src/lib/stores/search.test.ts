import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ok, type Result } from '$lib/backend/backend'
import { Stub } from '$lib/backend/stub'
import type { SearchHit } from '$lib/backend/types'
import { fixture } from '../../test/recorded'
import { SearchStore } from './search.svelte'

/** Two searches recorded in the sync scenario, each finding a household on its street. */
const FOUND = 'Acacia'
const OTHER = 'Beech'

async function demoArea(): Promise<Stub> {
  return new Stub(await fixture('sync'), { from: 'synced' })
}

/** A search whose recorded answers arrive only when the test says so. */
function controlledSearch(stub: Stub) {
  const pending = new Map<string, (r: Result<SearchHit[]>) => void>()
  const spy = vi
    .spyOn(stub.backend, 'search')
    .mockImplementation((query: string) => new Promise((resolve) => pending.set(query, resolve)))
  return {
    spy,
    answer(query: string) {
      const resolve = pending.get(query)
      if (!resolve) throw new Error(`no search in flight for "${query}"`)
      resolve(ok(stub.result<SearchHit[]>('search', { query })))
    },
  }
}

describe('SearchStore', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('waits for a pause in typing and searches once, for what was finally typed', async () => {
    const stub = await demoArea()
    const search = new SearchStore(stub.backend, 150)

    for (const query of ['A', 'Ac', 'Aca', FOUND]) {
      search.setQuery(query)
      await vi.advanceTimersByTimeAsync(100)
    }
    expect(stub.sent('search')).toEqual([])

    await vi.advanceTimersByTimeAsync(150)
    expect(stub.sent('search')).toEqual([{ query: FOUND }])
    await vi.runAllTimersAsync()
    expect(search.hits).toEqual(stub.result('search', { query: FOUND }))
    expect(search.hits.length).toBeGreaterThan(0)
  })

  it('shows only the answer to the latest query when answers arrive out of order', async () => {
    const stub = await demoArea()
    const search = new SearchStore(stub.backend, 150)
    const control = controlledSearch(stub)

    search.setQuery(FOUND)
    await vi.advanceTimersByTimeAsync(150)
    search.setQuery(OTHER)
    await vi.advanceTimersByTimeAsync(150)
    expect(control.spy).toHaveBeenCalledTimes(2)

    control.answer(OTHER)
    await vi.runAllTimersAsync()
    control.answer(FOUND)
    await vi.runAllTimersAsync()

    expect(search.hits.map((h) => h.address)).toEqual(['7 Beech Close, Eastwick Vale'])
    expect(search.answered).toBe(OTHER)
    expect(search.pending).toBe(false)
  })

  it('clearing the query drops results, and a late answer does not bring them back', async () => {
    const stub = await demoArea()
    const search = new SearchStore(stub.backend, 150)
    const control = controlledSearch(stub)

    search.setQuery(FOUND)
    await vi.advanceTimersByTimeAsync(150)
    search.setQuery('')
    control.answer(FOUND)
    await vi.runAllTimersAsync()

    expect(search.hits).toEqual([])
    expect(search.answered).toBeNull()
  })
})
