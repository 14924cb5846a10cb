import { getContext, setContext } from 'svelte'
import type { Backend } from '$lib/backend/backend'
import type { ImportStore } from './import.svelte'
import type { PageHeadings } from './page.svelte'
import type { Router } from './router.svelte'
import type { SearchStore } from './search.svelte'
import type { Session } from './session.svelte'

export type AppContext = {
  /** Calls answered `locked` also lock the session. */
  backend: Backend
  session: Session
  router: Router
  search: SearchStore
  headings: PageHeadings
  imports: ImportStore
}

const KEY = Symbol('doorstep-app')

export function setAppContext(context: AppContext): AppContext {
  return setContext(KEY, context)
}

export function getAppContext(): AppContext {
  const context = getContext<AppContext | undefined>(KEY)
  if (!context) throw new Error('getAppContext() called outside <App>')
  return context
}
