import { invoke, type InvokeArgs } from '@tauri-apps/api/core'
import { listen, type UnlistenFn } from '@tauri-apps/api/event'
import { open, save } from '@tauri-apps/plugin-dialog'
import { appError, err, ok, type Backend, type Result, type Unsubscribe } from './backend'
import type { AppError, ErrorCode, ImportProgress } from './types'

const ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'wrong_passphrase',
  'weak_passphrase',
  'not_set_up',
  'already_set_up',
  'locked',
  'data_folder_in_use',
  'not_doorstep_data',
  'corrupt_data',
  'schema_too_new',
  'validation',
  'not_found',
  'import_header',
  'io',
  'internal',
])

/**
 * The Rust side rejects with an `AppError` object. Anything else (a panic, a
 * missing command, a capability the window lacks) arrives as a string; it is
 * reported as `internal` so the UI still has a code to branch on.
 */
export function toAppError(reason: unknown): AppError {
  if (typeof reason === 'object' && reason !== null) {
    const r = reason as Record<string, unknown>
    if (typeof r.code === 'string' && typeof r.message === 'string') {
      const code = ERROR_CODES.has(r.code) ? (r.code as ErrorCode) : 'internal'
      const fields = Array.isArray(r.fields)
        ? r.fields.filter(
            (f): f is { field: string; message: string } =>
              typeof f === 'object' &&
              f !== null &&
              typeof (f as Record<string, unknown>).field === 'string' &&
              typeof (f as Record<string, unknown>).message === 'string',
          )
        : []
      const field = typeof r.field === 'string' ? r.field : null
      return appError(code, r.message, fields, field)
    }
  }
  const text = reason instanceof Error ? reason.message : String(reason)
  return appError('internal', text || 'Doorstep could not complete that request.')
}

async function call<T>(command: string, args?: InvokeArgs): Promise<Result<T>> {
  try {
    return ok(await invoke<T>(command, args))
  } catch (reason) {
    return err(toAppError(reason))
  }
}

async function dialog(run: () => Promise<string | null>): Promise<Result<string | null>> {
  try {
    return ok(await run())
  } catch (reason) {
    return err(toAppError(reason))
  }
}

/** Subscribe synchronously; the returned function works even before `listen` settles. */
function subscribe<T>(event: string, handler: (payload: T) => void): Unsubscribe {
  let unlisten: UnlistenFn | null = null
  let cancelled = false
  listen<T>(event, (e) => handler(e.payload)).then(
    (fn) => {
      if (cancelled) fn()
      else unlisten = fn
    },
    (reason: unknown) => {
      console.error(`Could not listen for "${event}"`, reason)
    },
  )
  return () => {
    cancelled = true
    unlisten?.()
    unlisten = null
  }
}

/** The real backend: Tauri commands, events and the dialog plugin. */
export function createTauriBackend(): Backend {
  return {
    appStatus: () => call('app_status'),
    assessPassphrase: (passphrase) => call('assess_passphrase', { passphrase }),
    setUp: (officerName, passphrase) => call('set_up', { officerName, passphrase }),
    unlock: (passphrase) => call('unlock', { passphrase }),
    lock: () => call('lock'),
    changePassphrase: (current, replacement) =>
      call('change_passphrase', { current, replacement }),
    touch: () => call('touch'),
    setIdleLockMinutes: (minutes) => call('set_idle_lock_minutes', { minutes }),
    loadDemoData: () => call('load_demo_data'),
    search: (query) => call('search', { query }),
    createHousehold: (draft) => call('create_household', { draft }),
    createHouseholdFromGazetteer: (uprn) => call('create_household_from_gazetteer', { uprn }),
    updateHousehold: (id, draft) => call('update_household', { id, draft }),
    getHousehold: (id) => call('get_household', { id }),
    addPerson: (draft) => call('add_person', { draft }),
    updatePerson: (id, draft) => call('update_person', { id, draft }),
    createVisit: (draft) => call('create_visit', { draft }),
    visitsForDay: (date) => call('visits_for_day', { date }),
    importGazetteer: (path) => call('import_gazetteer', { path }),
    backup: (path) => call('backup', { path }),

    chooseGazetteerFile: () =>
      dialog(() =>
        open({
          title: 'Choose a gazetteer CSV file',
          multiple: false,
          directory: false,
          filters: [{ name: 'CSV files', extensions: ['csv', 'CSV'] }],
        }),
      ),
    chooseBackupDestination: (suggestedName) =>
      dialog(() => save({ title: 'Save a backup of Doorstep', defaultPath: suggestedName })),

    onImportProgress: (handler) => subscribe<ImportProgress>('import-progress', handler),
    onLocked: (handler) => subscribe<null>('locked', () => handler()),
  }
}
