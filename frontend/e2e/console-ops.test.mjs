// The operator console (/ops), driven in the browser by a platform
// operator: the identity review queue, a person's and an organisation's
// review with their decrypted documents, a rejection with a reason, an
// approval (through the steps the main scenario uses too), the refusal of
// a self-review, a micro-deposit marked sent, a seal approved and a company
// suspended then reactivated. The applications are set up through the API
// as their applicants would make them. Every screen is photographed and
// checked with axe, at 1366x900 and again at 1024x768.
import { after, afterEach, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, rm } from 'node:fs/promises'
import {
  DEMO, OPS, assertAccessible, clearAccessible, journey, launch, newContext, newPage, pngFile, screen, startServer, tempDir, tid,
} from './harness.mjs'
import { fillField, pdfPageDrawn } from './steps.mjs'
import { approveOrganisation, approvePerson, approveSeal, openOps, openReview, opsLogin, rejectApplication } from './steps-ops.mjs'

// residentID completes 17 digits with the GB 11643 check character.
function residentID(first17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * w[i]
  return first17 + '10X98765432'[sum % 11]
}

// uscc completes 16 characters (an 8-character prefix and an organisation
// code's body) with the GB 11714 and GB 32100 check characters.
function uscc(first16) {
  const ow = [3, 7, 9, 10, 5, 8, 4, 2]
  let os = 0
  for (let i = 0; i < 8; i++) {
    const c = first16[8 + i]
    os += (/\d/.test(c) ? Number(c) : c.charCodeAt(0) - 55) * ow[i]
  }
  const oc = 11 - (os % 11)
  const first17 = first16 + (oc === 10 ? 'X' : oc === 11 ? '0' : String(oc))
  const cs = '0123456789ABCDEFGHJKLMNPQRTUWXY'
  const w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
  let sum = 0
  for (let i = 0; i < 17; i++) sum += cs.indexOf(first17[i]) * w[i]
  const c = 31 - (sum % 31)
  return first17 + cs[c === 31 ? 0 : c]
}

// The applicants. A's owner is approved in the browser, then A itself; B's
// owner is rejected and B is suspended; C waits for its micro-deposit.
const A = { company: '华东测试科技有限公司', uscc: uscc('9131000010000001'), owner: '赵敏', email: 'zhao.min@huadong.test',
  id: residentID('31010119880512003'), mobile: '+8613800000101' }
const B = { company: '北辰物流有限公司', owner: '钱进', email: 'qian.jin@beichen.test', id: residentID('11010219850720001'),
  mobile: '+8613800000102' }
const C = { company: '南岭贸易有限公司', uscc: uscc('9144010020000002'), owner: '孙丽', email: 'sun.li@nanling.test',
  id: residentID('44010619900101002'), mobile: '+8613800000103', bank: '中国工商银行广州分行', account: '3602000109200123456' }
// The operator applies for their own verification: approving it is refused.
const SELF = { name: '欧阳运营', id: residentID('11010819800808001'), mobile: '+8613800000104' }
const PASSWORD = 'console ops e2e password'
const REJECTION = '身份证国徽面照片模糊，请重新拍摄后上传'

let srv, api, browser, files
const s = {}

before(async () => {
  srv = await startServer('console-ops')
  api = srv.api
  browser = await launch()
  files = await tempDir()
  const demo = await api.demo()
  s.owner = await api.login(demo.owner_email, demo.owner_password)
  s.ops = await api.login(OPS.email, OPS.password)
  const k = await api.call('GET', `/api/contracts/${demo.contract_id}`, { token: s.owner })
  s.letter = await api.bytes(`/api/files/${k.documents[0].id}/pdf?version=original`, s.owner)
  s.front = await readFile(await pngFile(files, 'front.png', 320, 200, [214, 228, 245]))
  s.back = await readFile(await pngFile(files, 'back.png', 320, 200, [236, 226, 208]))

  for (const x of [A, B, C]) {
    await api.signup(x.company, x.owner, x.email, PASSWORD)
    x.token = await api.login(x.email, PASSWORD)
    await applyPerson(x.token, x.owner, x.id, x.mobile)
  }
  await applyPerson(s.ops, SELF.name, SELF.id, SELF.mobile)
  // C's owner is approved through the API; C applies by micro-deposit.
  await api.call('POST', `/api/operator/identity/persons/${(await queued('person', C.owner)).id}/approve`, { token: s.ops })
  await applyOrg(C.token, { name: C.company, uscc: C.uscc, legal_rep_name: C.owner, legal_rep_id_number: C.id, method: 'deposit',
    bank_name: C.bank, bank_account: C.account })
  // The demo company applies for a second official seal.
  s.seal = await api.call('POST', '/api/seals', { token: s.owner, want: 201,
    body: { kind: 'official', style: 'round', name: DEMO.company, text: '财务专用章', purpose: '财务专用', size_mm: 42 } })
})

afterEach(clearAccessible)

after(async () => {
  await browser?.close()
  await srv?.stop()
  if (files) await rm(files, { recursive: true, force: true })
})

// applyPerson submits a manual real-name application, as the person's
// identity page does: a proven mobile, both sides of the ID card.
async function applyPerson(token, name, id, mobile) {
  const seq = await api.lastSeq()
  await api.call('POST', '/api/identity/person/mobile-code', { token, body: { mobile }, want: 202 })
  const code = await api.lastCode(mobile, seq)
  await api.call('PUT', '/api/identity/person', { token, body: { name, id_number: id, mobile, code, method: 'manual' } })
  for (const [kind, png] of [['id_front', s.front], ['id_back', s.back]]) {
    const form = new FormData()
    form.append('kind', kind)
    form.append('file', new Blob([png], { type: 'image/png' }), `${kind}.png`)
    await api.call('POST', '/api/identity/person/documents', { token, body: form, want: 201 })
  }
  await api.call('POST', '/api/identity/person/submit', { token })
}

// applyOrg submits the company's application with the letter of authorisation.
async function applyOrg(token, body) {
  await api.call('PUT', '/api/identity/organisation', { token, body })
  const form = new FormData()
  form.append('kind', 'authorisation')
  form.append('file', new Blob([s.letter], { type: 'application/pdf' }), '授权委托书.pdf')
  await api.call('POST', '/api/identity/organisation/documents', { token, body: form, want: 201 })
  await api.call('POST', '/api/identity/organisation/submit', { token })
}

async function queued(kind, name) {
  const q = await api.call('GET', '/api/operator/identity/queue', { token: s.ops })
  const found = q.find((i) => i.kind === kind && i.name === name)
  if (!found) throw new Error(`no ${kind} application of ${name} in the queue: ${JSON.stringify(q)}`)
  return found
}

// imageShown asserts that the review shows a decrypted ID image.
async function imageShown(page) {
  const img = tid(page, 'ops-document-image').first()
  await img.waitFor()
  await page.waitForFunction(() => {
    const i = document.querySelector('[data-testid="ops-document-image"]')
    return i && i.complete && i.naturalWidth > 0
  })
  assert.equal(await img.evaluate((i) => i.naturalWidth), 320, 'the decrypted ID image is drawn at its own size')
  assert.match(await img.getAttribute('src'), /^blob:/, 'the image comes from an object URL, not a cacheable address')
}

test('an operator reviews identities, payouts, seals and companies', journey(async () => {
  const ctx = await newContext(browser, 'desktop', srv.url)
  const page = await newPage(ctx)
  await opsLogin(page)
  await tid(page, 'ops-queue-row').first().waitFor()
  const names = await tid(page, 'ops-queue-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name')))
  for (const n of [A.owner, B.owner, SELF.name]) assert.ok(names.includes(n), `${n} waits in the queue: ${names}`)
  assert.ok(names.indexOf(A.owner) < names.indexOf(SELF.name), 'the oldest application comes first')
  await screen(page, 60, 'ops-queue')

  // A person's review: masked data, the decrypted ID images, the history.
  await openReview(page, 'person', B.owner)
  await imageShown(page)
  assert.equal(await tid(page, 'ops-document').count(), 2, 'both sides of the ID card')
  const details = await page.locator('.ops-facts').innerText()
  assert.ok(!details.includes(B.id), 'the ID number is masked')
  assert.match(details, /\*{4}/)
  assert.ok((await tid(page, 'ops-history-row').count()) >= 3, 'the history lists the saves, uploads and submission')
  await screen(page, 61, 'ops-review-person')

  // Rejected with a reason: the reason is required, then recorded with
  // who decided and when.
  await tid(page, 'ops-reject').click()
  await tid(page, 'ops-decide-confirm').click()
  await tid(page, 'field-error').waitFor()
  assert.equal(await tid(page, 'ops-decide-text').getAttribute('aria-invalid'), 'true', 'the reason is marked invalid')
  await screen(page, 62, 'ops-reject-reason-required')
  await fillField(page, 'ops-decide-text', REJECTION)
  await tid(page, 'ops-decide-confirm').click()
  await page.locator('[data-testid="ops-review"][data-state="rejected"]').waitFor()
  await page.getByRole('dialog').waitFor({ state: 'hidden' })
  const last = await tid(page, 'ops-last-decision').innerText()
  assert.ok(last.includes('Ops') && last.includes(REJECTION), `the decision names the operator and the reason: ${last}`)
  const rejected = tid(page, 'ops-history-row').filter({ hasText: REJECTION })
  assert.match(await rejected.innerText(), /Ops/)
  await screen(page, 62, 'ops-review-rejected')
  const mine = await api.call('GET', '/api/identity/person', { token: B.token })
  assert.equal(mine.state, 'rejected')
  assert.equal(mine.reason, REJECTION, 'the applicant reads the reason')

  // A self-review is refused, in the operator's language.
  await openReview(page, 'person', SELF.name)
  await tid(page, 'ops-approve').click()
  await tid(page, 'ops-decide-confirm').click()
  const refusal = tid(page, 'ops-decide-error')
  await refusal.waitFor()
  assert.match(await refusal.innerText(), /不能审核本人/)
  await screen(page, 64, 'ops-self-review')
  await tid(page, 'ops-decide-cancel').click()

  // Approved through the shared step; then its company, reviewed from its
  // letter of authorisation (a PDF, embedded and downloadable).
  await approvePerson(page, A.owner)
  await applyOrg(A.token, { name: A.company, uscc: A.uscc, legal_rep_name: A.owner, legal_rep_id_number: A.id })
  await openReview(page, 'organisation', A.company)
  await tid(page, 'ops-document-pdf').waitFor()
  await pdfPageDrawn(page, 1)
  assert.match(await tid(page, 'ops-document-download').getAttribute('href'), /^blob:/)
  assert.match(await page.locator('.ops-facts').innerText(), new RegExp(A.uscc))
  await screen(page, 63, 'ops-review-organisation')
  await page.goto('/ops/reviews')
  await approveOrganisation(page, A.company)
  assert.equal((await api.call('GET', '/api/identity/organisation', { token: A.token })).state, 'approved')
  assert.equal((await api.call('GET', '/api/identity/person', { token: A.token })).state, 'approved')

  // The approved person's review says who approved, and may be revoked.
  await page.goto(`/ops/reviews/person/${(await api.call('GET', '/api/identity/person', { token: A.token })).id}`)
  await page.locator('[data-testid="ops-review"][data-state="approved"]').waitFor()
  assert.match(await tid(page, 'ops-last-decision').innerText(), /Ops/)
  await tid(page, 'ops-revoke').waitFor()

  // The micro-deposit C waits for: the account in full, marked sent with
  // the bank's reference after a confirmation.
  await openOps(page, 'payouts')
  const payout = tid(page, 'ops-payout-row').filter({ hasText: C.company })
  await payout.waitFor()
  assert.equal((await payout.getByTestId('ops-payout-account').innerText()).trim(), C.account)
  await screen(page, 65, 'ops-payouts')
  await payout.getByTestId('ops-payout-sent').click()
  await tid(page, 'ops-payout-dialog-confirm').click()
  await tid(page, 'field-error').waitFor()
  await fillField(page, 'ops-payout-dialog-text', 'ICBC20261202-0001')
  await screen(page, 65, 'ops-payout-confirm')
  await tid(page, 'ops-payout-dialog-confirm').click()
  await payout.waitFor({ state: 'detached' })
  assert.match(await tid(page, 'ops-payout-done').innerText(), /ICBC20261202-0001[\s\S]*Ops/)
  await screen(page, 65, 'ops-payout-sent')
  const org = await api.call('GET', '/api/identity/organisation', { token: C.token })
  assert.ok(org.deposit_sent_at, 'the company sees that the deposit was sent')

  // The seal the demo company applied for: its image drawn, then approved.
  await openOps(page, 'seals')
  const sealRow = page.locator(`[data-testid="ops-seal-row"][data-id="${s.seal.id}"]`)
  await sealRow.waitFor()
  await page.waitForFunction((id) => {
    const i = document.querySelector(`[data-testid="ops-seal-row"][data-id="${id}"] img`)
    return i && i.complete && i.naturalWidth > 0
  }, s.seal.id)
  assert.match(await sealRow.innerText(), new RegExp(DEMO.company))
  await screen(page, 66, 'ops-seals')
  assert.equal(await approveSeal(page, DEMO.company), s.seal.id)
  await screen(page, 66, 'ops-seal-approved')
  assert.equal((await api.call('GET', `/api/seals/${s.seal.id}`, { token: s.owner })).state, 'active')

  // B is suspended with a reason: its owner is refused at once; then
  // reactivated: they sign in and work again.
  await openOps(page, 'tenants')
  const tenant = page.locator(`[data-testid="ops-tenant-row"][data-name="${B.company}"]`)
  await tenant.waitFor()
  await tenant.getByTestId('ops-tenant-suspend').click()
  await fillField(page, 'ops-tenant-dialog-text', '多次被投诉冒用他人名义签约，暂停使用')
  await screen(page, 67, 'ops-tenant-suspend')
  await tid(page, 'ops-tenant-dialog-confirm').click()
  await page.locator(`[data-testid="ops-tenant-row"][data-name="${B.company}"][data-status="suspended"]`).waitFor()
  assert.match(await tenant.getByTestId('ops-tenant-change').innerText(), /Ops[\s\S]*多次被投诉/)
  await screen(page, 67, 'ops-tenant-suspended')
  const refused = await fetch(`${srv.url}/api/members`, { headers: { Authorization: `Bearer ${B.token}` } })
  assert.ok([401, 403].includes(refused.status), `a suspended company's member is refused: ${refused.status}`)
  await tenant.getByTestId('ops-tenant-reactivate').click()
  await tid(page, 'ops-tenant-dialog-confirm').click()
  await page.locator(`[data-testid="ops-tenant-row"][data-name="${B.company}"][data-status="active"]`).waitFor()
  await screen(page, 68, 'ops-tenant-reactivated')
  B.token = await api.login(B.email, PASSWORD)
  await api.call('GET', '/api/members', { token: B.token })
  await ctx.close()
  assertAccessible()
}))

test('the operator console at 1024x768, in English too', journey(async () => {
  const ctx = await browser.newContext({ viewport: { width: 1024, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', baseURL: srv.url })
  ctx.kind = 'laptop'
  ctx.setDefaultTimeout(15_000)
  const page = await newPage(ctx)
  await opsLogin(page)
  await screen(page, 69, 'ops-queue')
  await openReview(page, 'person', SELF.name)
  await imageShown(page)
  await screen(page, 69, 'ops-review-person')
  // Not wider than the window: nothing is cut off on the right.
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no horizontal scrolling')
  await rejectApplication(page, 'person', SELF.name, '运营人员本人的申请，请由其他同事审核') // rejecting one's own is allowed; approving is not
  await page.evaluate(() => localStorage.setItem('signet.locale', 'en'))
  await page.goto('/ops/tenants')
  await tid(page, 'ops-tenant-row').first().waitFor()
  assert.match(await page.locator('h1').innerText(), /Companies/)
  await screen(page, 69, 'ops-tenants-en')
  await page.goto('/ops/payouts')
  await page.locator('[data-testid="ops-payouts"], [data-testid="ops-payouts-empty"]').first().waitFor()
  await screen(page, 69, 'ops-payouts-en')
  await ctx.close()
  assertAccessible()
}))

