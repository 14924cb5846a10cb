export type Debounced<A extends unknown[]> = ((...args: A) => void) & { cancel(): void }

/** Calls `fn` once `ms` have passed without another call. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): Debounced<A> {
  let timer: ReturnType<typeof setTimeout> | null = null
  const debounced = (...args: A) => {
    if (timer !== null) clearTimeout(timer)
    timer = setTimeout(() => {
      timer = null
      fn(...args)
    }, ms)
  }
  debounced.cancel = () => {
    if (timer !== null) clearTimeout(timer)
    timer = null
  }
  return debounced
}

/**
 * Lets a call through at most once per `ms` (the first one at once, the rest
 * dropped): right for "still here" pings, where only the latest time matters
 * and a trailing call would add nothing.
 */
export function throttle(fn: () => void, ms: number, now: () => number = Date.now): () => void {
  let last = -Infinity
  return () => {
    const t = now()
    if (t - last < ms) return
    last = t
    fn()
  }
}

/**
 * Hands out tickets so that only the newest request's answer is used:
 * `const t = latest.next(); …await…; if (!latest.isCurrent(t)) return`.
 */
export class Latest {
  #ticket = 0
  next(): number {
    return ++this.#ticket
  }
  /** Makes every ticket handed out so far stale. */
  invalidate(): void {
    this.#ticket++
  }
  isCurrent(ticket: number): boolean {
    return ticket === this.#ticket
  }
}
