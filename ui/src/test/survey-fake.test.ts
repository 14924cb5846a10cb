// Survey screens that still run against the in-memory fake and its own small template:
// doors added and removed, the keyboard, numbers out of range, photos, answers on an older
// form, the idle lock during an answer and a missing survey. They move to recorded fixtures
// (survey.test.ts) once the fixture writer records the saves these interactions send on the
// real template.

import { screen, waitFor, within } from '@testing-library/svelte'
import { describe, expect, it, vi } from 'vitest'
import { ok } from '$lib/backend/backend'
import type { AnswerValue } from '$lib/backend/types'
import { PASSPHRASE, renderApp } from './render'

/** A survey already started for a household, opened at `section` (or where it needs attention). */
async function openSurvey(
  section: string | null = null,
  answers: Record<string, AnswerValue> = {},
) {
  const app = renderApp({ state: 'unlocked' })
  const household = app.fake.addHousehold({
    address_line_1: '12 Acacia Avenue',
    postcode: 'ZY18 9ZA',
  })
  const started = app.fake.surveys.start(household.id, null)
  if (started.status !== 'ok') throw new Error('the fake did not start a survey')
  const surveyId = started.data.state.survey.id
  // Straight into the fake's record, as if answered earlier (even on an older form).
  Object.assign(app.fake.surveys.surveys[0]!.answers.values, answers)
  window.location.hash =
    section === null ? `#/survey/${surveyId}` : `#/survey/${surveyId}/${section}`
  await screen.findByRole('heading', { level: 1, name: 'Home security survey' })
  return { ...app, household, surveyId }
}

function saves(fake: ReturnType<typeof renderApp>['fake']) {
  return fake.calls.filter((c) => c.method === 'saveAnswer').map((c) => c.args)
}

function savedValue(fake: ReturnType<typeof renderApp>['fake'], item: string) {
  return fake.surveys.surveys[0]?.answers.values[item]
}

const sectionHeading = (name: string | RegExp) => screen.findByRole('heading', { level: 2, name })

describe('home security survey', () => {
  it('adds doors, shows a question only after the answer it depends on, and removes a door after asking', async () => {
    const { user, fake, surveyId } = await openSurvey('doors')
    expect(screen.getByText('No doors added yet.')).toBeInTheDocument()

    await user.click(screen.getByRole('button', { name: 'Add a door' }))
    const door1 = await screen.findByRole('group', { name: 'Door 1' })
    const projects = /stick out more than 3 mm/
    expect(within(door1).queryByRole('group', { name: projects })).not.toBeInTheDocument()

    await user.click(within(door1).getByLabelText('Euro cylinder with no kitemark'))
    expect(await within(door1).findByRole('group', { name: projects })).toBeInTheDocument()
    expect(saves(fake).at(-1)).toEqual([
      surveyId,
      'doors',
      { type: 'group', value: [{ lock_type: { type: 'choice', value: 'euro_standard' } }] },
    ])

    await user.click(screen.getByRole('button', { name: 'Add another door' }))
    const door2 = await screen.findByRole('group', { name: 'Door 2' })
    await user.click(within(door2).getByLabelText('TS 007 3 star cylinder'))
    await waitFor(() =>
      expect(savedValue(fake, 'doors')).toEqual({
        type: 'group',
        value: [
          { lock_type: { type: 'choice', value: 'euro_standard' } },
          { lock_type: { type: 'choice', value: 'ts007_3star' } },
        ],
      }),
    )
    expect(within(door2).queryByRole('group', { name: projects })).not.toBeInTheDocument()

    // Removing asks first; nothing is removed until the officer confirms.
    await user.click(screen.getByRole('button', { name: 'Remove this door (Door 1)' }))
    const confirm = screen.getByRole('button', { name: 'Yes, remove door 1' })
    await waitFor(() => expect(confirm).toHaveFocus())
    expect(screen.getByText(/Remove door 1 and every answer about it\?/)).toBeInTheDocument()
    expect((savedValue(fake, 'doors') as { value: unknown[] }).value).toHaveLength(2)

    await user.click(confirm)
    await waitFor(() =>
      expect(savedValue(fake, 'doors')).toEqual({
        type: 'group',
        value: [{ lock_type: { type: 'choice', value: 'ts007_3star' } }],
      }),
    )
    expect(screen.queryByRole('group', { name: 'Door 2' })).not.toBeInTheDocument()
    expect(
      within(screen.getByRole('group', { name: 'Door 1' })).getByLabelText(
        'TS 007 3 star cylinder',
      ),
    ).toBeChecked()
    // A required group keeps at least its minimum: the last door cannot be removed.
    expect(screen.queryByRole('button', { name: /Remove this door/ })).not.toBeInTheDocument()
  })

  it('is answered from the keyboard: numbers choose and move on, a door copies the last', async () => {
    const { user, fake } = await openSurvey('incident')
    // Where nothing is focused but the heading, a number answers the first question left.
    await user.keyboard('2')
    await waitFor(() =>
      expect(savedValue(fake, 'repeat_victim')).toEqual({ type: 'yes_no', value: 'no' }),
    )
    // Section A is done: the doors come next, at their numbered "what next" buttons.
    await sectionHeading('B. External doors')
    await waitFor(() => expect(screen.getByRole('button', { name: 'Add a door' })).toHaveFocus())
    await user.keyboard('1')
    const door1 = await screen.findByRole('group', { name: 'Door 1' })
    await waitFor(() =>
      expect(within(door1).getByLabelText('Euro cylinder with no kitemark')).toHaveFocus(),
    )
    await user.keyboard('1')
    // The answer shows the cylinder question, and the focus waits there for it.
    const projects = await within(door1).findByRole('group', { name: /stick out more than 3 mm/ })
    await waitFor(() => expect(within(projects).getByLabelText('Yes')).toHaveFocus())
    await user.keyboard('1')
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Same as Door 1' })).toHaveFocus(),
    )
    await user.keyboard('1')
    const door2 = await screen.findByRole('group', { name: 'Door 2' })
    await waitFor(() =>
      expect(within(door2).getByLabelText('Euro cylinder with no kitemark')).toBeChecked(),
    )
    await waitFor(() =>
      expect(savedValue(fake, 'doors')).toEqual({
        type: 'group',
        value: [
          {
            lock_type: { type: 'choice', value: 'euro_standard' },
            cylinder_projects: { type: 'yes_no', value: 'yes' },
          },
          {
            lock_type: { type: 'choice', value: 'euro_standard' },
            cylinder_projects: { type: 'yes_no', value: 'yes' },
          },
        ],
      }),
    )
    // Door 2 is answered already; "No more doors" moves on to the next section.
    await user.click(screen.getByRole('button', { name: 'No more doors' }))
    await sectionHeading("C. The resident's circumstances")
    await waitFor(() => expect(screen.getByLabelText(/How safe do you feel/)).toHaveFocus())
    await user.keyboard('4{Enter}')
    await waitFor(() => expect(savedValue(fake, 'feel_safe')).toEqual({ type: 'number', value: 4 }))
    // Questions about the resident take no photos.
    expect(screen.queryByRole('button', { name: /Add a photo of How safe/ })).toBeNull()
    expect(screen.queryByRole('button', { name: /Add a photo of Is there a domestic/ })).toBeNull()
  })

  it('shows a number out of range beside the box and keeps what was typed', async () => {
    const { user, fake } = await openSurvey('resident')
    const box = screen.getByLabelText(/How safe do you feel in your home\?/)
    expect(box).toHaveAttribute('inputmode', 'numeric')

    await user.type(box, '7')
    await user.tab()
    await waitFor(() =>
      expect(document.getElementById('q-feel_safe-error')).toHaveTextContent('Enter 5 or less'),
    )
    expect(box).toHaveValue('7')
    expect(box).toHaveAttribute('aria-invalid', 'true')
    expect(screen.getByText(/Not saved/)).toBeInTheDocument()
    expect(savedValue(fake, 'feel_safe')).toBeUndefined()

    // Text that is not a number is kept too, and never sent.
    await user.clear(box)
    await user.type(box, 'four')
    await user.tab()
    expect(document.getElementById('q-feel_safe-error')).toHaveTextContent('Enter a number')
    expect(box).toHaveValue('four')
    expect(
      saves(fake).some(([, , value]) => (value as AnswerValue | null)?.type !== 'number'),
    ).toBe(false)

    await user.clear(box)
    await user.type(box, '2')
    await user.tab()
    await waitFor(() => expect(savedValue(fake, 'feel_safe')).toEqual({ type: 'number', value: 2 }))
    expect(document.getElementById('q-feel_safe-error')).not.toBeInTheDocument()
    expect(box).not.toHaveAttribute('aria-invalid')
  })

  it('adds a photo with a thumbnail, and shows why a file was refused', async () => {
    const { user, fake, surveyId } = await openSurvey('incident')
    await user.click(
      screen.getByRole('button', {
        name: /Add a photo of Has this home been burgled in the last 12 months/,
      }),
    )
    const photo = await screen.findByRole('img', {
      name: /^Photo of Has this home been burgled.*: back-door.jpg$/,
    })
    expect(photo.getAttribute('src')).toMatch(/^data:image\/png;base64,/)
    expect(fake.calls.find((c) => c.method === 'addSurveyPhoto')?.args).toEqual([
      surveyId,
      'repeat_victim',
      '/home/officer/Pictures/back-door.jpg',
    ])

    vi.spyOn(fake, 'choosePhotoFile').mockResolvedValue(ok('/home/officer/Documents/letter.pdf'))
    const sectionPhoto = screen.getByRole('button', { name: 'Add a photo of A. The burglary' })
    await user.click(sectionPhoto)
    expect(
      await screen.findByText('The file is not a photo: choose a JPEG, PNG, WebP or GIF image'),
    ).toBeInTheDocument()
    expect(sectionPhoto).toHaveAccessibleDescription(/The file is not a photo/)
  })

  it('shows answers to questions the form no longer asks, read only', async () => {
    await openSurvey('incident', { alley_gated: { type: 'yes_no', value: 'no' } })
    const heading = await screen.findByRole('heading', { level: 2, name: 'From an earlier form' })
    const list = heading.closest('section') as HTMLElement
    expect(within(list).getByText('Alley gated')).toBeInTheDocument()
    expect(within(list).getByText('No')).toBeInTheDocument()
    expect(within(list).queryByRole('textbox')).not.toBeInTheDocument()
  })

  it('keeps an answer given as Doorstep locked itself, and saves it after unlocking', async () => {
    const { user, fake } = await openSurvey('incident')
    fake.state = 'locked'
    const question = screen.getByRole('group', { name: /burgled in the last 12 months/ })
    await user.click(within(question).getByLabelText('No'))

    await user.type(await screen.findByLabelText('Passphrase'), `${PASSPHRASE}{Enter}`)
    await sectionHeading('A. The burglary')
    await waitFor(() =>
      expect(savedValue(fake, 'repeat_victim')).toEqual({ type: 'yes_no', value: 'no' }),
    )
    expect(
      within(screen.getByRole('group', { name: /burgled in the last 12 months/ })).getByLabelText(
        'No',
      ),
    ).toBeChecked()
  })

  it('says when the survey does not exist', async () => {
    renderApp({ state: 'unlocked' })
    window.location.hash = '#/survey/s-9999'
    await screen.findByRole('heading', { level: 1, name: 'Survey not found' })
  })
})
