import { render } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import App from '../App.svelte'
import { FakeBackend, type FakeBackendOptions } from '$lib/backend/fake'

export const TODAY = '2025-11-27'

/** The whole app against the in-memory backend, as an officer would meet it. */
export function renderApp(options: FakeBackendOptions = {}, searchDelayMs = 150) {
  window.location.hash = ''
  const fake = new FakeBackend({ today: TODAY, ...options })
  const user = userEvent.setup()
  const view = render(App, { props: { backend: fake, searchDelayMs } })
  return { fake, user, ...view }
}

export const PASSPHRASE = 'correct horse battery staple'
