import type { Fixture } from '$lib/backend/stub'

/** The scenarios the fixture writer (crates/api/tests/ui_fixtures.rs) records. */
export type FixtureName =
  | 'first-run'
  | 'household'
  | 'find'
  | 'people'
  | 'settings'
  | 'survey'
  | 'plan'
  | 'firm-reports'
  | 'fire'
  | 'days'
  | 'today'
  | 'cocoon'
  | 'sync'
  | 'team'

// Loaded when a test asks, not type-checked as JSON: the files are large and generated.
const files = import.meta.glob<Fixture>('./fixtures/*.json', { import: 'default' })

/** A recorded scenario, as the fixture writer wrote it. */
export async function fixture(name: FixtureName): Promise<Fixture> {
  const load = files[`./fixtures/${name}.json`]
  if (!load) throw new Error(`No fixture ${name}: run the fixture writer (see ui/README.md)`)
  return load()
}
