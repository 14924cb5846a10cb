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
  Officer,
  PassphraseAssessment,
  Person,
  PersonDraft,
  Role,
  SearchHit,
  Visit,
  VisitDraft,
  VisitWithAddress,
  AnswerValue,
  CocoonOutcome,
  CocoonPage,
  CocoonSummary,
  FollowUpFindings,
  PlanEdit,
  PlanPage,
  PlanStatus,
  PlanStep,
  PlanSummary,
  ReferenceProblem,
  Survey,
  SurveyPage,
  SurveyPhoto,
  SurveyState,
  SavedDocument,
  BatchReport,
  DocumentProgressEvent,
  AgencyDirectory,
  BasisRecord,
  CharlieDraft,
  CharlieResult,
  CharlieTemplate,
  Consent,
  DayOfAction,
  DayOfActionDraft,
  DayOfActionPage,
  DayOfActionSummaryRow,
  DoorRow,
  DoorsAdded,
  KnockDraft,
  ReferralDraft,
  ReferralPage,
  ReferralStep,
  ReferralSummary,
  TeamReport,
} from './types'
import type { ConflictChoice, ConflictView, SetAsideView, SyncStatus } from './sync-types'

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
  /** First run: creates the store for its first user, who works in `role`. */
  setUp(officerName: string, role: Role, passphrase: string): Promise<Result<AppStatus>>
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
  /** Adds a person who unlocks this laptop with their own passphrase. */
  addUser(name: string, role: Role, passphrase: string): Promise<Result<Officer>>
  /** The people who can unlock this laptop, by name. */
  listUsers(): Promise<Result<Officer[]>>

  // Home security: survey, plan, signature, approval, follow-up, cocoon.
  referenceProblems(): Promise<Result<ReferenceProblem[]>>
  reloadReferenceData(): Promise<Result<ReferenceProblem[]>>
  startSurvey(householdId: string, visitId: string | null): Promise<Result<SurveyPage>>
  getSurvey(id: string): Promise<Result<SurveyPage>>
  surveysForHousehold(householdId: string): Promise<Result<Survey[]>>
  /** Autosaves one top-level answer (a whole group for repeatable items); null clears it. */
  saveAnswer(
    surveyId: string,
    item: string,
    value: AnswerValue | null,
  ): Promise<Result<SurveyState>>
  saveSectionNote(surveyId: string, section: string, note: string): Promise<Result<SurveyState>>
  addSurveyPhoto(surveyId: string, item: string, path: string): Promise<Result<SurveyPhoto>>
  /** A stored photo or signature as a `data:` URL. */
  attachmentDataUrl(sha256: string): Promise<Result<string>>
  draftPlan(surveyId: string): Promise<Result<PlanPage>>
  getPlan(id: string): Promise<Result<PlanPage>>
  editPlan(id: string, edit: PlanEdit): Promise<Result<PlanPage>>
  agreePlan(
    id: string,
    residentName: string,
    signaturePngBase64: string,
    disclaimerVersion: string,
  ): Promise<Result<PlanPage>>
  planStep(id: string, step: PlanStep): Promise<Result<PlanPage>>
  plansWithStatus(status: PlanStatus): Promise<Result<PlanSummary[]>>
  plansForHousehold(householdId: string): Promise<Result<PlanSummary[]>>
  recordFollowUp(id: string, findings: FollowUpFindings): Promise<Result<PlanPage>>
  openCocoon(householdId: string): Promise<Result<CocoonPage>>
  getCocoon(id: string): Promise<Result<CocoonPage>>
  recordCocoonOutcome(doorId: string, outcome: CocoonOutcome): Promise<Result<CocoonPage>>
  /** Open cocoons of every household (null), or every cocoon of one household. */
  cocoons(householdId: string | null): Promise<Result<CocoonSummary[]>>

  // Fire safety: CHARLIE, referrals, days of action.
  charlieTemplate(): Promise<Result<CharlieTemplate>>
  agencies(): Promise<Result<AgencyDirectory>>
  saveCharlieCheck(draft: CharlieDraft): Promise<Result<CharlieResult>>
  charlieChecksForHousehold(householdId: string): Promise<Result<CharlieResult[]>>
  draftReferral(draft: ReferralDraft): Promise<Result<ReferralPage>>
  getReferral(id: string): Promise<Result<ReferralPage>>
  /** Records consent and/or a lawful basis on a draft referral. */
  recordReferralAuthority(
    id: string,
    consent: Consent | null,
    lawfulBasis: BasisRecord | null,
  ): Promise<Result<ReferralPage>>
  referralStep(id: string, step: ReferralStep): Promise<Result<ReferralPage>>
  referralsForHousehold(householdId: string): Promise<Result<ReferralSummary[]>>
  overdueReferralList(): Promise<Result<ReferralSummary[]>>
  /** Referrals sent on this laptop that wait for the next sync, oldest first. */
  queuedReferralList(): Promise<Result<ReferralSummary[]>>
  createDayOfAction(draft: DayOfActionDraft): Promise<Result<DayOfAction>>
  daysOfAction(): Promise<Result<DayOfActionSummaryRow[]>>
  getDayOfAction(id: string): Promise<Result<DayOfActionPage>>
  addDayDoors(dayId: string, streetOrPostcode: string): Promise<Result<DoorsAdded>>
  importDayDoors(dayId: string, path: string): Promise<Result<DoorsAdded>>
  recordKnock(dayId: string, doorId: string, knock: KnockDraft): Promise<Result<DoorRow>>
  /** Writes the day's summary CSV at `path`; returns where it was saved. */
  saveDaySummaryCsv(dayId: string, path: string): Promise<Result<string>>
  /** The supervisor's My team figures and charts for a period code (null: this quarter). */
  teamReport(period: string | null): Promise<Result<TeamReport>>
  /** Writes one My team chart's table as CSV at `path`; returns where it was saved. */
  saveTeamChartCsv(period: string | null, chartId: string, path: string): Promise<Result<string>>
  /** Native "open file" dialog for a CSV of door UPRNs. `data` is null when cancelled. */
  chooseDoorListFile(): Promise<Result<string | null>>
  /** Native "save file" dialog for a CSV. `data` is null when cancelled. */
  chooseCsvDestination(suggestedName: string): Promise<Result<string | null>>

  /** Saves the resident's copy of a plan as a PDF at `path`. */
  saveResidentPlan(planId: string, path: string): Promise<Result<SavedDocument>>
  /** Saves a referral's form as a PDF at `path` (for agencies that take referrals by email). */
  saveReferralPdf(referralId: string, path: string): Promise<Result<SavedDocument>>
  /** Saves a day of action's summary and referral forms into `folder`, with progress events. */
  saveDayDocuments(dayId: string, folder: string): Promise<Result<BatchReport>>
  /** Native "choose a folder" dialog. `data` is null when cancelled. */
  chooseFolder(title: string): Promise<Result<string | null>>
  /** `document-progress` event while a batch of documents is made. */
  onDocumentProgress(handler: (progress: DocumentProgressEvent) => void): Unsubscribe
  /** Opens a document saved in this session in the system viewer, to read or print. */
  openDocument(path: string): Promise<Result<null>>
  /** Native "save file" dialog for a PDF. `data` is null when cancelled. */
  chooseDocumentDestination(suggestedName: string): Promise<Result<string | null>>

  /** Native "open file" dialog for a photo. `data` is null when cancelled. */
  choosePhotoFile(): Promise<Result<string | null>>
  /** Native "open file" dialog for a gazetteer CSV. `data` is null when cancelled. */
  chooseGazetteerFile(): Promise<Result<string | null>>
  /** Native "save file" dialog for a backup. `data` is null when cancelled. */
  chooseBackupDestination(suggestedName: string): Promise<Result<string | null>>

  /** `import-progress` event. */
  onImportProgress(handler: (progress: ImportProgress) => void): Unsubscribe

  // Sync with the council hub (types in ./sync-types until bindings.ts has them).
  /** Enrols this laptop with the hub using a one-time code from its administrator. */
  hubEnrol(hubUrl: string, code: string): Promise<Result<SyncStatus>>
  /** What sync is doing, for the header indicator and the Sync screen. */
  syncStatus(): Promise<Result<SyncStatus>>
  /** Syncs now; resolves when the sync has finished or failed (progress comes as events). */
  syncNow(): Promise<Result<SyncStatus>>
  /** Changes the hub could no longer take (their record moved to another team): the
   * signed-in person's own, or all of them for a supervisor. */
  setAsideChanges(): Promise<Result<SetAsideView[]>>
  /** Removes one the signed-in person made (any, for a supervisor) once passed on;
   * answers with the list as it now is. */
  discardSetAsideChange(id: string): Promise<Result<SetAsideView[]>>
  /** Open and decided conflicts; supervisors only (others get `not_allowed`). */
  conflicts(): Promise<Result<ConflictView[]>>
  /** Decides a conflict; answers with the conflicts as they now are. */
  resolveConflict(id: string, choice: ConflictChoice): Promise<Result<ConflictView[]>>
  /** `sync-status` event: the background sync changed something (including progress). */
  onSyncStatus(handler: (status: SyncStatus) => void): Unsubscribe

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
