// The supervisor's My team screen, on what the real commands answered
// (crates/api/tests/ui_fixtures/team.rs): every figure, sentence, table and drawing is Rust's.

import { screen, waitFor, within } from '@testing-library/svelte'
import axe from 'axe-core'
import { describe, expect, it } from 'vitest'
import { SAVE_DIALOG } from '$lib/backend/stub'
import type { AppError, TeamReport } from '$lib/backend/types'
import { renderRecorded } from './render'

const DOCUMENTS = '/home/officer/Documents'

async function openTeam(branch: 'supervisor' | 'officer' = 'supervisor') {
  const rendered = await renderRecorded('team', { branch, hash: '#/my-team' })
  await screen.findByRole('heading', { level: 1, name: 'My team' })
  // The figures arrive after the heading: wait for them, unless the screen refuses.
  if (branch === 'supervisor') await screen.findByRole('heading', { level: 2, name: 'Charts' })
  return rendered
}

describe('My team', () => {
  it("shows this quarter's figures by group, and every chart with its title and summary", async () => {
    const { stub } = await openTeam()
    const report = stub.result<TeamReport>('team_report', { period: null })
    expect(await screen.findByRole('heading', { level: 2, name: report.covers })).toBeVisible()
    expect(document.getElementById('team-suppression')).toHaveTextContent(report.suppression)
    for (const group of report.groups) {
      const table = screen.getByRole('table', { name: group.heading })
      for (const row of group.rows) {
        const cells = within(table)
          .getByRole('rowheader', { name: row.label })
          .closest('tr') as HTMLElement
        expect(cells).toHaveTextContent(row.shown)
      }
    }
    expect(report.charts.length).toBeGreaterThan(0)
    for (const chart of report.charts) {
      const section = screen.getByRole('region', { name: chart.title })
      expect(document.getElementById(`team-chart-${chart.id}-summary`)).toHaveTextContent(
        chart.summary,
      )
      // The drawing is Rust's SVG, named by its own title and description.
      const svg = section.querySelector('svg')
      expect(svg, chart.id).not.toBeNull()
      expect(svg?.getAttribute('role')).toBe('img')
      expect(
        within(section).getByRole('button', { name: `Save as CSV: ${chart.title}` }),
      ).toBeVisible()
    }
    expect(stub.unanswered).toEqual([])
  })

  it('shows a chart as a table, with the same rows Rust sent', async () => {
    const { stub, user } = await openTeam()
    const chart = stub.result<TeamReport>('team_report', { period: null }).charts[1]!
    const section = await screen.findByRole('region', { name: chart.title })
    const details = section.querySelector('details') as HTMLDetailsElement
    expect(details.open).toBe(false)
    await user.click(within(section).getByText('Show as table'))
    expect(details.open).toBe(true)
    const table = within(section).getByRole('table', { name: chart.caption })
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((h) => h.textContent),
    ).toEqual(chart.headers)
    expect(within(table).getAllByRole('row')).toHaveLength(chart.rows.length + 1)
  })

  it('shows another period when the supervisor chooses one', async () => {
    const { stub, user } = await openTeam()
    const before = stub.result<TeamReport>('team_report', { period: '2025-26 Q3' })
    await user.selectOptions(screen.getByLabelText('Period'), '2025-26 Q3')
    await user.click(screen.getByRole('button', { name: 'Show the figures' }))
    expect(await screen.findByRole('heading', { level: 2, name: before.covers })).toBeVisible()
    expect(stub.sent('team_report')).toEqual([{ period: null }, { period: '2025-26 Q3' }])
    expect(stub.unanswered).toEqual([])
  })

  it("puts a period Rust refuses on the period field, in Rust's words", async () => {
    const { stub, user } = await openTeam()
    const refused = stub.recorded('team_report', { period: '2026-27' }).error as AppError
    expect(refused.code).toBe('bad_period')
    stub.fail('team_report', refused, { period: '2025-26' })
    await user.selectOptions(screen.getByLabelText('Period'), '2025-26')
    await user.click(screen.getByRole('button', { name: 'Show the figures' }))
    const summary = await screen.findByRole('alert')
    expect(summary).toHaveTextContent(refused.message)
    expect(screen.getByRole('link', { name: refused.message })).toHaveAttribute(
      'href',
      '#team-period',
    )
  })

  it("saves a chart's CSV where the supervisor chooses, under a name with nothing personal", async () => {
    const { stub, user } = await openTeam()
    const report = stub.result<TeamReport>('team_report', { period: null })
    const chart = report.charts[0]!
    const path = `${DOCUMENTS}/${chart.file_name}`
    stub.answer(SAVE_DIALOG, path)
    await user.click(screen.getByRole('button', { name: `Save as CSV: ${chart.title}` }))
    await waitFor(() =>
      expect(document.getElementById(`team-csv-${chart.id}-saved`)).toHaveTextContent(
        `Saved to ${path}.`,
      ),
    )
    expect(stub.sent(SAVE_DIALOG)[0]).toMatchObject({ options: { defaultPath: chart.file_name } })
    expect(stub.sent('save_team_chart_csv')).toEqual([
      { period: report.period, chartId: chart.id, path },
    ])
    expect(stub.unanswered).toEqual([])
  })

  it('is offered in the menu to a supervisor only', async () => {
    await openTeam()
    expect(screen.getByRole('link', { name: 'My team' })).toHaveAttribute('href', '#/my-team')
  })

  it('tells an officer it is a supervisor’s, and asks Rust nothing', async () => {
    const { stub } = await openTeam('officer')
    expect(screen.queryByRole('link', { name: 'My team' })).toBeNull()
    expect(document.getElementById('team-supervisor-only')).toBeVisible()
    expect(stub.sent('team_report')).toEqual([])
  })

  it('passes axe-core', async () => {
    await openTeam()
    await screen.findByRole('heading', { level: 2, name: 'Charts' })
    const results = await axe.run(document.body, {
      rules: { 'color-contrast': { enabled: false } },
    })
    expect(results.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([])
  })
})
