// The survey screen against what the real commands answered
// (ui/src/test/fixtures/survey.json, written by crates/api/tests/ui_fixtures.rs): the
// sections, progress, questions shown by `show_if`, weaknesses and scores are Rust's.

import { screen, waitFor, within } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import type { Stub } from '$lib/backend/stub'
import type { SurveyPage } from '$lib/backend/types'
import { renderRecorded, type StubRenderOptions } from './render'

function surveyId(stub: Stub): string {
  return stub.result<SurveyPage>('start_survey').state.survey.id
}

/** The survey as recorded from `from` (started, or answered), opened at `section`. */
async function openSurvey(from: string, section: string | null = null) {
  const options: StubRenderOptions = {
    from,
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
