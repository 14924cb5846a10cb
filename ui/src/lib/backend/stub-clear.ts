import { clearMocks } from '@tauri-apps/api/mocks'

/**
 * Stops every scripted stub answering: the test setup calls it after each test. Kept apart
 * from stub.ts so the setup loads no backend module before a test file mocks one.
 */
export function clearStubs(): void {
  clearMocks()
}
