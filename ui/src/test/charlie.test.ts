// The CHARLIE screen against what the real commands answered (ui/src/test/fixtures/fire.json,
// written by crates/api/tests/ui_fixtures/fire.rs). Every score, level, explanation,
// suggestion and refusal below is one the Rust engine produced.

import { screen, waitFor, within } from '@testing-library/svelte'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Stub } from '$lib/backend/stub'
import type { CharlieDraft, CharlieResult } from '$lib/backend/types'
import { home, pinDate, resident, violations, type Home } from './fire'
import { renderRecorded } from './render'

type User = Awaited<ReturnType<typeof renderRecorded>>['user']

/** The CHARLIE screen of `line` as recorded, going on with `branch` when given. */
async function openCharlie(line: Home, branch?: string) {
  const page = await home(line)
  const app = await renderRecorded('fire', {
    ...(branch === undefined ? {} : { branch }),
    hash: `#/household/${page.household.id}/charlie`,
  })
  await screen.findByRole('heading', { level: 1, name: 'CHARLIE fire risk check' })
  return { ...app, page }
}

function scoreGroup(title: string): HTMLElement {
  return screen.getByRole('group', { name: `Score for ${title}` })
}

async function score(user: User, title: string, point: string) {
  await user.click(within(scoreGroup(title)).getByLabelText(point))
}

function saves(stub: Stub): CharlieDraft[] {
  return stub.sent('save_charlie_check').map((args) => args.draft as CharlieDraft)
}

/** What Rust answered to the `n`th check the screen saved. */
function scored(stub: Stub, n = 0): CharlieResult {
  return stub.result<CharlieResult>('save_charlie_check', { draft: saves(stub)[n] })
}

/**
 * A check that comes out very high: smoking 10, hoarding 8 (from a Clutter Image Rating of 6),
 * lives alone 8, elderly 4, oxygen in the home, and no working alarm upstairs.
 */
async function fillVeryHighCheck(user: User) {
  await score(user, 'Care and support needs (including cooking)', '1 – Rare')
  await user.selectOptions(
    screen.getByLabelText('Clutter Image Rating of the worst room'),
    '6 (scores 8)',
  )
  await score(user, 'Alcohol, drugs and medication', '1 – Rare')
  await score(user, 'Reduced mobility', '1 – Rare')
  await score(user, 'Lives alone (and how often people visit)', '8 – Likely')
  await score(user, 'Inappropriate smoking', '10 – Almost certain')
  await score(user, 'Elderly (65 or over)', '4 – Possible')

  await user.click(screen.getByRole('button', { name: 'Add a floor' }))
  expect(screen.getByLabelText('Which floor?')).toHaveValue('Ground floor')
  expect(screen.getByLabelText('Which floor?')).toHaveFocus()
  const ground = screen.getByRole('group', { name: 'Floor 1: Ground floor' })
  await user.click(within(ground).getByLabelText('An alarm was there before the visit'))
  await user.click(within(ground).getByLabelText('I tested it'))
  await user.click(within(ground).getByLabelText('It sounded when tested'))
  await user.click(screen.getByRole('button', { name: 'Add another floor' }))
  await user.type(document.getElementById('alarm-1-floor') as HTMLElement, 'First floor')

  await user.click(screen.getByLabelText('Clear: exits clear, keys to hand'))
  await user.click(screen.getByLabelText('Medical oxygen in the home'))
}

afterEach(() => {
  vi.useRealTimers()
})

describe('CHARLIE check', () => {
  it('scores a check and shows the level, the explanation and what drove it', async () => {
    const { user, stub, page } = await openCharlie('9 Dale Road', 'charlie')
    expect(screen.getByText('9 Dale Road, Eastwick Vale, ZY18 9ZD')).toBeInTheDocument()
    expect(document.title).toBe('CHARLIE fire risk check, 9 Dale Road – Doorstep')
    // One resident: the check is for them unless the officer says otherwise.
    expect(screen.getByLabelText('Edith Sampleton')).toBeChecked()
    // Each factor says what to ask.
    expect(
      screen.getByText('Do you have a pendant alarm or telecare? When was it last tested?'),
    ).toBeInTheDocument()

    await fillVeryHighCheck(user)
    // The Clutter Image Rating chose the hoarding score the template maps it to.
    expect(
      within(scoreGroup('Hoarding (and mental health)')).getByLabelText('8 – Likely'),
    ).toBeChecked()

    await user.click(screen.getByRole('button', { name: 'Save and score' }))

    const heading = await screen.findByRole('heading', { level: 2, name: 'Result of the check' })
    await waitFor(() => expect(heading).toHaveFocus())
    expect(document.getElementById('charlie-level')).toHaveTextContent('Very high risk')
    expect(document.getElementById('charlie-total')).toHaveTextContent('49 points')
    expect(document.getElementById('charlie-explanation')).toHaveTextContent(
      'Very high risk (49 points). Driven by: Inappropriate smoking 10, Hoarding (and mental health) 8, Lives alone (and how often people visit) 8, Medical oxygen in the home 8, No working smoke alarm 8, Elderly (65 or over) 4.',
    )

    const table = screen.getByRole('table', { name: 'What drove it and by how much' })
    const rows = within(table).getAllByRole('row')
    expect(within(rows[1]!).getByRole('rowheader')).toHaveTextContent('Inappropriate smoking')
    expect(rows[1]).toHaveTextContent('Scored 10 (Almost certain): Smokes near medical oxygen')
    expect(
      within(table).getByRole('row', {
        name: /No working smoke alarm No working smoke alarm on: First floor 8/,
      }),
    ).toBeInTheDocument()
    expect(within(table).getByRole('row', { name: 'Total 49' })).toBeInTheDocument()

    expect(document.getElementById('charlie-threshold')).toHaveTextContent(
      'The referral threshold is met',
    )
    const because = document.getElementById('charlie-referral-because') as HTMLElement
    expect(
      within(because).getByText('The total 49 is at or above the referral threshold 22'),
    ).toBeInTheDocument()
    expect(within(because).getByText('Inappropriate smoking scored 10')).toBeInTheDocument()

    // The fire service is suggested, urgently, with its reasons.
    const suggestion = document.getElementById('suggestion-fire_safe_and_well') as HTMLElement
    expect(within(suggestion).getByText('Urgent')).toBeInTheDocument()
    expect(
      within(suggestion).getByText('Medical oxygen in the home (8 points)'),
    ).toBeInTheDocument()
    expect(document.getElementById('suggestion-substance_misuse')).toBeNull()

    // What was sent: the resident, the rating, the floors and the hazard.
    const [sent] = saves(stub)
    expect(sent).toMatchObject({
      id: null,
      person_id: resident(page, 'Edith Sampleton'),
      household_id: page.household.id,
      clutter_image_rating: 6,
      escape_route: 'clear',
      flags: ['medical_oxygen'],
      alarms: [
        { floor: 'Ground floor', present: true, tested: true, working: true, fitted_today: false },
        {
          floor: 'First floor',
          present: false,
          tested: false,
          working: false,
          fitted_today: false,
        },
      ],
    })
    expect(sent?.factors.find((f) => f.factor === 'hoarding')?.score).toBe(8)

    // It is listed with the household's checks, and saving again corrects the same check.
    const previous = await screen.findByRole('table', { name: 'Checks at this address' })
    await waitFor(() => expect(within(previous).getAllByRole('row')).toHaveLength(2))
    expect(within(previous).getByText('Very high risk')).toBeInTheDocument()
    expect(within(previous).getByText('Edith Sampleton')).toBeInTheDocument()

    const firstId = scored(stub).check.id
    await score(user, 'Inappropriate smoking', '1 – Rare')
    await user.click(screen.getByRole('button', { name: 'Save changes and score again' }))
    await waitFor(() =>
      expect(document.getElementById('charlie-total')).toHaveTextContent('40 points'),
    )
    expect(saves(stub)[1]?.id).toBe(firstId)
    expect(scored(stub, 1).check.id).toBe(firstId)
    await waitFor(() => expect(within(previous).getByText('40 points')).toBeInTheDocument())
    expect(within(previous).getAllByRole('row')).toHaveLength(2)
    expect(stub.unanswered).toEqual([])
  })

  it('shows a missing score and a disagreeing rating beside their fields, keeping what was typed', async () => {
    const { user, stub } = await openCharlie('9 Dale Road', 'charlie-refused')
    await score(user, 'Care and support needs (including cooking)', '2 – Unlikely')
    await user.type(
      screen.getByLabelText('Notes on Care and support needs (including cooking) (optional)'),
      'Carers twice a day',
    )
    await user.click(screen.getByRole('button', { name: 'Save and score' }))

    const summary = await screen.findByRole('alert')
    await waitFor(() => expect(summary.parentElement).toHaveFocus())
    expect(summary).toHaveTextContent(
      'Score Hoarding (and mental health); choose 1 if it does not apply',
    )
    expect(summary).toHaveTextContent(
      'Select whether the escape route is clear, obstructed or not checked',
    )
    expect(document.getElementById('factor-hoarding-score-error')).toHaveTextContent(
      'Score Hoarding (and mental health); choose 1 if it does not apply',
    )
    expect(document.getElementById('factor-care_and_support-score-error')).toBeNull()
    expect(document.title).toBe('Error: CHARLIE fire risk check, 9 Dale Road – Doorstep')
    expect(saves(stub)).toHaveLength(0)
    // Nothing typed is lost.
    expect(
      within(scoreGroup('Care and support needs (including cooking)')).getByLabelText(
        '2 – Unlikely',
      ),
    ).toBeChecked()
    expect(
      screen.getByLabelText('Notes on Care and support needs (including cooking) (optional)'),
    ).toHaveValue('Carers twice a day')

    // A rating of 7 maps to 8; scoring hoarding 2 without saying why is refused by Rust.
    await user.selectOptions(
      screen.getByLabelText('Clutter Image Rating of the worst room'),
      '7 (scores 8)',
    )
    await score(user, 'Hoarding (and mental health)', '2 – Unlikely')
    for (const title of [
      'Alcohol, drugs and medication',
      'Reduced mobility',
      'Lives alone (and how often people visit)',
      'Inappropriate smoking',
      'Elderly (65 or over)',
    ]) {
      await score(user, title, '1 – Rare')
    }
    await user.click(screen.getByLabelText('Not checked'))
    // An alarm marked tested but not present is refused too.
    await user.click(screen.getByRole('button', { name: 'Add a floor' }))
    await user.click(screen.getByLabelText('I tested it'))
    await user.click(screen.getByRole('button', { name: 'Save and score' }))

    const noteError =
      'A Clutter Image Rating of 7 normally scores 8; you scored 2. Say why in the note'
    await waitFor(() =>
      expect(document.getElementById('factor-hoarding-note-error')).toHaveTextContent(noteError),
    )
    expect(document.getElementById('alarm-0-present-error')).toHaveTextContent(
      'An alarm that was tested or working must be marked present',
    )
    expect(
      screen.getByLabelText('Notes on Hoarding (and mental health) (optional)'),
    ).toHaveAttribute('aria-invalid', 'true')
    const links = within(screen.getByRole('alert')).getAllByRole('link')
    expect(links.map((a) => a.getAttribute('href'))).toEqual([
      '#factor-hoarding-note',
      '#alarm-0-present',
    ])
    expect(screen.getByLabelText('Clutter Image Rating of the worst room')).toHaveValue('7')
    expect(
      within(scoreGroup('Hoarding (and mental health)')).getByLabelText('2 – Unlikely'),
    ).toBeChecked()
    expect(
      screen.getByLabelText('Notes on Care and support needs (including cooking) (optional)'),
    ).toHaveValue('Carers twice a day')
    expect(screen.queryByRole('heading', { name: 'Result of the check' })).toBeNull()

    await user.click(links[0]!)
    expect(screen.getByLabelText('Notes on Hoarding (and mental health) (optional)')).toHaveFocus()
    await user.type(
      screen.getByLabelText('Notes on Hoarding (and mental health) (optional)'),
      'Clutter is in the loft only; exits clear',
    )
    await user.click(screen.getByLabelText('An alarm was there before the visit'))
    await user.click(screen.getByRole('button', { name: 'Save and score' }))
    await screen.findByRole('heading', { level: 2, name: 'Result of the check' })
    // 2 + 2 + five 1s, and the untested alarm leaves the floor without a working one.
    expect(document.getElementById('charlie-total')).toHaveTextContent('17 points')
    expect(document.getElementById('charlie-level')).toHaveTextContent('Medium risk')
    expect(document.getElementById('charlie-threshold')).toHaveTextContent(
      'The referral threshold is not met',
    )
    expect(stub.unanswered).toEqual([])
  })

  it('offers a referral from a suggestion, filled in on the referral form', async () => {
    pinDate()
    const { user, stub, page } = await openCharlie('11 Dale Road', 'suggestion')
    // Two residents: the officer chooses.
    await user.click(screen.getByLabelText('Ray Sampleton'))
    await fillVeryHighCheck(user)
    await user.click(screen.getByRole('button', { name: 'Save and score' }))
    await screen.findByRole('heading', { level: 2, name: 'Result of the check' })
    const saved = scored(stub)
    expect(saved.check.person_id).toBe(resident(page, 'Ray Sampleton'))

    await user.click(
      screen.getByRole('link', { name: 'Refer to Fire and Rescue Service: Safe and Well (demo)' }),
    )
    await screen.findByRole('heading', { level: 1, name: 'Make a referral' })
    expect(screen.getByText(/filled in from the CHARLIE check you just saved/)).toBeInTheDocument()
    expect(screen.getByLabelText('Ray Sampleton')).toBeChecked()
    expect(screen.getByLabelText('Which agency?')).toHaveValue('fire_safe_and_well')
    const reasons = screen.getByLabelText('Why are you referring them?') as HTMLTextAreaElement
    expect(reasons.value.split('\n')).toEqual([
      'CHARLIE very high risk, 49 points: The total 49 is at or above the referral threshold 22; Inappropriate smoking scored 10',
      'No working smoke alarm (8 points)',
      'Medical oxygen in the home (8 points)',
    ])
    expect(screen.getByLabelText('Urgent')).toBeChecked()

    await user.click(screen.getByLabelText('Yes, they agreed'))
    expect(
      screen.getByLabelText('Sharing their details with the fire and rescue service'),
    ).toBeChecked()
    await user.type(screen.getByLabelText('Name of the person who gave consent'), 'Ray Sampleton')
    await user.click(screen.getByRole('button', { name: 'Save the referral' }))

    await screen.findByRole('heading', {
      level: 1,
      name: 'Referral to Fire and Rescue Service: Safe and Well (demo)',
    })
    expect(stub.sent('draft_referral')[0]?.draft).toMatchObject({
      person_id: resident(page, 'Ray Sampleton'),
      agency_id: 'fire_safe_and_well',
      urgency: 'urgent',
      charlie_check_id: saved.check.id,
    })

    // The suggestion is used once: a later referral starts empty.
    window.location.hash = `#/household/${page.household.id}/referral`
    await screen.findByRole('heading', { level: 1, name: 'Make a referral' })
    expect(screen.getByLabelText('Which agency?')).toHaveValue('')
    expect(stub.unanswered).toEqual([])
  })

  it('has no axe violations, empty, with errors, and with a result', async () => {
    const { user } = await openCharlie('9 Dale Road', 'charlie')
    expect(await violations()).toEqual([])

    await user.click(screen.getByRole('button', { name: 'Save and score' }))
    await screen.findByRole('alert')
    expect(await violations()).toEqual([])

    await fillVeryHighCheck(user)
    await user.click(screen.getByRole('button', { name: 'Save and score' }))
    await screen.findByRole('heading', { level: 2, name: 'Result of the check' })
    expect(await violations()).toEqual([])
  })

  it('explains a household with no residents, and still scores the check', async () => {
    const { page } = await openCharlie('13 Dale Road')
    expect(page.persons).toEqual([])
    expect(document.getElementById('charlie-no-residents')).toHaveTextContent(
      'No residents are recorded',
    )
    expect(screen.queryByRole('group', { name: 'Who is the check for?' })).toBeNull()
  })
})
