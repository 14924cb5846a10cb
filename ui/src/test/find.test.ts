import { screen, waitFor, within } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import { renderApp } from './render'

async function openFind(options: Parameters<typeof renderApp>[0] = {}) {
  const app = renderApp({ state: 'unlocked', demo: true, ...options }, 0)
  await app.user.click(await screen.findByRole('link', { name: 'Find a household' }))
  await screen.findByRole('heading', { level: 1, name: 'Find a household' })
  return app
}

describe('Find a household', () => {
  it('announces how many results there are and lists them', async () => {
    const { user } = await openFind()
    await user.type(screen.getByRole('searchbox'), 'acacia')

    const status = document.getElementById('search-status')
    expect(status).toHaveAttribute('aria-live', 'polite')
    await waitFor(() => expect(status).toHaveTextContent('30 results'))
    const list = screen.getByRole('list', { name: 'Search results' })
    expect(within(list).getAllByRole('listitem')).toHaveLength(30)
  })

  it('says when nothing matches', async () => {
    const { user } = await openFind()
    await user.type(screen.getByRole('searchbox'), 'zzzz')
    await waitFor(() =>
      expect(document.getElementById('search-status')).toHaveTextContent('No results for “zzzz”'),
    )
  })

  it('moves from the search box into the results with the arrow keys, and back', async () => {
    const { user } = await openFind()
    const box = screen.getByRole('searchbox')
    await user.type(box, '1 acacia')
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
    const { user, fake } = await openFind()
    const household = fake.households[0]!
    await user.type(screen.getByRole('searchbox'), household.address_line_1)
    await user.click(
      await screen.findByRole('link', { name: new RegExp(household.address_line_1) }),
    )

    const heading = await screen.findByRole('heading', { level: 1, name: household.address_line_1 })
    expect(heading).toHaveAttribute('id', 'household-heading')
  })

  it('turns a gazetteer address into a household and opens it', async () => {
    const { user, fake } = await openFind()
    const before = fake.households.length
    // UPRN of "2 Acacia Avenue" in the demo gazetteer, not yet a household.
    await user.type(screen.getByRole('searchbox'), '990000000002')
    const list = await screen.findByRole('list', { name: 'Search results' })
    const item = await within(list).findByRole('listitem')
    expect(item).toHaveTextContent('Not yet a household')
    const button = within(item).getByRole('button', { name: '2 Acacia Avenue, Eastwick Vale' })

    await user.click(button)

    await screen.findByRole('heading', { level: 1, name: '2 Acacia Avenue' })
    expect(fake.households).toHaveLength(before + 1)
    expect(screen.getByText('Household added')).toBeInTheDocument()
  })
})
