import type {
  AppError,
  AppStatus,
  BackupReport,
  DemoReport,
  Household,
  HouseholdDraft,
  HouseholdPage,
  ImportProgress,
  ImportReport,
  PassphraseAssessment,
  Person,
  PersonDraft,
  SearchHit,
  Visit,
  VisitDraft,
  VisitWithAddress,
} from './types'

/** Same shape as the `Result` that tauri-specta generates for fallible commands. */
export type Result<T> = { status: 'ok'; data: T } | { status: 'error'; error: AppError }

export type Unsubscribe = () => void

/**
 * Everything the front end asks of the Rust side. One method per Tauri command,
 * plus the two native file pickers and the two events.
 *
 * Implementations never throw: failures come back as `{ status: 'error' }`.
 */
export interface Backend {
  appStatus(): Promise<Result<AppStatus>>
  assessPassphrase(passphrase: string): Promise<Result<PassphraseAssessment>>
  setUp(officerName: string, passphrase: string): Promise<Result<AppStatus>>
  unlock(passphrase: string): Promise<Result<AppStatus>>
  lock(): Promise<Result<AppStatus>>
  changePassphrase(current: string, replacement: string): Promise<Result<null>>
  /** Activity ping that postpones the idle lock. */
  touch(): Promise<Result<null>>
  setIdleLockMinutes(minutes: number): Promise<Result<AppStatus>>
  loadDemoData(): Promise<Result<DemoReport>>
  search(query: string): Promise<Result<SearchHit[]>>
  createHousehold(draft: HouseholdDraft): Promise<Result<Household>>
  createHouseholdFromGazetteer(uprn: string): Promise<Result<Household>>
  updateHousehold(id: string, draft: HouseholdDraft): Promise<Result<Household>>
  getHousehold(id: string): Promise<Result<HouseholdPage>>
  addPerson(draft: PersonDraft): Promise<Result<Person>>
  updatePerson(id: string, draft: PersonDraft): Promise<Result<Person>>
  createVisit(draft: VisitDraft): Promise<Result<Visit>>
  visitsForDay(date: string): Promise<Result<VisitWithAddress[]>>
  importGazetteer(path: string): Promise<Result<ImportReport>>
  backup(path: string): Promise<Result<BackupReport>>

  /** Native "open file" dialog for a gazetteer CSV. `data` is null when cancelled. */
  chooseGazetteerFile(): Promise<Result<string | null>>
  /** Native "save file" dialog for a backup. `data` is null when cancelled. */
  chooseBackupDestination(suggestedName: string): Promise<Result<string | null>>

  /** `import-progress` event. */
  onImportProgress(handler: (progress: ImportProgress) => void): Unsubscribe
  /**
   * `locked` event: the idle timer locked the store. `minutes` is the idle time that
   * passed, when the event says (its payload is `{ minutes }` or null).
   */
  onLocked(handler: (minutes: number | null) => void): Unsubscribe
}

export function ok<T>(data: T): Result<T> {
  return { status: 'ok', data }
}

export function err<T = never>(error: AppError): Result<T> {
  return { status: 'error', error }
}

export function appError(
  code: AppError['code'],
  message: string,
  fields: AppError['fields'] = [],
  field: string | null = null,
): AppError {
  return { code, message, field, fields }
}
