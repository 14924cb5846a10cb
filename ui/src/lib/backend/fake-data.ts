// Synthetic demo data for the in-memory fake backend. Every street, person and
// visit here is made up; nothing is derived from real records.

import type { AgeBand, Role, VisitKind, VisitOutcome } from './types'

/** Someone who uses the laptop, as the fake keeps them (passphrase in the clear: it is fake). */
export type FakeUser = { name: string; role: Role; passphrase: string }

/** A made-up supervisor, for tests and the browser preview. */
export const DEMO_SUPERVISOR: FakeUser = {
  name: 'Morgan Checkley',
  role: 'supervisor',
  passphrase: 'lantern orbit velvet harbour',
}

/** The roles the Rust side lets a person be given on the laptop. */
export const FAKE_LAPTOP_ROLES: readonly Role[] = ['officer', 'warden', 'fire_crew', 'supervisor']

export type GazetteerEntry = {
  uprn: string
  address_line_1: string
  address_line_2: string
  address_line_3: string
  town: string
  postcode: string
  easting: number
  northing: number
}

const STREETS = [
  'Acacia Avenue',
  'Beech Close',
  'Chapel Lane',
  'Dale Road',
  'Elm Tree Walk',
  'Foxglove Way',
  'Granary Court',
  'Hawthorn Drive',
  'Ivy Row',
  'Juniper Street',
  'Kestrel Rise',
  'Larch Grove',
]
const FIRST_NAMES = [
  'Amira',
  'Bernard',
  'Chloe',
  'Dariusz',
  'Edith',
  'Farhan',
  'Gwen',
  'Harold',
  'Ines',
  'Jamal',
  'Kath',
  'Lewis',
  'Maureen',
  'Nadia',
  'Owen',
  'Priya',
  'Ray',
  'Sian',
  'Tomasz',
  'Una',
]
const LAST_NAMES = [
  'Ashworth',
  'Bello',
  'Carter',
  'Dobson',
  'Evans',
  'Fletcher',
  'Greaves',
  'Hussain',
  'Ibrahim',
  'Jackson',
  'Kowalski',
  'Lomas',
  'Marsh',
  'Nowak',
  'Okafor',
  'Pearson',
]
const AGE_BANDS: AgeBand[] = [
  'under_18',
  '18_to_34',
  '35_to_49',
  '50_to_64',
  '65_to_74',
  '75_to_84',
  '85_plus',
]
const KINDS: VisitKind[] = [
  'burglary_victim',
  'cocoon_neighbour',
  'day_of_action',
  'follow_up',
  'referral_visit',
]
const OUTCOMES: VisitOutcome[] = ['completed', 'no_answer', 'declined', 'rescheduled']
const NOTES = [
  'Rear door lock is weak; recommended a five-lever mortice lock.',
  'Shed not secured. Advised a hasp and padlock.',
  'Resident asked for a leaflet on bogus callers.',
  'Smoke alarm tested and working.',
  '',
  'Neighbour cocooning letter delivered by hand.',
]

/** Small deterministic PRNG (mulberry32) so the demo area is the same each time. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)]
  if (item === undefined) throw new Error('pick from an empty list')
  return item
}

export function demoGazetteer(): GazetteerEntry[] {
  const entries: GazetteerEntry[] = []
  STREETS.forEach((street, s) => {
    for (let n = 1; n <= 30; n++) {
      const unit = String.fromCharCode(65 + s) // A..L
      entries.push({
        uprn: String(990000000000 + s * 1000 + n),
        address_line_1: `${n} ${street}`,
        address_line_2: '',
        address_line_3: '',
        town: 'Eastwick Vale',
        postcode: `ZY18 9Z${unit}`,
        easting: 453000 + s * 120 + n * 3,
        northing: 360500 + s * 90 + n * 2,
      })
    }
  })
  return entries
}

export type DemoPerson = {
  full_name: string
  age_band: AgeBand | null
  phone: string
  preferred_language: string
}

export function demoPerson(random: () => number): DemoPerson {
  const first = pick(random, FIRST_NAMES)
  const last = pick(random, LAST_NAMES)
  return {
    full_name: `${first} ${last}`,
    age_band: random() < 0.15 ? null : pick(random, AGE_BANDS),
    phone: random() < 0.3 ? '' : `07700 900${String(Math.floor(random() * 1000)).padStart(3, '0')}`,
    preferred_language: random() < 0.85 ? 'English' : pick(random, ['Polish', 'Urdu', 'Romanian']),
  }
}

export function demoVisit(random: () => number): {
  kind: VisitKind
  outcome: VisitOutcome | null
  notes: string
} {
  return {
    kind: pick(random, KINDS),
    outcome: random() < 0.3 ? null : pick(random, OUTCOMES),
    notes: pick(random, NOTES),
  }
}
