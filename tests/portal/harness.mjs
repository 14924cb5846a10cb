// What the portal's and the console's browser tests share: the hub binary and Chromium from
// run.sh, a throw-away SQLite database, the admin command line, waiting for the hub, and an
// axe-core scan that records each failure instead of stopping at the first.

import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const require = createRequire(import.meta.url)
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')

export const HUB = process.env.DOORSTEP_HUB_BIN
export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium'
if (!HUB) throw new Error('set DOORSTEP_HUB_BIN to the doorstep-hub binary (run.sh does)')

/** One test run: its temporary folder and database, and what failed so far. */
export function harness(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  const database = `sqlite:${join(dir, 'hub.db')}`
  const failures = []
  const scanned = new Set()

  function check(ok, message) {
    if (!ok) {
      failures.push(message)
      console.error(`FAIL ${message}`)
    } else {
      console.log(`ok   ${message}`)
    }
  }

  /** Runs an admin command; its stdout lines. */
  function admin(args, input) {
    const run = spawnSync(HUB, ['--database', database, 'admin', ...args], {
      input,
      encoding: 'utf8',
      env: { ...process.env, RUST_LOG: 'warn' },
    })
    if (run.status !== 0) throw new Error(`admin ${args.join(' ')}: ${run.stderr}`)
    return run.stdout.trim().split('\n')
  }

  /** Scans the page with axe-core; a violation is a failure named after the page. */
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
    // To look at the pages as a person sees them: SCREENSHOT_DIR=/some/dir node console.test.mjs
    if (process.env.SCREENSHOT_DIR) {
      await page.screenshot({
        path: join(process.env.SCREENSHOT_DIR, `${name.replace(/[^a-z0-9]+/gi, '-')}.png`),
        fullPage: true,
      })
    }
    check(violations.length === 0, `axe: ${name}${violations.length ? `\n     ${violations.join('\n     ')}` : ''}`)
  }

  return { dir, database, failures, scanned, check, admin, scan }
}

/** A loopback port nothing listens on now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** Waits until the hub at `base` answers its health check. */
export async function waitForHealth(base) {
  for (let i = 0; i < 100; i++) {
    try {
      const reply = await fetch(`${base}/v1/health`)
      if (reply.ok) return
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('the hub did not start')
}

/** The page's title. */
export async function title(page) {
  return page.title()
}
