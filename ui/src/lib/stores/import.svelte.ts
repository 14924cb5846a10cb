import type { Backend, Unsubscribe } from '$lib/backend/backend'
import type { AppError, ImportProgress, ImportReport } from '$lib/backend/types'

export type ImportPhase = 'idle' | 'choosing' | 'importing' | 'done' | 'failed'

/** File name from a path, for "Importing gazetteer.csv". */
export function fileName(path: string): string {
  return path.split(/[\\/]/).pop() || path
}

/**
 * A gazetteer import. Lives as long as the app (not the Settings screen) so
 * an officer can look elsewhere while it runs and come back to its progress.
 */
export class ImportStore {
  phase = $state<ImportPhase>('idle')
  path = $state<string | null>(null)
  progress = $state.raw<ImportProgress | null>(null)
  report = $state.raw<ImportReport | null>(null)
  error = $state.raw<AppError | null>(null)

  readonly #backend: Backend
  #unsubscribe: Unsubscribe | null = null
  #run = 0

  constructor(backend: Backend) {
    this.#backend = backend
  }

  get busy(): boolean {
    return this.phase === 'choosing' || this.phase === 'importing'
  }

  /** Ask for a file, then import it. Does nothing if the dialog is cancelled. */
  async chooseAndImport(): Promise<void> {
    if (this.busy) return
    const run = ++this.#run
    const previous = this.phase
    this.phase = 'choosing'
    const chosen = await this.#backend.chooseGazetteerFile()
    if (run !== this.#run) return
    if (chosen.status === 'error') {
      this.#fail(chosen.error)
      return
    }
    if (chosen.data === null) {
      this.phase = previous === 'choosing' ? 'idle' : previous
      return
    }
    await this.#import(run, chosen.data)
  }

  async #import(run: number, path: string): Promise<void> {
    this.path = path
    this.report = null
    this.error = null
    this.progress = null
    this.phase = 'importing'
    this.#unsubscribe = this.#backend.onImportProgress((p) => {
      if (run === this.#run) this.progress = p
    })
    const result = await this.#backend.importGazetteer(path)
    this.#unsubscribe?.()
    this.#unsubscribe = null
    if (run !== this.#run) return
    if (result.status === 'ok') {
      this.report = result.data
      this.phase = 'done'
    } else {
      this.#fail(result.error)
    }
  }

  #fail(error: AppError) {
    this.error = error
    this.phase = 'failed'
  }

  /** Forget everything (on lock); an import still running in Rust is no longer shown. */
  reset(): void {
    this.#run++
    this.#unsubscribe?.()
    this.#unsubscribe = null
    this.phase = 'idle'
    this.path = null
    this.progress = null
    this.report = null
    this.error = null
  }
}
