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
    setUp: (name, p) => backend.setUp(name, p),
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
    chooseGazetteerFile: () => backend.chooseGazetteerFile(),
    chooseBackupDestination: (name) => backend.chooseBackupDestination(name),
    onImportProgress: (handler) => backend.onImportProgress(handler),
    onLocked: (handler) => backend.onLocked(handler),
  }
}
