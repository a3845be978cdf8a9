// Shared pieces of the end-to-end tests: the real signet binary on a fresh
// SQLite data directory, a small API client for setting scenes up (the
// browser does the steps under test), Chromium through playwright-core, and
// screenshots plus an axe check for every screen.
//
// Environment:
//   SIGNET_BIN       the binary, built with the web app (`make build`);
//                    default ../bin/signet, relative to frontend/
//   E2E_HEADED=1     show the browser (needs a display)
//   E2E_TIMING=1     print how long each screenshot and axe check took
//   E2E_AXE=report   print axe violations without failing (never in CI)
//   E2E_WEB_DIR      serve this built app (vite build --outDir DIR) instead
//                    of the one in the binary (SIGNET_WEB_DIR)
import { spawn, execFile } from 'node:child_process'
import { createWriteStream, existsSync } from 'node:fs'
import { access, mkdir, mkdtemp, rm, writeFile, constants } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { deflateSync } from 'node:zlib'
import { chromium } from 'playwright-core'
import { AxeBuilder } from '@axe-core/playwright'

const execFileP = promisify(execFile)

export const FRONTEND = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const ARTIFACTS = join(FRONTEND, 'e2e', 'artifacts')
export const SIGNET_BIN = resolve(FRONTEND, process.env.SIGNET_BIN || '../bin/signet')
export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium'

// The platform operator made with `signet admin create-operator` before
// the server starts.
export const OPS = { email: 'ops@e2e.test', password: 'e2e operator password' }

// What `POST /api/dev/demo` makes (app/demo.go).
export const DEMO = {
  company: '示例科技有限公司',
  ownerMobile: '+8613800000001',
  signerMobile: '+8613800000002',
  signerName: '王五',
  signerID: '360426199101010071',
  pin: '246810',
}

// ---------------------------------------------------------------- server

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer()
    s.on('error', rej)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => res(port))
    })
  })
}

// cleanEnv is this process's environment without any SIGNET_* setting
// (make test exports some for the Go tests), so only ours reach the server.
function cleanEnv() {
  const env = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SIGNET_')) env[k] = v
  return env
}

const running = new Set()
process.on('exit', () => {
  // A crashed test file must not leave its server behind.
  for (const p of running) p.kill('SIGKILL')
})

// startServer creates the operator, starts `signet serve` on a free port
// and a fresh data directory, and waits until /readyz answers 200. Its log
// goes to artifacts/server-<name>.log. env adds settings of the test's own
// (e.g. SIGNET_WEBHOOK_ALLOW_LOOPBACK for a receiver on 127.0.0.1).
export async function startServer(name, { env: extra = {} } = {}) {
  try {
    await access(SIGNET_BIN, constants.X_OK)
  } catch {
    throw new Error(`no signet binary at ${SIGNET_BIN}: build it with the web app (make build), or set SIGNET_BIN`)
  }
  await mkdir(ARTIFACTS, { recursive: true })
  const dataDir = await mkdtemp(join(tmpdir(), 'signet-e2e-'))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const env = {
    ...cleanEnv(),
    SIGNET_DATA_DIR: dataDir,
    SIGNET_ADDR: `127.0.0.1:${port}`,
    SIGNET_PUBLIC_URL: url,
    SIGNET_ARGON2_MEMORY_KIB: '1024',
    SIGNET_ARGON2_TIME: '1',
    SIGNET_AUTH_RATE_PER_MIN: '100000',
    SIGNET_LOG_FORMAT: 'text',
    ...(process.env.E2E_WEB_DIR ? { SIGNET_WEB_DIR: resolve(process.env.E2E_WEB_DIR) } : {}),
    ...extra,
  }
  const logPath = join(ARTIFACTS, `server-${name}.log`)
  const log = createWriteStream(logPath)
  // The local vault is locked by one process at a time: the operator is
  // made before the server starts.
  const op = await execFileP(SIGNET_BIN, ['admin', 'create-operator', '-email', OPS.email, '-name', 'Ops'], {
    env: { ...env, SIGNET_OPERATOR_PASSWORD: OPS.password },
  })
  log.write(`$ signet admin create-operator\n${op.stdout}${op.stderr}\n$ signet serve\n`)

  const proc = spawn(SIGNET_BIN, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(proc)
  proc.stdout.pipe(log, { end: false })
  proc.stderr.pipe(log, { end: false })
  const exited = new Promise((res) => proc.on('exit', (code, signal) => res({ code, signal })))
  let dead = null
  exited.then((e) => {
    dead = e
    running.delete(proc)
  })

  try {
    const deadline = Date.now() + 30_000
    for (;;) {
      if (dead) throw new Error(`signet serve exited (${dead.code ?? dead.signal}) before it was ready; see ${logPath}`)
      try {
        const r = await fetch(`${url}/readyz`)
        if (r.status === 200) break
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`signet serve was not ready within 30s; see ${logPath}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  } catch (e) {
    proc.kill('SIGKILL')
    await exited
    log.end()
    await rm(dataDir, { recursive: true, force: true })
    throw e
  }

  return {
    url,
    dataDir,
    logPath,
    api: new Api(url),
    async stop() {
      if (!dead) {
        proc.kill('SIGTERM')
        const t = setTimeout(() => proc.kill('SIGKILL'), 10_000)
        await exited
        clearTimeout(t)
      }
      log.end()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}

// ---------------------------------------------------------------- API

// ApiError carries the problem+json answer of a failed call.
export class ApiError extends Error {
  constructor(method, path, status, body) {
    super(`${method} ${path}: ${status} ${typeof body === 'string' ? body : JSON.stringify(body)}`)
    this.status = status
    this.body = body
  }
}

// Api is the small client the tests set scenes up with.
export class Api {
  constructor(base) {
    this.base = base
  }

  // call sends JSON (or FormData) and returns the parsed answer; any
  // status outside want throws ApiError.
  async call(method, path, { token, body, want } = {}) {
    const headers = {}
    if (token) headers.Authorization = `Bearer ${token}`
    let payload
    if (body instanceof FormData) payload = body
    else if (body !== undefined) {
      headers['Content-Type'] = 'application/json'
      payload = JSON.stringify(body)
    }
    const r = await fetch(this.base + path, { method, headers, body: payload })
    const text = await r.text()
    let data = text
    try {
      data = text ? JSON.parse(text) : null
    } catch {
      // not JSON
    }
    const ok = want ? [want].flat().includes(r.status) : r.status >= 200 && r.status < 300
    if (!ok) throw new ApiError(method, path, r.status, data)
    return data
  }

  async bytes(path, token) {
    const r = await fetch(this.base + path, { headers: token ? { Authorization: `Bearer ${token}` } : {} })
    if (!r.ok) throw new ApiError('GET', path, r.status, await r.text())
    return Buffer.from(await r.arrayBuffer())
  }

  signup(company_name, name, email, password) {
    return this.call('POST', '/api/signup', { body: { company_name, name, email, password } })
  }

  async login(email, password) {
    return (await this.call('POST', '/api/auth/login', { body: { email, password } })).access_token
  }

  // demo makes (or reuses) the demo company and sends a new sample
  // contract (app/demo.go): {contract_id, signing_link, owner_email, ...}.
  demo(opts = {}) {
    return this.call('POST', '/api/dev/demo', { body: opts, want: 201 })
  }

  // sms is the texts the console sender "sent", newest first.
  async sms(after = 0) {
    return (await this.call('GET', `/api/dev/sms${after ? `?after=${after}` : ''}`)).items ?? []
  }

  // lastSeq is the newest text's number, to wait for texts sent after it.
  async lastSeq() {
    return (await this.sms())[0]?.seq ?? 0
  }

  // waitText polls for the newest text to mobile after afterSeq whose body
  // matches re, and returns the match.
  async waitText(mobile, re, afterSeq = 0, { timeout = 10_000, stripLinks = false } = {}) {
    const deadline = Date.now() + timeout
    for (;;) {
      for (const m of await this.sms(afterSeq)) {
        if (m.to !== mobile) continue
        const found = (stripLinks ? m.body.replace(/https?:\/\/\S+/g, '') : m.body).match(re)
        if (found) return found
      }
      if (Date.now() > deadline) throw new Error(`no text to ${mobile} matching ${re} after #${afterSeq} within ${timeout} ms`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  // lastCode is the six-digit code of the newest text to mobile after afterSeq.
  async lastCode(mobile, afterSeq = 0) {
    return (await this.waitText(mobile, /\b(\d{6})\b/, afterSeq, { stripLinks: true }))[1]
  }

  // lastLink is the signing link's token in the newest text to mobile.
  async lastLink(mobile, afterSeq = 0) {
    return (await this.waitText(mobile, /\/s\/([A-Za-z0-9_-]{43})/, afterSeq))[1]
  }

  // linkSession signs a link's signer (texted at mobile) in through the
  // API, as the link's page would: the session JSON.
  async linkSession(token, mobile) {
    const seq = await this.lastSeq()
    await this.call('POST', `/api/links/${token}/login-code`, { want: 202 })
    const code = await this.lastCode(mobile, seq)
    return this.call('POST', `/api/links/${token}/login`, { body: { code } })
  }
}

// ---------------------------------------------------------------- browser

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]

export async function launch() {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (Debian: apt-get install chromium)`)
  return chromium.launch({ executablePath: CHROMIUM, headless: !process.env.E2E_HEADED, args: CHROMIUM_ARGS })
}

export const PHONE = {
  viewport: { width: 390, height: 844 },
  isMobile: true,
  hasTouch: true,
  deviceScaleFactor: 2,
  locale: 'zh-CN',
  timezoneId: 'Asia/Shanghai',
  userAgent:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36',
  acceptDownloads: true,
}

export const DESKTOP = {
  viewport: { width: 1366, height: 900 },
  locale: 'zh-CN',
  timezoneId: 'Asia/Shanghai',
  acceptDownloads: true,
}

// newContext opens a context whose pages report console errors and failed
// requests to the test's log, and tags them phone or desktop.
export async function newContext(browser, kind, base) {
  const ctx = await browser.newContext({ ...(kind === 'phone' ? PHONE : DESKTOP), baseURL: base })
  ctx.setDefaultTimeout(15_000)
  ctx.on('page', (p) => watchPage(p, kind))
  ctx.kind = kind
  return ctx
}

function watchPage(page, kind) {
  page.kind = kind
  trackPage(page)
  page.on('console', (m) => {
    if (m.type() === 'error') console.log(`[${kind} console] ${m.text()}`)
  })
  page.on('pageerror', (e) => console.log(`[${kind} page error] ${e.message}`))
}

export async function newPage(ctx) {
  const page = await ctx.newPage()
  page.kind ??= ctx.kind
  return page
}

const openPages = new Set()

function trackPage(page) {
  openPages.add(page)
  page.on('close', () => openPages.delete(page))
}

// journey wraps a test: when it fails, every open page is photographed
// (artifacts/failed-<n>-<kind>.png) before the error is reported.
export function journey(fn) {
  return async (t) => {
    try {
      await fn(t)
    } catch (e) {
      let n = 0
      for (const p of openPages) {
        const file = join(ARTIFACTS, `failed-${slug(t.name)}-${++n}-${p.kind}.png`)
        await p.screenshot({ path: file, fullPage: true, timeout: 5000 }).catch(() => {})
        console.log(`failed: ${p.url()} -> ${file}`)
      }
      throw e
    }
  }
}

const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40)

// byTestID is the locator of data-testid=id.
export const tid = (page, id) => page.getByTestId(id)

// screen saves a full-page screenshot as artifacts/<nn>-<name>-<kind>.png
// and runs the axe check. A screen that fails axe does not stop the
// journey: its violations are printed now and collected, and
// assertAccessible fails the test at its end with all of them.
export async function screen(page, nn, name) {
  const file = join(ARTIFACTS, `${String(nn).padStart(2, '0')}-${name}-${page.kind}.png`)
  // From the top, so a sticky header is not pictured mid-page.
  await page.evaluate(() => window.scrollTo(0, 0))
  const t0 = performance.now()
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' })
  const t1 = performance.now()
  try {
    await axeCheck(page, `${name} (${page.kind})`)
  } catch (e) {
    console.log(e.message)
    inaccessible.push(e.message)
  }
  if (process.env.E2E_TIMING) console.log(`screen ${name} (${page.kind}): screenshot ${Math.round(t1 - t0)} ms, axe ${Math.round(performance.now() - t1)} ms`)
  return file
}

const inaccessible = []

// clearAccessible forgets collected violations (after a failed test,
// whose log has them already).
export function clearAccessible() {
  inaccessible.length = 0
}

// assertAccessible fails if any screen since the last call failed axe.
// E2E_AXE=report only prints them (for working on the journey itself
// while known violations wait for a fix; CI never sets it).
export function assertAccessible() {
  const found = inaccessible.splice(0)
  if (found.length && process.env.E2E_AXE === 'report') {
    console.log(`E2E_AXE=report: ${found.length} screen(s) failed the axe check; not failing the test`)
    return
  }
  if (found.length) throw new Error(`${found.length} screen(s) failed the axe check:\n${found.join('\n')}`)
}

// axeCheck fails when axe finds a serious or critical violation; lesser
// ones are printed.
export async function axeCheck(page, name) {
  // Only violations are reported in full: axe runs several times faster.
  const res = await new AxeBuilder({ page }).options({ resultTypes: ['violations'] }).analyze()
  const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  const minor = res.violations.filter((v) => !bad.includes(v))
  const describe = (v) =>
    `  ${v.id} [${v.impact}] ${v.help} (${v.helpUrl.replace(/\?.*$/, '')})\n` +
    v.nodes.map((n) => `    ${n.target.join(' ')}${n.failureSummary ? `\n      ${n.failureSummary.replace(/\n/g, '\n      ')}` : ''}`).join('\n')
  if (minor.length) console.log(`axe ${name}: minor issues:\n${minor.map(describe).join('\n')}`)
  if (bad.length) throw new Error(`axe ${name}: ${bad.length} serious or critical violation(s):\n${bad.map(describe).join('\n')}`)
}

// ---------------------------------------------------------------- files

// pngFile writes a small solid-colour PNG (an "ID card photo") to dir.
export async function pngFile(dir, name, w = 320, h = 200, rgb = [200, 220, 240]) {
  return writePng(dir, name, w, h, (x, y) => (x < 6 || y < 6 || x >= w - 6 || y >= h - 6 ? [40, 80, 160] : rgb))
}

// writePng writes a w×h 8-bit RGB PNG to dir/name whose pixel at x, y is
// pixel(x, y), an [r, g, b] array, and returns its path.
export async function writePng(dir, name, w, h, pixel) {
  const raw = Buffer.alloc((w * 3 + 1) * h)
  for (let y = 0; y < h; y++) {
    const row = y * (w * 3 + 1)
    for (let x = 0; x < w; x++) raw.set(pixel(x, y), row + 1 + x * 3)
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr.set([8, 2, 0, 0, 0], 8) // 8-bit RGB
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ])
  const file = join(dir, name)
  await writeFile(file, png)
  return file
}

function chunk(type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(td))
  return Buffer.concat([len, td, crc])
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(buf) {
  let c = 0xffffffff
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

// tamper returns a copy of a signed PDF with one byte changed inside the
// first signature's signed range (never inside a /Contents value): a
// character of the PDF's binary comment line, which every revision's
// signature covers but no reader interprets.
export function tamper(pdf) {
  const m = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(pdf.toString('latin1'))
  if (!m) throw new Error('tamper: the PDF has no /ByteRange')
  const [a, b] = [Number(m[1]), Number(m[2])]
  // Line 2 of the header is usually "%" and four high bytes.
  let at = pdf.indexOf('\n%', 0, 'latin1') + 2
  if (at < 2 || at >= a + b || at > 64) {
    // Otherwise a letter in the middle of the first signed range.
    at = a + Math.floor(b / 2)
    while (at < a + b && !/[A-Za-z]/.test(String.fromCharCode(pdf[at]))) at++
  }
  const out = Buffer.from(pdf)
  out[at] ^= 0x01
  return { pdf: out, offset: at }
}

export async function tempDir(prefix = 'signet-e2e-files-') {
  return mkdtemp(join(tmpdir(), prefix))
}

// pollUntil calls f until it returns a truthy value or the time is up.
export async function pollUntil(f, what, timeout = 10_000, every = 100) {
  const deadline = Date.now() + timeout
  for (;;) {
    const v = await f()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, every))
  }
}

// tool runs a command line tool, if present, and returns its output.
export async function tool(bin, args) {
  if (!existsSync(bin)) return null
  try {
    const r = await execFileP(bin, args, { maxBuffer: 16 << 20 })
    return { ok: true, out: r.stdout + r.stderr }
  } catch (e) {
    return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}` || String(e) }
  }
}
