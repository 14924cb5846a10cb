import { act, screen, waitFor, within } from '@testing-library/svelte'
import { describe, expect, it, vi } from 'vitest'
import { ok, type Result } from '$lib/backend/backend'
import type { ImportProgress, ImportReport } from '$lib/backend/types'
import { PASSPHRASE, renderApp } from './render'

async function openSettings(options: Parameters<typeof renderApp>[0] = {}) {
  const app = renderApp({ state: 'unlocked', ...options })
  await app.user.click(await screen.findByRole('link', { name: 'Settings' }))
  await screen.findByRole('heading', { level: 1, name: 'Settings' })
  return app
}

describe('Settings', () => {
  it('lists refused data files with file and reason, and reads them again', async () => {
    const { user, fake } = await openSettings()
    fake.referenceFileProblems = [
      { file: '/data/reference/policy.toml', reason: 'line 2, column 11: invalid array' },
    ]
    await user.click(screen.getByRole('link', { name: 'Today' }))
    await user.click(await screen.findByRole('link', { name: 'Settings' }))
    const warning = await screen.findByText(/A data file was not used/)
    expect(warning).toHaveTextContent('/data/reference/policy.toml')
    expect(warning).toHaveTextContent('line 2, column 11')

    await user.click(screen.getByRole('button', { name: 'Read the data files again' }))
    expect(
      await screen.findByText('The data files were read again and all are in use.'),
    ).toBeInTheDocument()
    expect(screen.queryByText(/A data file was not used/)).not.toBeInTheDocument()
  })

  it('saves the idle lock time, refusing numbers outside 1 to 120', async () => {
    const { user, fake } = await openSettings({ idleLockMinutes: 10 })
    const field = screen.getByLabelText(/Lock Doorstep after this many minutes/)
    expect(field).toHaveValue('10')

    await user.clear(field)
    await user.type(field, '0')
    await user.click(screen.getByRole('button', { name: 'Save' }))
    expect(document.getElementById('idle-lock-minutes-error')).toHaveTextContent(
      'Enter a whole number of minutes from 1 to 120',
    )
    expect(fake.idleLockMinutes).toBe(10)

    await user.clear(field)
    await user.type(field, '15{Enter}')
    expect(
      await screen.findByText('Doorstep will lock itself after 15 minutes without use.'),
    ).toBeInTheDocument()
    expect(fake.idleLockMinutes).toBe(15)
  })

  it('imports a gazetteer with a progress bar, then reports rejected rows', async () => {
    const { user, fake } = await openSettings()
    let finish: (r: Result<ImportReport>) => void = () => {}
    let progress: (p: ImportProgress) => void = () => {}
    const listen = vi.spyOn(fake, 'onImportProgress').mockImplementation((handler) => {
      progress = handler
      return () => {}
    })
    vi.spyOn(fake, 'importGazetteer').mockImplementation(
      () => new Promise((resolve) => (finish = resolve)),
    )

    await user.click(screen.getByRole('button', { name: 'Choose a CSV file to import' }))
    const bar = () => screen.getByRole('progressbar', { name: 'Importing gazetteer.csv' })
    // Until the first progress event the size is unknown, so the bar has no value.
    await waitFor(() => expect(bar()).not.toHaveAttribute('value'))
    expect(listen).toHaveBeenCalled()

    act(() => progress({ rows_read: 500, bytes_read: 512, total_bytes: 1024 }))
    await waitFor(() => expect(bar()).toHaveAttribute('value', '50'))
    expect(screen.getByText(/500 rows read/)).toBeInTheDocument()
    expect(screen.getByText('Import 50% done')).toBeInTheDocument()

    const rejected = Array.from({ length: 1000 }, (_, i) => ({
      line: i + 2,
      reason: 'No postcode',
    }))
    act(() => finish(ok({ rows_read: 1250, imported: 245, rejected, rejected_total: 1005 })))

    expect(await screen.findByText('Import complete')).toBeInTheDocument()
    expect(screen.getByText('245 addresses imported')).toBeInTheDocument()
    const table = screen.getByRole('table', { name: '1,005 rows were not imported' })
    expect(within(table).getAllByRole('row')).toHaveLength(1001)
    expect(screen.getByText('And 5 more rows not listed here.')).toBeInTheDocument()
  })

  it('shows the expected header when the CSV has the wrong one', async () => {
    const { user, fake } = await openSettings()
    vi.spyOn(fake, 'chooseGazetteerFile').mockResolvedValue(ok('/tmp/bad-header.csv'))
    await user.click(screen.getByRole('button', { name: 'Choose a CSV file to import' }))
    expect(await screen.findByText(/The first line of the file must be: uprn,/)).toBeInTheDocument()
    expect(screen.getByText('The gazetteer was not imported')).toBeInTheDocument()
  })

  it('does nothing when the file dialog is cancelled', async () => {
    const { user, fake } = await openSettings()
    vi.spyOn(fake, 'chooseGazetteerFile').mockResolvedValue(ok(null))
    const imported = vi.spyOn(fake, 'importGazetteer')
    await user.click(screen.getByRole('button', { name: 'Choose a CSV file to import' }))
    await waitFor(() => expect(fake.chooseGazetteerFile).toHaveBeenCalled())
    expect(imported).not.toHaveBeenCalled()
    expect(screen.queryByRole('progressbar')).toBeNull()
  })

  it('backs up and says where both files are', async () => {
    const { user } = await openSettings()
    await user.click(screen.getByRole('button', { name: 'Back up now' }))
    expect(await screen.findByText(/Backup saved/)).toBeInTheDocument()
    expect(document.getElementById('backup-path')).toHaveTextContent(
      '/media/officer/USB/doorstep-backup-2025-11-27.db',
    )
    expect(document.getElementById('backup-key-path')).toHaveTextContent(
      '/media/officer/USB/doorstep-backup-2025-11-27.db.key',
    )
    expect(screen.getByText(/Keep both files together/)).toBeInTheDocument()
  })

  it('changes the passphrase, with the wrong current one reported beside its field', async () => {
    const { user, fake } = await openSettings({ passphrase: PASSPHRASE })
    const next = 'lantern orbit velvet quarry'
    await user.type(screen.getByLabelText('Current passphrase'), 'wrong one')
    await user.type(screen.getByLabelText('New passphrase'), next)
    await user.type(screen.getByLabelText('Type the new passphrase again'), next)
    await user.click(screen.getByRole('button', { name: 'Change passphrase' }))

    await waitFor(() =>
      expect(document.getElementById('current-passphrase-error')).toHaveTextContent(
        'That is not your current passphrase.',
      ),
    )
    expect(screen.getByLabelText('New passphrase')).toHaveValue(next)

    await user.type(screen.getByLabelText('Current passphrase'), PASSPHRASE)
    await user.click(screen.getByRole('button', { name: 'Change passphrase' }))
    expect(await screen.findByText('Your passphrase has been changed')).toBeInTheDocument()
    expect(fake.passphrase).toBe(next)
    expect(screen.getByLabelText('New passphrase')).toHaveValue('')
  })

  it('shows where the data is kept', async () => {
    await openSettings({ dataFolder: '/home/officer/.local/share/doorstep' })
    expect(document.getElementById('data-folder')).toHaveTextContent(
      '/home/officer/.local/share/doorstep',
    )
  })
})
