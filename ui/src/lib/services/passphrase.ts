// Checks the UI makes on a new passphrase before asking the backend.

import type { PassphraseAssessment } from '$lib/backend/types'

export type NewPassphraseIds = { passphrase: string; confirm: string }

export const MISMATCH_MESSAGE = 'The passphrases do not match. Type the same passphrase twice'

/**
 * Returns the problems with a new passphrase and its confirmation, by element id.
 * `assessment` must be the backend's verdict on exactly `passphrase`.
 */
export function newPassphraseProblems(
  passphrase: string,
  confirm: string,
  assessment: PassphraseAssessment | null,
  ids: NewPassphraseIds,
): { id: string; message: string }[] {
  const problems: { id: string; message: string }[] = []
  if (passphrase === '') {
    problems.push({ id: ids.passphrase, message: 'Enter a passphrase' })
  } else if (assessment !== null && !assessment.acceptable) {
    const why = assessment.warning ? ` ${assessment.warning}` : ''
    problems.push({
      id: ids.passphrase,
      message: `Choose a stronger passphrase.${why} Try four or more uncommon words`,
    })
  }
  if (confirm === '') {
    problems.push({ id: ids.confirm, message: 'Type the passphrase again to confirm it' })
  } else if (passphrase !== '' && confirm !== passphrase) {
    problems.push({ id: ids.confirm, message: MISMATCH_MESSAGE })
  }
  return problems
}
