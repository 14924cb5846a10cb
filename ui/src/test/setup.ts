import '@testing-library/jest-dom/vitest'
import { cleanup } from '@testing-library/svelte'
import { afterEach } from 'vitest'
import { clearStubs } from '$lib/backend/stub-clear'

// A test's scripted backend answers only that test; the screens unmount first, so they
// can still stop listening for its events.
afterEach(() => {
  cleanup()
  clearStubs()
})
