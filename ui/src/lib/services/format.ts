const NUMBER = new Intl.NumberFormat('en-GB')

export function formatNumber(n: number): string {
  return NUMBER.format(n)
}

/** "1 result", "12 results", "1,204 rows". */
export function countOf(n: number, singular: string, plural = `${singular}s`): string {
  return `${formatNumber(n)} ${n === 1 ? singular : plural}`
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return 'size not known'
  if (bytes < 1024) return `${formatNumber(bytes)} bytes`
  const units = ['KB', 'MB', 'GB', 'TB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}

/** Whole percent from 0 to 100; null when it cannot be known. */
export function percent(done: number | null, total: number | null): number | null {
  if (done === null || total === null || total <= 0) return null
  return Math.max(0, Math.min(100, Math.floor((done / total) * 100)))
}

const MONEY = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP' })

/** Pence as pounds, as the Rust side's `format_pence` writes them: 123456 → "£1,234.56". */
export function formatPence(pence: number): string {
  return MONEY.format(pence / 100)
}
