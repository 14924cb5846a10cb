// Settings against what the real commands answered (ui/src/test/fixtures/settings.json, a
// supervisor's laptop): the idle-lock limits, the passphrase refusals, the data files, the
// gazetteer import and the backup are Rust's.

import { act, screen, waitFor, within } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import { OPEN_DIALOG, SAVE_DIALOG } from '$lib/backend/stub'
import type {
  AppError,
  AppStatus,
  BackupReport,
  ImportReport,
  ReferenceProblem,
} from '$lib/backend/types'
import { renderRecorded, type StubRenderOptions } from './render'

const PASSPHRASE = 'lantern orchard pebble quartz'
const NEW_PASSPHRASE = 'orbit walnut saffron ledge'

async function openSettings(options: StubRenderOptions = {}) {
  const app = await renderRecorded('settings', {
    hash: '#/settings',
    ...(options.branch === undefined ? { from: 'settings' } : {}),
    ...options,
  })
  await screen.findByRole('heading', { level: 1, name: 'Settings' })
  return app
}

describe('Settings', () => {
  it('lists refused data files with file and reason, and reads them again', async () => {
    const { user, stub } = await openSettings({ branch: 'data-files' })
    const [problem] = stub.result<ReferenceProblem[]>('reference_problems')
    expect(problem).toBeDefined()
    const warning = await screen.findByText(/A data file was not used/)
    expect(warning).toHaveTextContent(problem!.file)
    expect(warning).toHaveTextContent(problem!.reason)

    await user.click(screen.getByRole('button', { name: 'Read the data files again' }))
    expect(stub.result<ReferenceProblem[]>('reload_reference_data')).toEqual([])
    expect(
      await screen.findByText('The data files were read again and all are in use.'),
    ).toBeInTheDocument()
    expect(screen.queryByText(/A data file was not used/)).not.toBeInTheDocument()
  })

  it('saves the idle lock time, with Rust refusing a number outside its limits', async () => {
    const { user, stub } = await openSettings()
    const field = screen.getByLabelText(/Lock Doorstep after this many minutes/)
    const status = stub.result<AppStatus>('app_status')
    expect(field).toHaveValue(String(status.idle_lock_minutes))
    expect(screen.getByText(new RegExp(`From 1 to ${status.idle_lock_minutes_max} minutes`)))

    await user.clear(field)
    await user.type(field, '0')
    await user.click(screen.getByRole('button', { name: 'Save' }))
    const refusal = stub.recorded('set_idle_lock_minutes', { minutes: 0 }).error as AppError
    await waitFor(() =>
      expect(document.getElementById('idle-lock-minutes-error')).toHaveTextContent(refusal.message),
    )
    expect(refusal.message).toBe(`Choose between 1 and ${status.idle_lock_minutes_max} minutes`)

    await user.clear(field)
    await user.type(field, '15{Enter}')
    expect(
      await screen.findByText('Doorstep will lock itself after 15 minutes without use.'),
    ).toBeInTheDocument()
    expect(stub.result<AppStatus>('set_idle_lock_minutes', { minutes: 15 }).idle_lock_minutes).toBe(
      15,
    )
  })

  it('imports a gazetteer with a progress bar, then reports rejected rows', async () => {
    const { user, stub } = await openSettings({ branch: 'gazetteer' })
    const path = stub.recorded('import_gazetteer').args.path as string
    const report = stub.result<ImportReport>('import_gazetteer', { path })
    stub.answer(OPEN_DIALOG, path)
    // The import answers when the test says, so the screen can be seen while it runs.
    let finish: () => void = () => {}
    stub.answer('import_gazetteer', new Promise((resolve) => (finish = () => resolve(report))), {
      path,
    })

    await user.click(screen.getByRole('button', { name: 'Choose a CSV file to import' }))
    const bar = () => screen.getByRole('progressbar', { name: 'Importing gazetteer.csv' })
    // Until the first progress event the size is unknown, so the bar has no value.
    await waitFor(() => expect(bar()).not.toHaveAttribute('value'))

    // Progress as Rust's importer sends it, half way through the file.
    await act(() =>
      stub.emit('import-progress', { rows_read: 500, bytes_read: 512, total_bytes: 1024 }),
    )
    await waitFor(() => expect(bar()).toHaveAttribute('value', '50'))
    expect(screen.getByText(/500 rows read/)).toBeInTheDocument()
    expect(screen.getByText('Import 50% done')).toBeInTheDocument()

    await act(() => finish())

    expect(await screen.findByText('Import complete')).toBeInTheDocument()
    expect(screen.getByText(`${report.imported} addresses imported`)).toBeInTheDocument()
    const total = report.rejected_total.toLocaleString('en-GB')
    const table = screen.getByRole('table', { name: `${total} rows were not imported` })
    expect(within(table).getAllByRole('row')).toHaveLength(report.rejected.length + 1)
    expect(
      screen.getByText(
        `And ${report.rejected_total - report.rejected.length} more rows not listed here.`,
      ),
    ).toBeInTheDocument()
    expect(within(table).getAllByText(report.rejected[0]!.reason).length).toBeGreaterThan(0)
  })

  it('shows the expected header when the CSV has the wrong one', async () => {
    const { user, stub } = await openSettings({ branch: 'gazetteer' })
    const refused = String(stub.recorded('import_gazetteer').args.path).replace(
      'gazetteer.csv',
      'bad-header.csv',
    )
    const error = stub.recorded('import_gazetteer', { path: refused }).error as AppError
    expect(error.code).toBe('import_header')
    stub.answer(OPEN_DIALOG, refused)
    await user.click(screen.getByRole('button', { name: 'Choose a CSV file to import' }))
    expect(await screen.findByText('The gazetteer was not imported')).toBeInTheDocument()
    expect(document.getElementById('import-error')).toHaveTextContent(error.message)
    expect(error.message).toMatch(/The first line must be: uprn,/)
  })

  it('does nothing when the file dialog is cancelled', async () => {
    const { user, stub } = await openSettings()
    await user.click(screen.getByRole('button', { name: 'Choose a CSV file to import' }))
    await waitFor(() => expect(stub.sent(OPEN_DIALOG)).toHaveLength(1))
    expect(stub.sent('import_gazetteer')).toEqual([])
    expect(screen.queryByRole('progressbar')).toBeNull()
  })

  it('backs up and says where both files are', async () => {
    const { user, stub } = await openSettings()
    const report = stub.result<BackupReport>('backup')
    stub.answer(SAVE_DIALOG, report.path)
    await user.click(screen.getByRole('button', { name: 'Back up now' }))
    expect(await screen.findByText(/Backup saved/)).toBeInTheDocument()
    expect(stub.sent('backup')).toEqual([{ path: report.path }])
    expect(document.getElementById('backup-path')).toHaveTextContent(report.path)
    expect(document.getElementById('backup-key-path')).toHaveTextContent(report.key_path)
    expect(screen.getByText(/Keep both files together/)).toBeInTheDocument()
  })

  it('changes the passphrase, with the wrong current one reported beside its field', async () => {
    const { user, stub } = await openSettings()
    await user.type(screen.getByLabelText('Current passphrase'), 'not my passphrase at all')
    await user.type(screen.getByLabelText('New passphrase'), NEW_PASSPHRASE)
    await user.type(screen.getByLabelText('Type the new passphrase again'), NEW_PASSPHRASE)
    await user.click(screen.getByRole('button', { name: 'Change passphrase' }))

    const refusal = stub.recorded('change_passphrase', { current: 'not my passphrase at all' })
      .error as AppError
    expect(refusal).toMatchObject({ code: 'wrong_passphrase', field: 'current' })
    await waitFor(() =>
      expect(document.getElementById('current-passphrase-error')).toHaveTextContent(
        refusal.message,
      ),
    )
    expect(screen.getByLabelText('New passphrase')).toHaveValue(NEW_PASSPHRASE)

    await user.clear(screen.getByLabelText('Current passphrase'))
    await user.type(screen.getByLabelText('Current passphrase'), PASSPHRASE)
    await user.click(screen.getByRole('button', { name: 'Change passphrase' }))
    expect(await screen.findByText('Your passphrase has been changed')).toBeInTheDocument()
    expect(stub.sent('change_passphrase').at(-1)).toEqual({
      current: PASSPHRASE,
      replacement: NEW_PASSPHRASE,
    })
    expect(screen.getByLabelText('New passphrase')).toHaveValue('')
  })

  it('shows where the data is kept', async () => {
    const { stub } = await openSettings()
    expect(document.getElementById('data-folder')).toHaveTextContent(
      stub.result<AppStatus>('app_status').data_folder,
    )
  })
})
