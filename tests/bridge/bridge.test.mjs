// The app's main screens in real headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core: no browser download) against real Rust: the built UI served by
// `doorstep-dev-bridge` on a throw-away data folder, so every answer on screen was computed
// by doorstep-api, doorstep-core and an encrypted doorstep-store, through the same
// tauri.ts adapter the desktop window uses. First run, the demo area, Today, Find, a
// household, a home security survey and its scores, a plan with its measures and totals, a
// CHARLIE check with its score, and lock/unlock; axe-core scans every screen.
//
// Run by run.sh, which builds the bridge and the UI and sets DOORSTEP_DEV_BRIDGE_BIN.

import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'

const require = createRequire(import.meta.url)
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')

const BRIDGE = process.env.DOORSTEP_DEV_BRIDGE_BIN
const UI = process.env.DOORSTEP_UI_DIST
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium'
if (!BRIDGE || !UI) {
  throw new Error('set DOORSTEP_DEV_BRIDGE_BIN and DOORSTEP_UI_DIST (run.sh does)')
}

const PASSPHRASE = 'lantern orbit velvet quarry'
const dir = mkdtempSync(join(tmpdir(), 'doorstep-bridge-'))
let bridge
let browser
const failures = []
const scanned = new Set()
let passed = 0

function check(ok, message) {
  if (ok) passed += 1
  if (!ok) {
    failures.push(message)
    console.error(`FAIL ${message}`)
  } else {
    console.log(`ok   ${message}`)
  }
}

/** Starts the bridge on a free port; resolves with its base URL once it says where it listens. */
function startBridge() {
  bridge = spawn(
    BRIDGE,
    ['--data-dir', join(dir, 'data'), '--port', '0', '--insecure-fast-kdf', '--ui', UI],
    { stdio: ['ignore', 'inherit', 'pipe'], env: { ...process.env, DOORSTEP_LOG: 'warn' } },
  )
  return new Promise((resolve, reject) => {
    let said = ''
    const timer = setTimeout(() => reject(new Error(`the bridge did not start:\n${said}`)), 30_000)
    bridge.on('exit', (code) => reject(new Error(`the bridge ended (${code}):\n${said}`)))
    bridge.stderr.on('data', (chunk) => {
      process.stderr.write(chunk)
      said += chunk
      const found = said.match(/listening on (http:\/\/127\.0\.0\.1:\d+)\//)
      if (found) {
        clearTimeout(timer)
        resolve(found[1])
      }
    })
  })
}

/** axe-core on the page as it is now: no violations of any rule. */
async function scan(page, name) {
  await page.evaluate(AXE_SOURCE)
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { resultTypes: ['violations'] }),
  )
  const violations = result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  )
  scanned.add(name)
  check(violations.length === 0, `axe: ${name}${violations.length ? `\n     ${violations.join('\n     ')}` : ''}`)
}

/** The visible text of the main region. */
async function mainText(page) {
  return page.locator('main').innerText()
}

async function heading(page, name) {
  const h1 = page.getByRole('heading', { level: 1, name, exact: true })
  await h1.waitFor()
  return h1
}

async function main() {
  const base = await startBridge()
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] })
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)

  // Anything the page reports as broken fails the run: a script error, a CSP refusal, or a
  // command Rust refused that this script did not mean to be refused.
  const refusedCommands = []
  const eventStreams = []
  page.on('pageerror', (e) => check(false, `no script error (${e.message})`))
  page.on('console', (m) => {
    // Chromium logs every 4xx as a failed resource; those are judged by command below.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      check(false, `no console error (${m.text()})`)
    }
  })
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/api/events') eventStreams.push(r.url())
  })
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname
    if (r.status() >= 400 && path.startsWith('/api/invoke/')) refusedCommands.push(path.slice(12))
    if (r.status() >= 500) check(false, `no server error (${r.status()} ${path})`)
  })

  // ---- First run, against Rust's passphrase rules ------------------------------------
  await page.goto(`${base}/`)
  await heading(page, 'Set up Doorstep')
  check(
    (await mainText(page)).includes('encrypted file on this computer'),
    'the first-run screen opens on an empty data folder',
  )
  check(
    (await page.locator('.govuk-phase-banner').innerText()).includes('development bridge'),
    'the page says it runs through the development bridge',
  )
  await scan(page, 'first run')
  await page.getByLabel('Your name').fill('Sam Officer')
  await page.getByLabel('Passphrase', { exact: true }).fill('password1')
  await page.getByLabel('Type the passphrase again').fill('password1')
  await page.getByRole('button', { name: 'Create my encrypted store' }).click()
  await page.locator('#passphrase-error').waitFor()
  check(
    (await page.locator('#passphrase-error').innerText()).includes('Choose a stronger passphrase'),
    'Rust judges "password1" too weak, and the screen says so beside the field',
  )
  await scan(page, 'first run with an error')
  await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE)
  await page.getByLabel('Type the passphrase again').fill(PASSPHRASE)
  await page.getByRole('button', { name: 'Create my encrypted store' }).click()

  // ---- The demo area and Today -------------------------------------------------------
  await heading(page, 'Load a demo area?')
  await scan(page, 'demo offer')
  await page.getByRole('button', { name: 'Load the demo area' }).click()
  await heading(page, 'Today')
  const today = await mainText(page)
  const demo = today.match(/([\d,]+) addresses, ([\d,]+) households, ([\d,]+) residents and ([\d,]+) visits, all made up/)
  check(
    demo !== null && demo[1] === '5,400' && demo[2] === '400',
    `Rust's demo report: 5,400 addresses and 400 households (${demo?.[0]})`,
  )
  const planned = await page.locator('main table').first().locator('tbody tr').count()
  check(planned > 0, `Today lists the demo's planned visits from the store (${planned})`)
  check(
    (await page.getByText('Not connected to a hub').count()) > 0,
    'the header shows the sync status Rust reported (not enrolled)',
  )
  await scan(page, 'today')

  // ---- Find a household --------------------------------------------------------------
  await page.getByRole('link', { name: 'Find a household' }).click()
  await heading(page, 'Find a household')
  await page.getByLabel("Address, postcode or resident's name").fill('Sampleton')
  await page.locator('#search-results li').first().waitFor()
  const hits = await page.locator('#search-results li').allInnerTexts()
  check(
    hits.length > 1 && hits.every((h) => h.includes('Sampleton')),
    `searching the encrypted store for a surname finds only its households (${hits.length})`,
  )
  await scan(page, 'find, with results')
  await page.getByLabel("Address, postcode or resident's name").fill('Juno Sampleton')
  const juno = page.locator('#search-results li', { hasText: 'Juno Sampleton' }).first().getByRole('link')
  const address = (await juno.innerText()).split(',')[0]
  await juno.click()

  // ---- The household -----------------------------------------------------------------
  await heading(page, address)
  const household = await mainText(page)
  check(household.includes('Juno Sampleton'), `${address} lists its resident Juno Sampleton`)
  // The survey section loads after the heading: wait for it rather than read it at once.
  const noSurvey = await page
    .getByText('No home security survey has been started here yet.')
    .waitFor({ timeout: 10_000 })
    .then(() => true)
    .catch(() => false)
  check(noSurvey, 'the household has no survey yet')
  await scan(page, 'household')

  // ---- A home security survey --------------------------------------------------------
  await page.getByRole('button', { name: 'Start a home security survey' }).click()
  await heading(page, 'Home security survey')
  await scan(page, 'survey, first section')
  await page.getByLabel('This home was burgled').check()
  await page.getByRole('group', { name: /burgled in the last 12 months/ }).getByLabel('Yes').check()
  await page.getByRole('link', { name: 'D. Side gates and boundary', exact: true }).click()
  await page.getByLabel('Short, broken or cannot lock').check()
  await page.getByRole('link', { name: "J. The resident's circumstances", exact: true }).click()
  await page.locator('#risk-score').waitFor()
  await page.getByText(/^3 of \d+ questions answered/).waitFor()
  const risk = await page.locator('#risk-score caption').innerText()
  check(/Risk of burglary:\s*Medium\s*\(39 points\)/.test(risk), `Rust scores the risk Medium, 39 points (${risk.split('.')[0]})`)
  const riskRows = await page.locator('#risk-score tbody tr').allInnerTexts()
  check(
    riskRows.some((r) => r.startsWith('Burgled here before in the last 12 months') && r.trim().endsWith('25')) &&
      riskRows.some((r) => r.startsWith('Open access to the back of the home') && r.trim().endsWith('4')),
    'with what contributed: a repeat burglary 25, open access to the back 4',
  )
  check(
    (await page.locator('#survey-weaknesses').innerText()).includes('Open access to the back of the home'),
    'the broken gate is found as a weakness',
  )
  await scan(page, 'survey, summary')

  // ---- The plan: measures and totals -------------------------------------------------
  await page.getByRole('button', { name: 'Draw up the improvement plan' }).click()
  await heading(page, 'Improvement plan')
  const plan = await mainText(page)
  check(plan.includes('Recommended: Silver'), 'Rust recommends Silver')
  check(
    plan.includes('Repeat burglary victim in the last 12 months: at least Silver'),
    'and says why: a repeat victim gets at least Silver',
  )
  const measures = await page.locator('table', { hasText: 'Fixes' }).innerText()
  check(
    measures.includes('Lock for an existing gate') && measures.includes('Open access to the back of the home'),
    'the plan proposes a lock for the existing gate, for the open access',
  )
  check(/Total\s+£45\.00/.test(measures), 'the measures total £45.00')
  check(
    /Estimated cost\s+£45\.00/.test(plan) && /Silver cap\s+£500\.00/.test(plan) && /Left under the cap\s+£455\.00/.test(plan),
    'against the Silver cap of £500.00, £455.00 is left',
  )
  await scan(page, 'plan')

  // ---- A CHARLIE check ---------------------------------------------------------------
  await page.getByRole('link', { name: 'Back to the household' }).click()
  await heading(page, address)
  await page.getByRole('link', { name: 'Do a CHARLIE check' }).click()
  await heading(page, 'CHARLIE fire risk check')
  await scan(page, 'CHARLIE check')
  await page.getByLabel('Juno Sampleton').check()
  const score = (factor, label) =>
    page.getByRole('group', { name: new RegExp(`Score for ${factor}`) }).getByLabel(label).check()
  await score('Care and support', /^1 – Rare/)
  await score('Hoarding', /^1 – Rare/)
  await score('Alcohol', /^1 – Rare/)
  await score('Reduced mobility', /^8 – Likely/)
  await score('Lives alone', /^8 – Likely/)
  await score('Inappropriate smoking', /^1 – Rare/)
  await score('Elderly', /^4 – Possible/)
  await page.getByLabel(/^Clear: exits clear/).check()
  await page.getByRole('button', { name: 'Save and score' }).click()
  await page.getByRole('heading', { name: 'Result of the check' }).waitFor()
  const charlie = await mainText(page)
  check(
    charlie.includes('High risk (24 points). Driven by: Reduced mobility 8, Lives alone (and how often people visit) 8, Elderly (65 or over) 4.'),
    'Rust scores the check High risk, 24 points, and says what drove it',
  )
  check(
    charlie.includes('The total 24 is at or above the referral threshold 22'),
    'and that it meets the referral threshold of 22',
  )
  check(
    charlie.includes('Fire and Rescue Service: Safe and Well (demo)'),
    'suggesting a referral to the fire service',
  )
  await scan(page, 'CHARLIE result')

  // ---- Lock and unlock ---------------------------------------------------------------
  await page.getByRole('button', { name: 'Lock', exact: true }).click()
  await heading(page, 'Unlock Doorstep')
  await scan(page, 'unlock')
  await page.getByLabel('Passphrase', { exact: true }).fill('lantern orbit velvet quarr')
  await page.getByRole('button', { name: 'Unlock', exact: true }).click()
  await page.getByRole('alert').waitFor()
  check(
    (await page.getByRole('alert').innerText()).includes('That passphrase is not right. Check Caps Lock and try again.'),
    "a wrong passphrase gets Rust's sentence",
  )
  await scan(page, 'unlock with an error')
  await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE)
  await page.getByRole('button', { name: 'Unlock', exact: true }).click()
  await heading(page, 'Today')

  // What was saved before the lock is still in the store.
  await page.getByRole('link', { name: 'Find a household' }).click()
  await page.getByLabel("Address, postcode or resident's name").fill('Juno Sampleton')
  await page.locator('#search-results li', { hasText: 'Juno Sampleton' }).first().getByRole('link').click()
  await heading(page, address)
  await page.locator('#survey-list').waitFor()
  const after = await mainText(page)
  check(
    !after.includes('No home security survey has been started here yet.') &&
      !after.includes('No improvement plan has been drawn up yet.') &&
      !after.includes('No CHARLIE check has been done here yet.'),
    'after unlocking, the household still has its survey, plan and CHARLIE check',
  )

  check(
    JSON.stringify(refusedCommands) === JSON.stringify(['unlock']),
    `Rust refused only the wrong passphrase (${refusedCommands.join(', ')})`,
  )
  check(eventStreams.length >= 1, `the UI listened for events on /api/events (${eventStreams.length})`)
  const expected = [
    'first run', 'first run with an error', 'demo offer', 'today', 'find, with results', 'household',
    'survey, first section', 'survey, summary', 'plan', 'CHARLIE check', 'CHARLIE result', 'unlock',
    'unlock with an error',
  ]
  check(expected.every((p) => scanned.has(p)), `every screen scanned (${scanned.size})`)
}

const started = Date.now()
try {
  await main()
} catch (error) {
  failures.push(String(error?.stack || error))
  console.error(error)
} finally {
  if (browser) await browser.close().catch(() => {})
  if (bridge && bridge.exitCode === null) {
    const exited = new Promise((r) => bridge.once('exit', r))
    bridge.kill('SIGTERM')
    await exited
  }
  rmSync(dir, { recursive: true, force: true })
}

const seconds = ((Date.now() - started) / 1000).toFixed(1)
console.log(`\nbridge: ${passed} passed, ${failures.length} failed`)
if (failures.length) {
  console.error(`The browser run against the bridge failed (${seconds} s).`)
  process.exit(1)
}
console.log(`\nThe main screens work in Chromium against real Rust, and every one passes axe-core (${seconds} s).`)
