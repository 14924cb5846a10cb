// A date as the three GOV.UK boxes hold it, and the YYYY-MM-DD text Rust reads. Nothing is
// judged here: a date that is not real goes to Rust as typed, and Rust says what is wrong.

export type DateParts = { day: string; month: string; year: string }

const ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})$/

/** The boxes for a stored value: blank for '' or for text that is not a date. */
export function splitDate(value: string): DateParts {
  const match = ISO.exec(value.trim())
  if (!match) return { day: '', month: '', year: '' }
  const [, year = '', month = '', day = ''] = match
  return { day: String(Number(day)), month: String(Number(month)), year }
}

/** '' when every box is empty; otherwise YYYY-MM-DD, one-digit days and months padded. */
export function joinDate({ day, month, year }: DateParts): string {
  const [d, m, y] = [day.trim(), month.trim(), year.trim()]
  if (d === '' && m === '' && y === '') return ''
  const pad = (s: string) => (/^\d$/.test(s) ? `0${s}` : s)
  return `${y}-${pad(m)}-${pad(d)}`
}
