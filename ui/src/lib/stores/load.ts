import type { Result } from '$lib/backend/backend'
import type { AppError } from '$lib/backend/types'

/** Whether something shown on screen is being fetched, and why it could not be. */
export type LoadState = { loading: boolean; error: AppError | null }

/**
 * Fetches with `request`, keeping `state.loading` and `state.error` in step;
 * `apply` takes the data when it arrives. A failure keeps what was there.
 */
export async function loadInto<T>(
  state: LoadState,
  request: () => Promise<Result<T>>,
  apply: (data: T) => void,
): Promise<void> {
  state.loading = true
  const result = await request()
  state.loading = false
  if (result.status === 'ok') {
    apply(result.data)
    state.error = null
  } else {
    state.error = result.error
  }
}
