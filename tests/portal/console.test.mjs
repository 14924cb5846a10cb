// The council console in real headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core: no browser download). Boots `doorstep-hub serve` on a throw-away SQLite
// database whose first administrator was added with `admin add-user --email`, then: the
// administrator's set-up link (password and security code), signing in with the code,
// the council's logo in the header, people (add, role, console access given later), teams (add), an enrolment code a laptop then uses, the laptop's
// revocation, contractor firms and their users, the audit log (its filters and CSV), a
// supervisor who may not see the administrator's pages but finds a household a laptop
// pushed, reads its timeline and the plans waiting for approval, and a data protection
// officer who reads the audit log, and the reports (figures, charts as tables, downloads, a
// person-level export refused without a reason). axe-core scans
// every page the console has, error pages included: no violations of WCAG 2.2 AA.
//
// Run by run.sh, which builds the hub and sets DOORSTEP_HUB_BIN.

import { spawn } from 'node:child_process'
import { createHmac, randomUUID } from 'node:crypto'
import { readFileSync, rmSync } from 'node:fs'
import { chromium } from 'playwright-core'
import { CHROMIUM, HUB, freePort, harness, title, waitForHealth } from './harness.mjs'

const ADMIN = { email: 'ada.admin@council.example', name: 'Ada Admin' }
const SUPER = { email: 'sam.super@council.example', name: 'Sam Super' }
const PASSWORD = 'a long and memorable pass phrase'

const { dir, database, failures, scanned, check, admin, scan } = harness('doorstep-console-')
let hub
let browser

/** An authenticator app's code now (RFC 6238: SHA-1, 30 s, 6 digits) for a base32 key. */
function totp(base32) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = ''
  for (const ch of base32.replace(/[\s=]/g, '').toUpperCase()) {
    bits += alphabet.indexOf(ch).toString(2).padStart(5, '0')
  }
  const bytes = []
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2))
  const counter = Buffer.alloc(8)
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30)))
  const mac = createHmac('sha1', Buffer.from(bytes)).update(counter).digest()
  const offset = mac[mac.length - 1] & 0x0f
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000
  return String(value).padStart(6, '0')
}

/** Completes a set-up link: the password, and the code when the page asks for one. */
async function setUp(page, link, withCode) {
  await page.goto(link)
  await page.getByLabel('Choose a password').fill(PASSWORD)
  await page.getByLabel('Type the password again').fill(PASSWORD)
  if (withCode) {
    const key = await page.locator('#totp-secret').innerText()
    await page.getByLabel('Security code').fill(totp(key))
    return key
  }
  return null
}

/** An agreed plan with its household, resident and survey, as a laptop pushes them
 * (written by the hub's console test with UPDATE_FIXTURES=1, which also checks the hub still
 * reads and would approve it). */
const AGREED_PLAN = JSON.parse(readFileSync(new URL('./fixtures/agreed-plan.json', import.meta.url), 'utf8'))

/** A laptop of the North team enrols and pushes the agreed plan's records. */
async function pushHousehold(base) {
  admin(['add-user', '--team', 'North', '--name', 'Pat Push', '--role', 'officer'])
  const code = admin(['enrolment-code', '--user', 'Pat Push']).at(-1).trim()
  const post = (path, body, token) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: await r.json() }))
  const enrolled = await post('/v1/enrol', { protocol: 1, code, device_name: 'Pat laptop' })
  check(enrolled.status === 201, `the North laptop enrols (${enrolled.status})`)
  const device = enrolled.body.device_id
  const officer = enrolled.body.user.id
  let counter = 0
  const changes = AGREED_PLAN.map((r) => ({
    change_id: randomUUID(),
    entity: r.entity,
    entity_id: r.id,
    operation: 'create',
    fields: r.fields,
    base_versions: {},
    hlc: `${String(Date.now()).padStart(15, '0')}-${(counter++).toString(16).padStart(8, '0')}-${device}`,
    officer_id: officer,
    device_id: device,
    made_at: new Date().toISOString(),
  }))
  const pushed = await post('/v1/push', { protocol: 1, device_id: device, changes }, enrolled.body.access_token)
  check(pushed.status === 200, `the North laptop pushes a household (${pushed.status})`)
}

async function main() {
  admin(['create-org', 'Demo Council'])
  admin(['add-team', 'Demo Council', 'North'])
  admin(['add-team', 'Demo Council', 'South'])
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const link = (out) => out.at(-1).replace(/^https?:\/\/[^/]+/, base)
  const adminLink = link(
    admin(['add-user', '--team', 'North', '--name', ADMIN.name, '--role', 'admin', '--email', ADMIN.email]),
  )
  check(adminLink.includes('/console/set-up/'), 'add-user --email prints a set-up link')
  const superLink = link(
    admin(['add-user', '--team', 'North', '--name', SUPER.name, '--role', 'supervisor', '--email', SUPER.email]),
  )

  hub = spawn(HUB, ['--database', database, 'serve', '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, RUST_LOG: 'warn' },
  })
  await waitForHealth(base)

  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] })
  const context = await browser.newContext({ javaScriptEnabled: true })
  const page = await context.newPage()

  // Not signed in: the console sends the browser to sign in.
  await page.goto(`${base}/console`)
  check(page.url() === `${base}/console/sign-in`, `/console leads to sign-in (${page.url()})`)
  await scan(page, 'sign in')
  const logo = page.locator('img.app-header__logo')
  check(
    (await logo.getAttribute('alt')) === (await page.locator('.app-header__council').innerText()).trim(),
    'the header shows the council\'s logo, named by the council\'s name',
  )
  check((await logo.evaluate((img) => img.complete && img.naturalWidth > 0)), 'the logo loads')
  check((await logo.boundingBox()).height <= 60, 'sized for the header')
  await page.getByLabel('Email address').fill(ADMIN.email)
  await page.getByLabel('Password').fill('not the password')
  await page.getByRole('button', { name: 'Sign in' }).click()
  check((await title(page)).startsWith('Error: Sign in'), 'a refused sign-in says Error: in the title')
  await scan(page, 'sign in with an error')

  // The administrator's set-up link: first sent empty, then done.
  await page.goto(adminLink)
  check(await page.getByText('Set up your security code').isVisible(), 'an admin sets up a security code')
  await scan(page, 'set up with a security code')
  await page.getByRole('button', { name: 'Set up my account' }).click()
  check((await title(page)).startsWith('Error: '), 'an empty set-up form is refused')
  check(await page.getByText('There is a problem').isVisible(), 'with an error summary')
  await scan(page, 'set up with an error')
  const key = await setUp(page, adminLink, true)
  await page.getByRole('button', { name: 'Set up my account' }).click()
  check(page.url().startsWith(`${base}/console/sign-in`), `set up, then sign in (${page.url()})`)
  check(await page.getByText('Your account is set up').isVisible(), 'the sign-in page says so')
  await page.goto(adminLink)
  check((await title(page)).startsWith('This set-up link cannot be used'), 'the link works once')
  await scan(page, 'set-up link used')

  await page.goto(`${base}/console/sign-in`)
  await page.getByLabel('Email address').fill(ADMIN.email)
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  check(page.url() === `${base}/console/sign-in/code`, 'an admin is asked for the code')
  await scan(page, 'security code')
  await page.getByLabel('Security code').fill('000000')
  await page.getByRole('button', { name: 'Continue' }).click()
  check((await title(page)).startsWith('Error: '), 'a wrong code is refused')
  await scan(page, 'security code with an error')
  // The set-up spent nothing; wait for the next step so the code is surely fresh.
  await new Promise((r) => setTimeout(r, 31_000))
  await page.getByLabel('Security code').fill(totp(key))
  await page.getByRole('button', { name: 'Continue' }).click()
  check(page.url() === `${base}/console/home`, `signed in (${page.url()})`)
  const cookies = await context.cookies()
  const session = cookies.find((c) => c.name === 'doorstep_console')
  check(session && session.httpOnly && session.sameSite === 'Strict', 'the session cookie is HttpOnly and SameSite=Strict')
  await scan(page, 'home, admin')

  // Teams.
  await page.getByRole('link', { name: 'Teams', exact: true }).first().click()
  check(await page.getByRole('cell', { name: 'South' }).isVisible(), 'the teams are listed')
  await scan(page, 'teams')
  await page.getByRole('button', { name: 'Add team' }).click()
  check((await title(page)).startsWith('Error: Teams'), 'a team with no name is refused')
  await scan(page, 'teams with an error')
  await page.getByRole('link', { name: 'Move a household to another team' }).click()
  await scan(page, 'move a household')
  await page.getByRole('button', { name: 'Move the household' }).click()
  check(await page.getByText('There is a problem').isVisible(), 'moving nothing is refused')
  await scan(page, 'move a household with an error')
  await page.goto(`${base}/console/teams`)
  await page.getByLabel('Team name').fill('East')
  await page.getByRole('button', { name: 'Add team' }).click()
  check(await page.getByRole('cell', { name: 'East' }).isVisible(), 'a team is added')

  // People: add one (empty first), change their role, make them an enrolment code.
  await page.getByRole('link', { name: 'People', exact: true }).first().click()
  check(await page.getByRole('link', { name: ADMIN.name }).isVisible(), 'people are listed')
  await scan(page, 'people')
  await page.getByRole('link', { name: ADMIN.name }).click()
  check(await page.getByRole('button', { name: 'Create a new set-up link' }).isVisible(), 'a console user\'s page offers a new set-up link')
  await scan(page, 'person with console access')
  await page.getByRole('link', { name: 'People', exact: true }).first().click()
  await page.getByRole('button', { name: 'Add a person' }).click()
  await scan(page, 'add a person')
  await page.getByRole('button', { name: 'Add person' }).click()
  check((await title(page)).startsWith('Error: Add a person'), 'a person with no name is refused')
  await scan(page, 'add a person with an error')
  await page.getByLabel('Name').fill('Olive Officer')
  await page.getByRole('button', { name: 'Add person' }).click()
  check((await title(page)).startsWith('Olive Officer'), 'the new person\'s page')
  await scan(page, 'person')
  await page.getByLabel('Role').selectOption('warden')
  await page.getByRole('button', { name: 'Change role' }).click()
  check(await page.getByText('Neighbourhood warden').first().isVisible(), 'the role changed')
  await page.getByRole('button', { name: 'Create an enrolment code' }).click()
  const code = (await page.locator('#secret').innerText()).trim()
  check(/^[A-Z0-9]{5}(-[A-Z0-9]{5}){2}$/.test(code), `an enrolment code is shown once (${code})`)
  check(await page.getByRole('img', { name: /QR code holding the hub/ }).isVisible(), 'with a QR code of it')
  check(await page.getByText(base, { exact: true }).isVisible(), 'and the hub address beside it')
  await scan(page, 'enrolment code')

  // Console access later, for Olive (added without an email): no email first, then given.
  await page.goto(`${base}/console/people`)
  await page.getByRole('link', { name: 'Olive Officer' }).click()
  check(await page.getByRole('heading', { name: 'Give console access' }).isVisible(), 'a person with no console account can be given one')
  await page.getByRole('button', { name: 'Give console access' }).click()
  check((await title(page)).startsWith('Error: Olive Officer'), 'giving console access with no email is refused')
  check(await page.getByText('There is a problem').isVisible(), 'with an error summary')
  await scan(page, 'give console access with an error')
  await page.getByLabel('Email address').fill('olive@council.example')
  await page.getByRole('button', { name: 'Give console access' }).click()
  check((await page.locator('#secret').innerText()).includes('/console/set-up/'), 'console access given: its set-up link is shown once')
  await scan(page, 'console access given')

  // A person with an email: their set-up link, shown once.
  await page.goto(`${base}/console/people/new`)
  await page.getByLabel('Name').fill('Dee Dpo')
  await page.getByLabel('Role').selectOption('dpo')
  await page.getByLabel(/Email address/).fill('dee@council.example')
  await page.getByRole('button', { name: 'Add person' }).click()
  const deeLink = (await page.locator('#secret').innerText()).trim()
  check(deeLink.includes('/console/set-up/'), 'a set-up link is shown')
  await scan(page, 'set-up link shown')

  // The laptop enrols with the code; then it is revoked.
  const enrolled = await fetch(`${base}/v1/enrol`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ protocol: 1, code, device_name: 'Olive laptop' }),
  })
  check(enrolled.status === 201, `the laptop enrols with the code (${enrolled.status})`)
  await page.getByRole('link', { name: 'Laptops', exact: true }).first().click()
  check(await page.getByRole('cell', { name: 'Olive laptop', exact: true }).isVisible(), 'the laptop is listed')
  await scan(page, 'laptops')
  await page.getByRole('link', { name: /Revoke/ }).click()
  check(await page.getByText('erase everything Doorstep holds on it').isVisible(), 'revoking says the laptop erases itself')
  await scan(page, 'revoke a laptop')
  await page.getByRole('button', { name: 'Revoke and erase this laptop' }).click()
  check(await page.getByText(/^Revoked /).isVisible(), 'the laptop is revoked')

  // Contractor firms, partner agencies and their portal users.
  await page.getByRole('link', { name: 'Firms', exact: true }).first().click()
  check((await title(page)).startsWith('Firms and agencies'), 'the firms page')
  await scan(page, 'firms')
  await page.getByRole('button', { name: 'Add firm' }).click()
  check((await title(page)).startsWith('Error: Firms and agencies'), 'a firm with no id is refused')
  await scan(page, 'firms with an error')
  await page.getByLabel('Firm id').fill('quillon_locks')
  await page.getByLabel('Firm name').fill('Quillon Locks')
  await page.getByRole('button', { name: 'Add firm' }).click()
  check((await title(page)).startsWith('Quillon Locks'), 'a firm is added, and its page shown')
  await scan(page, 'firm')
  await page.getByRole('button', { name: 'Add user' }).click()
  check((await title(page)).startsWith('Error: Quillon Locks'), 'a firm user with no name is refused')
  await scan(page, 'firm with an error')
  await page.getByLabel('Name').fill('Fred Fitter')
  await page.getByLabel('Email address').fill('fred@quillon.example')
  await page.getByRole('button', { name: 'Add user' }).click()
  check((await page.locator('#secret').innerText()).trim().length >= 12, 'an initial password is shown once')
  await scan(page, 'initial password shown')
  await page.getByRole('link', { name: 'Done' }).click()
  await page.getByRole('button', { name: /New second factor/ }).click()
  check((await page.locator('#secret').innerText()).startsWith('otpauth://'), 'a new second factor is shown once')
  await scan(page, 'second factor shown')
  await page.getByRole('link', { name: 'Done' }).click()
  await page.getByRole('button', { name: /Turn off/ }).click()
  check(await page.getByRole('cell', { name: 'Turned off' }).isVisible(), 'a firm user is turned off')

  // The audit log: the whole of it, a filter, a bad filter, the CSV.
  await page.getByRole('link', { name: 'Audit log', exact: true }).first().click()
  check((await title(page)).startsWith('Audit log'), 'the audit log')
  check(await page.getByRole('cell', { name: 'admin.add-firm', exact: true }).isVisible(), 'the administrator\'s actions are in it')
  await scan(page, 'audit log')
  await page.getByLabel('Action').fill('admin.add-firm-user')
  await page.getByRole('button', { name: 'Show entries' }).click()
  check((await page.getByRole('cell', { name: 'admin.add-firm', exact: true }).count()) === 0, 'a filter narrows it')
  check(await page.getByRole('cell', { name: 'admin.add-firm-user', exact: true }).isVisible(), 'to what it names')
  await scan(page, 'audit log filtered')
  await page.getByLabel('Date from').fill('yesterday')
  await page.getByRole('button', { name: 'Show entries' }).click()
  check((await title(page)).startsWith('Error: Audit log'), 'a bad date is refused')
  await scan(page, 'audit log with an error')
  const csv = await page.request.get(`${base}/console/audit.csv?action=admin.`)
  check(csv.status() === 200, `the CSV downloads (${csv.status()})`)
  check(csv.headers()['content-disposition'] === 'attachment; filename="audit-log.csv"', 'as an attachment named audit-log.csv')
  check((await csv.text()).startsWith('time_utc,user_id,user_name,'), 'with a header row')

  // A row per record needs a reason: refused without one, nothing exported.
  await page.goto(`${base}/console/reports/export`)
  await scan(page, 'export a row per record')
  await page.getByLabel('Visits: a row per visit').check()
  await page.getByRole('button', { name: 'Export as CSV' }).click()
  check(await page.getByText('There is a problem').isVisible(), 'an export without a reason is refused')
  await scan(page, 'export a row per record with an error')

  await page.goto(`${base}/console/no-such-page`)
  check((await title(page)).startsWith('Page not found'), 'an unknown page is not found')
  await scan(page, 'not found')
  await page.getByRole('button', { name: 'Sign out' }).click()
  check(await page.getByText('You have signed out.').isVisible(), 'signed out')

  // A supervisor: no security code, no administrator's pages.
  await setUp(page, superLink, false)
  await scan(page, 'set up')
  await page.getByRole('button', { name: 'Set up my account' }).click()
  await page.getByLabel('Email address').fill(SUPER.email)
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  check(page.url() === `${base}/console/home`, 'a supervisor signs in without a code')
  check((await page.getByRole('link', { name: 'People', exact: true }).count()) === 0, 'no People link')
  await scan(page, 'home')
  await page.goto(`${base}/console/people`)
  check((await title(page)).startsWith('Page not found'), 'the people page is not found for a supervisor')
  await page.goto(`${base}/console/audit`)
  check((await title(page)).startsWith('Page not found'), 'the audit log is not found for a supervisor')
  // Emails to agencies: none yet, and this hub has no [mail], so the page says so.
  await page.goto(`${base}/console/home`)
  await page.getByRole('link', { name: 'Emails to agencies', exact: true }).click()
  check((await title(page)).startsWith('Emails to agencies'), 'the emails to agencies page')
  check(await page.getByText(/Mail is not set up on this hub/).isVisible(), 'it says mail is not set up')
  await scan(page, 'emails to agencies')
  // Casework: a North laptop pushes a household with an agreed plan; the supervisor finds
  // it by its street, reads its timeline and sees the plan waiting for approval.
  await pushHousehold(base)
  await page.getByRole('link', { name: 'Households', exact: true }).first().click()
  await scan(page, 'find a household')
  await page.getByLabel(/Address, postcode or UPRN/).fill('!!!')
  await page.getByRole('button', { name: 'Search' }).click()
  check(await page.getByText('There is a problem').isVisible(), 'a search with nothing to search for is refused')
  await scan(page, 'find a household with an error')
  await page.getByLabel(/Address, postcode or UPRN/).fill('lantern wa')
  await page.getByRole('button', { name: 'Search' }).click()
  await scan(page, 'households found')
  await page.getByRole('link', { name: '14 Lantern Walk, Northbridge' }).click()
  const planLink = page.getByRole('link', { name: /^Plan \(\w+\): agreed$/ })
  check(await planLink.isVisible(), 'the timeline shows the agreed plan')
  await page.getByText('Steps').first().click()
  await scan(page, 'household')
  await page.getByRole('link', { name: 'Lists', exact: true }).first().click()
  await scan(page, 'lists')
  await page.getByRole('link', { name: 'Plans waiting for approval' }).click()
  check(await page.getByRole('cell', { name: /agreed$/ }).isVisible(), 'the plan waits for approval')
  await scan(page, 'plans waiting for approval')
  // The supervisor opens the plan and approves it: the work orders are raised.
  await page.getByRole('link', { name: '14 Lantern Walk, ZY5 2AB' }).click()
  await planLink.click()
  await scan(page, 'plan')
  // Returning needs what to change: refused, nothing changed.
  await page.getByRole('button', { name: 'Return the plan' }).click()
  check(
    await page.getByRole('link', { name: 'Enter what the officer should change' }).isVisible(),
    'a return without what to change is refused',
  )
  await scan(page, 'plan return with an error')
  const reason = page.getByLabel('Why this plan may go over the cap')
  if (await reason.count()) {
    await page.getByRole('button', { name: 'Approve the plan' }).click()
    check(await page.getByText('There is a problem').isVisible(), 'an over-cap plan needs a reason')
    await scan(page, 'plan with an error')
    await reason.fill('The panel agreed the extra spend for a repeat victim')
  } else {
    scanned.add('plan with an error')
  }
  await page.getByRole('button', { name: 'Approve the plan' }).click()
  check(await page.getByText('Plan approved.').isVisible(), 'the plan is approved')
  check(await page.getByRole('heading', { name: /: ordered$/ }).isVisible(), 'the approved plan is ordered')
  await scan(page, 'plan approved')
  // Reports: the team's figures and charts, a chart's table and CSV, a bad period refused.
  await page.getByRole('link', { name: 'Reports', exact: true }).first().click()
  check((await title(page)).startsWith('Reports'), `the reports page (${await title(page)})`)
  check(await page.getByRole('heading', { name: /^Figures for / }).isVisible(), 'the figures are shown')
  check((await page.locator('svg[role="img"]').count()) >= 7, 'every chart is drawn')
  await page.getByText('Show as table').first().click()
  check(await page.locator('details[open] table').first().isVisible(), 'a chart shows as a table')
  await scan(page, 'reports')
  const chartCsv = await page.getByRole('link', { name: /Download the figures as CSV/ }).first().getAttribute('href')
  const chartFile = await page.request.get(`${base}${chartCsv}`)
  check(chartFile.status() === 200 && (await chartFile.text()).startsWith('\ufeff'), 'a chart downloads as CSV')
  await page.getByLabel('Or type a period').fill('2026-13')
  await page.getByRole('button', { name: 'Show the figures' }).click()
  check(await page.getByText('There is a problem').isVisible(), 'a period that is not one is refused')
  await scan(page, 'reports with an error')
  await page.getByRole('button', { name: 'Sign out' }).click()

  // The data protection officer: the audit log, and nothing of the administrator's.
  const deeKey = await setUp(page, deeLink, true)
  await page.getByRole('button', { name: 'Set up my account' }).click()
  await page.getByLabel('Email address').fill('dee@council.example')
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  check(page.url() === `${base}/console/sign-in/code`, 'a dpo is asked for the code')
  // The set-up spent this step's code: wait for the next one.
  await new Promise((r) => setTimeout(r, 31_000))
  await page.getByLabel('Security code').fill(totp(deeKey))
  await page.getByRole('button', { name: 'Continue' }).click()
  check(page.url() === `${base}/console/home`, `a dpo signs in (${page.url()})`)
  check((await page.getByRole('link', { name: 'People', exact: true }).count()) === 0, 'no People link for a dpo')
  await scan(page, 'home, dpo')
  await page.getByRole('link', { name: 'Audit log', exact: true }).first().click()
  check(await page.getByRole('cell', { name: 'admin.add-firm', exact: true }).isVisible(), 'a dpo reads the audit log')
  await scan(page, 'audit log, dpo')
  await page.goto(`${base}/console/firms`)
  check((await title(page)).startsWith('Page not found'), 'the firms page is not found for a dpo')
  // The record of processing: every field's classification, who sees it and why.
  await page.goto(`${base}/console/home`)
  await page.getByRole('link', { name: 'Record of processing', exact: true }).click()
  check((await title(page)).startsWith('Record of processing'), 'the record of processing')
  await scan(page, 'record of processing')
  // People's requests: the register refuses a half-filled request; the DPO starts one from
  // the household's page, is asked to confirm, and erases the household.
  await page.goto(`${base}/console/home`)
  await page.getByRole('link', { name: "People's requests", exact: true }).first().click()
  check((await title(page)).startsWith("People's requests about their data"), 'the register')
  await scan(page, 'privacy register')
  await page.getByRole('button', { name: 'Record the request' }).click()
  check((await title(page)).startsWith('Error:'), 'a half-filled request is refused')
  await scan(page, 'privacy register with an error')
  // Finding the person: an impossible date is refused with what to type; a name lists each match.
  await page.getByRole('link', { name: 'find them by name, date of birth or phone number' }).click()
  check((await title(page)).startsWith('Find a person'), 'the person search')
  await scan(page, 'find a person')
  await page.getByLabel('Name, date of birth or phone number').fill('31/02/1951')
  await page.getByRole('button', { name: 'Search' }).click()
  check((await title(page)).startsWith('Error:'), 'an impossible date is refused')
  await scan(page, 'find a person with an error')
  await page.getByLabel('Name, date of birth or phone number').fill('ada example')
  await page.getByRole('button', { name: 'Search' }).click()
  check(await page.getByRole('link', { name: /Start a request for Ada Example/ }).isVisible(), 'the resident is listed')
  await scan(page, 'people found')
  await page.getByRole('link', { name: 'Households', exact: true }).first().click()
  await page.getByLabel(/Address, postcode or UPRN/).fill('lantern wa')
  await page.getByRole('button', { name: 'Search' }).click()
  await page.getByRole('link', { name: '14 Lantern Walk, Northbridge' }).click()
  // A subject access request from the resident: the review screen before the download.
  await page.getByRole('link', { name: 'Record a request about Ada Example' }).click()
  await page.getByLabel('A copy of their data (subject access)').check()
  await page.getByLabel('Your reference for the request').fill('SAR-2026-001')
  await page.getByRole('button', { name: 'Record the request' }).click()
  check((await title(page)).startsWith('Subject access request'), `the access request is recorded (${await title(page)})`)
  await page.getByRole('link', { name: 'Prepare the answer' }).click()
  check(await page.getByLabel('Leave out Ada Example (the person asking)').isVisible(), 'the review lists the resident')
  await scan(page, 'privacy answer')
  await page.goBack()
  // A restriction request, granted: the household is restricted (its page says so), then
  // the restriction is lifted so the erasure below can go ahead as before.
  await page.getByRole('link', { name: 'household page' }).click()
  await page.getByRole('link', { name: 'Record a request about the whole household' }).click()
  await page.getByLabel('Restrict the use of their data').check()
  await page.getByLabel('Your reference for the request').fill('RS-2026-001')
  await page.getByRole('button', { name: 'Record the request' }).click()
  check((await title(page)).startsWith('Restriction request'), `the restriction request is recorded (${await title(page)})`)
  await page.getByRole('button', { name: 'Record that it was answered' }).click()
  await page.getByRole('button', { name: 'Restrict the household' }).click()
  check(await page.getByRole('button', { name: 'Lift the restriction' }).isVisible(), 'the household is restricted')
  await scan(page, 'privacy request restricted')
  await page.getByRole('link', { name: 'household page' }).click()
  check(await page.getByRole('region', { name: 'Restricted' }).isVisible(), 'the household page says it is restricted')
  await scan(page, 'household restricted')
  await page.goBack()
  await page.getByRole('button', { name: 'Lift the restriction' }).click()
  check(await page.getByRole('button', { name: 'Restrict the household' }).isVisible(), 'the restriction is lifted')
  await page.getByRole('link', { name: 'household page' }).click()
  await page.getByRole('link', { name: 'Record a request about the whole household' }).click()
  await page.getByLabel('Erase their data').check()
  await page.getByLabel('Your reference for the request').fill('ER-2026-001')
  await page.getByRole('button', { name: 'Record the request' }).click()
  check((await title(page)).startsWith('Erasure request'), `the request is recorded (${await title(page)})`)
  await scan(page, 'privacy request')
  await page.getByRole('button', { name: 'Erase', exact: true }).click()
  check((await title(page)).startsWith('Error:'), 'erasing needs the confirmation')
  await scan(page, 'privacy request with an error')
  await page.getByLabel(/I have checked that no exemption applies/).check()
  await page.getByRole('button', { name: 'Erase', exact: true }).click()
  check(await page.getByRole('heading', { name: 'Erased', exact: true }).isVisible(), 'the household is erased')
  await scan(page, 'privacy request erased')


  const expected = [
    'sign in', 'sign in with an error', 'set up with a security code', 'set up with an error',
    'set-up link used', 'security code', 'security code with an error', 'home, admin', 'teams',
    'teams with an error', 'move a household', 'move a household with an error', 'people', 'person with console access', 'add a person', 'add a person with an error', 'person',
    'enrolment code', 'give console access with an error', 'console access given', 'set-up link shown', 'laptops', 'revoke a laptop', 'not found', 'set up', 'home',
    'find a household', 'find a household with an error', 'households found', 'household', 'lists',
    'plans waiting for approval',
    'firms', 'firms with an error', 'firm', 'firm with an error', 'initial password shown', 'second factor shown',
    'audit log', 'audit log filtered', 'audit log with an error', 'home, dpo', 'audit log, dpo',
    'record of processing', 'privacy register', 'privacy register with an error', 'privacy request', 'privacy answer',
    'privacy request with an error', 'privacy request erased', 'privacy request restricted',
    'household restricted', 'find a person', 'find a person with an error', 'people found',
    'reports', 'reports with an error', 'export a row per record', 'export a row per record with an error',
  ]
  check(expected.every((p) => scanned.has(p)), `every console page scanned (${scanned.size})`)
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
console.log('\nThe council console works in Chromium, and every page passes axe-core.')
