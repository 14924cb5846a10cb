import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ok, type Result } from '$lib/backend/backend'
import { FakeBackend } from '$lib/backend/fake'
import type { SearchHit } from '$lib/backend/types'
import { SearchStore } from './search.svelte'

function hit(address: string): SearchHit {
  return {
    kind: 'household',
    household_id: address,
    uprn: null,
    address,
    postcode: 'ZY18 9ZA',
    residents: [],
  }
}

/** A search whose answers arrive only when the test says so. */
function controlledSearch(backend: FakeBackend) {
  const pending = new Map<string, (r: Result<SearchHit[]>) => void>()
  const spy = vi
    .spyOn(backend, 'search')
    .mockImplementation((query: string) => new Promise((resolve) => pending.set(query, resolve)))
  return {
    spy,
    answer(query: string, hits: SearchHit[]) {
      const resolve = pending.get(query)
      if (!resolve) throw new Error(`no search in flight for "${query}"`)
      resolve(ok(hits))
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
    const backend = new FakeBackend({ state: 'unlocked' })
    const search = new SearchStore(backend, 150)
    const spy = vi.spyOn(backend, 'search')

    for (const query of ['a', 'ac', 'aca', 'acac']) {
      search.setQuery(query)
      await vi.advanceTimersByTimeAsync(100)
    }
    expect(spy).not.toHaveBeenCalled()

    await vi.advanceTimersByTimeAsync(150)
    expect(spy).toHaveBeenCalledTimes(1)
    expect(spy).toHaveBeenCalledWith('acac')
  })

  it('shows only the answer to the latest query when answers arrive out of order', async () => {
    const backend = new FakeBackend({ state: 'unlocked' })
    const search = new SearchStore(backend, 150)
    const control = controlledSearch(backend)

    search.setQuery('acacia')
    await vi.advanceTimersByTimeAsync(150)
    search.setQuery('beech')
    await vi.advanceTimersByTimeAsync(150)
    expect(control.spy).toHaveBeenCalledTimes(2)

    control.answer('beech', [hit('1 Beech Close')])
    await vi.runAllTimersAsync()
    control.answer('acacia', [hit('1 Acacia Avenue'), hit('2 Acacia Avenue')])
    await vi.runAllTimersAsync()

    expect(search.hits.map((h) => h.address)).toEqual(['1 Beech Close'])
    expect(search.answered).toBe('beech')
    expect(search.pending).toBe(false)
  })

  it('clearing the query drops results, and a late answer does not bring them back', async () => {
    const backend = new FakeBackend({ state: 'unlocked' })
    const search = new SearchStore(backend, 150)
    const control = controlledSearch(backend)

    search.setQuery('acacia')
    await vi.advanceTimersByTimeAsync(150)
    search.setQuery('')
    control.answer('acacia', [hit('1 Acacia Avenue')])
    await vi.runAllTimersAsync()

    expect(search.hits).toEqual([])
    expect(search.answered).toBeNull()
  })
})
