import type { UnlistenFn } from '@tauri-apps/api/event'
import { open, save } from '@tauri-apps/plugin-dialog'
import { appError, err, ok, type Backend, type Result, type Unsubscribe } from './backend'
import { commands, events } from './bindings'
import type { AppError, ErrorCode } from './types'

// Every code, as an object typed by ErrorCode: a code Rust adds and this list lacks fails
// the type check instead of arriving as `internal`.
const KNOWN: Record<ErrorCode, true> = {
  wrong_passphrase: true,
  weak_passphrase: true,
  not_set_up: true,
  already_set_up: true,
  locked: true,
  data_folder_in_use: true,
  not_doorstep_data: true,
  corrupt_data: true,
  schema_too_new: true,
  validation: true,
  not_found: true,
  import_header: true,
  io: true,
  plan_rule: true,
  not_allowed: true,
  wrong_step: true,
  reference_data: true,
  restricted: true,
  hub_refused: true,
  offline: true,
  bad_period: true,
  internal: true,
}
const ERROR_CODES: ReadonlySet<string> = new Set(Object.keys(KNOWN))

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

/** Turns a generated command's result into ours, mapping every failure to an AppError. */
async function run<T>(
  pending: Promise<{ status: 'ok'; data: T } | { status: 'error'; error: AppError }>,
): Promise<Result<T>> {
  try {
    const result = await pending
    return result.status === 'ok' ? ok(result.data) : err(toAppError(result.error))
  } catch (reason) {
    return err(toAppError(reason))
  }
}

/** For commands that cannot fail on the Rust side (only IPC itself can). */
async function infallible<T>(pending: Promise<T>): Promise<Result<T>> {
  try {
    return ok(await pending)
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
function subscribe<T>(
  event: { listen: (cb: (e: { payload: T }) => void) => Promise<UnlistenFn> },
  name: string,
  handler: (payload: T) => void,
): Unsubscribe {
  let unlisten: UnlistenFn | null = null
  let cancelled = false
  event
    .listen((e) => handler(e.payload))
    .then(
      (fn) => {
        if (cancelled) fn()
        else unlisten = fn
      },
      (reason: unknown) => {
        console.error(`Could not listen for "${name}"`, reason)
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
    appStatus: () => run(commands.appStatus()),
    assessPassphrase: (passphrase) => infallible(commands.assessPassphrase(passphrase)),
    setUp: (officerName, role, passphrase) => run(commands.setUp(officerName, role, passphrase)),
    unlock: (passphrase) => run(commands.unlock(passphrase)),
    lock: () => run(commands.lock()),
    changePassphrase: (current, replacement) =>
      run(commands.changePassphrase(current, replacement)),
    touch: () => infallible(commands.touch().then(() => null)),
    setIdleLockMinutes: (minutes) => run(commands.setIdleLockMinutes(minutes)),
    loadDemoData: () => run(commands.loadDemoData()),
    search: (query) => run(commands.search(query)),
    createHousehold: (draft) => run(commands.createHousehold(draft)),
    createHouseholdFromGazetteer: (uprn) => run(commands.createHouseholdFromGazetteer(uprn)),
    updateHousehold: (id, draft) => run(commands.updateHousehold(id, draft)),
    getHousehold: (id) => run(commands.getHousehold(id)),
    addPerson: (draft) => run(commands.addPerson(draft)),
    updatePerson: (id, draft) => run(commands.updatePerson(id, draft)),
    createVisit: (draft) => run(commands.createVisit(draft)),
    visitsForDay: (date) => run(commands.visitsForDay(date)),
    importGazetteer: (path) => run(commands.importGazetteer(path)),
    backup: (path) => run(commands.backup(path)),
    referenceProblems: () => infallible(commands.referenceProblems()),
    reloadReferenceData: () => infallible(commands.reloadReferenceData()),
    startSurvey: (householdId, visitId) => run(commands.startSurvey(householdId, visitId)),
    getSurvey: (id) => run(commands.getSurvey(id)),
    surveysForHousehold: (householdId) => run(commands.surveysForHousehold(householdId)),
    saveAnswer: (surveyId, item, value) => run(commands.saveAnswer(surveyId, item, value)),
    saveSectionNote: (surveyId, section, note) =>
      run(commands.saveSectionNote(surveyId, section, note)),
    addSurveyPhoto: (surveyId, item, path) => run(commands.addSurveyPhoto(surveyId, item, path)),
    attachmentDataUrl: (sha256) => run(commands.attachmentDataUrl(sha256)),
    draftPlan: (surveyId) => run(commands.draftPlan(surveyId)),
    getPlan: (id) => run(commands.getPlan(id)),
    editPlan: (id, edit) => run(commands.editPlan(id, edit)),
    agreePlan: (id, residentName, signature, disclaimerVersion) =>
      run(commands.agreePlan(id, residentName, signature, disclaimerVersion)),
    planStep: (id, step) => run(commands.planStep(id, step)),
    plansWithStatus: (status) => run(commands.plansWithStatus(status)),
    plansForHousehold: (householdId) => run(commands.plansForHousehold(householdId)),
    recordFollowUp: (id, findings) => run(commands.recordFollowUp(id, findings)),
    openCocoon: (householdId) => run(commands.openCocoon(householdId)),
    getCocoon: (id) => run(commands.getCocoon(id)),
    recordCocoonOutcome: (doorId, outcome) => run(commands.recordCocoonOutcome(doorId, outcome)),
    cocoons: (householdId) => run(commands.cocoons(householdId)),
    charlieTemplate: () => infallible(commands.charlieTemplate()),
    agencies: () => infallible(commands.agencies()),
    saveCharlieCheck: (draft) => run(commands.saveCharlieCheck(draft)),
    charlieChecksForHousehold: (householdId) =>
      run(commands.charlieChecksForHousehold(householdId)),
    draftReferral: (draft) => run(commands.draftReferral(draft)),
    getReferral: (id) => run(commands.getReferral(id)),
    recordReferralAuthority: (id, consent, lawfulBasis) =>
      run(commands.recordReferralAuthority(id, consent, lawfulBasis)),
    referralStep: (id, step) => run(commands.referralStep(id, step)),
    referralsForHousehold: (householdId) => run(commands.referralsForHousehold(householdId)),
    overdueReferralList: () => run(commands.overdueReferralList()),
    queuedReferralList: () => run(commands.queuedReferralList()),
    createDayOfAction: (draft) => run(commands.createDayOfAction(draft)),
    daysOfAction: () => run(commands.daysOfAction()),
    getDayOfAction: (id) => run(commands.getDayOfAction(id)),
    addDayDoors: (dayId, query) => run(commands.addDayDoors(dayId, query)),
    importDayDoors: (dayId, path) => run(commands.importDayDoors(dayId, path)),
    recordKnock: (dayId, doorId, knock) => run(commands.recordKnock(dayId, doorId, knock)),
    saveDaySummaryCsv: (dayId, path) => run(commands.saveDaySummaryCsv(dayId, path)),
    teamReport: (period) => run(commands.teamReport(period)),
    saveTeamChartCsv: (period, chartId, path) =>
      run(commands.saveTeamChartCsv(period, chartId, path)),
    chooseDoorListFile: () =>
      dialog(() =>
        open({
          title: 'Choose a CSV of addresses (with a uprn column)',
          multiple: false,
          directory: false,
          filters: [{ name: 'CSV files', extensions: ['csv', 'CSV'] }],
        }),
      ),
    chooseCsvDestination: (suggestedName) =>
      dialog(() =>
        save({
          title: 'Save the summary',
          defaultPath: suggestedName,
          filters: [{ name: 'CSV files', extensions: ['csv'] }],
        }),
      ),
    saveResidentPlan: (planId, path) => run(commands.saveResidentPlan(planId, path)),
    openDocument: (path) => run(commands.openDocument(path)),
    saveReferralPdf: (referralId, path) => run(commands.saveReferralPdf(referralId, path)),
    saveDayDocuments: (dayId, folder) => run(commands.saveDayDocuments(dayId, folder)),
    chooseFolder: (title) => dialog(() => open({ title, multiple: false, directory: true })),
    onDocumentProgress: (handler) =>
      subscribe(events.documentProgress, 'document-progress', handler),
    chooseDocumentDestination: (suggestedName) =>
      dialog(() =>
        save({
          title: 'Save the document',
          defaultPath: suggestedName,
          filters: [{ name: 'PDF documents', extensions: ['pdf'] }],
        }),
      ),
    hubEnrol: (hubUrl, code) => run(commands.hubEnrol(hubUrl, code)),
    syncStatus: () => run(commands.syncStatus()),
    syncNow: () => run(commands.syncNow()),
    setAsideChanges: () => run(commands.setAsideChanges()),
    discardSetAsideChange: (id) => run(commands.discardSetAsideChange(id)),
    conflicts: () => run(commands.conflicts()),
    resolveConflict: (id, choice) => run(commands.resolveConflict(id, choice)),
    onSyncStatus: (handler) => subscribe(events.syncStatus, 'sync-status', handler),
    addUser: (name, role, passphrase) => run(commands.addUser(name, role, passphrase)),
    listUsers: () => run(commands.listUsers()),

    chooseGazetteerFile: () =>
      dialog(() =>
        open({
          title: 'Choose a gazetteer CSV file',
          multiple: false,
          directory: false,
          filters: [{ name: 'CSV files', extensions: ['csv', 'CSV'] }],
        }),
      ),
    choosePhotoFile: () =>
      dialog(() =>
        open({
          title: 'Choose a photo',
          multiple: false,
          directory: false,
          filters: [
            {
              name: 'Photos',
              extensions: ['jpg', 'jpeg', 'png', 'webp', 'gif', 'JPG', 'JPEG', 'PNG'],
            },
          ],
        }),
      ),
    chooseBackupDestination: (suggestedName) =>
      dialog(() => save({ title: 'Save a backup of Doorstep', defaultPath: suggestedName })),

    onImportProgress: (handler) => subscribe(events.importProgress, 'import-progress', handler),
    onLocked: (handler) =>
      subscribe(events.locked, 'locked', (payload) => handler(payload.minutes)),
  }
}
