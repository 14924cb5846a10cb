// Finding a household against what the real search answered
// (ui/src/test/fixtures/find.json, the demo area): which hits, how many and in what order
// are Rust's.

import { screen, waitFor, within } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import type { Household, SearchHit } from '$lib/backend/types'
import { renderRecorded } from './render'

async function openFind() {
  const app = await renderRecorded('find')
  await app.user.click(await screen.findByRole('link', { name: 'Find a household' }))
  await screen.findByRole('heading', { level: 1, name: 'Find a household' })
  return app
}

describe('Find a household', () => {
  it('announces how many results there are and lists them', async () => {
    const { user, stub } = await openFind()
    const hits = stub.result<SearchHit[]>('search', { query: 'Lantern' })
    expect(hits.length).toBeGreaterThan(1)
    await user.type(screen.getByRole('searchbox'), 'Lantern')

    const status = document.getElementById('search-status')
    expect(status).toHaveAttribute('aria-live', 'polite')
    await waitFor(() => expect(status).toHaveTextContent(`${hits.length} results`))
    const list = screen.getByRole('list', { name: 'Search results' })
    const items = within(list).getAllByRole('listitem')
    expect(items).toHaveLength(hits.length)
    expect(items[0]).toHaveTextContent(hits[0]!.address)
  })

  it('says when nothing matches', async () => {
    const { user, stub } = await openFind()
    expect(stub.result<SearchHit[]>('search', { query: 'zzzz' })).toEqual([])
    await user.type(screen.getByRole('searchbox'), 'zzzz')
    await waitFor(() =>
      expect(document.getElementById('search-status')).toHaveTextContent('No results for “zzzz”'),
    )
  })

  it('moves from the search box into the results with the arrow keys, and back', async () => {
    const { user } = await openFind()
    const box = screen.getByRole('searchbox')
    await user.type(box, '1 Lantern')
    await waitFor(() =>
      expect(document.getElementById('search-status')).toHaveTextContent(/result/),
    )
    const list = screen.getByRole('list', { name: 'Search results' })
    const [first, second] = Array.from(list.querySelectorAll<HTMLElement>('a, button'))

    await user.keyboard('{ArrowDown}')
    expect(first).toHaveFocus()
    await user.keyboard('{ArrowDown}')
    expect(second).toHaveFocus()
    await user.keyboard('{ArrowUp}{ArrowUp}')
    expect(box).toHaveFocus()
  })

  it('opens a household hit on its page', async () => {
    const { user, stub } = await openFind()
    const hit = stub
      .result<SearchHit[]>('search', { query: 'Lantern' })
      .find((h) => h.kind === 'household')!
    const line1 = hit.address.split(',')[0]!
    await user.type(screen.getByRole('searchbox'), 'Lantern')
    await user.click(await screen.findByRole('link', { name: new RegExp(`^${line1}`) }))

    const heading = await screen.findByRole('heading', { level: 1, name: line1 })
    expect(heading).toHaveAttribute('id', 'household-heading')
    expect(window.location.hash).toBe(`#/household/${hit.household_id}`)
    expect(stub.unanswered).toEqual([])
  })

  it('turns a gazetteer address into a household and opens it', async () => {
    const { user, stub } = await openFind()
    const place = stub
      .result<SearchHit[]>('search', { query: 'Lantern' })
      .find((h) => h.kind === 'gazetteer')!
    const line1 = place.address.split(',')[0]!
    await user.type(screen.getByRole('searchbox'), line1)
    const list = await screen.findByRole('list', { name: 'Search results' })
    // The same street name is in more than one postcode district: the postcode tells them apart.
    const buttons = await within(list).findAllByRole('button', { name: place.address })
    const button = buttons.find((b) => b.closest('li')?.textContent?.includes(place.postcode))!
    expect(button.closest('li')).toHaveTextContent('Not yet a household')

    await user.click(button)

    await screen.findByRole('heading', { level: 1, name: line1 })
    expect(stub.sent('create_household_from_gazetteer')).toEqual([{ uprn: place.uprn }])
    const made = stub.result<Household>('create_household_from_gazetteer')
    expect(window.location.hash).toBe(`#/household/${made.id}`)
    expect(screen.getByText('Household added')).toBeInTheDocument()
    expect(stub.unanswered).toEqual([])
  })
})
