// Days of action against what the real commands answered (ui/src/test/fixtures/days.json,
// written by crates/api/tests/ui_fixtures/days.rs). The doors come from the demo gazetteer;
// every count, revisit queue, refusal and saved path is one Rust produced. Each test of the
// door list starts on a branch with its own day of twelve doors (1 to 12 Lantern Walk).

import { screen, waitFor, within } from '@testing-library/svelte'
import axe from 'axe-core'
import { describe, expect, it, vi } from 'vitest'
import { appError, err } from '$lib/backend/backend'
import { OPEN_DIALOG, SAVE_DIALOG, type Stub } from '$lib/backend/stub'
import type {
  BatchReport,
  CharlieResult,
  DayOfAction,
  DayOfActionPage,
  DayOfActionSummaryRow,
  DoorRow,
  KnockDraft,
} from '$lib/backend/types'
import { renderRecorded } from './render'

const DOCUMENTS = '/home/officer/Documents'

/** The day the stub has reached: the next recorded page of one. */
function dayPage(stub: Stub): DayOfActionPage {
  return stub.result<DayOfActionPage>('get_day_of_action')
}

/** Opens a day as recorded: at the start of `branch`, or at the point marked `from`. */
async function openDay(start: { branch: string } | { from: string }) {
  const app = await renderRecorded('days', { ...start, hash: (s) => `#/day/${dayPage(s).day.id}` })
  const page = dayPage(app.stub)
  await screen.findByRole('heading', { level: 1, name: page.day.name })
  /** Door `n` of the list, from 1. */
  const door = (n: number): DoorRow => {
    const row = page.doors[n - 1]
    if (!row) throw new Error(`the day has no door ${n}`)
    return row
  }
  /** Door `n`'s first address line, as the list shows it. */
  const address = (n: number): string => door(n).address_line_1
  return { ...app, page, door, address }
}

/** What the screen sent for each knock. */
function knocks(stub: Stub): { dayId: string; doorId: string; knock: KnockDraft }[] {
  return stub.sent('record_knock') as { dayId: string; doorId: string; knock: KnockDraft }[]
}

/** A knock of one outcome, as a key or button sends it. */
function one(outcome: KnockDraft['outcomes'][number], extra: Partial<KnockDraft> = {}): KnockDraft {
  return {
    outcomes: [outcome],
    alarms_fitted: 0,
    referrals_made: 0,
    higher_risk_people: 0,
    ...extra,
  }
}

function list(): HTMLElement {
  return screen.getByRole('listbox', { name: /Doors/ })
}

function options(): HTMLElement[] {
  return within(list()).queryAllByRole('option')
}

/** The current door, as the list tells assistive technology. */
function currentOption(): HTMLElement {
  const id = list().getAttribute('aria-activedescendant')
  const option = id ? document.getElementById(id) : null
  if (!option) throw new Error(`the active door ${id} is not in the document`)
  return option
}

function count(key: string): string {
  return document.getElementById(`count-${key}`)?.textContent?.replace(/\s+/g, ' ').trim() ?? ''
}

describe('days of action: setting one up', () => {
  it('checks the form, then opens the new day', async () => {
    const { user, stub } = await renderRecorded('days', { from: 'no days', hash: '#/days' })
    await screen.findByRole('heading', { level: 1, name: 'Days of action' })
    expect(await screen.findByText('No days of action have been set up yet.')).toBeInTheDocument()
    const date = screen.getByRole('group', { name: 'Date' })
    expect(within(date).getByLabelText('Day')).toHaveValue('5')
    expect(within(date).getByLabelText('Month')).toHaveValue('3')
    expect(within(date).getByLabelText('Year')).toHaveValue('2026')

    // Rust refuses the blank form, field by field.
    await user.click(screen.getByRole('button', { name: 'Set up the day' }))
    const summary = await screen.findByRole('alert')
    expect(summary).toHaveTextContent(
      'Enter a name for the day, like "Lantern estate day of action"',
    )
    expect(summary).toHaveTextContent('Enter who is in the crew, one name per line')
    expect(document.getElementById('day-name-error')).toHaveTextContent('Enter a name for the day')
    expect(document.getElementById('day-crew-error')).toHaveTextContent(
      'Enter who is in the crew, one name per line',
    )
    expect(screen.getByLabelText('Crew')).toHaveAttribute('aria-invalid', 'true')
    await waitFor(() => expect(document.title).toMatch(/^Error: Days of action/))

    await user.type(screen.getByLabelText('Name'), 'Kiln estate blitz')
    await user.type(screen.getByLabelText('Area (optional)'), 'Kiln estate, ZY1 6')
    await user.type(screen.getByLabelText('Crew'), 'Jo Sampleton{Enter}{Enter}  Ash Testwell  ')
    await user.click(screen.getByRole('button', { name: 'Set up the day' }))

    await screen.findByRole('heading', { level: 1, name: 'Kiln estate blitz' })
    expect(screen.getByText('Day of action set up')).toBeInTheDocument()
    expect(document.getElementById('day-crew')).toHaveTextContent(
      'Crew: Jo Sampleton, Ash Testwell',
    )
    expect(screen.getByText('5 March 2026 · Kiln estate, ZY1 6')).toBeInTheDocument()
    expect(stub.sent('create_day_of_action').at(-1)).toEqual({
      draft: {
        name: 'Kiln estate blitz',
        date: '2026-03-05',
        area: 'Kiln estate, ZY1 6',
        crew: ['Jo Sampleton', 'Ash Testwell'],
      },
    })
    const made = stub.result<DayOfAction>('create_day_of_action', {
      draft: stub.sent('create_day_of_action').at(-1)?.draft,
    })
    expect(window.location.hash).toBe(`#/day/${made.id}`)
    expect(stub.unanswered).toEqual([])
  })

  it('lists the days, newest first, with how many doors each has knocked', async () => {
    const { stub } = await renderRecorded('days', { from: 'three days', hash: '#/days' })
    const table = await screen.findByRole('table')
    const rows = within(table)
      .getAllByRole('row')
      .slice(1)
      .map((r) =>
        within(r)
          .getAllByRole('cell')
          .map((c) => c.textContent?.trim()),
      )
    expect(rows).toEqual([
      ['Lantern estate', '12 March 2026', 'Not given', '0 of 0 doors knocked'],
      ['Kiln estate blitz', '5 March 2026', 'Kiln estate, ZY1 6', '0 of 185 doors knocked'],
      ['Oak Tree Lane', '14 February 2026', 'Lantern estate, ZY1 0', '2 of 12 doors knocked'],
    ])
    const newest = stub.result<DayOfActionSummaryRow[]>('days_of_action')[0]
    expect(screen.getByRole('link', { name: 'Lantern estate' })).toHaveAttribute(
      'href',
      `#/day/${newest?.day.id}`,
    )
  })

  it('says when a day is not found', async () => {
    await renderRecorded('days', { from: 'kiln', hash: '#/day/day-9999' })
    await screen.findByRole('heading', { level: 1, name: 'Day of action not found' })
  })
})

describe('days of action: adding doors', () => {
  it('adds the doors of a street, and merges doors already on the list', async () => {
    const { user, stub, page } = await openDay({ from: 'kiln' })
    expect(screen.getByText(/No doors on the list yet/)).toBeInTheDocument()

    await user.type(screen.getByLabelText('Street or postcode'), 'ab')
    await user.click(screen.getByRole('button', { name: 'Add the doors' }))
    expect(await screen.findByText('There is a problem')).toBeInTheDocument()
    expect(document.getElementById('street-or-postcode-error')).toHaveTextContent(
      'Enter a street name, or a postcode or the start of one, like "ZY1 4"',
    )

    await user.clear(screen.getByLabelText('Street or postcode'))
    await user.type(screen.getByLabelText('Street or postcode'), 'lantern walk')
    await user.click(screen.getByRole('button', { name: 'Add the doors' }))
    await waitFor(() =>
      expect(document.getElementById('add-doors-report')).toHaveTextContent(
        'From “lantern walk”: 180 doors added, 0 already on the list.',
      ),
    )
    expect(document.getElementById('street-or-postcode-error')).toBeNull()
    await waitFor(() =>
      expect(screen.getByRole('heading', { level: 2, name: /Doors/ })).toHaveTextContent(
        '180 doors',
      ),
    )
    // One side of the street and then the other, for each of the two Lantern Walks.
    expect(options()[0]).toHaveTextContent('1. 2 Lantern Walk ZY1 0AA')
    expect(options()[0]).toHaveTextContent('Not knocked yet')

    await user.type(screen.getByLabelText('Street or postcode'), 'Lantern Walk')
    await user.click(screen.getByRole('button', { name: 'Add the doors' }))
    await waitFor(() =>
      expect(document.getElementById('add-doors-report')).toHaveTextContent(
        'From “Lantern Walk”: 0 doors added, 180 already on the list.',
      ),
    )
    expect(stub.sent('add_day_doors')).toEqual([
      { dayId: page.day.id, streetOrPostcode: 'ab' },
      { dayId: page.day.id, streetOrPostcode: 'lantern walk' },
      { dayId: page.day.id, streetOrPostcode: 'Lantern Walk' },
    ])
    expect(stub.unanswered).toEqual([])
  })

  it('imports a CSV of UPRNs and lists the rows it could not use by line', async () => {
    const { user, stub, page } = await openDay({ from: 'street added' })

    stub.answer(OPEN_DIALOG, `${DOCUMENTS}/bad.csv`)
    await user.click(screen.getByRole('button', { name: 'Import a CSV of UPRNs' }))
    await waitFor(() =>
      expect(document.getElementById('add-doors-report')).toHaveTextContent(
        'From bad.csv: 5 doors added, 0 already on the list.',
      ),
    )
    const rejected = document.getElementById('add-doors-rejected') as HTMLElement
    expect(rejected).toHaveTextContent('1 row of the file could not be used')
    expect(
      within(rejected)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['Line 3: "12x" is not a UPRN (up to 12 digits)'])
    await waitFor(() =>
      expect(screen.getByRole('heading', { level: 2, name: /Doors/ })).toHaveTextContent(
        '185 doors',
      ),
    )
    expect(stub.sent('import_day_doors')).toEqual([
      { dayId: page.day.id, path: `${DOCUMENTS}/bad.csv` },
    ])

    stub.answer(OPEN_DIALOG, `${DOCUMENTS}/noheader.csv`)
    await user.click(screen.getByRole('button', { name: 'Import a CSV of UPRNs' }))
    const alert = await screen.findByText(/The file needs a column headed "uprn"/)
    expect(alert.closest('.govuk-error-summary')).not.toBeNull()
    expect(document.getElementById('add-doors-rejected')).toBeNull()

    // Cancelling the file picker changes nothing.
    const imports = stub.sent('import_day_doors').length
    stub.answer(OPEN_DIALOG, null)
    await user.click(screen.getByRole('button', { name: 'Import a CSV of UPRNs' }))
    await waitFor(() => expect(stub.sent(OPEN_DIALOG)).toHaveLength(3))
    expect(stub.sent('import_day_doors')).toHaveLength(imports)
    expect(stub.unanswered).toEqual([])
  })
})

describe('days of action: the door list', () => {
  it('records one key per outcome, moves on to the next door and updates the counts', async () => {
    const { user, stub, page, door, address } = await openDay({ branch: 'keys' })
    expect(count('doors_knocked')).toBe('0 of 12')

    list().focus()
    expect(currentOption()).toHaveTextContent(address(1))
    expect(currentOption()).toHaveAttribute('aria-selected', 'true')
    await user.keyboard('nna')

    await waitFor(() => expect(knocks(stub)).toHaveLength(3))
    const dayId = page.day.id
    expect(knocks(stub)).toEqual([
      { dayId, doorId: door(1).id, knock: one('no_answer') },
      { dayId, doorId: door(2).id, knock: one('no_answer') },
      { dayId, doorId: door(3).id, knock: one('advice_given') },
    ])
    await waitFor(() => expect(count('doors_knocked')).toBe('3 of 12'))
    expect(count('doors_answered')).toBe('1')
    expect(count('revisits_outstanding')).toBe('2')
    expect(currentOption()).toHaveTextContent(address(4))
    expect(list()).toHaveFocus()
    expect(document.getElementById('knock-announcement')).toHaveTextContent(
      `${address(3)}: advice given recorded`,
    )
    const first = document.getElementById(`door-${door(1).id}`) as HTMLElement
    expect(within(first).getByText('No answer')).toHaveClass('govuk-tag')
    expect(first).toHaveTextContent('1 knock')

    // f records one alarm fitted; t an alarm tested and working.
    await user.keyboard('ft')
    await waitFor(() => expect(knocks(stub)).toHaveLength(5))
    expect(knocks(stub)[3]).toEqual({
      dayId,
      doorId: door(4).id,
      knock: one('alarm_fitted', { alarms_fitted: 1 }),
    })
    expect(knocks(stub)[4]).toEqual({ dayId, doorId: door(5).id, knock: one('alarm_tested_ok') })
    await waitFor(() => expect(count('alarms_fitted')).toBe('1'))
    expect(count('alarms_tested_ok')).toBe('1')
    expect(count('doors_answered')).toBe('3')

    // Moving back up and knocking again counts the door once.
    await user.keyboard('{Home}l')
    await waitFor(() => expect(knocks(stub)).toHaveLength(6))
    expect(knocks(stub)[5]).toEqual({ dayId, doorId: door(1).id, knock: one('leaflet_left') })
    await waitFor(() => expect(first).toHaveTextContent('2 knocks'))
    await waitFor(() => expect(count('doors_knocked')).toBe('5 of 12'))
    expect(currentOption()).toHaveTextContent(address(2))
    expect(stub.unanswered).toEqual([])
  })

  it('records from the buttons for the current door, chosen with the mouse', async () => {
    const { user, stub, page, door, address } = await openDay({ branch: 'buttons' })
    await user.click(screen.getByRole('option', { name: new RegExp(`\\b${address(4)}`) }))
    expect(currentOption()).toHaveTextContent(address(4))
    expect(
      screen.getByRole('heading', { level: 3, name: /Current door, 4 of 12/ }),
    ).toHaveTextContent(`${address(4)}, ${door(4).postcode}`)
    await user.click(screen.getByRole('button', { name: `Refused at ${address(4)}` }))
    await waitFor(() => expect(knocks(stub)).toHaveLength(1))
    expect(knocks(stub)[0]).toEqual({
      dayId: page.day.id,
      doorId: door(4).id,
      knock: one('declined'),
    })
    expect(currentOption()).toHaveTextContent(address(5))

    await user.click(screen.getByText('Other outcomes'))
    await user.click(screen.getByRole('button', { name: `Empty (void) at ${address(5)}` }))
    await waitFor(() => expect(knocks(stub)).toHaveLength(2))
    expect(knocks(stub)[1]).toEqual({ dayId: page.day.id, doorId: door(5).id, knock: one('void') })
    await waitFor(() => expect(count('doors_knocked')).toBe('2 of 12'))
    expect(count('revisits_outstanding')).toBe('0')
    expect(stub.unanswered).toEqual([])
  })

  it('opens the CHARLIE check and the referral for a door with a household', async () => {
    const { user, stub, page, door, address } = await openDay({ branch: 'charlie' })
    const household = door(5).household_id
    expect(household).not.toBeNull()
    expect(door(1).household_id).toBeNull()

    // Door 1 has no household: x explains, c records the check here.
    list().focus()
    await user.keyboard('x')
    expect(document.getElementById('knock-notice')).toHaveTextContent(
      `${address(1)} has no household on file`,
    )
    expect(currentOption()).toHaveTextContent(address(1))
    await user.keyboard('c')
    await waitFor(() => expect(knocks(stub)).toHaveLength(1))
    expect(knocks(stub)[0]?.knock).toEqual(one('charlie_done'))
    await waitFor(() => expect(count('charlie_checks')).toBe('1'))

    // Door 5 has one: c opens its CHARLIE screen, and the list comes back at door 5.
    await user.keyboard('{ArrowDown}jj')
    expect(currentOption()).toHaveTextContent(address(5))
    expect(screen.getByRole('button', { name: `CHARLIE check at ${address(5)}` })).toBeVisible()
    await user.keyboard('c')
    await waitFor(() => expect(window.location.hash).toBe(`#/household/${household}/charlie`))
    await screen.findByRole('heading', { level: 1, name: 'CHARLIE fire risk check' })
    expect(knocks(stub)).toHaveLength(1)

    window.location.hash = `#/day/${page.day.id}`
    await screen.findByRole('heading', { level: 1, name: page.day.name })
    expect(currentOption()).toHaveTextContent(address(5))
    list().focus()
    await user.keyboard('x')
    await waitFor(() => expect(window.location.hash).toBe(`#/household/${household}/referral`))
    await screen.findByRole('heading', { level: 1, name: /referral/i })
    expect(stub.unanswered).toEqual([])
  })

  it('counts a CHARLIE check saved from a door on the day, with a higher-risk person', async () => {
    const { user, stub, page, door, address } = await openDay({ branch: 'charlie-saved' })
    list().focus()
    await user.keyboard('{ArrowDown}jjj')
    expect(currentOption()).toHaveTextContent(address(5))
    await user.keyboard('c')
    await screen.findByRole('heading', { level: 1, name: 'CHARLIE fire risk check' })
    // Every factor at the top of the scale: well past the referral threshold.
    for (const group of screen.getAllByRole('group', { name: /score/i })) {
      const radios = within(group).getAllByRole('radio')
      const last = radios[radios.length - 1]
      if (last) await user.click(last)
    }
    await user.click(screen.getByRole('radio', { name: /^Clear/ }))
    await user.click(screen.getByRole('button', { name: 'Save and score' }))
    await waitFor(() =>
      expect(document.getElementById('day-of-action-note')).toHaveTextContent(
        `Counted on the day of action at ${address(5)}.`,
      ),
    )
    // Rust says the check meets the referral threshold; the knock counts the person.
    const saved = stub.result<CharlieResult>('save_charlie_check')
    expect(saved.assessment.meets_referral_threshold).toBe(true)
    expect(knocks(stub)).toEqual([
      {
        dayId: page.day.id,
        doorId: door(5).id,
        knock: one('charlie_done', { higher_risk_people: 1 }),
      },
    ])
    expect(stub.unanswered).toEqual([])
  })

  it('shows a failed knock in an alert and keeps the crew at that door', async () => {
    const { user, stub, door, address } = await openDay({ branch: 'failed knock' })
    // A full disk is nothing a scenario can reach: the first knock fails that way.
    vi.spyOn(stub.backend, 'recordKnock').mockResolvedValueOnce(
      err(appError('io', 'The disk is full.')),
    )
    list().focus()
    await user.keyboard('n')
    const alert = await screen.findByText(new RegExp(`No answer was not recorded at ${address(1)}`))
    expect(alert).toHaveTextContent('The disk is full.')
    expect(currentOption()).toHaveTextContent(address(1))
    expect(list()).toHaveFocus()

    await user.keyboard('n')
    await waitFor(() => expect(knocks(stub)).toHaveLength(1))
    expect(knocks(stub)[0]?.doorId).toBe(door(1).id)
    await waitFor(() => expect(screen.queryByText(/was not recorded/)).toBeNull())
    expect(currentOption()).toHaveTextContent(address(2))
  })

  it('filters to the doors to revisit', async () => {
    const { user, stub, address } = await openDay({ branch: 'revisit' })
    const filter = screen.getByRole('checkbox', { name: /Show only doors to revisit \(2\)/ })
    await user.click(filter)
    expect(options().map((o) => o.querySelector('.app-door__address')?.textContent)).toEqual([
      address(1),
      address(3),
    ])
    expect(screen.getByRole('heading', { level: 2, name: /Doors/ })).toHaveTextContent(
      '2 of 12 doors to revisit',
    )

    // Answered on the second knock: off the revisit list.
    list().focus()
    expect(currentOption()).toHaveTextContent(address(1))
    await user.keyboard('a')
    await waitFor(() => expect(options()).toHaveLength(1))
    expect(currentOption()).toHaveTextContent(address(3))
    expect(count('revisits_outstanding')).toBe('1')

    expect(currentOption().style.top).toBe('0px')

    // The last door to revisit answered: the list empties and focus stays close by.
    await user.keyboard('t')
    await waitFor(() => expect(screen.getByText(/No doors to revisit/)).toBeInTheDocument())
    expect(filter).toHaveFocus()

    await user.click(filter)
    expect(options()).toHaveLength(12)
    expect(currentOption()).toHaveTextContent(address(3))
    expect(currentOption().style.top).toBe(`${2 * 76}px`)
    expect(stub.unanswered).toEqual([])
  })

  it('keeps 2,000 doors to a small window of rows, and moves through them by key', async () => {
    const started = performance.now()
    const { user, stub, page, door } = await openDay({ branch: '2000 doors' })
    await waitFor(
      () => {
        if (!document.querySelector('[role="option"]')) throw new Error('no rows yet')
      },
      { interval: 1 },
    )
    const firstRender = performance.now() - started
    // For docs/performance.md; never asserted (jsdom is not the webview). Includes reading
    // the recorded 2,000-door page.
    console.info(
      `Day of action, 2,000 doors: first render of the door list in ${firstRender.toFixed(0)} ms (jsdom)`,
    )

    const last = door(2000)
    expect(options().length).toBeGreaterThan(5)
    expect(options().length).toBeLessThan(100)
    expect(options()[0]).toHaveAttribute('aria-setsize', '2000')
    expect(screen.getByRole('heading', { level: 2, name: /Doors/ })).toHaveTextContent(
      '2,000 doors',
    )

    list().focus()
    await user.keyboard('{End}')
    expect(currentOption()).toHaveTextContent(last.address_line_1)
    expect(currentOption()).toHaveAttribute('aria-posinset', '2000')
    expect(options().length).toBeLessThan(100)
    // Rows sit at index × row height inside a track as tall as every row (76 px until measured).
    expect(currentOption().style.top).toBe(`${1999 * 76}px`)
    expect(currentOption().parentElement?.style.height).toBe(`${2000 * 76}px`)

    await user.keyboard('{Home}{ArrowDown}')
    expect(currentOption()).toHaveTextContent('2 Lantern Walk')
    await user.keyboard('{PageDown}')
    const after = Number(currentOption().getAttribute('aria-posinset'))
    expect(after).toBeGreaterThan(3)
    await user.keyboard('{PageUp}k')
    expect(currentOption()).toHaveTextContent('1 Lantern Walk')
    expect(options().length).toBeLessThan(100)

    // The last door stays current after it is recorded.
    await user.keyboard('{End}')
    const knocked = performance.now()
    await user.keyboard('n')
    await waitFor(() => expect(count('doors_knocked')).toBe('1 of 2,000'), { interval: 1 })
    console.info(
      `Day of action, 2,000 doors: key press to counts updated in ${(performance.now() - knocked).toFixed(0)} ms (jsdom)`,
    )
    expect(knocks(stub)).toEqual([{ dayId: page.day.id, doorId: last.id, knock: one('no_answer') }])
    expect(currentOption()).toHaveTextContent(last.address_line_1)
    expect(stub.unanswered).toEqual([])
  })

  it('passes axe with doors, outcomes and the current door', async () => {
    const { user } = await openDay({ branch: 'axe' })
    list().focus()
    await user.keyboard('{ArrowDown}f')
    await waitFor(() => expect(count('alarms_fitted')).toBe('1'))
    const results = await axe.run(document.body, {
      rules: { 'color-contrast': { enabled: false } },
    })
    expect(results.violations.map((v) => v.id)).toEqual([])
  })
})

describe('days of action: the end of the day', () => {
  it('saves the summary as CSV where the officer chooses', async () => {
    const { user, stub, page } = await openDay({ branch: 'end of day' })
    const path = `${DOCUMENTS}/day-of-action-2026-03-05.csv`
    stub.answer(SAVE_DIALOG, path)
    await user.click(screen.getByRole('button', { name: 'Save the summary (CSV)' }))
    expect(await screen.findByText(path)).toBeInTheDocument()
    expect(document.getElementById('save-summary-saved')).toHaveTextContent(`Saved to ${path}.`)
    expect(stub.sent(SAVE_DIALOG)[0]).toMatchObject({
      options: { defaultPath: 'day-of-action-2026-03-05.csv' },
    })
    // What the file holds is Rust's (crates/api/tests/days.rs checks it).
    expect(stub.sent('save_day_summary_csv')).toEqual([{ dayId: page.day.id, path }])
    expect(stub.unanswered).toEqual([])
  })

  it('says why the summary could not be saved', async () => {
    const { user, stub } = await openDay({ branch: 'end of day' })
    stub.answer(SAVE_DIALOG, `${DOCUMENTS}/no such folder/summary.csv`)
    await user.click(screen.getByRole('button', { name: 'Save the summary (CSV)' }))
    await waitFor(() =>
      expect(document.getElementById('save-summary-error')).toHaveTextContent(
        `${DOCUMENTS}/no such folder/summary.csv`,
      ),
    )
    expect(stub.unanswered).toEqual([])
  })

  it("saves the day's documents into a folder and lists them", async () => {
    const { user, stub, page } = await openDay({ branch: 'end of day' })
    const folder = `${DOCUMENTS}/day-of-action`
    stub.answer(OPEN_DIALOG, folder)
    await user.click(screen.getByRole('button', { name: "Save the day's documents (PDF)" }))
    // The summary, as Rust reported it (no referral was made at the day's doors).
    const report = stub.result<BatchReport>('save_day_documents')
    expect(report.saved.map((d) => d.path)).toEqual([`${folder}/day-of-action-2026-03-05.pdf`])
    expect(await screen.findByText(/1 document saved/)).toHaveTextContent(folder)
    expect(stub.sent('save_day_documents')).toEqual([{ dayId: page.day.id, folder }])
    expect(stub.unanswered).toEqual([])
  })

  it('shows the progress Rust reports while the documents are made', async () => {
    const { user, stub } = await openDay({ branch: 'end of day' })
    stub.answer(OPEN_DIALOG, `${DOCUMENTS}/day-of-action`)
    // Hold the answer back, so the screen is still waiting when the events come.
    let release: () => void = () => {}
    const held = new Promise<void>((resolve) => (release = resolve))
    const save = stub.backend.saveDayDocuments
    vi.spyOn(stub.backend, 'saveDayDocuments').mockImplementationOnce(async (dayId, folder) => {
      await held
      return save(dayId, folder)
    })
    await user.click(screen.getByRole('button', { name: "Save the day's documents (PDF)" }))
    // The recorder keeps no events: this is the one Rust sends before the first document
    // (crates/api/tests/days.rs checks it sends one then and one after each).
    const total = stub.result<BatchReport>('save_day_documents').saved.length
    await stub.emit('document-progress', { done: 0, total })
    const bar = await screen.findByLabelText(`Making document 1 of ${total}`)
    expect(bar).toHaveAttribute('value', '0')
    release()
    expect(await screen.findByText(/1 document saved/)).toBeInTheDocument()
    expect(screen.queryByLabelText(/Making document/)).toBeNull()
  })
})
