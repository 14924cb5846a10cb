import { HOME, href, isRouteHash, parseRoute, routeKey, type Route } from '$lib/services/routes'

/** A success message shown once by the screen that is navigated to. */
export type Flash = { heading: string; body?: string }

/**
 * The current screen, kept in step with `location.hash`. Navigation goes
 * through the hash so the back and forward keys work.
 */
export class Router {
  route = $state<Route>(HOME)
  flash = $state<Flash | null>(null)
  #pendingFlash: Flash | null = null
  readonly #window: Window

  constructor(win: Window = window) {
    this.#window = win
    this.route = isRouteHash(win.location.hash) ? parseRoute(win.location.hash) : HOME
    win.addEventListener('hashchange', this.#onHashChange)
  }

  get key(): string {
    return routeKey(this.route)
  }

  /** Go to a screen. `flash` is shown on arrival; `replace` keeps it out of history. */
  navigate(route: Route, options: { flash?: Flash; replace?: boolean } = {}): void {
    const target = href(route)
    this.#pendingFlash = options.flash ?? null
    if (this.#window.location.hash === target) {
      this.#apply(route)
      return
    }
    if (options.replace) {
      this.#window.history.replaceState(this.#window.history.state, '', target)
      this.#apply(route)
    } else {
      this.#window.location.hash = target
      // hashchange fires asynchronously; apply now so the caller sees the new route.
      this.#apply(route)
    }
  }

  destroy(): void {
    this.#window.removeEventListener('hashchange', this.#onHashChange)
  }

  #onHashChange = () => {
    const hash = this.#window.location.hash
    if (!isRouteHash(hash)) return
    const route = parseRoute(hash)
    if (routeKey(route) === this.key) return
    this.#pendingFlash = null
    this.#apply(route)
  }

  #apply(route: Route) {
    this.flash = this.#pendingFlash
    this.#pendingFlash = null
    this.route = route
  }
}
