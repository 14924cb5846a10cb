// Wire types shared with the Rust side (JSON shapes exactly as it sends them).
// This file will be replaced by re-exports of the tauri-specta bindings in
// `./bindings.ts`; keep every name identical so nothing else changes.

export type ErrorCode =
  | 'wrong_passphrase'
  | 'weak_passphrase'
  | 'not_set_up'
  | 'already_set_up'
  | 'locked'
  | 'data_folder_in_use'
  | 'not_doorstep_data'
  | 'corrupt_data'
  | 'schema_too_new'
  | 'validation'
  | 'not_found'
  | 'import_header'
  | 'io'
  | 'internal'
export type FieldError = { field: string; message: string }
export type AppError = { code: ErrorCode; message: string; field: string | null; fields: FieldError[] }
export type AppState = 'first_run' | 'locked' | 'unlocked'
export type AppStatus = {
  state: AppState
  data_folder: string
  officer_name: string | null
  idle_lock_minutes: number
  today: string /* YYYY-MM-DD local date */
}
export type PassphraseAssessment = {
  acceptable: boolean
  score: number /*0-4*/
  warning: string | null
  suggestions: string[]
}
export type Coordinates =
  | { kind: 'lat_long'; latitude: number; longitude: number }
  | { kind: 'grid'; easting: number; northing: number }
export type HouseholdDraft = {
  uprn: string
  address_line_1: string
  address_line_2: string
  address_line_3: string
  town: string
  postcode: string
  coordinates: Coordinates | null
}
export type Household = {
  id: string
  uprn: string | null
  address_line_1: string
  address_line_2: string | null
  address_line_3: string | null
  town: string
  postcode: string
  coordinates: Coordinates | null
  created_at: string
  updated_at: string
}
export type AgeBand =
  | 'under_18'
  | '18_to_34'
  | '35_to_49'
  | '50_to_64'
  | '65_to_74'
  | '75_to_84'
  | '85_plus'
export type ContactPreferences = { phone: boolean; text: boolean; email: boolean; letter: boolean }
export type PersonDraft = {
  household_id: string
  full_name: string
  phone: string
  email: string
  date_of_birth: string /* '' or YYYY-MM-DD */
  age_band: AgeBand | null
  preferred_language: string
  contact_preferences: ContactPreferences
}
export type Person = {
  id: string
  household_id: string
  full_name: string
  phone: string | null
  email: string | null
  date_of_birth: string | null
  age_band: AgeBand | null
  preferred_language: string | null
  contact_preferences: ContactPreferences
  created_at: string
  updated_at: string
}
export type VisitKind =
  | 'burglary_victim'
  | 'cocoon_neighbour'
  | 'day_of_action'
  | 'follow_up'
  | 'referral_visit'
export type VisitOutcome = 'completed' | 'no_answer' | 'declined' | 'rescheduled'
export type VisitDraft = {
  household_id: string
  kind: VisitKind
  visit_date: string /*YYYY-MM-DD*/
  outcome: VisitOutcome | null /* null = planned */
  notes: string
}
export type Visit = {
  id: string
  household_id: string
  kind: VisitKind
  visit_date: string
  officer_id: string
  officer_name: string
  outcome: VisitOutcome | null
  notes: string
  created_at: string
  updated_at: string
}
export type VisitWithAddress = { visit: Visit; address: string /* one line */; postcode: string }
export type HouseholdPage = { household: Household; persons: Person[]; visits: Visit[] }
export type SearchHitKind = 'household' | 'gazetteer'
export type SearchHit = {
  kind: SearchHitKind
  household_id: string | null
  uprn: string | null
  address: string
  postcode: string
  residents: string[]
}
export type RowError = { line: number; reason: string }
export type ImportReport = {
  rows_read: number
  imported: number
  rejected: RowError[] /* first 1000 */
  rejected_total: number
}
export type ImportProgress = { rows_read: number; bytes_read: number; total_bytes: number }
export type DemoReport = { gazetteer_entries: number; households: number; persons: number; visits: number }
export type BackupReport = { path: string; key_path: string; bytes: number }
