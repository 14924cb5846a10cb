import { describe, expect, it } from 'vitest'
import type { AgeBand, VisitKind, VisitOutcome } from '$lib/backend/types'
import {
  AGE_BAND_LABELS,
  ageBandLabel,
  outcomeLabel,
  outcomeTagClass,
  strengthLabel,
  VISIT_KIND_LABELS,
  VISIT_OUTCOME_LABELS,
  visitKindLabel,
} from './labels'

// Every variant the Rust side can send, written out independently of labels.ts.
const KINDS: VisitKind[] = [
  'burglary_victim',
  'cocoon_neighbour',
  'day_of_action',
  'follow_up',
  'referral_visit',
]
const OUTCOMES: VisitOutcome[] = ['completed', 'no_answer', 'declined', 'rescheduled']
const BANDS: AgeBand[] = [
  'under_18',
  '18_to_34',
  '35_to_49',
  '50_to_64',
  '65_to_74',
  '75_to_84',
  '85_plus',
]

function expectHumanLabels(labels: Record<string, string>, variants: string[]) {
  expect(Object.keys(labels).sort()).toEqual([...variants].sort())
  const words = Object.values(labels)
  for (const word of words) {
    expect(word).toMatch(/^[A-Z0-9][^_]*$/) // capitalised, no snake_case left
  }
  expect(new Set(words).size).toBe(words.length) // no two variants read the same
}

describe('enum labels', () => {
  it('names every visit kind in words', () => {
    expectHumanLabels(VISIT_KIND_LABELS, KINDS)
    expect(visitKindLabel('burglary_victim')).toBe('Burglary victim')
    expect(visitKindLabel('cocoon_neighbour')).toBe('Cocoon neighbour')
    expect(visitKindLabel('day_of_action')).toBe('Day of action')
  })

  it('names every outcome, and a missing outcome as planned', () => {
    expectHumanLabels(VISIT_OUTCOME_LABELS, OUTCOMES)
    expect(outcomeLabel('no_answer')).toBe('No answer')
    expect(outcomeLabel(null)).toBe('Planned')
    for (const outcome of [...OUTCOMES, null]) {
      expect(outcomeTagClass(outcome)).toMatch(/^govuk-tag--/)
    }
  })

  it('names every age band', () => {
    expectHumanLabels(AGE_BAND_LABELS, BANDS)
    expect(ageBandLabel('18_to_34')).toBe('18 to 34')
    expect(ageBandLabel('85_plus')).toBe('85 or over')
    expect(ageBandLabel(null)).toBe('Not known')
  })

  it('describes every passphrase score', () => {
    expect([0, 1, 2, 3, 4].map((s) => strengthLabel(s).text)).toEqual([
      'Very weak',
      'Weak',
      'Fair',
      'Strong',
      'Very strong',
    ])
  })
})
