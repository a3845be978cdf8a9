// The new-contract editor in Chromium: a member of the demo company opens
// /app/contracts/new, is told what is missing, uploads a three-page PDF
// (an A4 page, one whose crop box does not start at 0,0, a rotated one),
// adds a person, another company and its own company as signers, orders
// them, drags their fields onto the pages, moves one with the keyboard,
// turns on a cross-page seal, and sends. The API then has every field on
// the page and at the point (in PDF points) where it was dropped. A second
// journey shows the API's field errors next to the right control and that
// a draft is saved. Screens 100-109, at 1440×900 and 1024×768.
import { after, afterEach, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { DEMO, assertAccessible, clearAccessible, journey, launch, newContext, newPage, screen, startServer, tempDir, tid } from './harness.mjs'
import { fillField } from './steps.mjs'
import {
  THREE_PAGES, addOrgSigner, docxFile, addPersonSigner, expectedField, placeField, send, setOrder, threePagePdf, toggleCrossPage, uploadDocuments,
} from './steps-editor.mjs'

const SEAL = (42 * 72) / 25.4
const PERSON = { name: '王五', mobile: '13800000002' }
const ORG = { name: '闽江贸易有限公司', uscc: '91350100M000100Y43', contact: '陈静', mobile: '13800000009' }

let srv, api, browser, files
const s = {}

before(async () => {
  srv = await startServer('editor')
  api = srv.api
  browser = await launch()
  files = await tempDir()
  s.demo = await api.demo({})
  s.owner = await api.login(s.demo.owner_email, s.demo.owner_password)
  s.pdf = await threePagePdf(join(files, 'supply-agreement.pdf'))
})

afterEach(clearAccessible)

after(async () => {
  await browser?.close()
  await srv?.stop()
  if (files) await rm(files, { recursive: true, force: true })
})

async function signedIn(viewport) {
  const ctx = await newContext(browser, 'desktop', srv.url)
  const page = await newPage(ctx)
  await page.setViewportSize(viewport)
  await page.goto('/login')
  await fillField(page, 'login-email', s.demo.owner_email)
  await fillField(page, 'login-password', s.demo.owner_password)
  await tid(page, 'login-submit').click()
  await page.waitForURL(/\/app\//)
  await page.goto('/app/contracts/new')
  await tid(page, 'contract-editor').waitFor()
  return { ctx, page }
}

// input is the text input of a data-testid, on the input or around it.
const input = (page, id) => page.locator(`input[data-testid="${id}"], [data-testid="${id}"] input`).first()

const near = (got, want, what, tol = 2) => assert.ok(Math.abs(got - want) <= tol, `${what}: ${got} is not within ${tol} of ${want.toFixed(2)}`)

test('a member drafts a contract on the desk and sends it; the fields land where they were dropped', journey(async () => {
  const { ctx, page } = await signedIn({ width: 1440, height: 900 })
  await screen(page, 100, 'editor-empty')

  // Sending an empty contract says what is missing, next to each thing.
  await tid(page, 'editor-send').click()
  await tid(page, 'editor-error').waitFor()
  assert.match(await page.locator('#editor-title-error').innerText(), /请填写合同名称/)
  assert.match(await tid(page, 'documents-error').innerText(), /请至少上传一个文件/)
  assert.match(await tid(page, 'parties-error').innerText(), /请至少添加一个签署方/)
  assert.equal(await page.locator('#editor-title').getAttribute('aria-describedby'), 'editor-title-error')
  await screen(page, 101, 'editor-missing')

  await fillField(page, 'editor-title', '供货合同（编辑器测试）')
  await uploadDocuments(page, [s.pdf])
  assert.match(await tid(page, 'document-status').first().innerText(), /共 3 页/)

  await addPersonSigner(page, PERSON)
  await addOrgSigner(page, ORG)
  await addOrgSigner(page, { ownCompany: true })
  assert.equal(await input(page, 'signer-2-org-name').inputValue(), DEMO.company, 'our company signs under its verified name')
  // The other company first, then the person; our company signs with the person.
  await setOrder(page, [1, 0, 2])
  await tid(page, 'signer-2-parallel').click()
  const orders = await tid(page, 'signer').evaluateAll((els) => els.map((e) => Number(e.dataset.order)))
  assert.deepEqual(orders, [1, 2, 2])
  await screen(page, 102, 'editor-parties')

  // Signers now: 0 the other company, 1 the person, 2 our company.
  const drops = [
    { signer: 0, kind: 'seal', page: 1, at: { fx: 0.7, fy: 0.75 }, party: 0, size: [SEAL, SEAL] },
    { signer: 1, kind: 'signature', page: 2, at: { fx: 0.35, fy: 0.5 }, party: 1, size: [120, 48] },
    { signer: 1, kind: 'date', page: 2, at: { fx: 0.35, fy: 0.62 }, party: 1, size: [110, 16], nudge: 5 },
    { signer: 2, kind: 'seal', page: 3, at: { fx: 0.6, fy: 0.4 }, party: 2, size: [SEAL, SEAL] },
  ]
  for (const d of drops) {
    d.key = await placeField(page, d)
    if (d.nudge) {
      // Five presses of the right arrow: 2 points each.
      for (let i = 0; i < d.nudge; i++) await page.keyboard.press('ArrowRight')
    }
  }
  await toggleCrossPage(page, 0)
  assert.equal(await tid(page, 'cross-page-slice').count(), 3, 'the cross-page seal shows on each of the 3 pages')
  await tid(page, 'placement-desk').scrollIntoViewIfNeeded()
  await screen(page, 103, 'editor-desk')

  // The same screen on a 1024×768 laptop.
  await page.setViewportSize({ width: 1024, height: 768 })
  await page.waitForTimeout(400)
  await screen(page, 104, 'editor-desk-1024')
  await page.setViewportSize({ width: 1440, height: 900 })

  // In English, every text is translated.
  await page.locator('.locale-switch').click()
  await page.getByRole('heading', { name: 'New contract' }).waitFor()
  await screen(page, 105, 'editor-desk-en')
  await page.locator('.locale-switch').click()
  await page.getByRole('heading', { name: '发起合同' }).waitFor()

  const id = await send(page)
  assert.ok(id, 'the editor opened the new contract')
  await screen(page, 106, 'editor-sent')

  const k = await api.call('GET', `/api/contracts/${id}`, { token: s.owner })
  assert.equal(k.state, 'in_progress')
  const signers = k.parties.filter((p) => p.role === 'signer')
  assert.deepEqual(signers.map((p) => [p.kind, p.order]), [['organization', 1], ['person', 2], ['organization', 2]])
  assert.equal(signers[0].org_uscc, ORG.uscc)
  assert.equal(signers[1].name, PERSON.name)
  for (const d of drops) {
    const f = signers[d.party].fields.find((x) => x.kind === d.kind && x.page === d.page)
    assert.ok(f, `a ${d.kind} of signer ${d.party} on page ${d.page}: ${JSON.stringify(signers[d.party].fields)}`)
    const want = expectedField(THREE_PAGES[d.page - 1], d.at, ...d.size)
    if (d.nudge) want.x += 2 * d.nudge
    near(f.x, want.x, `${d.kind} x`)
    near(f.y, want.y, `${d.kind} y`)
    near(f.w, want.w, `${d.kind} w`, 0.5)
    near(f.h, want.h, `${d.kind} h`, 0.5)
  }
  const cross = signers[0].fields.find((x) => x.kind === 'cross_page')
  assert.ok(cross, 'the other company has a cross-page seal')
  await ctx.close()
  assertAccessible()
}))

test('a Word document is converted while the page stays usable, and a document can be removed', journey(async () => {
  const { ctx, page } = await signedIn({ width: 1440, height: 900 })
  const docx = await docxFile(join(files, '保密协议.docx'), ['保密协议', '甲方（盖章）：', '乙方（签字）：', '日期：'])
  await tid(page, 'document-input').setInputFiles([docx, s.pdf])
  // The Word file is converted on the server: the editor says so.
  await page.locator('[data-testid="document"][data-state="processing"]').first().waitFor({ timeout: 20_000 })
  await screen(page, 109, 'editor-converting')
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="document"]')].every((d) => d.dataset.state === 'ready'), undefined, { timeout: 60_000 })
  // One converted page and the three of the PDF.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="desk-page"]').length === 4)
  // The PDF goes first, then the Word document is removed.
  await page.locator('[data-testid="document"]').nth(1).getByRole('button', { name: /上移/ }).click()
  assert.match(await tid(page, 'document').first().innerText(), /supply-agreement\.pdf/)
  await page.locator('[data-testid="document"]').nth(1).getByTestId('document-remove').click()
  assert.equal(await tid(page, 'document').count(), 1)
  assert.equal(await tid(page, 'desk-page').count(), 3)
  await ctx.close()
  assertAccessible()
}))

test('the API’s field errors show next to their control, and a draft is saved', journey(async () => {
  const { ctx, page } = await signedIn({ width: 1440, height: 900 })
  await fillField(page, 'editor-title', '保密协议（草稿）')
  await uploadDocuments(page, [s.pdf])
  // A London landline passes the quick check here; the API says it cannot
  // receive SMS.
  await addPersonSigner(page, { name: 'Jane Doe', mobile: '+442071234567' })
  const at = { fx: 0.5, fy: 0.8 }
  const key = await placeField(page, { signer: 0, kind: 'signature', page: 1, at })
  // Move the field 60 pixels right and 30 up with the mouse, then make it
  // 40 pixels wider and 20 taller from its corner.
  const field = page.locator(`[data-field-key="${key}"]`)
  const pageBox = await page.locator('[data-testid="desk-page"][data-page="1"]').boundingBox()
  const pt = THREE_PAGES[0].media[2] / pageBox.width // points per CSS pixel
  const b = await field.boundingBox()
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2)
  await page.mouse.down()
  await page.mouse.move(b.x + b.width / 2 + 60, b.y + b.height / 2 - 30, { steps: 8 })
  await page.mouse.up()
  const r = await field.getByTestId('field-resize').boundingBox()
  await page.mouse.move(r.x + r.width / 2, r.y + r.height / 2)
  await page.mouse.down()
  await page.mouse.move(r.x + r.width / 2 + 40, r.y + r.height / 2 + 20, { steps: 8 })
  await page.mouse.up()
  const moved = expectedField(THREE_PAGES[0], at, 120, 48)
  moved.x += 60 * pt
  moved.y += 30 * pt - 20 * pt // up 30, then the lower edge 20 lower
  moved.w += 40 * pt
  moved.h += 20 * pt
  await tid(page, 'editor-save').click()
  await tid(page, 'editor-error').waitFor()
  const mobile = input(page, 'signer-0-mobile')
  const described = await mobile.getAttribute('aria-describedby')
  assert.ok(described?.endsWith('-mobile-error'), `the mobile input is tied to its error: ${described}`)
  assert.match(await page.locator(`#${described}`).innerText(), /不是手机号|无法接收短信/)
  await screen(page, 107, 'editor-api-errors')

  // A second signer dragged by its handle above the first signs first.
  await addPersonSigner(page, { name: '张三', mobile: '13800000005' })
  await page.locator('[data-testid="signer"]').nth(1).locator('.handle').dragTo(page.locator('[data-testid="signer"]').nth(0))
  assert.equal(await input(page, 'signer-0-name').inputValue(), '张三', 'the dragged signer is first')
  // Removing a signer asks first.
  await tid(page, 'signer-0-remove').click()
  const box = page.locator('.el-message-box')
  await box.waitFor()
  await screen(page, 108, 'editor-remove-confirm')
  await box.getByRole('button', { name: '删除' }).click()
  await box.waitFor({ state: 'hidden' })
  assert.equal(await tid(page, 'signer').count(), 1)
  assert.equal(await input(page, 'signer-0-name').inputValue(), 'Jane Doe')

  await fillField(page, 'signer-0-mobile', '13800000003')
  // A date placed by keyword: 40 points right of "Date:", found by the API.
  await tid(page, 'keyword-fields').locator('summary').click()
  await fillField(page, 'keyword-anchor', 'Date:')
  await page.locator('#kw-kind').selectOption('date')
  await page.locator('#kw-dx').fill('40')
  await tid(page, 'keyword-add').click()
  assert.match(await tid(page, 'keyword-field').innerText(), /Date:/)
  await tid(page, 'editor-save').click()
  await page.waitForURL(/\/app\/contracts\/(?!new)[^/?#]+$/)
  const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop())
  const k = await api.call('GET', `/api/contracts/${id}`, { token: s.owner })
  assert.equal(k.state, 'draft')
  assert.equal(k.parties[0].fields.length, 2)
  const f = k.parties[0].fields.find((x) => x.kind === 'signature')
  const date = k.parties[0].fields.find((x) => x.kind === 'date')
  assert.equal(date.anchor, 'Date:')
  assert.equal(date.page, 1, 'the API found the keyword on page 1')
  near(date.x, 60 + 40, 'the keyword date x', 3)
  for (const c of ['x', 'y', 'w', 'h']) near(f[c], moved[c], `moved and resized field ${c}`)
  await ctx.close()
  assertAccessible()
}))
