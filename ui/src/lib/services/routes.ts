// Screens are addressed by the URL hash ("#/household/h-0001") so links are
// real links and the back key works. Hashes not starting with "#/" are
// in-page anchors (skip link) and never change the route.

export type Route =
  | { name: 'today' }
  | { name: 'find' }
  | { name: 'settings' }
  | { name: 'household'; id: string }
  | { name: 'household-new' }
  | { name: 'household-edit'; id: string }
  | { name: 'not-found'; path: string }

export const HOME: Route = { name: 'today' }

export function isRouteHash(hash: string): boolean {
  return hash === '' || hash === '#' || hash.startsWith('#/')
}

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '')
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent)
  const [first, second, third] = parts
  if (parts.length === 0) return HOME
  if (parts.length === 1 && first === 'today') return { name: 'today' }
  if (parts.length === 1 && first === 'find') return { name: 'find' }
  if (parts.length === 1 && first === 'settings') return { name: 'settings' }
  if (first === 'household' && second === 'new' && parts.length === 2) {
    return { name: 'household-new' }
  }
  if (first === 'household' && second !== undefined && parts.length === 2) {
    return { name: 'household', id: second }
  }
  if (first === 'household' && second !== undefined && third === 'edit' && parts.length === 3) {
    return { name: 'household-edit', id: second }
  }
  return { name: 'not-found', path }
}

export function href(route: Route): string {
  switch (route.name) {
    case 'today':
      return '#/today'
    case 'find':
      return '#/find'
    case 'settings':
      return '#/settings'
    case 'household':
      return `#/household/${encodeURIComponent(route.id)}`
    case 'household-new':
      return '#/household/new'
    case 'household-edit':
      return `#/household/${encodeURIComponent(route.id)}/edit`
    case 'not-found':
      return `#${route.path}`
  }
}

/** Identity of a screen: navigating to the same key does not re-mount it. */
export function routeKey(route: Route): string {
  return href(route)
}

/** Which header item is current for a route. */
export function section(route: Route): 'today' | 'find' | 'settings' | null {
  switch (route.name) {
    case 'today':
      return 'today'
    case 'settings':
      return 'settings'
    case 'find':
    case 'household':
    case 'household-new':
    case 'household-edit':
      return 'find'
    case 'not-found':
      return null
  }
}
