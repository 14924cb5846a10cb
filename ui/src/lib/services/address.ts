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
  if (c.kind === 'lat_long') {
    return `Latitude ${c.latitude.toFixed(5)}, longitude ${c.longitude.toFixed(5)}`
  }
  return `Easting ${Math.round(c.easting)}, northing ${Math.round(c.northing)} (British National Grid)`
}
