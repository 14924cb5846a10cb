import { render } from '@testing-library/svelte'
import userEvent from '@testing-library/user-event'
import App from '../App.svelte'
import { Stub, type StubOptions } from '$lib/backend/stub'
import { fixture, type FixtureName } from './recorded'

export type StubRenderOptions = StubOptions & {
  /** The screen to open, e.g. `#/plan/<id>`; a function is given the stub to read ids from. */
  hash?: string | ((stub: Stub) => string)
  searchDelayMs?: number
}

/**
 * The whole app against a scripted backend that replays a scenario the real commands
 * answered (`ui/src/test/fixtures/<name>.json`), from its start, a branch or a mark.
 */
export async function renderRecorded(name: FixtureName, options: StubRenderOptions = {}) {
  const { hash = '', searchDelayMs = 150, ...stubOptions } = options
  const stub = new Stub(await fixture(name), stubOptions)
  window.location.hash = typeof hash === 'function' ? hash(stub) : hash
  const user = userEvent.setup()
  const view = render(App, { props: { backend: stub.backend, searchDelayMs } })
  return { stub, user, ...view }
}
