// The company console's integration screens, in the browser against the
// real server: a template made from the demo PDF and a contract sent from
// it; a bulk send from a CSV with one bad row; an API key whose secret is
// shown once; an auto-stamp authorisation and a stamp batch stamped and
// downloaded; a webhook endpoint that receives a signed test delivery from
// the server, seen in the delivery log and redelivered. Every screen is
// photographed and checked with axe.
import { after, afterEach, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { assertAccessible, clearAccessible, journey, launch, newContext, newPage, pollUntil, screen, startServer, tempDir, tid } from './harness.mjs'
import { fillField } from './steps.mjs'

// The company a template's contract goes to (not on Signet; reached by
// its contact's mobile), and the person who signs beside it.
const ORG = { name: '闽江贸易有限公司', uscc: '91350100M000100Y43', contact: '陈静', mobile: '13800000009' }
const PERSON = { name: '王五', mobile: '13800000002' }

let srv, api, browser, files, ctx, page, hook
const s = {}

before(async () => {
  // The server accepts a webhook URL on 127.0.0.1 only when told to.
  srv = await startServer('console-integrations', { env: { SIGNET_WEBHOOK_ALLOW_LOOPBACK: 'true' } })
  api = srv.api
  browser = await launch()
  files = await tempDir()
  const demo = await api.demo()
  s.email = demo.owner_email
  s.password = demo.owner_password
  s.owner = await api.login(demo.owner_email, demo.owner_password)
  const k = await api.call('GET', `/api/contracts/${demo.contract_id}`, { token: s.owner })
  s.pdf = await api.bytes(`/api/files/${k.documents[0].id}/pdf?version=original`, s.owner)
  s.pdfPath = join(files, '采购合同模板.pdf')
  await writeFile(s.pdfPath, s.pdf)
  hook = await webhookReceiver()

  ctx = await newContext(browser, 'desktop', srv.url)
  page = await newPage(ctx)
  await login(page, '/app/templates')
})

afterEach(clearAccessible)

after(async () => {
  await browser?.close()
  await srv?.stop()
  await hook?.close()
  if (files) await rm(files, { recursive: true, force: true })
})

function need(t, ...keys) {
  const missing = keys.filter((k) => !s[k])
  if (missing.length) t.skip(`an earlier step failed (no ${missing.join(', ')})`)
  return missing.length === 0
}

// login signs the demo owner in through the login page and lands on next.
async function login(p, next) {
  await p.goto(`/login?next=${encodeURIComponent(next)}`)
  await fillField(p, 'login-email', s.email)
  await fillField(p, 'login-password', s.password)
  await tid(p, 'login-submit').click()
  await p.waitForURL((u) => u.pathname === next)
}

// webhookReceiver is a small HTTP server on 127.0.0.1 that answers 200 and
// keeps every request it got.
async function webhookReceiver() {
  const got = []
  const server = createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks) })
      res.writeHead(200, { 'Content-Type': 'text/plain' })
      res.end('ok')
    })
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${server.address().port}/signet-hook`, got, close: () => new Promise((r) => server.close(r)) }
}

// input is the text input of the nth element with data-testid id within
// scope, whether the test id sits on the input or on a component wrapping it.
async function input(scope, id, n = 0) {
  const el = scope.getByTestId(id).nth(n)
  const tag = await el.evaluate((e) => e.tagName)
  return tag === 'INPUT' || tag === 'TEXTAREA' ? el : el.locator('input, textarea').first()
}

async function fillNth(scope, id, n, value) {
  await (await input(scope, id, n)).fill(value)
}

// atSize photographs the page at 1024x768 too, then goes back.
async function atSize(p, nn, name) {
  await p.setViewportSize({ width: 1024, height: 768 })
  await screen(p, nn, `${name}-1024`)
  await p.setViewportSize({ width: 1440, height: 900 })
}

// ---------------------------------------------------------------- steps
// Steps of these screens, written so that the main scenario can use them
// (they belong in steps.mjs once they are shared).

// createTemplate makes a template on /app/templates/new from the PDF at
// pdfPath, with fill fields [{ name, x, y }] on page 1 and roles
// [{ name, x }]: the first role stamps as an organisation, the others sign
// as people (the form's defaults). It lands on the template's page and
// returns its path.
async function createTemplate(p, { name, pdfPath, fill = [], roles }, shoot) {
  await p.goto('/app/templates/new')
  await fillField(p, 'template-name', name)
  await tid(p, 'template-file').setInputFiles(pdfPath)
  for (const [i, f] of fill.entries()) {
    if (i > 0) await tid(p, 'fill-add').click()
    await fillNth(p, 'fill-name', i, f.name)
    if (f.x !== undefined) await fillNth(p, 'fill-x', i, String(f.x))
    if (f.y !== undefined) await fillNth(p, 'fill-y', i, String(f.y))
  }
  if (!fill.length) await p.getByRole('button', { name: /删除|Remove/ }).first().click()
  for (const [i, r] of roles.entries()) {
    if (i > 0) await tid(p, 'role-add').click()
    await fillNth(p, 'role-name', i, r.name)
    if (r.x !== undefined) await fillNth(p, 'role-x', i, String(r.x))
    if (r.y !== undefined) await fillNth(p, 'role-y', i, String(r.y))
  }
  if (shoot) await shoot()
  await tid(p, 'template-submit').click()
  await p.waitForURL(/\/app\/templates\/[0-9a-f-]{36}$/)
  return new URL(p.url()).pathname
}

// sendFromTemplate fills the template page's send form, values by fill
// field name and parties by role ({ org_name, org_uscc, name, mobile }),
// sends, and returns the new contract's id.
async function sendFromTemplate(p, values, parties) {
  for (const [k, v] of Object.entries(values)) await fillField(p, `send-value-${k}`, v)
  for (const [role, party] of Object.entries(parties)) {
    const box = p.locator(`[data-testid="send-party"][data-role="${role}"]`)
    for (const [attr, v] of Object.entries(party)) await fillNth(box, `send-party-${attr}`, 0, v)
  }
  await tid(p, 'send-submit').click()
  await tid(p, 'send-result').waitFor({ timeout: 20_000 })
  return (await tid(p, 'send-contract-link').getAttribute('href')).split('/').pop()
}

// bulkSend uploads the CSV at csvPath on the template page and returns
// each row's outcome: { row, ok, contractID, error }.
async function bulkSend(p, csvPath) {
  await tid(p, 'bulk-file').setInputFiles(csvPath)
  await tid(p, 'bulk-submit').click()
  await tid(p, 'bulk-result').waitFor({ timeout: 30_000 })
  const out = []
  for (const r of await tid(p, 'bulk-row').all()) {
    const ok = (await r.getAttribute('data-ok')) === 'true'
    out.push({
      row: Number(await r.getAttribute('data-row')),
      ok,
      contractID: ok ? (await r.getByTestId('bulk-contract-link').innerText()).trim() : '',
      error: ok ? '' : await r.getByTestId('bulk-row-error').innerText(),
    })
  }
  return out
}

// createApiKey makes an API key on /app/automation with the given scopes
// and returns its secret, read from the shown-once dialog (left open, for
// a photograph; closeSecret closes it).
async function createApiKey(p, name, scopes, shoot) {
  await tid(p, 'key-new').click()
  await fillField(p, 'key-name', name)
  for (const sc of scopes) await tid(p, `key-scope-${sc}`).click()
  if (shoot) await shoot()
  await tid(p, 'key-create').click()
  await tid(p, 'secret-value').waitFor()
  return tid(p, 'secret-value').inputValue()
}

async function closeSecret(p) {
  await tid(p, 'secret-close').click()
  await tid(p, 'secret-dialog').waitFor({ state: 'hidden' })
}

// authoriseOwnersToAutoStamp grants the owners' role auto-stamping with
// the first company seal on /app/automation, for a year.
async function authoriseOwnersToAutoStamp(p, shoot) {
  await tid(p, 'auto-new').click()
  await tid(p, 'auto-who-role').click()
  if (shoot) await shoot()
  await tid(p, 'auto-grant').click()
  await p.locator('[data-testid="auto-row"][data-state="active"]').first().waitFor()
}

// stampBatch uploads PDFs on /app/automation with the first company seal
// and waits on the batch page until the batch is done.
async function stampBatch(p, paths, shoot) {
  await tid(p, 'batch-files').setInputFiles(paths)
  if (shoot) await shoot()
  await tid(p, 'batch-submit').click()
  await p.waitForURL(/\/app\/automation\/batches\/[0-9a-f-]{36}$/)
  await p.locator('[data-testid="batch"][data-state="done"]').waitFor({ timeout: 60_000 })
}

// createWebhook registers an endpoint on /app/webhooks for the given
// event patterns (such as "contract.*" or "seal.used") and returns its
// signing secret from the shown-once dialog (left open).
async function createWebhook(p, url, events, description = '', shoot) {
  await tid(p, 'webhook-new').click()
  await fillField(p, 'webhook-url', url)
  if (description) await fillField(p, 'webhook-description', description)
  for (const e of events) await tid(p, e === '*' ? 'webhook-event-all' : `webhook-event-${e}`).click()
  if (shoot) await shoot()
  await tid(p, 'webhook-save').click()
  await tid(p, 'secret-value').waitFor()
  return tid(p, 'secret-value').inputValue()
}

test('a template is made from a PDF and a contract is sent from it', journey(async () => {
  await page.setViewportSize({ width: 1440, height: 900 })
  await tid(page, 'templates-empty').waitFor()
  await screen(page, 90, 'templates-empty')
  await tid(page, 'template-new').click()
  await page.waitForURL(/\/app\/templates\/new$/)

  // One fill field (the amount) and two roles: the buyer stamps, a person signs.
  s.templateURL = await createTemplate(page, {
    name: '采购合同模板',
    pdfPath: s.pdfPath,
    fill: [{ name: '金额', x: 400, y: 740 }],
    roles: [{ name: '甲方' }, { name: '乙方', x: 330 }],
  }, async () => {
    await screen(page, 91, 'template-new')
    await atSize(page, 91, 'template-new')
  })

  const id = await sendFromTemplate(page, { 金额: '人民币伍万元整' }, {
    甲方: { org_name: ORG.name, org_uscc: ORG.uscc, name: ORG.contact, mobile: ORG.mobile },
    乙方: { name: PERSON.name, mobile: PERSON.mobile },
  })
  assert.equal(await tid(page, 'send-contract-link').getAttribute('href'), `/app/contracts/${id}`)
  const contract = await api.call('GET', `/api/contracts/${id}`, { token: s.owner })
  assert.equal(contract.title, '采购合同模板')
  assert.equal(contract.state, 'in_progress')
  assert.deepEqual(contract.parties.map((x) => x.kind).sort(), ['organization', 'person'])
  await screen(page, 92, 'template-sent')
  s.template = true
  assertAccessible()
}))

test('a bulk send reports each row, a bad one with its error', journey(async (t) => {
  if (!need(t, 'template')) return
  // The header offered for download is the template's columns.
  const [download] = await Promise.all([page.waitForEvent('download'), tid(page, 'bulk-header').click()])
  const header = (await readFile(await download.path(), 'utf8')).replace(/^\ufeff/, '').trim()
  assert.equal(header, 'title,金额,甲方.org_name,甲方.org_uscc,甲方.name,甲方.mobile,乙方.name,乙方.mobile')
  const csv = [
    header,
    `批量合同一,人民币壹万元整,${ORG.name},${ORG.uscc},${ORG.contact},${ORG.mobile},${PERSON.name},${PERSON.mobile}`,
    `批量合同二,人民币贰万元整,${ORG.name},${ORG.uscc},${ORG.contact},${ORG.mobile},${PERSON.name},12345`,
  ].join('\r\n')
  const csvPath = join(files, 'bulk.csv')
  await writeFile(csvPath, csv)
  const rows = await bulkSend(page, csvPath)
  assert.deepEqual(rows.map((r) => [r.row, r.ok]), [[2, true], [3, false]])
  assert.match(rows[0].contractID, /^[0-9a-f-]{36}$/)
  assert.match(rows[1].error, /乙方\.mobile/)
  await tid(page, 'bulk-result').scrollIntoViewIfNeeded()
  await screen(page, 93, 'template-bulk')
  await atSize(page, 93, 'template-bulk')

  await page.goto('/app/templates')
  await tid(page, 'template-row').first().waitFor()
  await screen(page, 90, 'templates')
  assertAccessible()
}))

test('an API key is made and its secret shown once', journey(async () => {
  await page.goto('/app/automation')
  await tid(page, 'keys-empty').waitFor()
  await screen(page, 94, 'automation-empty')
  const secret = await createApiKey(page, 'ERP 系统', ['seals:use', 'contracts:read'], () => screen(page, 94, 'automation-key-form'))
  assert.match(secret, /^sgk_/)
  await screen(page, 95, 'automation-key-secret')
  await closeSecret(page)
  assert.ok(!(await page.content()).includes(secret), 'the secret is gone once the dialog is closed')
  const row = tid(page, 'key-row').first()
  assert.equal(await row.getAttribute('data-state'), 'active')
  assert.ok(secret.startsWith((await row.locator('.ig-mono').innerText()).replace('…', '')))
  // The key works with the secret it was shown with.
  const r = await fetch(`${srv.url}/api/contracts`, { headers: { Authorization: `Bearer ${secret}` } })
  assert.equal(r.status, 200)
  s.key = true
  assertAccessible()
}))

test('an auto-stamp authorisation lets a batch of PDFs be stamped', journey(async () => {
  await page.goto('/app/automation')
  await authoriseOwnersToAutoStamp(page, () => screen(page, 96, 'automation-authorise'))
  const a = join(files, '营业执照副本.pdf')
  const b = join(files, '收据.pdf')
  await writeFile(a, s.pdf)
  await writeFile(b, s.pdf)
  await stampBatch(page, [a, b], async () => {
    await screen(page, 96, 'automation')
    await atSize(page, 96, 'automation')
  })
  assert.equal(await page.locator('[data-testid="batch-item"][data-state="done"]').count(), 2)
  await screen(page, 97, 'stamp-batch-done')
  const [download] = await Promise.all([page.waitForEvent('download'), tid(page, 'batch-download').first().click()])
  const pdf = await readFile(await download.path())
  assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-')
  assert.ok(pdf.includes('/ByteRange'), 'the downloaded PDF is signed')
  assertAccessible()
}))

test('a webhook endpoint receives a signed test delivery, seen in its log', journey(async () => {
  await page.goto('/app/webhooks')
  await tid(page, 'webhooks-empty').waitFor()
  await screen(page, 98, 'webhooks-empty')
  const secret = await createWebhook(page, hook.url, ['contract.*', 'seal.used'], '订单系统', () => screen(page, 98, 'webhook-form'))
  assert.match(secret, /^whsec_/)
  await screen(page, 98, 'webhook-secret')
  await closeSecret(page)
  await tid(page, 'webhook-row').first().waitFor()
  await screen(page, 98, 'webhooks')
  await atSize(page, 98, 'webhooks')

  await tid(page, 'webhook-test').first().click()
  await page.waitForURL(/\/app\/webhooks\/[0-9a-f-]{36}$/)
  const got = await pollUntil(() => hook.got.find((r) => r.headers['signet-event-type'] === 'webhook.test'), 'the test delivery', 20_000)
  const sig = got.headers['signet-signature']
  assert.ok(sig, 'the delivery carries a Signet-Signature header')
  const ts = /t=(\d+)/.exec(sig)[1]
  const want = createHmac('sha256', secret).update(`${ts}.`).update(got.body).digest('hex')
  assert.ok(sig.split(',').includes(`v1=${want}`), 'the signature is made with the secret shown')

  const delivery = page.locator('[data-testid="delivery"][data-event="webhook.test"]').first()
  await page.locator('[data-testid="delivery"][data-state="delivered"]').first().waitFor({ timeout: 20_000 })
  await delivery.getByTestId('delivery-toggle').click()
  assert.equal(await delivery.getByTestId('attempt-status').first().innerText(), '200')
  await screen(page, 99, 'webhook-log')

  const before = hook.got.length
  await delivery.getByTestId('delivery-redeliver').click()
  await pollUntil(() => hook.got.length > before, 'the redelivery', 20_000)
  await atSize(page, 99, 'webhook-log')
  assertAccessible()
}))

test('the screens read in English too', journey(async (t) => {
  if (!need(t, 'template')) return
  await page.goto(s.templateURL)
  await page.locator('.locale-switch').click()
  await tid(page, 'send-form').waitFor()
  await screen(page, 92, 'template-en')
  await page.goto('/app/automation')
  await tid(page, 'key-row').first().waitFor()
  await screen(page, 96, 'automation-en')
  await page.goto('/app/webhooks')
  await tid(page, 'webhook-row').first().waitFor()
  await tid(page, 'webhook-open').first().click()
  await tid(page, 'delivery').first().waitFor()
  await screen(page, 99, 'webhook-log-en')
  await page.locator('.locale-switch').click()
  assertAccessible()
}))
