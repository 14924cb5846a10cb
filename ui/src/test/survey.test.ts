// The survey screen against what the real commands answered
// (ui/src/test/fixtures/survey.json, written by crates/api/tests/ui_fixtures/survey.rs):
// the sections, progress, questions shown by `show_if`, weaknesses, scores and refusals
// are Rust's. Tests that answer start from a branch of the survey as started.

import { screen, waitFor, within } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import { OPEN_DIALOG, type Stub } from '$lib/backend/stub'
import type { AnswerValue, SurveyPage, SurveyPhoto } from '$lib/backend/types'
import { renderRecorded, type StubRenderOptions } from './render'

function surveyId(stub: Stub): string {
  return stub.result<SurveyPage>('start_survey').state.survey.id
}

/**
 * The survey as recorded from `from` (started, or answered) or from the start of `branch`,
 * opened at `section`.
 */
async function openSurvey(from: string | { branch: string }, section: string | null = null) {
  const options: StubRenderOptions = {
    ...(typeof from === 'string' ? { from } : from),
    hash: (stub) => `#/survey/${surveyId(stub)}${section === null ? '' : `/${section}`}`,
  }
  const app = await renderRecorded('survey', options)
  await screen.findByRole('heading', { level: 1, name: 'Home security survey' })
  return { ...app, surveyId: surveyId(app.stub) }
}

const sectionHeading = (name: string | RegExp) => screen.findByRole('heading', { level: 2, name })

describe('home security survey', () => {
  it('opens at the first section needing attention, with the address and progress', async () => {
    await openSurvey('started')
    expect(screen.getByText('12 Acacia Avenue, Eastwick Vale, ZY18 9ZA')).toBeInTheDocument()
    expect(await sectionHeading('A. Why we are here and the burglary')).toBeInTheDocument()
    const progress = screen.getByRole('navigation', { name: 'Survey sections' })
    const links = within(progress).getAllByRole('link')
    expect(links).toHaveLength(10)
    expect(links[0]?.textContent?.replace(/\s+/g, ' ').trim()).toBe(
      'A. Why we are here and the burglary (this section)',
    )
    expect(links[0]).toHaveAttribute('aria-current', 'step')
    expect(
      within(progress).getByText('0 of 32 questions answered; 18 answers need attention'),
    ).toBeInTheDocument()
    const first = links[0]!.closest('li') as HTMLElement
    expect(within(first).getByText('0 of 2 answered')).toBeInTheDocument()
    expect(within(first).getByText('2 need attention')).toHaveClass('govuk-tag')
    expect(document.title).toBe(
      'A. Why we are here and the burglary – Home security survey, 12 Acacia Avenue – Doorstep',
    )
  })

  it('saves a radio answer at once, and then asks the questions that depend on it', async () => {
    const { user, stub, surveyId } = await openSurvey('started', 'incident')
    expect(screen.queryByLabelText('Police crime reference (optional)')).toBeNull()
    const question = screen.getByRole('group', { name: /Why is this survey being done\?/ })
    await user.click(within(question).getByLabelText('This home was burgled'))

    await waitFor(() => expect(screen.getByText('Saved')).toBeInTheDocument())
    expect(stub.sent('save_answer')).toEqual([
      { surveyId, item: 'survey_reason', value: { type: 'choice', value: 'burglary_victim' } },
    ])
    expect(within(question).getByLabelText('This home was burgled')).toBeChecked()
    // The burglary's questions follow from Rust's answer.
    expect(await screen.findByLabelText('Police crime reference (optional)')).toBeInTheDocument()
    expect(
      screen.getByRole('group', { name: /Where did the burglar get in\?/ }),
    ).toBeInTheDocument()
  })

  it('saves text when typing pauses, without leaving the box', async () => {
    const { user, stub, surveyId } = await openSurvey('started', 'incident')
    const question = screen.getByRole('group', { name: /Why is this survey being done\?/ })
    await user.click(within(question).getByLabelText('This home was burgled'))
    const box = await screen.findByLabelText('Police crime reference (optional)')
    await user.type(box, 'ZY/1234/26')
    expect(box).toHaveFocus()
    await waitFor(
      () =>
        expect(stub.sent('save_answer').at(-1)).toEqual({
          surveyId,
          item: 'crime_ref',
          value: { type: 'text', value: 'ZY/1234/26' },
        }),
      { timeout: 2000 },
    )
    // Leaving the box does not save the same text again.
    await user.tab()
    expect(stub.sent('save_answer')).toHaveLength(2)
    expect(stub.unanswered).toEqual([])
  })

  it('moves between sections with the progress links and the next and previous links', async () => {
    const { user, surveyId } = await openSurvey('started', 'incident')
    const progress = screen.getByRole('navigation', { name: 'Survey sections' })
    await user.click(within(progress).getByRole('link', { name: 'B. External doors' }))

    const heading = await sectionHeading('B. External doors')
    await waitFor(() => expect(heading).toHaveFocus())
    expect(window.location.hash).toBe(`#/survey/${surveyId}/doors`)
    expect(within(progress).getByRole('link', { name: /B. External doors/ })).toHaveAttribute(
      'aria-current',
      'step',
    )

    await user.click(screen.getByRole('link', { name: /Next section/ }))
    await sectionHeading('C. Windows')
    await user.click(screen.getByRole('link', { name: /Previous section/ }))
    await sectionHeading('B. External doors')

    // The browser's back key goes back a section too.
    window.history.back()
    await sectionHeading('C. Windows')
  })

  it('saves the notes on a section', async () => {
    const { user, stub, surveyId } = await openSurvey('started', 'doors')
    await user.type(
      screen.getByLabelText('Notes on this section (optional)'),
      'Back door faces an unlit alley',
    )
    await user.tab()
    await waitFor(() =>
      expect(stub.sent('save_section_note')).toEqual([
        { surveyId, section: 'doors', note: 'Back door faces an unlit alley' },
      ]),
    )
    expect(stub.unanswered).toEqual([])
  })

  it('sums up what is still needed, the weaknesses and the scores, and draws up the plan', async () => {
    const { user, stub, surveyId } = await openSurvey('answered', 'circumstances')
    const summary = screen.getByRole('region', { name: 'What the survey found' })
    expect(summary).toHaveTextContent('13 answers are still needed')
    // A weakness, with Rust's explanation (and again among the risk points below).
    expect(within(summary).getAllByText('Lock cylinder can be snapped (Door 1)')).toHaveLength(2)
    expect(within(summary).getByText(/An anti-snap cylinder closes that route/)).toBeInTheDocument()

    const risk = within(summary).getByRole('table', { name: /Risk of burglary: High/ })
    expect(risk).toHaveAccessibleName(/56 points/)
    const rows = within(risk)
      .getAllByRole('row')
      .slice(1)
      .map((r) =>
        within(r)
          .getAllByRole('cell')
          .map((c) => c.textContent?.trim()),
      )
    expect(rows).toContainEqual(['Lock cylinder can be snapped (Door 1)', '8'])
    expect(rows).toContainEqual(['Open access to the back of the home', '4'])

    // Answers still needed are listed, each linking to its question.
    await user.click(within(summary).getByRole('link', { name: /Answer "When did it happen\?"/ }))
    await sectionHeading('A. Why we are here and the burglary')

    window.location.hash = `#/survey/${surveyId}/circumstances`
    await sectionHeading("J. The resident's circumstances")
    await user.click(screen.getByRole('button', { name: 'Draw up the improvement plan' }))
    await waitFor(() => expect(stub.sent('draft_plan')).toEqual([{ surveyId }]))
  })
})

describe('answering the survey', () => {
  /** What the screen sent for `item`, each value in order. */
  const sentFor = (stub: Stub, item: string) =>
    stub
      .sent('save_answer')
      .filter((args) => args.item === item)
      .map((args) => args.value as AnswerValue)
  const projects = /stick out more than 3 mm/

  it('adds doors, shows a question only after the answer it depends on, and removes a door after asking', async () => {
    const { user, stub } = await openSurvey({ branch: 'doors' }, 'doors')
    expect(screen.getByText('No doors added yet.')).toBeInTheDocument()

    await user.click(screen.getByRole('button', { name: 'Add a door' }))
    const door1 = await screen.findByRole('group', { name: 'Door 1' })
    expect(within(door1).queryByRole('group', { name: projects })).not.toBeInTheDocument()

    // Rust's show_if: the cylinder questions follow from a uPVC door.
    await user.click(within(door1).getByLabelText('uPVC'))
    expect(await within(door1).findByRole('group', { name: projects })).toBeInTheDocument()
    // A door is saved as it is added, then with each answer.
    expect(sentFor(stub, 'doors')).toEqual([
      { type: 'group', value: [{}] },
      { type: 'group', value: [{ door_material: { type: 'choice', value: 'upvc' } }] },
    ])

    await user.click(screen.getByRole('button', { name: 'Add another door' }))
    const door2 = await screen.findByRole('group', { name: 'Door 2' })
    await user.click(within(door2).getByLabelText('Solid timber, 44 mm or thicker'))
    await waitFor(() => expect(sentFor(stub, 'doors')).toHaveLength(4))
    expect(sentFor(stub, 'doors')[3]).toEqual({
      type: 'group',
      value: [
        { door_material: { type: 'choice', value: 'upvc' } },
        { door_material: { type: 'choice', value: 'solid_timber' } },
      ],
    })
    await waitFor(() => expect(screen.getByText('Saved')).toBeInTheDocument())
    expect(within(door2).queryByRole('group', { name: projects })).not.toBeInTheDocument()

    // Removing asks first; nothing is removed until the officer confirms.
    await user.click(screen.getByRole('button', { name: 'Remove this door (Door 1)' }))
    const confirm = screen.getByRole('button', { name: 'Yes, remove door 1' })
    await waitFor(() => expect(confirm).toHaveFocus())
    expect(screen.getByText(/Remove door 1 and every answer about it\?/)).toBeInTheDocument()
    expect(sentFor(stub, 'doors')).toHaveLength(4)

    await user.click(confirm)
    await waitFor(() => expect(sentFor(stub, 'doors')).toHaveLength(5))
    expect(sentFor(stub, 'doors')[4]).toEqual({
      type: 'group',
      value: [{ door_material: { type: 'choice', value: 'solid_timber' } }],
    })
    expect(screen.queryByRole('group', { name: 'Door 2' })).not.toBeInTheDocument()
    expect(
      within(screen.getByRole('group', { name: 'Door 1' })).getByLabelText(
        'Solid timber, 44 mm or thicker',
      ),
    ).toBeChecked()
    // A required group keeps at least its minimum: the last door cannot be removed.
    expect(screen.queryByRole('button', { name: /Remove this door/ })).not.toBeInTheDocument()
    expect(stub.unanswered).toEqual([])
  })

  it('is answered from the keyboard: numbers choose and move on, a door copies the last', async () => {
    const { user, stub } = await openSurvey({ branch: 'keyboard' }, 'incident')
    // Where nothing is focused but the heading, a number answers the first question left.
    await user.keyboard('2')
    await waitFor(() =>
      expect(sentFor(stub, 'survey_reason')).toEqual([
        { type: 'choice', value: 'cocoon_neighbour' },
      ]),
    )
    // For a neighbour the burglary's questions are not asked: the next left is answered.
    const repeat = await screen.findByRole('group', { name: /burgled in the last 12 months/ })
    await waitFor(() => expect(within(repeat).getByLabelText('Yes')).toHaveFocus())
    await user.keyboard('2')
    await waitFor(() =>
      expect(sentFor(stub, 'repeat_victim')).toEqual([{ type: 'yes_no', value: 'no' }]),
    )
    // Section A is done: the doors come next, at their numbered "what next" buttons.
    await sectionHeading('B. External doors')
    await waitFor(() => expect(screen.getByRole('button', { name: 'Add a door' })).toHaveFocus())
    await user.keyboard('1')
    const door1 = await screen.findByRole('group', { name: 'Door 1' })
    await waitFor(() => expect(within(door1).getByLabelText('Front')).toHaveFocus())
    await user.keyboard('2')
    await waitFor(() =>
      expect(within(door1).getByLabelText('Solid timber, 44 mm or thicker')).toHaveFocus(),
    )
    await user.keyboard('1')
    await waitFor(() => expect(within(door1).getByLabelText('Sound')).toHaveFocus())
    await user.keyboard('1')
    // The material's answer showed the timber door's locks, and the focus waits there.
    const locks = await within(door1).findByRole('group', { name: /Locks on this timber door/ })
    await waitFor(() => expect(within(locks).getAllByRole('radio')[0]).toHaveFocus())
    await user.keyboard('1')
    await waitFor(() => expect(within(door1).getByLabelText('No glass')).toHaveFocus())
    await user.keyboard('1')
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Same as Door 1' })).toHaveFocus(),
    )
    await user.keyboard('1')
    const door2 = await screen.findByRole('group', { name: 'Door 2' })
    await waitFor(() =>
      expect(within(door2).getByLabelText('Solid timber, 44 mm or thicker')).toBeChecked(),
    )
    await waitFor(() => expect(sentFor(stub, 'doors')).toHaveLength(7))
    const door = {
      door_position: { type: 'choice', value: 'back' },
      door_material: { type: 'choice', value: 'solid_timber' },
      door_condition: { type: 'choice', value: 'sound' },
      door_lock_timber: { type: 'choice', value: 'bs3621_both' },
      door_glazing: { type: 'choice', value: 'none' },
    }
    expect(sentFor(stub, 'doors').at(-1)).toEqual({ type: 'group', value: [door, door] })
    // Door 2 is answered already; "No more doors" moves on to the next section.
    await user.click(screen.getByRole('button', { name: 'No more doors' }))
    await sectionHeading('C. Windows')
    expect(stub.unanswered).toEqual([])
  })

  it('shows a number out of range beside the box and keeps what was typed', async () => {
    const { user, stub } = await openSurvey({ branch: 'resident' }, 'circumstances')
    const box = screen.getByLabelText(/How safe do you feel in your home\?/)
    expect(box).toHaveAttribute('inputmode', 'numeric')
    // Questions about the resident take no photos.
    expect(screen.queryByRole('button', { name: /Add a photo of How safe/ })).toBeNull()
    expect(screen.queryByRole('button', { name: /Add a photo of Is there a domestic/ })).toBeNull()

    // Rust refuses a number above the question's maximum; its message sits beside the box.
    const refusal = stub.recorded('save_answer', { value: { type: 'number', value: 7 } }).error
    expect(refusal?.fields[0]?.message).toBe('Enter 5 or less')
    await user.type(box, '7')
    await user.tab()
    await waitFor(() =>
      expect(document.getElementById('q-feel_safe-error')).toHaveTextContent('Enter 5 or less'),
    )
    expect(box).toHaveValue('7')
    expect(box).toHaveAttribute('aria-invalid', 'true')
    expect(screen.getByText(/Not saved/)).toBeInTheDocument()

    // Text that is not a number is kept too, and never sent.
    await user.clear(box)
    await user.type(box, 'four')
    await user.tab()
    expect(document.getElementById('q-feel_safe-error')).toHaveTextContent('Enter a number')
    expect(box).toHaveValue('four')
    expect(sentFor(stub, 'feel_safe')).toEqual([{ type: 'number', value: 7 }])

    await user.clear(box)
    await user.type(box, '2')
    await user.tab()
    await waitFor(() =>
      expect(sentFor(stub, 'feel_safe')).toEqual([
        { type: 'number', value: 7 },
        { type: 'number', value: 2 },
      ]),
    )
    await waitFor(() => expect(document.getElementById('q-feel_safe-error')).toBeNull())
    expect(box).not.toHaveAttribute('aria-invalid')
    expect(stub.unanswered).toEqual([])
  })

  it('adds a photo with a thumbnail, and shows why a file was refused', async () => {
    const { user, stub, surveyId } = await openSurvey({ branch: 'photo' }, 'incident')
    const added = stub.recorded('add_survey_photo', { item: 'repeat_victim' })
    const refused = stub.recorded('add_survey_photo', { item: 'section:incident' })
    // The file dialog is the test's: it answers with the files Rust was given.
    stub.answer(OPEN_DIALOG, added.args.path)
    await user.click(
      screen.getByRole('button', {
        name: /Add a photo of Has this home been burgled in the last 12 months/,
      }),
    )
    const photo = await screen.findByRole('img', {
      name: /^Photo of Has this home been burgled.*: back-door.png$/,
    })
    expect(photo.getAttribute('src')).toBe(
      stub.result<string>('attachment_data_url', {
        sha256: (added.result as SurveyPhoto).sha256,
      }),
    )
    expect(stub.sent('add_survey_photo')).toEqual([
      { surveyId, item: 'repeat_victim', path: added.args.path },
    ])

    stub.answer(OPEN_DIALOG, refused.args.path)
    const sectionPhoto = screen.getByRole('button', {
      name: 'Add a photo of A. Why we are here and the burglary',
    })
    await user.click(sectionPhoto)
    const message = refused.error?.message ?? ''
    expect(message).toMatch(/not a photo/)
    expect(await screen.findByText(message)).toBeInTheDocument()
    expect(sectionPhoto).toHaveAccessibleDescription(new RegExp(message.slice(0, 20)))
    expect(stub.unanswered).toEqual([])
  })

  it('keeps an answer given as Doorstep locked itself, and saves it after unlocking', async () => {
    const { user, stub } = await openSurvey({ branch: 'locked' }, 'incident')
    const question = screen.getByRole('group', { name: /burgled in the last 12 months/ })
    // Rust refuses the answer: the store locked itself before it arrived.
    await user.click(within(question).getByLabelText('No'))

    await user.type(
      await screen.findByLabelText('Passphrase'),
      'kettle harbour violet sprocket{Enter}',
    )
    await sectionHeading('A. Why we are here and the burglary')
    expect(stub.sent('unlock')).toEqual([{ passphrase: 'kettle harbour violet sprocket' }])
    await waitFor(() => expect(sentFor(stub, 'repeat_victim')).toHaveLength(2))
    expect(sentFor(stub, 'repeat_victim')).toEqual([
      { type: 'yes_no', value: 'no' },
      { type: 'yes_no', value: 'no' },
    ])
    expect(
      within(screen.getByRole('group', { name: /burgled in the last 12 months/ })).getByLabelText(
        'No',
      ),
    ).toBeChecked()
    expect(stub.unanswered).toEqual([])
  })

  it('says when the survey does not exist', async () => {
    const { stub } = await renderRecorded('survey', {
      branch: 'missing',
      hash: (stub) => `#/survey/${String(stub.recorded('get_survey').args.id)}`,
    })
    await screen.findByRole('heading', { level: 1, name: 'Survey not found' })
    expect(stub.recorded('get_survey').error?.code).toBe('not_found')
  })
})
