import { screen, waitFor, within } from '@testing-library/svelte'
import axe from 'axe-core'
import { describe, expect, it, vi } from 'vitest'
import { appError, err, ok } from '$lib/backend/backend'
import { SUMMARY_CSV_HEADER } from '$lib/backend/fake-days'
import { renderApp, TODAY } from './render'

async function openDay(doors = 0) {
  const app = renderApp({ state: 'unlocked' })
  const day = app.fake.days.seedDay()
  const rows = doors > 0 ? app.fake.days.seedDoors(day.id, doors) : []
  window.location.hash = `#/day/${day.id}`
  await screen.findByRole('heading', { level: 1, name: day.name })
  return { ...app, day, rows }
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
  it('checks the form inline, then opens the new day', async () => {
    const { user, fake } = renderApp({ state: 'unlocked' })
    window.location.hash = '#/days'
    await screen.findByRole('heading', { level: 1, name: 'Days of action' })
    expect(await screen.findByText('No days of action have been set up yet.')).toBeInTheDocument()
    const date = screen.getByRole('group', { name: 'Date' })
    expect(within(date).getByLabelText('Day')).toHaveValue('27')
    expect(within(date).getByLabelText('Month')).toHaveValue('11')
    expect(within(date).getByLabelText('Year')).toHaveValue('2025')

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
    expect(screen.getByText(`27 November 2025 · Kiln estate, ZY1 6`)).toBeInTheDocument()
    const sent = fake.calls.filter((c) => c.method === 'createDayOfAction').at(-1)?.args[0]
    expect(sent).toEqual({
      name: 'Kiln estate blitz',
      date: TODAY,
      area: 'Kiln estate, ZY1 6',
      crew: ['Jo Sampleton', 'Ash Testwell'],
    })
    expect(window.location.hash).toMatch(/^#\/day\/day-/)
  })

  it('lists the days, newest first, with how many doors each has knocked', async () => {
    const { fake } = renderApp({ state: 'unlocked' })
    const older = fake.days.seedDay({ name: 'Oak Tree Lane', date: '2025-10-04' })
    const newer = fake.days.seedDay({ name: 'Lantern estate', date: '2025-11-20', area: '' })
    const doors = fake.days.seedDoors(older.id, 12)
    fake.days.seedKnock(older.id, doors[0]?.id ?? '', ['no_answer'])
    fake.days.seedKnock(older.id, doors[0]?.id ?? '', ['advice_given'])
    fake.days.seedKnock(older.id, doors[1]?.id ?? '', ['declined'])
    window.location.hash = '#/days'
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
      ['Lantern estate', '20 November 2025', 'Not given', '0 of 0 doors knocked'],
      ['Oak Tree Lane', '4 October 2025', 'Lantern estate, ZY1 4', '2 of 12 doors knocked'],
    ])
    expect(screen.getByRole('link', { name: 'Lantern estate' })).toHaveAttribute(
      'href',
      `#/day/${newer.id}`,
    )
  })

  it('says when a day is not found', async () => {
    renderApp({ state: 'unlocked' })
    window.location.hash = '#/day/day-9999'
    await screen.findByRole('heading', { level: 1, name: 'Day of action not found' })
  })
})

describe('days of action: adding doors', () => {
  it('adds the doors of a street, and merges doors already on the list', async () => {
    const { user } = await openDay()
    expect(screen.getByText(/No doors on the list yet/)).toBeInTheDocument()

    await user.type(screen.getByLabelText('Street or postcode'), 'ab')
    await user.click(screen.getByRole('button', { name: 'Add the doors' }))
    expect(await screen.findByText('There is a problem')).toBeInTheDocument()
    expect(document.getElementById('street-or-postcode-error')).toHaveTextContent(
      'Enter a street name, or a postcode or the start of one, like "ZY1 4"',
    )

    await user.clear(screen.getByLabelText('Street or postcode'))
    await user.type(screen.getByLabelText('Street or postcode'), 'beacon road')
    await user.click(screen.getByRole('button', { name: 'Add the doors' }))
    await waitFor(() =>
      expect(document.getElementById('add-doors-report')).toHaveTextContent(
        'From “beacon road”: 10 doors added, 0 already on the list.',
      ),
    )
    expect(document.getElementById('street-or-postcode-error')).toBeNull()
    await waitFor(() => expect(options().length).toBe(10))
    expect(options()[0]).toHaveTextContent('1. 1 Beacon Road ZY1 4AB')
    expect(options()[0]).toHaveTextContent('Not knocked yet')
    expect(screen.getByRole('heading', { level: 2, name: /Doors/ })).toHaveTextContent('10 doors')

    await user.type(screen.getByLabelText('Street or postcode'), 'Beacon Road')
    await user.click(screen.getByRole('button', { name: 'Add the doors' }))
    await waitFor(() =>
      expect(document.getElementById('add-doors-report')).toHaveTextContent(
        'From “Beacon Road”: 0 doors added, 10 already on the list.',
      ),
    )
  })

  it('imports a CSV of UPRNs and lists the rows it could not use by line', async () => {
    const { user, fake } = await openDay(2)
    const choose = vi.spyOn(fake, 'chooseDoorListFile')

    choose.mockResolvedValueOnce(ok('/home/officer/Downloads/bad.csv'))
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
    await waitFor(() => expect(options().length).toBe(7))
    expect(fake.calls.find((c) => c.method === 'importDayDoors')?.args[1]).toBe(
      '/home/officer/Downloads/bad.csv',
    )

    choose.mockResolvedValueOnce(ok('/home/officer/Downloads/noheader.csv'))
    await user.click(screen.getByRole('button', { name: 'Import a CSV of UPRNs' }))
    const alert = await screen.findByText(/The file needs a column headed "uprn"/)
    expect(alert.closest('.govuk-error-summary')).not.toBeNull()
    expect(document.getElementById('add-doors-rejected')).toBeNull()

    // Cancelling the file picker changes nothing.
    const imports = fake.calls.filter((c) => c.method === 'importDayDoors').length
    choose.mockResolvedValueOnce(ok(null))
    await user.click(screen.getByRole('button', { name: 'Import a CSV of UPRNs' }))
    await waitFor(() => expect(choose).toHaveBeenCalledTimes(3))
    expect(fake.calls.filter((c) => c.method === 'importDayDoors').length).toBe(imports)
  })
})

describe('days of action: the door list', () => {
  it('records one key per outcome, moves on to the next door and updates the counts', async () => {
    const { user, fake, day, rows } = await openDay(10)
    expect(count('doors_knocked')).toBe('0 of 10')

    list().focus()
    expect(currentOption()).toHaveTextContent('1 Lantern Walk')
    expect(currentOption()).toHaveAttribute('aria-selected', 'true')
    await user.keyboard('nna')

    await waitFor(() => expect(fake.days.knocksOf(day.id)).toHaveLength(3))
    expect(fake.days.knocksOf(day.id)).toEqual([
      {
        doorId: rows[0]?.id,
        draft: {
          outcomes: ['no_answer'],
          alarms_fitted: 0,
          referrals_made: 0,
          higher_risk_people: 0,
        },
      },
      {
        doorId: rows[1]?.id,
        draft: {
          outcomes: ['no_answer'],
          alarms_fitted: 0,
          referrals_made: 0,
          higher_risk_people: 0,
        },
      },
      {
        doorId: rows[2]?.id,
        draft: {
          outcomes: ['advice_given'],
          alarms_fitted: 0,
          referrals_made: 0,
          higher_risk_people: 0,
        },
      },
    ])
    await waitFor(() => expect(count('doors_knocked')).toBe('3 of 10'))
    expect(count('doors_answered')).toBe('1')
    expect(count('revisits_outstanding')).toBe('2')
    expect(currentOption()).toHaveTextContent('4 Lantern Walk')
    expect(list()).toHaveFocus()
    expect(document.getElementById('knock-announcement')).toHaveTextContent(
      '3 Lantern Walk: advice given recorded',
    )
    const first = document.getElementById(`door-${rows[0]?.id}`) as HTMLElement
    expect(within(first).getByText('No answer')).toHaveClass('govuk-tag')
    expect(first).toHaveTextContent('1 knock')

    // f records one alarm fitted; t an alarm tested and working.
    await user.keyboard('ft')
    await waitFor(() => expect(fake.days.knocksOf(day.id)).toHaveLength(5))
    expect(fake.days.knocksOf(day.id)[3]).toEqual({
      doorId: rows[3]?.id,
      draft: {
        outcomes: ['alarm_fitted'],
        alarms_fitted: 1,
        referrals_made: 0,
        higher_risk_people: 0,
      },
    })
    expect(fake.days.knocksOf(day.id)[4]?.draft.outcomes).toEqual(['alarm_tested_ok'])
    await waitFor(() => expect(count('alarms_fitted')).toBe('1'))
    expect(count('alarms_tested_ok')).toBe('1')
    expect(count('doors_answered')).toBe('3')

    // Moving back up and knocking again counts the door once.
    await user.keyboard('{Home}l')
    await waitFor(() => expect(fake.days.knocksOf(day.id)).toHaveLength(6))
    expect(fake.days.knocksOf(day.id)[5]?.doorId).toBe(rows[0]?.id)
    await waitFor(() => expect(first).toHaveTextContent('2 knocks'))
    expect(count('doors_knocked')).toBe('5 of 10')
    expect(currentOption()).toHaveTextContent('2 Lantern Walk')
  })

  it('records from the buttons for the current door, chosen with the mouse', async () => {
    const { user, fake, day, rows } = await openDay(6)
    await user.click(screen.getByRole('option', { name: /4 Lantern Walk/ }))
    expect(currentOption()).toHaveTextContent('4 Lantern Walk')
    expect(
      screen.getByRole('heading', { level: 3, name: /Current door, 4 of 6/ }),
    ).toHaveTextContent('4 Lantern Walk, ZY1 1AB')
    await user.click(screen.getByRole('button', { name: 'Refused at 4 Lantern Walk' }))
    await waitFor(() => expect(fake.days.knocksOf(day.id)).toHaveLength(1))
    expect(fake.days.knocksOf(day.id)[0]).toMatchObject({
      doorId: rows[3]?.id,
      draft: { outcomes: ['declined'] },
    })
    expect(currentOption()).toHaveTextContent('5 Lantern Walk')

    await user.click(screen.getByText('Other outcomes'))
    await user.click(screen.getByRole('button', { name: 'Empty (void) at 5 Lantern Walk' }))
    await waitFor(() => expect(fake.days.knocksOf(day.id)).toHaveLength(2))
    expect(fake.days.knocksOf(day.id)[1]?.draft.outcomes).toEqual(['void'])
    await waitFor(() => expect(count('doors_knocked')).toBe('2 of 6'))
    expect(count('revisits_outstanding')).toBe('0')
  })

  it('opens the CHARLIE check and the referral for a door with a household', async () => {
    const { user, fake, day, rows } = await openDay(8)
    const withHousehold = rows[4]
    expect(withHousehold?.household_id).not.toBeNull()

    // Door 1 has no household: x explains, c records the check here.
    list().focus()
    await user.keyboard('x')
    expect(document.getElementById('knock-notice')).toHaveTextContent(
      '1 Lantern Walk has no household on file',
    )
    expect(currentOption()).toHaveTextContent('1 Lantern Walk')
    await user.keyboard('c')
    await waitFor(() => expect(fake.days.knocksOf(day.id)).toHaveLength(1))
    expect(fake.days.knocksOf(day.id)[0]?.draft.outcomes).toEqual(['charlie_done'])
    await waitFor(() => expect(count('charlie_checks')).toBe('1'))

    // Door 5 has one: c opens its CHARLIE screen, and the list comes back at door 5.
    await user.keyboard('{ArrowDown}jj')
    expect(currentOption()).toHaveTextContent('5 Lantern Walk')
    expect(screen.getByRole('button', { name: 'CHARLIE check at 5 Lantern Walk' })).toBeVisible()
    await user.keyboard('c')
    await waitFor(() =>
      expect(window.location.hash).toBe(`#/household/${withHousehold?.household_id}/charlie`),
    )
    expect(fake.days.knocksOf(day.id)).toHaveLength(1)

    window.location.hash = `#/day/${day.id}`
    await screen.findByRole('heading', { level: 1, name: day.name })
    expect(currentOption()).toHaveTextContent('5 Lantern Walk')
    list().focus()
    await user.keyboard('x')
    await waitFor(() =>
      expect(window.location.hash).toBe(`#/household/${withHousehold?.household_id}/referral`),
    )
  })

  it('counts a CHARLIE check saved from a door on the day, with a higher-risk person', async () => {
    const { user, fake, day, rows } = await openDay(8)
    const door = rows[4]
    list().focus()
    await user.keyboard('{ArrowDown}jjj')
    expect(currentOption()).toHaveTextContent('5 Lantern Walk')
    await user.keyboard('c')
    await screen.findByRole('heading', { level: 1, name: 'CHARLIE fire risk check' })
    // Every factor at the top of the scale: well past the referral threshold.
    for (const group of screen.getAllByRole('group', { name: /score/i })) {
      const radios = within(group).getAllByRole('radio')
      const last = radios[radios.length - 1]
      if (last) await user.click(last)
    }
    const escape = screen.queryByRole('radio', { name: /^Clear/ })
    if (escape) await user.click(escape)
    await user.click(screen.getByRole('button', { name: 'Save and score' }))
    await waitFor(() =>
      expect(document.getElementById('day-of-action-note')).toHaveTextContent(
        'Counted on the day of action at 5 Lantern Walk.',
      ),
    )
    const knocks = fake.days.knocksOf(day.id)
    expect(knocks.map((k) => k.draft.outcomes)).toEqual([['charlie_done']])
    expect(knocks[0]?.draft.higher_risk_people).toBe(1)
    expect(door?.household_id).not.toBeNull()
  })

  it('shows a failed knock in an alert and keeps the crew at that door', async () => {
    const { user, fake, day } = await openDay(5)
    vi.spyOn(fake, 'recordKnock').mockResolvedValueOnce(err(appError('io', 'The disk is full.')))
    list().focus()
    await user.keyboard('n')
    const alert = await screen.findByText(/No answer was not recorded at 1 Lantern Walk/)
    expect(alert).toHaveTextContent('The disk is full.')
    expect(currentOption()).toHaveTextContent('1 Lantern Walk')
    expect(list()).toHaveFocus()

    await user.keyboard('n')
    await waitFor(() => expect(fake.days.knocksOf(day.id)).toHaveLength(1))
    expect(screen.queryByText(/was not recorded/)).toBeNull()
    expect(currentOption()).toHaveTextContent('2 Lantern Walk')
  })

  it('filters to the doors to revisit', async () => {
    const { user, fake, day, rows } = await openDay(10)
    const id = (i: number) => rows[i]?.id ?? ''
    fake.days.seedKnock(day.id, id(0), ['no_answer', 'leaflet_left'])
    fake.days.seedKnock(day.id, id(1), ['advice_given'])
    fake.days.seedKnock(day.id, id(2), ['no_answer'])
    fake.days.seedKnock(day.id, id(3), ['void'])
    fake.days.seedKnock(day.id, id(5), ['no_answer'])
    fake.days.seedKnock(day.id, id(5), ['alarm_tested_ok'])
    // Leave and come back, so the page shows the knocks made behind its back.
    window.location.hash = '#/days'
    await screen.findByRole('heading', { level: 1, name: 'Days of action' })
    window.location.hash = `#/day/${day.id}`
    await screen.findByRole('heading', { level: 1, name: day.name })

    const filter = screen.getByRole('checkbox', { name: /Show only doors to revisit \(2\)/ })
    await user.click(filter)
    expect(options().map((o) => o.querySelector('.app-door__address')?.textContent)).toEqual([
      '1 Lantern Walk',
      '3 Lantern Walk',
    ])
    expect(screen.getByRole('heading', { level: 2, name: /Doors/ })).toHaveTextContent(
      '2 of 10 doors to revisit',
    )

    // Answered on the second knock: off the revisit list.
    list().focus()
    expect(currentOption()).toHaveTextContent('1 Lantern Walk')
    await user.keyboard('a')
    await waitFor(() => expect(options()).toHaveLength(1))
    expect(currentOption()).toHaveTextContent('3 Lantern Walk')
    expect(count('revisits_outstanding')).toBe('1')

    expect(currentOption().style.top).toBe('0px')

    // The last door to revisit answered: the list empties and focus stays close by.
    await user.keyboard('t')
    await waitFor(() => expect(screen.getByText(/No doors to revisit/)).toBeInTheDocument())
    expect(filter).toHaveFocus()

    await user.click(filter)
    expect(options()).toHaveLength(10)
    expect(currentOption()).toHaveTextContent('3 Lantern Walk')
    expect(currentOption().style.top).toBe(`${2 * 76}px`)
  })

  it('keeps 2,000 doors to a small window of rows, and moves through them by key', async () => {
    const app = renderApp({ state: 'unlocked' })
    const day = app.fake.days.seedDay()
    const rows = app.fake.days.seedDoors(day.id, 2000)
    const started = performance.now()
    window.location.hash = `#/day/${day.id}`
    await waitFor(
      () => {
        if (!document.querySelector('[role="option"]')) throw new Error('no rows yet')
      },
      { interval: 1 },
    )
    const firstRender = performance.now() - started
    // For docs/performance.md; never asserted (jsdom is not the webview). Includes the fake
    // building the 2,000-door page, as the Rust command would.
    console.info(
      `Day of action, 2,000 doors: first render of the door list in ${firstRender.toFixed(0)} ms (jsdom)`,
    )

    expect(options().length).toBeGreaterThan(5)
    expect(options().length).toBeLessThan(100)
    expect(options()[0]).toHaveAttribute('aria-setsize', '2000')
    expect(screen.getByRole('heading', { level: 2, name: /Doors/ })).toHaveTextContent(
      '2,000 doors',
    )

    const { user } = app
    list().focus()
    await user.keyboard('{End}')
    expect(currentOption()).toHaveTextContent('2000 Lantern Walk')
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
    await waitFor(() => expect(app.fake.days.knocksOf(day.id)).toHaveLength(1))
    expect(app.fake.days.knocksOf(day.id)[0]?.doorId).toBe(rows[1999]?.id)
    await waitFor(() => expect(count('doors_knocked')).toBe('1 of 2,000'))
    expect(currentOption()).toHaveTextContent('2000 Lantern Walk')
  })

  it('passes axe with doors, outcomes and the current door', async () => {
    const { fake, day, rows, user } = await openDay(30)
    fake.days.seedKnock(day.id, rows[0]?.id ?? '', ['no_answer', 'leaflet_left'])
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
    const { user, fake, day, rows } = await openDay(4)
    fake.days.seedKnock(day.id, rows[0]?.id ?? '', ['advice_given', 'alarm_fitted'], {
      alarms_fitted: 2,
    })
    fake.days.seedKnock(day.id, rows[1]?.id ?? '', ['no_answer'])
    await user.click(screen.getByRole('button', { name: 'Save the summary (CSV)' }))
    const path = `/home/officer/Documents/day-of-action-${TODAY}.csv`
    expect(await screen.findByText(path)).toBeInTheDocument()
    expect(document.getElementById('save-summary-saved')).toHaveTextContent(`Saved to ${path}.`)
    expect(fake.calls.find((c) => c.method === 'chooseCsvDestination')?.args[0]).toBe(
      `day-of-action-${TODAY}.csv`,
    )
    expect(fake.days.savedFiles.get(path)).toBe(
      `${SUMMARY_CSV_HEADER}\r\nLantern estate day of action,${TODAY},2,1,2,0,0,0,0,0,1\r\n`,
    )
  })

  it('says why the summary could not be saved', async () => {
    const { user, fake } = await openDay(1)
    vi.spyOn(fake, 'chooseCsvDestination').mockResolvedValueOnce(ok('/readonly/summary.csv'))
    await user.click(screen.getByRole('button', { name: 'Save the summary (CSV)' }))
    await waitFor(() =>
      expect(document.getElementById('save-summary-error')).toHaveTextContent(
        'Could not use /readonly/summary.csv',
      ),
    )
  })

  it("saves the day's documents into a folder with a progress bar and lists them", async () => {
    const { user, fake, day } = await openDay(3)
    fake.dayReferralFiles = ['referral-r-1.pdf', 'referral-r-2.pdf']
    const seen: number[] = []
    fake.onDocumentProgress((p) => seen.push(p.done))
    await user.click(screen.getByRole('button', { name: "Save the day's documents (PDF)" }))
    expect(await screen.findByText(/3 documents saved/)).toHaveTextContent(
      '/home/officer/Documents/day-of-action',
    )
    expect(seen).toEqual([0, 1, 2, 3])
    expect(fake.calls.find((c) => c.method === 'saveDayDocuments')?.args[0]).toBe(day.id)
  })
})
