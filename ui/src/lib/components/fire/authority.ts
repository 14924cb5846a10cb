// The consent-or-lawful-basis part of a referral, as the officer fills it in, and what it
// sends. Consent (the resident's agreement, per purpose) and a lawful basis (the organisation's
// footing to share without it) are kept apart, as the Rust side keeps them (docs/domain.md#consent-and-lawful-basis).

import type {
  BasisRecord,
  Consent,
  ConsentGiver,
  ConsentMethod,
  ConsentPurpose,
  LawfulBasis,
} from '$lib/backend/types'
import type { FieldIds } from '$lib/services/errors'

/** The backend overwrites who recorded it and when with the signed-in person and now. */
const PLACEHOLDER_OFFICER = '00000000-0000-0000-0000-000000000000'

export type AuthorityAnswer = {
  /** Has the resident agreed? `later`: not asked yet, record it before sending. */
  agreed: '' | 'yes' | 'no' | 'later'
  givenBy: ConsentGiver
  givenByName: string
  method: ConsentMethod
  signatureRef: string
  purposes: ConsentPurpose[]
  capacityConcerns: string
  basis: LawfulBasis | ''
  justification: string
}

export function emptyAuthority(purposes: ConsentPurpose[] = []): AuthorityAnswer {
  return {
    agreed: '',
    givenBy: 'person',
    givenByName: '',
    method: 'verbal',
    signatureRef: '',
    purposes,
    capacityConcerns: '',
    basis: '',
    justification: '',
  }
}

/** Element ids of the authority fields (one set per screen). */
export const AUTHORITY_IDS = {
  agreed: 'consent-agreed',
  givenBy: 'consent-given-by',
  givenByName: 'consent-name',
  method: 'consent-method',
  signatureRef: 'consent-signature-ref',
  purposes: 'consent-purposes',
  capacityConcerns: 'consent-capacity',
  basis: 'basis',
  justification: 'basis-justification',
} as const

/** Backend field names → the ids above; `consent` (a refused send) points at the question. */
export const AUTHORITY_FIELD_IDS: FieldIds = {
  consent: AUTHORITY_IDS.agreed,
  'consent.given_by_name': AUTHORITY_IDS.givenByName,
  'consent.purposes': AUTHORITY_IDS.purposes,
  'consent.signature_ref': AUTHORITY_IDS.signatureRef,
  'consent.capacity_concerns': AUTHORITY_IDS.capacityConcerns,
  lawful_basis: AUTHORITY_IDS.basis,
  'lawful_basis.justification': AUTHORITY_IDS.justification,
}

/** What the form cannot send at all; the backend checks everything else. */
export function authorityProblems(a: AuthorityAnswer): { id: string; message: string }[] {
  if (a.agreed === '') {
    return [
      { id: AUTHORITY_IDS.agreed, message: 'Say whether the resident has agreed to this referral' },
    ]
  }
  if (a.agreed === 'no' && a.basis === '') {
    return [
      {
        id: AUTHORITY_IDS.basis,
        message: 'Choose the lawful basis for sharing without consent',
      },
    ]
  }
  return []
}

export function consentOf(a: AuthorityAnswer): Consent | null {
  if (a.agreed !== 'yes') return null
  const signature = a.signatureRef.trim()
  const concerns = a.capacityConcerns.trim()
  return {
    given_by: a.givenBy,
    given_by_name: a.givenByName.trim(),
    method: a.method,
    signature_ref: a.method === 'signed' ? signature : null,
    purposes: [...a.purposes],
    capacity_concerns: concerns === '' ? null : concerns,
    recorded_by: PLACEHOLDER_OFFICER,
    at: new Date().toISOString(),
  }
}

export function basisOf(a: AuthorityAnswer): BasisRecord | null {
  if (a.agreed !== 'no' || a.basis === '') return null
  return {
    basis: a.basis,
    justification: a.justification.trim(),
    recorded_by: PLACEHOLDER_OFFICER,
    at: new Date().toISOString(),
  }
}
