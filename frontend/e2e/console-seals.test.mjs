// The company console's seals: the demo company's owner designs an official
// seal (the preview follows the text), an operator approves it through the
// API, the owner authorises the owners and sets a PIN (a mismatch is
// refused first), a member's use waits for approval and the owner
// approves it, the use log downloads as CSV, the seal is frozen and
// unfrozen, and a photographed stamp is uploaded and then revoked. Every
// screen is photographed at 1440×900 and the main ones at 1024×768, and
// checked with axe.
import { after, afterEach, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, rm } from 'node:fs/promises'
import { OPS, assertAccessible, clearAccessible, journey, launch, newContext, newPage, screen, startServer, tempDir, tid } from './harness.mjs'
import { fillField } from './steps.mjs'
import { authoriseAndSetPin, designOfficialSeal, previewSeq, setPin, stampPhoto, waitPreview } from './steps-seals.mjs'

const PIN = '135790'
const MEMBER = { name: '李四', email: 'li.si@seals.e2e.test', password: 'li si e2e password', pin: '864209' }
const digest = (n) => n.toString(16).padStart(2, '0').repeat(32)

let srv, api, browser, files
const s = {}

before(async () => {
  srv = await startServer('console-seals')
  api = srv.api
  browser = await launch()
  files = await tempDir()
  s.demo = await api.demo()
  s.owner = await api.login(s.demo.owner_email, s.demo.owner_password)
  s.ops = await api.login(OPS.email, OPS.password)
  // A second member, who asks to use the seal; the owner approves.
  const inv = await api.call('POST', '/api/invitations', { token: s.owner, body: { email: MEMBER.email, role: 'member' }, want: 201 })
  const joined = await api.call('POST', '/api/invitations/accept', { body: { token: inv.token, name: MEMBER.name, password: MEMBER.password } })
  s.member = joined.access_token
})

afterEach(clearAccessible)

after(async () => {
  await browser?.close()
  await srv?.stop()
  if (files) await rm(files, { recursive: true, force: true })
})


async function ownerPage() {
  const ctx = await newContext(browser, 'desktop', srv.url)
  const page = await newPage(ctx)
  await page.setViewportSize({ width: 1440, height: 900 })
  await page.goto('/login?next=/app/seals')
  await tid(page, 'login-email').waitFor()
  await fillField(page, 'login-email', s.demo.owner_email)
  await fillField(page, 'login-password', s.demo.owner_password)
  await tid(page, 'login-submit').click()
  await page.waitForURL('**/app/seals')
  return page
}

// at1024 photographs the page as a 1024×768 laptop shows it.
async function at1024(page, nn, name) {
  await page.setViewportSize({ width: 1024, height: 768 })
  await screen(page, nn, `${name}-1024`)
  await page.setViewportSize({ width: 1440, height: 900 })
}

test('the owner designs a seal, has it approved, authorises it, sets a PIN and keeps its log', journey(async () => {
  const page = await ownerPage()
  const list = tid(page, 'seal-row')
  await list.first().waitFor()
  // The demo's approved seal shows its image and state.
  await page.waitForSelector('[data-testid="seal-row"][data-state="active"] [data-testid="seal-thumb"][data-state="ready"]')
  await screen(page, 70, 'seals-list')
  await at1024(page, 70, 'seals-list')

  // The preview follows the text.
  await page.goto('/app/seals/new')
  await tid(page, 'seal-designer').waitFor()
  await tid(page, 'seal-kind-official').click()
  await tid(page, 'seal-style-round').click()
  let n = await previewSeq(page)
  await fillField(page, 'seal-text', '合同专用章')
  const first = await waitPreview(page, n)
  n = await previewSeq(page)
  await fillField(page, 'seal-text', '财务专用章')
  const second = await waitPreview(page, n)
  assert.notEqual(second, first, 'the preview changed with the text')
  // A security code with a character the renderer refuses is reported
  // next to its field.
  n = await previewSeq(page)
  await fillField(page, 'seal-code', 'AB-12')
  await page.locator('[data-testid="seal-preview"][data-state="error"]').waitFor()
  assert.match(await page.locator('#seal-code-error').innerText(), /防伪码/)
  await fillField(page, 'seal-code', '1101080012345')
  await waitPreview(page, n)
  await screen(page, 71, 'seal-designer')
  await at1024(page, 71, 'seal-designer')

  // The shared step applies for the seal the main scenario uses.
  s.sealID = await designOfficialSeal(page, { text: '合同专用章' })
  await page.locator('[data-testid="seal-detail"][data-state="pending"]').waitFor()
  await tid(page, 'seal-pending').waitFor()
  await screen(page, 72, 'seal-pending')

  // An operator approves it.
  await api.call('POST', `/api/operator/seals/${s.sealID}/approve`, { token: s.ops })

  // A mismatched PIN is refused on the page before anything is sent.
  await page.goto(`/app/seals/${s.sealID}`)
  await page.locator('[data-testid="seal-detail"][data-state="active"]').waitFor()
  await authoriseAndSetPin(page, s.sealID, { role: 'owner', pin: PIN })
  await setPin(page, '111111', '111112')
  assert.match(await page.locator('#seal-pin-again-error').innerText(), /不一致/)
  // The PIN set by the step works: a use with it is granted, a wrong one refused.
  await api.call('POST', `/api/seals/${s.sealID}/uses`, { token: s.owner, body: { pin: '000000', purpose: '错误密码', document_digest: digest(1) }, want: 422 })
  await api.call('POST', `/api/seals/${s.sealID}/uses`, { token: s.owner, body: { pin: PIN, purpose: '采购合同盖章', document_digest: digest(2) }, want: 201 })

  // The member is authorised with approval, through the form.
  await tid(page, 'seal-auth-to-member').click()
  await tid(page, 'seal-auth-member').click()
  await page.getByRole('option', { name: new RegExp(MEMBER.name) }).click()
  await tid(page, 'seal-auth-approval').click()
  const rows = await page.locator('[data-testid="seal-auth-row"][data-status="current"]').count()
  await tid(page, 'seal-auth-submit').click()
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="seal-auth-row"][data-status="current"]').length > n, rows)
  await api.call('PUT', `/api/seals/${s.sealID}/pin`, { token: s.member, body: { pin: MEMBER.pin }, want: 204 })
  const asked = await api.call('POST', `/api/seals/${s.sealID}/uses`, {
    token: s.member, body: { pin: MEMBER.pin, purpose: '租赁合同盖章', document_digest: digest(3) }, want: 409,
  })
  assert.equal(asked.code, 'approval_pending')

  await page.reload()
  await tid(page, 'seal-use-row').first().waitFor()
  assert.equal(await tid(page, 'seal-use-row').count(), 3)
  await screen(page, 73, 'seal-detail')
  await at1024(page, 73, 'seal-detail')

  // The use log downloads as CSV.
  const [download] = await Promise.all([page.waitForEvent('download'), tid(page, 'seal-uses-csv').click()])
  const csv = await readFile(await download.path(), 'utf8')
  assert.match(csv, /^id,at,seal_id,actor,person_id,outcome,reason/)
  assert.equal(csv.trim().split('\n').length, 4, 'a header and three uses')
  assert.match(csv, /pin_wrong/)

  // The custodian's queue: the owner approves the member's use.
  await tid(page, 'seal-approvals-link').click()
  await page.waitForURL(`**/app/seals/${s.sealID}/approvals`)
  const ask = tid(page, 'approval-row').filter({ hasText: '租赁合同盖章' })
  await ask.waitFor()
  assert.match(await ask.innerText(), new RegExp(MEMBER.name))
  await screen(page, 75, 'seal-approvals')
  await ask.getByTestId('approval-approve').click()
  await page.locator('[data-testid="approval-decided"][data-state="approved"]').waitFor()
  await tid(page, 'approvals-empty').waitFor()
  // The approved use now goes through.
  await api.call('POST', `/api/seals/${s.sealID}/uses`, {
    token: s.member, body: { pin: MEMBER.pin, purpose: '租赁合同盖章', document_digest: digest(3) }, want: 201,
  })

  // Freeze asks first; unfreeze brings it back.
  await page.goto(`/app/seals/${s.sealID}`)
  await tid(page, 'seal-action-freeze').click()
  await fillField(page, 'seal-action-reason', '印章外借期间暂停使用')
  await screen(page, 74, 'seal-freeze-dialog')
  await tid(page, 'seal-action-confirm').click()
  await page.locator('[data-testid="seal-detail"][data-state="frozen"]').waitFor()
  await tid(page, 'seal-action-unfreeze').click()
  await tid(page, 'seal-action-confirm').click()
  await page.locator('[data-testid="seal-detail"][data-state="active"]').waitFor()
  await page.close()
  assertAccessible()
}))

test('the owner uploads a photographed stamp, compares it, applies and revokes it', journey(async () => {
  const page = await ownerPage()
  const photo = await stampPhoto(files)
  await tid(page, 'seal-upload').click()
  await page.waitForURL('**/app/seals/upload')
  await tid(page, 'seal-upload-file').setInputFiles(photo)
  await page.locator('[data-testid="seal-upload-preview"][data-state="ready"]').waitFor()
  await tid(page, 'seal-upload-original').waitFor()
  const plain = await tid(page, 'seal-upload-result').getAttribute('src')
  await tid(page, 'seal-upload-recolor').click()
  await page.waitForFunction(
    (old) => {
      const img = document.querySelector('[data-testid="seal-upload-result"]')
      const box = document.querySelector('[data-testid="seal-upload-preview"]')
      return img && img.getAttribute('src') !== old && box?.getAttribute('data-state') === 'ready'
    },
    plain,
  )
  await fillField(page, 'seal-upload-name', '示例科技有限公司合同专用章')
  await fillField(page, 'seal-upload-purpose', '纸质合同同款印章')
  await screen(page, 76, 'seal-upload')
  await at1024(page, 76, 'seal-upload')
  await tid(page, 'seal-upload-apply').click()
  await page.waitForURL(/\/app\/seals\/[0-9a-zA-Z-]+$/)
  await page.locator('[data-testid="seal-detail"][data-state="pending"]').waitFor()
  s.uploaded = await tid(page, 'seal-detail').getAttribute('data-seal-id')

  // Revoking says it is forever, and is.
  await tid(page, 'seal-action-revoke').click()
  const dialog = tid(page, 'seal-action-dialog')
  await dialog.waitFor()
  assert.match(await page.locator('.el-dialog').innerText(), /永久/)
  await screen(page, 77, 'seal-revoke-dialog')
  await tid(page, 'seal-action-confirm').click()
  await page.locator('[data-testid="seal-detail"][data-state="revoked"]').waitFor()
  for (const v of ['freeze', 'unfreeze', 'lost', 'revoke']) assert.equal(await tid(page, `seal-action-${v}`).count(), 0, `a revoked seal cannot ${v}`)
  await screen(page, 78, 'seal-revoked')

  // A personal name seal shows the verified name and is active at once.
  await page.goto('/app/seals/new')
  await tid(page, 'seal-designer').waitFor()
  await tid(page, 'seal-kind-personal').click()
  await page.locator('[data-testid="seal-preview"][data-state="ready"]').waitFor()
  await tid(page, 'seal-apply').click()
  await page.waitForURL(/\/app\/seals\/[0-9a-zA-Z-]+$/)
  await page.locator('[data-testid="seal-detail"][data-state="active"]').waitFor()
  await tid(page, 'seal-pin-new').waitFor()
  await screen(page, 78, 'seal-personal')

  // The list shows every state, and reads as well in English.
  await page.goto('/app/seals')
  await page.locator(`[data-testid="seal-row"][data-seal-id="${s.uploaded}"][data-state="revoked"]`).waitFor()
  await page.locator('.locale-switch').click()
  await page.getByRole('heading', { name: 'Seals' }).waitFor()
  assert.match(await tid(page, 'seal-row').filter({ has: page.locator('[data-state="revoked"]') }).first().innerText(), /Revoked/)
  await screen(page, 79, 'seals-list-en')
  await page.goto(`/app/seals/${s.sealID ?? s.uploaded}`)
  await tid(page, 'seal-detail').waitFor()
  await tid(page, 'seal-auths').waitFor()
  await screen(page, 79, 'seal-detail-en')
  await page.goto('/app/seals/new')
  await page.locator('[data-testid="seal-preview"][data-state="ready"]').waitFor()
  await screen(page, 79, 'seal-designer-en')
  await at1024(page, 79, 'seal-designer-en')
  await page.close()
  assertAccessible()
}))
