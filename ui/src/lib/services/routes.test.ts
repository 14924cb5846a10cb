import { describe, expect, it } from 'vitest'
import { href, isRouteHash, parseRoute, type Route } from './routes'

describe('routes', () => {
  it('round-trips every screen through its hash', () => {
    const routes: Route[] = [
      { name: 'today' },
      { name: 'find' },
      { name: 'settings' },
      { name: 'household', id: 'h-0001' },
      { name: 'household-new' },
      { name: 'household-edit', id: 'a/b c' },
    ]
    for (const route of routes) expect(parseRoute(href(route))).toEqual(route)
  })

  it('treats an empty hash as Today and unknown paths as not found', () => {
    expect(parseRoute('')).toEqual({ name: 'today' })
    expect(parseRoute('#/nowhere')).toEqual({ name: 'not-found', path: '/nowhere' })
  })

  it('leaves in-page anchors alone', () => {
    expect(isRouteHash('#main-content')).toBe(false)
    expect(isRouteHash('#/find')).toBe(true)
  })
})
