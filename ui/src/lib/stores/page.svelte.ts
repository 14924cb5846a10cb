/**
 * The page headings on show. The newest one is the page: it names the
 * document title and takes focus whenever it changes (a new screen, or the
 * screen underneath the Unlock screen coming back).
 */
export type HeadingEntry = { readonly title: string; readonly element: HTMLElement }

export class PageHeadings {
  #stack = $state.raw<HeadingEntry[]>([])

  get current(): HeadingEntry | null {
    return this.#stack.at(-1) ?? null
  }

  register(entry: HeadingEntry): () => void {
    this.#stack = [...this.#stack, entry]
    return () => {
      this.#stack = this.#stack.filter((e) => e !== entry)
    }
  }
}

export const APP_NAME = 'Doorstep'

export function documentTitle(title: string | null): string {
  return title ? `${title} – ${APP_NAME}` : APP_NAME
}
