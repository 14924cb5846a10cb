import { describe, expect, it } from 'vitest'
import type { SyncStatus } from '$lib/backend/sync-types'
import {
  decisionText,
  formatDateTime,
  indicatorText,
  progressDetail,
  stagePercent,
  timeAgo,
  timeUntil,
} from '$lib/components/sync/sync-text'

const NOW = new Date(2025, 10, 27, 12, 0, 0).getTime()
const ago = (ms: number) => new Date(NOW - ms).toISOString()
const later = (ms: number) => new Date(NOW + ms).toISOString()
const MINUTE = 60_000

function status(change: Partial<SyncStatus>): SyncStatus {
  return {
    activity: 'idle',
    hub: null,
    last_synced_at: null,
    waiting: 0,
    last_error: null,
    progress: null,
    next_attempt_at: null,
    open_conflicts: 0,
    set_aside: 0,
    records_changed_at: null,
    ...change,
  }
}

describe('sync words', () => {
  it.each<[string, Partial<SyncStatus>, string]>([
    ['not enrolled', { activity: 'not_enrolled' }, 'Not connected to a hub'],
    ['synced', { last_synced_at: ago(2 * MINUTE + 5_000) }, 'Synced 2 minutes ago'],
    ['never synced', {}, 'Not synced yet'],
    [
      'synced, with changes since',
      { last_synced_at: ago(30_000), waiting: 3 },
      'Synced just now · 3 waiting',
    ],
    [
      'syncing, size known',
      { activity: 'syncing', progress: { stage: 'sending', done: 4, total: 10 } },
      'Syncing… 40%',
    ],
    [
      'syncing, size not known',
      { activity: 'syncing', progress: { stage: 'receiving', done: 25, total: null } },
      'Syncing…',
    ],
    ['offline', { activity: 'offline', waiting: 12 }, 'Offline · 12 changes waiting'],
    ['offline, one change', { activity: 'offline', waiting: 1 }, 'Offline · 1 change waiting'],
    ['offline, nothing waiting', { activity: 'offline' }, 'Offline'],
    ['failed', { activity: 'failed', waiting: 3 }, 'Sync failed · 3 waiting'],
    ['revoked', { activity: 'revoked' }, 'Removed from the hub'],
  ])('the header says it in words: %s', (_, change, text) => {
    expect(indicatorText(status(change), NOW)).toBe(text)
  })

  it.each([
    [0, 'just now'],
    [59_000, 'just now'],
    [MINUTE, '1 minute ago'],
    [59 * MINUTE, '59 minutes ago'],
    [60 * MINUTE, '1 hour ago'],
    [23 * 60 * MINUTE, '23 hours ago'],
  ])('a moment %i ms ago is "%s"', (ms, text) => {
    expect(timeAgo(ago(ms), NOW)).toBe(text)
  })

  it('a moment days ago is its date', () => {
    expect(timeAgo(new Date(2025, 10, 20, 9, 0).toISOString(), NOW)).toBe('on 20 November')
    expect(timeAgo(new Date(2024, 2, 3, 9, 0).toISOString(), NOW)).toBe('on 3 March 2024')
  })

  it.each([
    [10_000, 'in less than a minute'],
    [5 * MINUTE, 'in 5 minutes'],
    [4 * MINUTE + 1_000, 'in 5 minutes'],
    [3 * 60 * MINUTE, 'at 15:00'],
  ])('a moment %i ms from now is "%s"', (ms, text) => {
    expect(timeUntil(later(ms), NOW)).toBe(text)
  })

  it('writes a date and time as "3 March 10:04", in local time', () => {
    expect(formatDateTime(new Date(2025, 2, 3, 10, 4).toISOString(), NOW)).toBe('3 March 10:04')
    expect(formatDateTime('not a date', NOW)).toBe('not a date')
  })

  it('works out the stage percent only when the size is known', () => {
    expect(stagePercent({ stage: 'sending', done: 1, total: 3 })).toBe(33)
    expect(stagePercent({ stage: 'files', done: 0, total: 0 })).toBe(100)
    expect(stagePercent({ stage: 'receiving', done: 9, total: null })).toBeNull()
    expect(stagePercent(null)).toBeNull()
  })

  it('says how far each stage is', () => {
    expect(progressDetail({ stage: 'sending', done: 12, total: 40 })).toBe('12 of 40 changes')
    expect(progressDetail({ stage: 'files', done: 1, total: 2 })).toBe('1 of 2 photos')
    expect(progressDetail({ stage: 'receiving', done: 25, total: null })).toBe(
      '25 changes received so far',
    )
  })

  it('says what a supervisor decided', () => {
    const conflict = {
      id: 'c',
      record: 'Plan',
      field: 'Plan status',
      kept_value: 'Approved',
      kept_by: 'Sam Ortiz',
      kept_at: ago(0),
      other_value: 'Ordered',
      other_by: 'Ann Patel',
      other_at: ago(0),
      raised_at: ago(0),
    }
    expect(decisionText({ ...conflict, decision: null })).toBe('Not decided')
    expect(decisionText({ ...conflict, decision: { chosen: 'keep', by: 'Dee', at: ago(0) } })).toBe(
      'Kept Approved',
    )
    expect(
      decisionText({ ...conflict, decision: { chosen: 'take_other', by: 'Dee', at: ago(0) } }),
    ).toBe('Used Ordered instead')
  })
})
