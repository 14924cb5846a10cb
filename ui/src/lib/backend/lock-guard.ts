import type { Backend, Result } from './backend'

/**
 * Wraps a backend so that any call answered with `code: 'locked'` also tells
 * the session: the store locked itself and the UI has not heard yet (the
 * `locked` event can race with a command).
 */
export function withLockDetection(backend: Backend, onLocked: () => void): Backend {
  const guard = async <T>(pending: Promise<Result<T>>): Promise<Result<T>> => {
    const result = await pending
    if (result.status === 'error' && result.error.code === 'locked') onLocked()
    return result
  }
  return {
    appStatus: () => backend.appStatus(),
    assessPassphrase: (p) => backend.assessPassphrase(p),
    setUp: (name, role, p) => backend.setUp(name, role, p),
    unlock: (p) => backend.unlock(p),
    lock: () => backend.lock(),
    changePassphrase: (c, r) => guard(backend.changePassphrase(c, r)),
    touch: () => guard(backend.touch()),
    setIdleLockMinutes: (m) => guard(backend.setIdleLockMinutes(m)),
    loadDemoData: () => guard(backend.loadDemoData()),
    search: (q) => guard(backend.search(q)),
    createHousehold: (d) => guard(backend.createHousehold(d)),
    createHouseholdFromGazetteer: (u) => guard(backend.createHouseholdFromGazetteer(u)),
    updateHousehold: (id, d) => guard(backend.updateHousehold(id, d)),
    getHousehold: (id) => guard(backend.getHousehold(id)),
    addPerson: (d) => guard(backend.addPerson(d)),
    updatePerson: (id, d) => guard(backend.updatePerson(id, d)),
    createVisit: (d) => guard(backend.createVisit(d)),
    visitsForDay: (date) => guard(backend.visitsForDay(date)),
    importGazetteer: (path) => guard(backend.importGazetteer(path)),
    backup: (path) => guard(backend.backup(path)),
    addUser: (name, role, p) => guard(backend.addUser(name, role, p)),
    listUsers: () => guard(backend.listUsers()),
    referenceProblems: () => guard(backend.referenceProblems()),
    reloadReferenceData: () => guard(backend.reloadReferenceData()),
    startSurvey: (h, v) => guard(backend.startSurvey(h, v)),
    getSurvey: (id) => guard(backend.getSurvey(id)),
    surveysForHousehold: (h) => guard(backend.surveysForHousehold(h)),
    saveAnswer: (s, i, v) => guard(backend.saveAnswer(s, i, v)),
    saveSectionNote: (s, sec, n) => guard(backend.saveSectionNote(s, sec, n)),
    addSurveyPhoto: (s, i, p) => guard(backend.addSurveyPhoto(s, i, p)),
    attachmentDataUrl: (sha) => guard(backend.attachmentDataUrl(sha)),
    draftPlan: (s) => guard(backend.draftPlan(s)),
    getPlan: (id) => guard(backend.getPlan(id)),
    editPlan: (id, e) => guard(backend.editPlan(id, e)),
    agreePlan: (id, n, sig, d) => guard(backend.agreePlan(id, n, sig, d)),
    planStep: (id, step) => guard(backend.planStep(id, step)),
    plansWithStatus: (status) => guard(backend.plansWithStatus(status)),
    plansForHousehold: (h) => guard(backend.plansForHousehold(h)),
    recordFollowUp: (id, f) => guard(backend.recordFollowUp(id, f)),
    openCocoon: (h) => guard(backend.openCocoon(h)),
    getCocoon: (id) => guard(backend.getCocoon(id)),
    recordCocoonOutcome: (d, o) => guard(backend.recordCocoonOutcome(d, o)),
    cocoons: (h) => guard(backend.cocoons(h)),
    saveResidentPlan: (id, path) => guard(backend.saveResidentPlan(id, path)),
    openDocument: (path) => guard(backend.openDocument(path)),
    chooseDocumentDestination: (name) => backend.chooseDocumentDestination(name),
    choosePhotoFile: () => backend.choosePhotoFile(),
    chooseGazetteerFile: () => backend.chooseGazetteerFile(),
    chooseBackupDestination: (name) => backend.chooseBackupDestination(name),
    onImportProgress: (handler) => backend.onImportProgress(handler),
    onLocked: (handler) => backend.onLocked(handler),
  }
}
