// Words for sync: the header indicator, the stages of a sync, and times said the way
// people say them ("2 minutes ago", "in 5 minutes"). Pure, so they are tested directly.

import type { ConflictView, SyncProgress, SyncStage, SyncStatus } from '$lib/backend/sync-types'
import { countOf, formatNumber, percent } from '$lib/services/format'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** What each stage of a sync is doing, in words. */
export const STAGE_LABELS: Record<SyncStage, string> = {
  sending: 'Sending changes',
  files: 'Sending photos',
  receiving: 'Receiving changes',
}

const DAY_MONTH = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long' })
const DAY_MONTH_YEAR = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
})
const TIME = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit' })

function parse(iso: string): Date | null {
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? null : date
}

/** "3 March", with the year when it is not this year (laptop's own time zone). */
function dayMonth(date: Date, now: number): string {
  return date.getFullYear() === new Date(now).getFullYear()
    ? DAY_MONTH.format(date)
    : DAY_MONTH_YEAR.format(date)
}

/** "3 March 10:04" (local time), as on the conflicts screen. */
export function formatDateTime(iso: string, now: number = Date.now()): string {
  const date = parse(iso)
  return date ? `${dayMonth(date, now)} ${TIME.format(date)}` : iso
}

/** A past moment: "just now", "2 minutes ago", "3 hours ago", "on 3 March". */
export function timeAgo(iso: string, now: number): string {
  const date = parse(iso)
  if (!date) return iso
  const ago = now - date.getTime()
  if (ago < MINUTE) return 'just now'
  if (ago < HOUR) return `${countOf(Math.floor(ago / MINUTE), 'minute')} ago`
  if (ago < DAY) return `${countOf(Math.floor(ago / HOUR), 'hour')} ago`
  return `on ${dayMonth(date, now)}`
}

/** A coming moment: "in less than a minute", "in 5 minutes", "at 14:05", "on 3 March at 14:05". */
export function timeUntil(iso: string, now: number): string {
  const date = parse(iso)
  if (!date) return iso
  const until = date.getTime() - now
  if (until < MINUTE) return 'in less than a minute'
  if (until < HOUR) return `in ${countOf(Math.ceil(until / MINUTE), 'minute')}`
  if (until < DAY) return `at ${TIME.format(date)}`
  return `on ${dayMonth(date, now)} at ${TIME.format(date)}`
}

/** Whole percent of the current stage, or null while its size is not known. */
export function stagePercent(progress: SyncProgress | null): number | null {
  if (!progress || progress.total === null) return null
  if (progress.total === 0) return 100
  return percent(progress.done, progress.total)
}

/** "12 of 40 changes", "1 of 2 photos", "25 changes received". */
export function progressDetail(progress: SyncProgress): string {
  const { stage, done, total } = progress
  const unit = stage === 'files' ? 'photo' : 'change'
  if (total === null) {
    return stage === 'receiving'
      ? `${countOf(done, 'change')} received so far`
      : `${countOf(done, unit)} so far`
  }
  if (total === 0) return stage === 'files' ? 'No photos to send' : 'Nothing to send'
  return `${formatNumber(done)} of ${countOf(total, unit)}`
}

/**
 * The header indicator: short, and clear without colour. "Synced 2 minutes ago",
 * "Syncing… 40%", "Offline · 12 changes waiting", "Sync failed · 3 waiting",
 * "Not connected to a hub".
 */
export function indicatorText(status: SyncStatus | null, now: number): string {
  if (status === null) return 'Sync status'
  const waiting = status.waiting
  switch (status.activity) {
    case 'not_enrolled':
      return 'Not connected to a hub'
    case 'idle': {
      const synced = status.last_synced_at
        ? `Synced ${timeAgo(status.last_synced_at, now)}`
        : 'Not synced yet'
      return waiting > 0 ? `${synced} · ${formatNumber(waiting)} waiting` : synced
    }
    case 'syncing': {
      const done = stagePercent(status.progress)
      return done === null ? 'Syncing…' : `Syncing… ${done}%`
    }
    case 'offline':
      return waiting > 0 ? `Offline · ${countOf(waiting, 'change')} waiting` : 'Offline'
    case 'failed':
      return waiting > 0 ? `Sync failed · ${formatNumber(waiting)} waiting` : 'Sync failed'
    case 'revoked':
      return 'Removed from the hub'
  }
}

/** Whether the indicator shows a problem the officer should look at. */
export function needsAttention(status: SyncStatus | null): boolean {
  return (
    status?.activity === 'offline' ||
    status?.activity === 'failed' ||
    status?.activity === 'revoked'
  )
}

/** The state in a sentence, for the Sync screen's summary. */
export function activityText(status: SyncStatus): string {
  switch (status.activity) {
    case 'not_enrolled':
      return 'Not connected to a hub'
    case 'idle':
      return status.waiting > 0 ? 'Changes are waiting to be sent' : 'Up to date'
    case 'syncing':
      return 'Syncing now'
    case 'offline':
      return 'Offline: the hub cannot be reached'
    case 'failed':
      return 'The last sync failed'
    case 'revoked':
      return 'Removed from the hub'
  }
}

/** "12 changes not yet on the hub", or that there are none. */
export function waitingText(waiting: number): string {
  return waiting === 0
    ? 'None: everything is on the hub'
    : `${countOf(waiting, 'change')} not yet on the hub`
}

/** What a supervisor decided, in words: "Kept Approved", "Used Ordered instead". */
export function decisionText(conflict: ConflictView): string {
  if (!conflict.decision) return 'Not decided'
  return conflict.decision.chosen === 'keep'
    ? `Kept ${conflict.kept_value}`
    : `Used ${conflict.other_value} instead`
}
