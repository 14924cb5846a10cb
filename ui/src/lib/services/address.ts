import type { Coordinates, Household } from '$lib/backend/types'

/** The lines under the first one: line 2, line 3, town, postcode (blanks dropped). */
export function addressTail(h: Household): string[] {
  return [h.address_line_2, h.address_line_3, h.town, h.postcode].filter(
    (line): line is string => !!line && line.trim() !== '',
  )
}

export function oneLineAddress(h: Household): string {
  return [h.address_line_1, ...addressTail(h)].join(', ')
}

export function coordinatesText(c: Coordinates | null): string {
  if (c === null) return 'Not recorded'
  // The generated bindings allow null for a number that was not finite.
  const n = (value: number | null, digits: number) =>
    value === null || !Number.isFinite(value) ? 'not known' : value.toFixed(digits)
  if (c.kind === 'lat_long') {
    return `Latitude ${n(c.latitude, 5)}, longitude ${n(c.longitude, 5)}`
  }
  return `Easting ${n(c.easting, 0)}, northing ${n(c.northing, 0)} (British National Grid)`
}
