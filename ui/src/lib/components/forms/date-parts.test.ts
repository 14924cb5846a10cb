import { describe, expect, it } from 'vitest'
import { joinDate, splitDate } from './date-parts'

describe('the three date boxes', () => {
  it.each([
    [{ day: '4', month: '12', year: '2026' }, '2026-12-04'],
    [{ day: '04', month: '1', year: '2026' }, '2026-01-04'],
    [{ day: ' 31 ', month: '2', year: '2026' }, '2026-02-31'],
    [{ day: '', month: '', year: '' }, ''],
    [{ day: '4', month: '', year: '2026' }, '2026--04'],
  ])('%o is sent as %s, whatever the locale', (parts, sent) => {
    expect(joinDate(parts)).toBe(sent)
  })

  it.each([
    ['2026-12-04', { day: '4', month: '12', year: '2026' }],
    ['', { day: '', month: '', year: '' }],
    ['12/04/2026', { day: '', month: '', year: '' }],
  ])('%s shows as %o', (value, parts) => {
    expect(splitDate(value)).toEqual(parts)
  })

  it('a real date survives the round trip', () => {
    expect(joinDate(splitDate('2025-03-09'))).toBe('2025-03-09')
  })
})
