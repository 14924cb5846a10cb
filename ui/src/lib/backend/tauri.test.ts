import { beforeEach, describe, expect, it, vi } from 'vitest'

const invoke = vi.fn()
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }))
vi.mock('@tauri-apps/api/event', () => ({ listen: vi.fn(() => Promise.resolve(() => {})) }))
vi.mock('@tauri-apps/plugin-dialog', () => ({ open: vi.fn(), save: vi.fn() }))

const { createTauriBackend, toAppError } = await import('./tauri')

describe('Tauri backend', () => {
  beforeEach(() => {
    invoke.mockReset()
  })

  it('invokes the snake_case command with camelCase argument keys', async () => {
    invoke.mockResolvedValue({ state: 'unlocked' })
    const backend = createTauriBackend()
    await backend.setUp('Sam Officer', 'warden', 'secret words here')
    expect(invoke).toHaveBeenCalledWith('set_up', {
      officerName: 'Sam Officer',
      role: 'warden',
      passphrase: 'secret words here',
    })
    await backend.addUser('Morgan Checkley', 'supervisor', 'other secret words')
    expect(invoke).toHaveBeenLastCalledWith('add_user', {
      name: 'Morgan Checkley',
      role: 'supervisor',
      passphrase: 'other secret words',
    })
    await backend.createHouseholdFromGazetteer('123')
    expect(invoke).toHaveBeenLastCalledWith('create_household_from_gazetteer', { uprn: '123' })
  })

  it('wraps the value in an ok result', async () => {
    invoke.mockResolvedValue([])
    expect(await createTauriBackend().search('acacia')).toEqual({ status: 'ok', data: [] })
  })

  it('turns a rejected AppError into an error result', async () => {
    const error = { code: 'wrong_passphrase', message: 'Wrong.', field: 'passphrase', fields: [] }
    invoke.mockRejectedValue(error)
    expect(await createTauriBackend().unlock('x')).toEqual({ status: 'error', error })
  })

  it('reports anything else the bridge throws as internal', async () => {
    invoke.mockRejectedValue('command unlock not found')
    const result = await createTauriBackend().unlock('x')
    expect(result).toEqual({
      status: 'error',
      error: { code: 'internal', message: 'command unlock not found', field: null, fields: [] },
    })
    expect(toAppError({ code: 'brand_new_code', message: 'm' }).code).toBe('internal')
  })
})
