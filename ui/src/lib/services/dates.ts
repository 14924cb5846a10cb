// Dates on the wire are local calendar dates, YYYY-MM-DD. They are formatted
// as UTC midnights so no time zone or clock change can shift the day.

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/

function toUtcDate(iso: string): Date | null {
  const match = ISO_DATE.exec(iso)
  if (!match) return null
  const [, y, m, d] = match.map(Number) as [number, number, number, number]
  const date = new Date(Date.UTC(y, m - 1, d))
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
    return null
  }
  return date
}

const LONG = new Intl.DateTimeFormat('en-GB', {
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
})
const MEDIUM = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
})

/** "Thursday 27 November 2025" (no comma, as GOV.UK style). */
export function formatDateLong(iso: string): string {
  const date = toUtcDate(iso)
  return date ? LONG.format(date).replace(',', '') : iso
}

/** "27 November 2025". */
export function formatDate(iso: string): string {
  const date = toUtcDate(iso)
  return date ? MEDIUM.format(date) : iso
}

export function isIsoDate(value: string): boolean {
  return toUtcDate(value) !== null
}

/** Newest first; ties broken by creation time, newest first. */
export function byDateDescending<T extends { visit_date: string; created_at: string }>(
  a: T,
  b: T,
): number {
  return b.visit_date.localeCompare(a.visit_date) || b.created_at.localeCompare(a.created_at)
}
