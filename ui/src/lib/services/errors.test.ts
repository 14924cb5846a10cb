import { describe, expect, it } from 'vitest'
import { appError } from '$lib/backend/backend'
import { problemsFrom } from './errors'

const ids = { postcode: 'postcode', town: 'town' }

describe('problemsFrom', () => {
  it('puts each field error beside its control and links it from the summary', () => {
    const p = problemsFrom(
      appError('validation', 'Some answers need correcting.', [
        { field: 'town', message: 'Enter the town' },
        { field: 'postcode', message: 'Enter a real postcode' },
      ]),
      ids,
    )
    expect(p.summary).toEqual([
      { message: 'Enter the town', targetId: 'town' },
      { message: 'Enter a real postcode', targetId: 'postcode' },
    ])
    expect(p.inline).toEqual({ town: 'Enter the town', postcode: 'Enter a real postcode' })
  })

  it('keeps errors for fields the form does not show, unlinked', () => {
    const p = problemsFrom(
      appError('validation', 'x', [
        { field: 'coordinates', message: 'Coordinates are outside the UK' },
      ]),
      ids,
    )
    expect(p.summary).toEqual([{ message: 'Coordinates are outside the UK', targetId: null }])
    expect(p.inline).toEqual({})
  })

  it('uses the single `field` when there is no list', () => {
    const p = problemsFrom(appError('weak_passphrase', 'Too weak', [], 'postcode'), ids)
    expect(p.inline).toEqual({ postcode: 'Too weak' })
  })

  it('sends a code to its control whatever the field name', () => {
    const p = problemsFrom(
      appError('wrong_passphrase', 'Wrong', [], 'passphrase'),
      {},
      {
        wrong_passphrase: 'unlock-passphrase',
      },
    )
    expect(p.inline).toEqual({ 'unlock-passphrase': 'Wrong' })
  })

  it('adds what to do for errors that are not about a field', () => {
    const p = problemsFrom(appError('io', 'Doorstep could not write to the disk.'), ids)
    expect(p.inline).toEqual({})
    expect(p.summary[0]?.message).toMatch(/^Doorstep could not write to the disk\. Check the drive/)
  })
})
