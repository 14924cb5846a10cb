// The contractor portal in real headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core: no browser download). Boots `doorstep-hub serve` on a throw-away SQLite
// database set up with the admin commands, pushes a work order as an officer's laptop
// would, then as the firm's fitter: sign in, accept, book, record each item fitted (one
// with a photo), download the PDF, sign out. axe-core scans every page the portal has,
// error pages included: no violations. Finally the officer's laptop pulls the order and
// finds it fitted, as the hub recorded it on the fitter's behalf.
//
// Run by run.sh, which builds the hub and sets DOORSTEP_HUB_BIN.

import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { CHROMIUM, HUB, freePort, harness, title, waitForHealth } from './harness.mjs'

const FIRM = { id: 'quillon_locks', name: 'Quillon Locks Ltd' }
const FITTER = { email: 'fitter@quillon.example', name: 'Fran Fitter', password: 'correct horse battery staple' }
const SECOND = { email: 'second@quillon.example', name: 'Sid Second', password: 'another long pass phrase' }
// A real 1×1 PNG: the hub checks photos by their content.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
)

const { dir, database, failures, scanned, check, admin, scan } = harness('doorstep-portal-')
let hub
let browser

function isoDay(date) {
  return date.toISOString().slice(0, 10)
}

function workOrder() {
  const today = new Date()
  const due = new Date(today.getTime() + 28 * 86_400_000)
  const item = (id, name, spec, location = null) => ({
    measure_id: id,
    name,
    specification: spec,
    location,
    quantity: 1,
    status: 'pending',
    fitted_at: null,
    product_standard: null,
    not_fitted_reason: null,
    photo_sha256: null,
  })
  return {
    id: randomUUID(),
    number: 'WO-1A2B3C4D-QLK',
    plan_id: randomUUID(),
    household_id: randomUUID(),
    firm: FIRM,
    address_lines: ['12 Example Road', 'Testville'],
    postcode: 'ZY3 4AB',
    contact_name: 'Sam Example',
    contact_phone: '01632 960123',
    access_notes: ['Key safe by the back door', 'Dog in the garden: ring first'],
    items: [
      item(
        'anti_snap_cylinder',
        'Anti-snap cylinder lock',
        'Anti-snap euro cylinder to TS007 3 star',
        'Door 2',
      ),
      item('door_chain', 'Door chain', 'Heavy-duty door chain to BS 7087'),
    ],
    issued_on: isoDay(today),
    due_date: isoDay(due),
    status: 'new',
    decline_reason: null,
    appointment_date: null,
  }
}

function hlc(deviceId) {
  return `${String(Date.now()).padStart(15, '0')}-00000000-${deviceId}`
}

async function main() {
  // The hub's people, set up as an administrator would.
  admin(['create-org', 'Demo Council'])
  admin(['add-team', 'Demo Council', 'North'])
  admin(['add-user', '--team', 'North', '--name', 'Olive Officer', '--role', 'officer'])
  const code = admin(['enrolment-code', '--user', 'Olive Officer']).at(-1)
  admin(['add-firm', '--id', FIRM.id, '--name', FIRM.name])
  admin(
    ['add-firm-user', '--firm', FIRM.id, '--email', FITTER.email, '--name', FITTER.name, '--password-stdin'],
    `${FITTER.password}\n`,
  )
  admin(
    ['add-firm-user', '--firm', FIRM.id, '--email', SECOND.email, '--name', SECOND.name, '--password-stdin'],
    `${SECOND.password}\n`,
  )
  const totpUri = admin(['set-totp', SECOND.email]).at(-1)
  check(totpUri.startsWith('otpauth://totp/'), 'set-totp prints an otpauth URI')
  // A user with an initial password, to see the page that replaces it.
  const initial = admin(['add-firm-user', '--firm', FIRM.id, '--email', 'new@quillon.example', '--name', 'Nia New']).at(-1)

  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  hub = spawn(HUB, ['--database', database, 'serve', '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, RUST_LOG: 'warn' },
  })
  await waitForHealth(base)

  // The officer's laptop enrols and pushes the work order an approved plan raised.
  const enrolled = await (
    await fetch(`${base}/v1/enrol`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ protocol: 1, code, device_name: 'Olive laptop' }),
    })
  ).json()
  const deviceId = enrolled.device_id
  const officerId = enrolled.user.id
  const bearer = { authorization: `Bearer ${enrolled.access_token}`, 'content-type': 'application/json' }
  const order = workOrder()
  const pushed = await fetch(`${base}/v1/push`, {
    method: 'POST',
    headers: bearer,
    body: JSON.stringify({
      protocol: 1,
      device_id: deviceId,
      changes: [
        {
          change_id: randomUUID(),
          entity: 'work_order',
          entity_id: order.id,
          operation: 'create',
          fields: order,
          base_versions: {},
          hlc: hlc(deviceId),
          officer_id: officerId,
          device_id: deviceId,
          made_at: new Date().toISOString(),
        },
      ],
    }),
  })
  check(pushed.ok, `the officer's laptop pushed the work order (${pushed.status})`)
  const pushAnswer = await pushed.json()
  const cursor = pushAnswer.cursor

  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] })
  const context = await browser.newContext({ acceptDownloads: true, javaScriptEnabled: true })
  const page = await context.newPage()

  // Not signed in: the portal sends the browser to sign in.
  await page.goto(`${base}/portal`)
  check(page.url() === `${base}/portal/sign-in`, `/portal leads to sign-in (${page.url()})`)
  check((await title(page)).startsWith('Sign in'), 'the sign-in page has its title')
  await scan(page, 'sign in')

  // A wrong password first: the error summary and the inline error.
  await page.getByLabel('Email address').fill(FITTER.email)
  await page.getByLabel('Password').fill('not the password')
  await page.getByRole('button', { name: 'Sign in' }).click()
  check((await title(page)).startsWith('Error: Sign in'), 'a refused sign-in says Error: in the title')
  check(await page.getByText('There is a problem').isVisible(), 'the error summary shows')
  await scan(page, 'sign in with an error')

  await page.getByLabel('Email address').fill(FITTER.email)
  await page.getByLabel('Password').fill(FITTER.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  check(page.url() === `${base}/portal/orders`, `signed in, the list of work orders (${page.url()})`)
  const cookies = await context.cookies()
  const session = cookies.find((c) => c.name === 'doorstep_portal')
  check(session && session.httpOnly && session.sameSite === 'Strict', 'the session cookie is HttpOnly and SameSite=Strict')
  check(await page.getByRole('link', { name: order.number }).isVisible(), 'the order is listed')
  await scan(page, 'work orders')
  await page.getByRole('link', { name: /New \(1\)/ }).click()
  await scan(page, 'work orders by status')
  await page.getByRole('link', { name: /Fitted \(0\)/ }).click()
  await scan(page, 'work orders, none in the status')

  await page.goto(`${base}/portal/orders`)
  await page.getByRole('link', { name: order.number }).click()
  check((await title(page)).startsWith(`Work order ${order.number}`), 'the order page')
  check(await page.getByText('Key safe by the back door').isVisible(), 'access notes are shown')
  check(await page.getByRole('cell', { name: 'Door 2' }).isVisible(), 'where an item goes')
  check(await page.getByRole('cell', { name: 'Whole home' }).isVisible(), 'an item for the whole home')
  await scan(page, 'work order, new')

  // The decline form, sent empty: its error page (and nothing declined).
  await page.getByRole('link', { name: 'Decline this work order' }).click()
  await scan(page, 'decline')
  await page.getByRole('button', { name: 'Decline the work order' }).click()
  check((await title(page)).startsWith('Error: '), 'an empty reason is refused')
  await scan(page, 'decline with an error')
  await page.getByRole('link', { name: /Back to work order/ }).click()

  await page.getByRole('button', { name: 'Accept this work order' }).click()
  check(await page.getByText('You accepted this work order').isVisible(), 'accepted, with a success banner')
  await scan(page, 'work order, accepted')

  // Book: first a date in the past (refused), then tomorrow.
  await page.getByRole('link', { name: 'Book the appointment' }).click()
  await scan(page, 'appointment')
  const yesterday = new Date(Date.now() - 86_400_000)
  await page.getByLabel('Day').fill(String(yesterday.getUTCDate()))
  await page.getByLabel('Month').fill(String(yesterday.getUTCMonth() + 1))
  await page.getByLabel('Year').fill(String(yesterday.getUTCFullYear()))
  await page.getByRole('button', { name: 'Book the appointment' }).click()
  check(await page.getByText('must be today or in the future').first().isVisible(), 'a date in the past is refused')
  await scan(page, 'appointment with an error')
  const tomorrow = new Date(Date.now() + 86_400_000)
  await page.getByLabel('Day').fill(String(tomorrow.getUTCDate()))
  await page.getByLabel('Month').fill(String(tomorrow.getUTCMonth() + 1))
  await page.getByLabel('Year').fill(String(tomorrow.getUTCFullYear()))
  await page.getByRole('button', { name: 'Book the appointment' }).click()
  check(await page.getByText('The appointment is booked').isVisible(), 'booked')

  // The first item, fitted with a photo; first without the standard (refused).
  await page.getByRole('link', { name: 'Record fitting of Anti-snap cylinder lock' }).click()
  await scan(page, 'item')
  const photo = join(dir, 'cylinder.png')
  writeFileSync(photo, PNG)
  await page.getByLabel('Photo of the fitted item (optional)').setInputFiles(photo)
  await page.getByRole('button', { name: 'Record as fitted' }).click()
  check((await title(page)).startsWith('Error: '), 'fitted without the standard is refused')
  await scan(page, 'item with an error')
  await page.getByLabel('Standard marked on the product').fill('TS007 3*')
  await page.getByLabel('Photo of the fitted item (optional)').setInputFiles(photo)
  await page.getByRole('button', { name: 'Record as fitted' }).click()
  check(await page.getByText('The item is recorded as fitted').isVisible(), 'the first item is fitted')
  // A file that is not an image, for the second item: refused.
  await page.getByRole('link', { name: 'Record fitting of Door chain' }).click()
  const notImage = join(dir, 'notes.png')
  writeFileSync(notImage, '%PDF-1.7 not an image')
  await page.getByLabel('Standard marked on the product').fill('BS 7087')
  await page.getByLabel('Photo of the fitted item (optional)').setInputFiles(notImage)
  await page.getByRole('button', { name: 'Record as fitted' }).click()
  check(await page.getByText('The file is not a photo').first().isVisible(), 'a file that is not an image is refused')
  await page.getByLabel('Standard marked on the product').fill('BS 7087')
  await page.getByRole('button', { name: 'Record as fitted' }).click()
  check(await page.getByText('Fitted', { exact: true }).first().isVisible(), 'the order is fitted')
  await scan(page, 'work order, fitted')

  // The work order PDF.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download the work order (PDF)' }).click(),
  ])
  check(download.suggestedFilename() === `${order.number}.pdf`, `the PDF downloads (${download.suggestedFilename()})`)
  const pdfPath = await download.path()
  check(readFileSync(pdfPath).subarray(0, 4).toString() === '%PDF', 'it is a PDF')

  // A page that does not exist, and another firm's order: not found.
  await page.goto(`${base}/portal/orders/${randomUUID()}`)
  check((await title(page)).startsWith('Page not found'), 'an unknown order is not found')
  await scan(page, 'not found')
  // Going back to a form after the order moved on: the stale form is refused.
  await page.goto(`${base}/portal/orders/${order.id}/decline`)
  await page.getByLabel(/Why are you declining/).fill('Changed our mind')
  await page.getByRole('button', { name: 'Decline the work order' }).click()
  check(
    (await page.getByText('Some items are already fitted').count()) > 0 || (await title(page)).includes('cannot'),
    'a fitted order cannot be declined',
  )
  await scan(page, 'refusal')

  await page.getByRole('button', { name: 'Sign out' }).click()
  check(await page.getByText('You have signed out.').isVisible(), 'signed out')
  await page.goto(`${base}/portal/orders`)
  check(page.url().startsWith(`${base}/portal/sign-in`), 'signed out means signed out')

  // The second user has a second factor: the code page.
  await page.getByLabel('Email address').fill(SECOND.email)
  await page.getByLabel('Password').fill(SECOND.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  check(page.url() === `${base}/portal/sign-in/code`, 'a TOTP user is asked for the code')
  await scan(page, 'security code')
  await page.getByLabel('Security code').fill('000000')
  await page.getByRole('button', { name: 'Continue' }).click()
  check((await title(page)).startsWith('Error: '), 'a wrong code is refused')
  await scan(page, 'security code with an error')
  await context.clearCookies()

  // The third has an initial password: the page that replaces it.
  await page.goto(`${base}/portal/sign-in`)
  await page.getByLabel('Email address').fill('new@quillon.example')
  await page.getByLabel('Password').fill(initial)
  await page.getByRole('button', { name: 'Sign in' }).click()
  check(page.url() === `${base}/portal/password`, 'an initial password must be replaced')
  await scan(page, 'new password')
  await page.getByLabel('New password', { exact: true }).fill('short')
  await page.getByRole('button', { name: 'Save password' }).click()
  await scan(page, 'new password with an error')
  await context.clearCookies()

  // Every page the portal has was scanned, in its normal and its error state.
  const expected = [
    'sign in', 'sign in with an error', 'security code', 'security code with an error',
    'new password', 'new password with an error', 'work orders', 'work orders by status',
    'work orders, none in the status', 'work order, new', 'work order, accepted',
    'work order, fitted', 'decline', 'decline with an error', 'appointment',
    'appointment with an error', 'item', 'item with an error', 'not found', 'refusal',
  ]
  check(expected.every((p) => scanned.has(p)), `every page scanned (${scanned.size})`)

  // The officer's laptop pulls, and finds the order fitted, made by the hub for the fitter.
  const pull = await (await fetch(`${base}/v1/pull?after=${cursor}&limit=1000`, { headers: bearer })).json()
  const changes = pull.entries.map((e) => e.change).filter((c) => c && c.entity_id === order.id)
  check(changes.length === 4, `the officer pulled the fitter's 4 changes (${changes.length})`)
  const laptop = { ...order }
  for (const change of changes) Object.assign(laptop, change.fields)
  check(laptop.status === 'fitted', `the officer's copy says fitted (${laptop.status})`)
  check(laptop.appointment_date === isoDay(tomorrow), 'with the appointment')
  check(laptop.items[0].product_standard === 'TS007 3*', 'and the standard fitted')
  check(/^sha256:[0-9a-f]{64}$/.test(laptop.items[0].photo_sha256 || ''), 'and the photo digest')
  check(changes.every((c) => c.device_id !== deviceId), 'made by the hub, not by a laptop')
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
console.log('\nThe contractor portal works in Chromium, and every page passes axe-core.')
