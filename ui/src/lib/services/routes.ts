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
  | { name: 'survey'; id: string; section: string | null }
  | { name: 'plan'; id: string }
  | { name: 'plan-sign'; id: string }
  | { name: 'plan-follow-up'; id: string }
  | { name: 'approvals' }
  | { name: 'cocoon'; id: string }
  | { name: 'charlie'; householdId: string }
  | { name: 'referral-new'; householdId: string }
  | { name: 'referral'; id: string }
  | { name: 'days' }
  | { name: 'day'; id: string }
  | { name: 'sync' }
  | { name: 'conflicts' }
  | { name: 'my-team' }
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
  if (parts.length === 1 && first === 'approvals') return { name: 'approvals' }
  if (parts.length === 1 && first === 'days') return { name: 'days' }
  if (parts.length === 1 && first === 'sync') return { name: 'sync' }
  if (parts.length === 1 && first === 'conflicts') return { name: 'conflicts' }
  if (parts.length === 1 && first === 'my-team') return { name: 'my-team' }
  if (first === 'day' && second !== undefined && parts.length === 2) {
    return { name: 'day', id: second }
  }
  if (first === 'referral' && second !== undefined && parts.length === 2) {
    return { name: 'referral', id: second }
  }
  if (first === 'household' && second !== undefined && third === 'charlie' && parts.length === 3) {
    return { name: 'charlie', householdId: second }
  }
  if (first === 'household' && second !== undefined && third === 'referral' && parts.length === 3) {
    return { name: 'referral-new', householdId: second }
  }
  if (first === 'survey' && second !== undefined && parts.length <= 3) {
    return { name: 'survey', id: second, section: third ?? null }
  }
  if (first === 'plan' && second !== undefined && parts.length === 2) {
    return { name: 'plan', id: second }
  }
  if (first === 'plan' && second !== undefined && third === 'sign' && parts.length === 3) {
    return { name: 'plan-sign', id: second }
  }
  if (first === 'plan' && second !== undefined && third === 'follow-up' && parts.length === 3) {
    return { name: 'plan-follow-up', id: second }
  }
  if (first === 'cocoon' && second !== undefined && parts.length === 2) {
    return { name: 'cocoon', id: second }
  }
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
    case 'survey':
      return route.section === null
        ? `#/survey/${encodeURIComponent(route.id)}`
        : `#/survey/${encodeURIComponent(route.id)}/${encodeURIComponent(route.section)}`
    case 'plan':
      return `#/plan/${encodeURIComponent(route.id)}`
    case 'plan-sign':
      return `#/plan/${encodeURIComponent(route.id)}/sign`
    case 'plan-follow-up':
      return `#/plan/${encodeURIComponent(route.id)}/follow-up`
    case 'approvals':
      return '#/approvals'
    case 'cocoon':
      return `#/cocoon/${encodeURIComponent(route.id)}`
    case 'charlie':
      return `#/household/${encodeURIComponent(route.householdId)}/charlie`
    case 'referral-new':
      return `#/household/${encodeURIComponent(route.householdId)}/referral`
    case 'referral':
      return `#/referral/${encodeURIComponent(route.id)}`
    case 'days':
      return '#/days'
    case 'day':
      return `#/day/${encodeURIComponent(route.id)}`
    case 'sync':
      return '#/sync'
    case 'conflicts':
      return '#/conflicts'
    case 'my-team':
      return '#/my-team'
    case 'not-found':
      return `#${route.path}`
  }
}

/** Identity of a screen: navigating to the same key does not re-mount it. */
export function routeKey(route: Route): string {
  // Moving between a survey's sections keeps the screen (and its unsaved typing).
  if (route.name === 'survey') return `#/survey/${encodeURIComponent(route.id)}`
  return href(route)
}

/** Which header item is current for a route. */
export function section(route: Route): 'today' | 'find' | 'days' | 'team' | 'settings' | null {
  switch (route.name) {
    case 'days':
    case 'day':
      return 'days'
    case 'today':
    case 'approvals':
      return 'today'
    case 'settings':
      return 'settings'
    case 'my-team':
      return 'team'
    case 'find':
    case 'household':
    case 'household-new':
    case 'household-edit':
    case 'survey':
    case 'plan':
    case 'plan-sign':
    case 'plan-follow-up':
    case 'cocoon':
    case 'charlie':
    case 'referral-new':
    case 'referral':
      return 'find'
    // The sync screens belong to the header's sync indicator, not to a menu item.
    case 'sync':
    case 'conflicts':
    case 'not-found':
      return null
  }
}
