// The agencies' inbox in real headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core): a laptop pushes a queued referral; the hub delivers it; the fire
// service's crew manager signs in to the portal, lands on the inbox, reads the referral
// form, accepts it, books a visit (a blank date first), records the outcome and downloads
// the referral as JSON; the officer's laptop then pulls the agency's steps. axe-core scans
// every inbox page, error pages included: no violations of WCAG 2.2 AA.
//
// Run by run.sh, which builds the hub and sets DOORSTEP_HUB_BIN.

import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readFileSync, rmSync } from 'node:fs'
import { chromium } from 'playwright-core'
import { CHROMIUM, HUB, freePort, harness, title, waitForHealth } from './harness.mjs'

const AGENCY = 'fire_safe_and_well'
const CREW = { email: 'crew.manager@fire.example.org', name: 'Cai Crew', password: 'a long and memorable pass phrase' }

/** A queued referral with its household and resident, as a laptop pushes them (written by
 * the hub's referral test with UPDATE_FIXTURES=1, which also checks the hub would deliver it). */
const QUEUED = JSON.parse(readFileSync(new URL('./fixtures/queued-referral.json', import.meta.url), 'utf8'))
const REFERRAL = QUEUED.find((r) => r.entity === 'referral')

const { dir, database, failures, scanned, check, admin, scan } = harness('doorstep-inbox-')
let hub
let browser

async function main() {
  admin(['create-org', 'Demo Council'])
  admin(['add-team', 'Demo Council', 'North'])
  admin(['add-user', '--team', 'North', '--name', 'Olive Officer', '--role', 'officer'])
  const code = admin(['enrolment-code', '--user', 'Olive Officer']).at(-1).trim()
  check(admin(['add-agency', '--id', AGENCY]).at(-1) === AGENCY, 'add-agency takes the directory id')
  admin(['add-agency-user', '--agency', AGENCY, '--email', CREW.email, '--name', CREW.name, '--password-stdin'], `${CREW.password}\n`)

  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  hub = spawn(HUB, ['--database', database, 'serve', '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, RUST_LOG: 'warn' },
  })
  await waitForHealth(base)

  // The officer's laptop sends the referral: it arrives queued, and is delivered in the push.
  const post = (path, body, token) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: await r.json() }))
  const enrolled = await post('/v1/enrol', { protocol: 1, code, device_name: 'Olive laptop' })
  check(enrolled.status === 201, `the officer's laptop enrols (${enrolled.status})`)
  const { device_id: device, access_token: token } = enrolled.body
  let counter = 0
  const changes = QUEUED.map((r) => ({
    change_id: randomUUID(),
    entity: r.entity,
    entity_id: r.id,
    operation: 'create',
    fields: r.fields,
    base_versions: {},
    hlc: `${String(Date.now()).padStart(15, '0')}-${(counter++).toString(16).padStart(8, '0')}-${device}`,
    officer_id: enrolled.body.user.id,
    device_id: device,
    made_at: new Date().toISOString(),
  }))
  const pushed = await post('/v1/push', { protocol: 1, device_id: device, changes }, token)
  check(pushed.status === 200, `the laptop pushes the referral (${pushed.status})`)

  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] })
  const context = await browser.newContext({ javaScriptEnabled: true })
  const page = await context.newPage()
  await page.goto(`${base}/portal`)
  await page.getByLabel('Email address').fill(CREW.email)
  await page.getByLabel('Password').fill(CREW.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  check(page.url() === `${base}/portal/referrals`, `an agency lands on its referrals (${page.url()})`)
  check((await title(page)).includes('Referrals inbox'), 'the service is named for the agency')
  const row = page.getByRole('link', { name: REFERRAL.id })
  check(await row.isVisible(), 'the delivered referral is in the inbox')
  await scan(page, 'inbox')
  await page.getByRole('link', { name: /^Accepted/ }).click()
  check(await page.getByText('No referrals are accepted.').isVisible(), 'an empty tab says so')
  await scan(page, 'inbox, empty tab')

  await page.goto(`${base}/portal/referrals/${REFERRAL.id}`)
  const name = QUEUED.find((r) => r.entity === 'person').fields.full_name
  check(await page.getByText(name).first().isVisible(), 'the referral form names the resident')
  check(await page.getByText('Consent given by').isVisible(), 'and the authority it rests on')
  await scan(page, 'referral')
  await page.getByRole('button', { name: 'Accept the referral' }).click()
  check(await page.getByText('You accepted this referral').isVisible(), 'accepted, with a banner')
  await scan(page, 'referral accepted')

  await page.getByRole('link', { name: 'Book a visit' }).click()
  await scan(page, 'book a visit')
  await page.getByRole('button', { name: 'Book the visit' }).click()
  check((await title(page)).startsWith('Error: '), 'a blank date is refused, Error: in the title')
  await scan(page, 'book a visit with an error')
  const soon = new Date(Date.now() + 3 * 86_400_000)
  await page.getByLabel('Day').fill(String(soon.getUTCDate()))
  await page.getByLabel('Month').fill(String(soon.getUTCMonth() + 1))
  await page.getByLabel('Year').fill(String(soon.getUTCFullYear()))
  await page.getByLabel('Time (24-hour, UK time)').fill('10:30')
  await page.getByRole('button', { name: 'Book the visit' }).click()
  check(await page.getByText('The visit is booked').isVisible(), 'the visit is booked')

  for (const [link, pageName] of [
    ['Decline the referral', 'decline'],
    ['Record that you could not make contact', 'no contact'],
  ]) {
    await page.getByRole('link', { name: link }).click()
    await scan(page, pageName)
    await page.goBack()
  }
  await page.getByRole('link', { name: 'Record the outcome' }).click()
  await scan(page, 'record the outcome')
  await page.getByLabel('What was the outcome?').fill('Visited; fitted two smoke alarms and made an escape plan')
  await page.getByRole('button', { name: 'Record the outcome' }).click()
  check(await page.getByText('This referral is closed').isVisible(), 'the outcome closes the referral')
  await scan(page, 'referral closed')

  const exported = await page.request.get(`${base}/portal/referrals/${REFERRAL.id}/referral.json`)
  const json = await exported.json()
  check(json.format === 'doorstep-referral/1' && json.status === 'completed', 'the JSON export says where it is')
  check(json.consent_status === 'given', 'and the consent it rests on')

  // The officer's laptop pulls the agency's steps.
  const pulled = await post('/v1/pull', { protocol: 1, after: 0, limit: 1000 }, token)
  const steps = pulled.body.entries
    .map((e) => e.change)
    .filter((c) => c && c.entity_id === REFERRAL.id && c.fields.status)
    .map((c) => c.fields.status)
  check(
    JSON.stringify(steps) === JSON.stringify(['queued', 'sent', 'accepted', 'visit_booked', 'completed']),
    `the laptop pulls delivery and every step in order (${steps.join(', ')})`,
  )

  await page.goto(`${base}/portal/referrals/${randomUUID()}`)
  await scan(page, 'not found')

  const expected = [
    'inbox', 'inbox, empty tab', 'referral', 'referral accepted', 'book a visit', 'book a visit with an error',
    'decline', 'no contact', 'record the outcome', 'referral closed', 'not found',
  ]
  check(expected.every((p) => scanned.has(p)), `every inbox page scanned (${scanned.size})`)
}

try {
  await main()
} catch (error) {
  failures.push(String(error?.stack || error))
  console.error(error)
} finally {
  if (browser) await browser.close().catch(() => {})
  if (hub && hub.exitCode === null) {
    const exited = new Promise((r) => hub.once('exit', r))
    hub.kill('SIGTERM')
    await exited
  }
  rmSync(dir, { recursive: true, force: true })
}

if (failures.length) {
  console.error(`\n${failures.length} failed`)
  process.exit(1)
}
console.log('\nThe agencies\' inbox works in Chromium, and every page passes axe-core.')
