// Converting records to the drafts the forms edit, and back.

import type {
  ContactPreferences,
  Household,
  HouseholdDraft,
  Person,
  PersonDraft,
  VisitDraft,
} from '$lib/backend/types'

export function emptyHouseholdDraft(): HouseholdDraft {
  return {
    uprn: '',
    address_line_1: '',
    address_line_2: '',
    address_line_3: '',
    town: '',
    postcode: '',
    coordinates: null,
  }
}

/** Coordinates are not edited by hand, so they pass through unchanged. */
export function householdToDraft(h: Household): HouseholdDraft {
  return {
    uprn: h.uprn ?? '',
    address_line_1: h.address_line_1,
    address_line_2: h.address_line_2 ?? '',
    address_line_3: h.address_line_3 ?? '',
    town: h.town,
    postcode: h.postcode,
    coordinates: h.coordinates,
  }
}

export function noContactPreferences(): ContactPreferences {
  return { phone: false, text: false, email: false, letter: false }
}

export function emptyPersonDraft(householdId: string): PersonDraft {
  return {
    household_id: householdId,
    full_name: '',
    phone: '',
    email: '',
    date_of_birth: '',
    age_band: null,
    preferred_language: '',
    contact_preferences: noContactPreferences(),
  }
}

export function personToDraft(p: Person): PersonDraft {
  return {
    household_id: p.household_id,
    full_name: p.full_name,
    phone: p.phone ?? '',
    email: p.email ?? '',
    date_of_birth: p.date_of_birth ?? '',
    age_band: p.age_band,
    preferred_language: p.preferred_language ?? '',
    contact_preferences: { ...p.contact_preferences },
  }
}

export function isPersonDraftBlank(d: PersonDraft): boolean {
  const prefs = d.contact_preferences
  return (
    d.full_name.trim() === '' &&
    d.phone.trim() === '' &&
    d.email.trim() === '' &&
    d.date_of_birth === '' &&
    d.age_band === null &&
    d.preferred_language.trim() === '' &&
    !prefs.phone &&
    !prefs.text &&
    !prefs.email &&
    !prefs.letter
  )
}

export function emptyVisitDraft(householdId: string, today: string): VisitDraft {
  return {
    household_id: householdId,
    kind: 'burglary_victim',
    visit_date: today,
    outcome: null,
    notes: '',
  }
}

/** Backend field names per form → element ids. */
export const HOUSEHOLD_FIELD_IDS = {
  uprn: 'uprn',
  address_line_1: 'address_line_1',
  address_line_2: 'address_line_2',
  address_line_3: 'address_line_3',
  town: 'town',
  postcode: 'postcode',
} as const

export const PERSON_FIELD_IDS = {
  full_name: 'full_name',
  phone: 'phone',
  email: 'email',
  date_of_birth: 'date_of_birth',
  age_band: 'age_band',
  preferred_language: 'preferred_language',
  contact_preferences: 'contact_preferences',
} as const

export const VISIT_FIELD_IDS = {
  kind: 'visit-kind',
  visit_date: 'visit-date',
  outcome: 'visit-outcome',
  notes: 'visit-notes',
} as const
