// The account screens of the company console, in a browser against the
// real server: a company signs up; its owner changes the company's
// settings (kept after a reload); invites a colleague, who accepts in a
// second browser; changes her role and sees the API refuse to leave the
// company without an owner; verifies himself from /app/identity, with an
// operator rejecting and then approving through the API; and a person signs
// in by SMS code. Every screen is photographed and checked with axe.
import { after, afterEach, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, rm } from 'node:fs/promises'
import {
  OPS, assertAccessible, clearAccessible, journey, launch, newContext, newPage, screen, startServer, tempDir, tid,
} from './harness.mjs'
import { fillField } from './steps.mjs'
import { acceptInvitation, inviteMember, signUpCompany, verifyPerson } from './steps-account.mjs'

const CO = {
  company: '榕城数据服务有限公司',
  name: '郑明',
  email: 'zheng.ming@rongcheng.test',
  password: 'rongcheng e2e password',
  id: '110101199003070089',
  mobile: '+8613800000021',
}
const COLLEAGUE = { name: '吴芳', email: 'wu.fang@rongcheng.test', password: 'wufang e2e password' }
const PERSON = { name: '黄磊', mobile: '+8613800000022' }

let srv, api, browser, files, owner
const s = {}

before(async () => {
  srv = await startServer('console-account')
  api = srv.api
  browser = await launch()
  files = await tempDir()
  s.ops = await api.login(OPS.email, OPS.password)
})

afterEach(clearAccessible)

after(async () => {
  await browser?.close()
  await srv?.stop()
  if (files) await rm(files, { recursive: true, force: true })
})

function need(t, ...keys) {
  const missing = keys.filter((k) => !s[k])
  if (missing.length) t.skip(`an earlier step failed (no ${missing.join(', ')})`)
  return missing.length === 0
}

// queued waits for a person's application in the operators' review queue.
async function queued(name) {
  const deadline = Date.now() + 10_000
  for (;;) {
    const q = await api.call('GET', '/api/operator/identity/queue', { token: s.ops })
    const found = (q.items ?? q).find((i) => i.kind === 'person' && i.name === name)
    if (found) return found
    if (Date.now() > deadline) throw new Error(`no application of ${name} in the queue: ${JSON.stringify(q)}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

test('a company signs up in the browser', journey(async () => {
  const ctx = await newContext(browser, 'desktop', srv.url)
  owner = await newPage(ctx)
  const landed = await signUpCompany(owner, CO)
  assert.match(landed, /\/app\/identity\/organisation\?name=/)
  await tid(owner, 'applicant-form').waitFor()
  await screen(owner, 80, 'account-signup-landing')
  s.signedUp = true
  assertAccessible()
}))

test('the owner changes the company’s settings; they stay after a reload', journey(async (t) => {
  if (!need(t, 'signedUp')) return
  await owner.goto('/app/settings')
  await tid(owner, 'settings-form').waitFor()
  assert.equal(await tid(owner, 'settings-name').inputValue(), CO.company)
  assert.ok(await owner.locator('[data-testid="settings-algorithm-sm2"] input').isChecked(), 'SM2 is the default')
  await screen(owner, 80, 'account-settings')

  // A signature with brackets is refused next to its field.
  await fillField(owner, 'settings-sms', '【榕城】')
  await tid(owner, 'settings-save').click()
  await tid(owner, 'settings-error').waitFor()
  assert.equal(await tid(owner, 'settings-sms').getAttribute('aria-invalid'), 'true')
  await screen(owner, 80, 'account-settings-error')

  await fillField(owner, 'settings-name', '榕城数据')
  await fillField(owner, 'settings-sms', '榕城数据')
  await tid(owner, 'settings-algorithm-ecdsa').click()
  await tid(owner, 'settings-save').click()
  await owner.locator('.el-message--success').waitFor()
  await owner.reload()
  await tid(owner, 'settings-form').waitFor()
  assert.equal(await tid(owner, 'settings-name').inputValue(), '榕城数据')
  assert.equal(await tid(owner, 'settings-sms').inputValue(), '榕城数据')
  assert.ok(await owner.locator('[data-testid="settings-algorithm-ecdsa"] input').isChecked(), 'ECDSA was saved')
  assert.match(await tid(owner, 'settings-sms-preview').innerText(), /【榕城数据】/)
  await screen(owner, 81, 'account-settings-saved')
  const tn = await api.call('GET', '/api/tenant', { token: await api.login(CO.email, CO.password) })
  assert.equal(tn.signature_algorithm, 'ecdsa')
  assertAccessible()
}))

test('the owner invites a colleague, who accepts in another browser; roles change', journey(async (t) => {
  if (!need(t, 'signedUp')) return
  await owner.goto('/app/members')
  await tid(owner, 'member-row').first().waitFor()
  await screen(owner, 82, 'account-members')

  await tid(owner, 'invite-open').click()
  await fillField(owner, 'invite-email', COLLEAGUE.email)
  await screen(owner, 82, 'account-invite-form')
  await tid(owner, 'invite-role').click()
  await tid(owner, 'invite-role-legal').filter({ visible: true }).click()
  await tid(owner, 'invite-submit').click()
  await tid(owner, 'invite-url').waitFor()
  const url = await tid(owner, 'invite-url').inputValue()
  assert.match(url, /\/invite\?token=sit_/)
  await screen(owner, 83, 'account-invite-link')
  await tid(owner, 'invite-done').click()
  const row = owner.locator(`[data-testid="invitation-row"][data-email="${COLLEAGUE.email}"]`)
  assert.equal(await row.getAttribute('data-status'), 'pending')

  // A second invitation, revoked after a confirmation.
  const other = await inviteMember(owner, { email: 'nobody@rongcheng.test', role: 'member' })
  await owner.locator('[data-testid="invitation-row"][data-email="nobody@rongcheng.test"] [data-testid="invitation-revoke"]').click()
  await owner.locator('.el-message-box').waitFor()
  await screen(owner, 84, 'account-revoke-confirm')
  await owner.locator('.el-message-box .el-button--danger').click()
  await owner.locator('[data-testid="invitation-row"][data-email="nobody@rongcheng.test"][data-status="revoked"]').waitFor()

  // The colleague, in her own browser: the revoked link is refused, hers works.
  const ctx2 = await newContext(browser, 'desktop', srv.url)
  const her = await newPage(ctx2)
  // The revoked link says so at once, with no form to fill.
  await her.goto(other)
  await tid(her, 'accept-dead').waitFor()
  assert.equal(await tid(her, 'accept-submit').count(), 0)
  await her.goto(url)
  await tid(her, 'accept-invitation').waitFor()
  // Hers names the company and the role before she accepts.
  const invited = await tid(her, 'accept-preview').innerText()
  assert.match(invited, /^\S+ 邀请 w\*+@rongcheng\.test 以“法务”身份加入/, `the page names the company, the address and the role: ${invited}`)
  await fillField(her, 'accept-name', COLLEAGUE.name)
  await screen(her, 85, 'account-accept')
  // Invitations are often opened on a phone.
  const phone = await newContext(browser, 'phone', srv.url)
  const onPhone = await newPage(phone)
  await onPhone.goto(url)
  await tid(onPhone, 'accept-invitation').waitFor()
  await screen(onPhone, 85, 'account-accept')
  await phone.close()
  await acceptInvitation(her, url, COLLEAGUE)
  assert.equal((await tid(her, 'console-who').innerText()).trim(), COLLEAGUE.name)
  // A legal member reads the members but changes nothing.
  await her.goto('/app/members')
  await tid(her, 'member-row').first().waitFor()
  assert.equal(await tid(her, 'member-role').count(), 0, 'no role controls for a legal member')
  assert.equal(await tid(her, 'invite-open').count(), 0)
  await screen(her, 85, 'account-members-readonly')

  // The owner sees her and makes her an admin.
  await owner.reload()
  const hers = owner.locator(`[data-testid="member-row"][data-email="${COLLEAGUE.email}"]`)
  await hers.waitFor()
  assert.equal(await hers.getAttribute('data-role'), 'legal')
  await hers.locator('[data-testid="member-role"]').click()
  await tid(owner, 'member-role-admin').filter({ visible: true }).click()
  await owner.locator(`[data-testid="member-row"][data-email="${COLLEAGUE.email}"][data-role="admin"]`).waitFor()
  // The closed list fades out; the next one is opened once it is gone.
  await owner.locator('.el-select__popper').filter({ visible: true }).waitFor({ state: 'hidden' })

  // The last owner cannot make himself an admin: the API's refusal shows.
  const mine = owner.locator(`[data-testid="member-row"][data-email="${CO.email}"]`)
  await mine.locator('[data-testid="member-role"]').click()
  await tid(owner, 'member-role-admin').filter({ visible: true }).click()
  await tid(owner, 'members-error').waitFor()
  assert.match(await tid(owner, 'members-error').innerText(), /所有者/)
  assert.equal(await mine.getAttribute('data-role'), 'owner')
  await screen(owner, 86, 'account-members-roles')

  // The same screen on a 1024 x 768 laptop.
  await owner.setViewportSize({ width: 1024, height: 768 })
  await screen(owner, 86, 'account-members-1024')
  await owner.setViewportSize({ width: 1440, height: 900 })
  await ctx2.close()
  assertAccessible()
}))

test('the owner verifies himself from /app/identity; an operator rejects, then approves', journey(async (t) => {
  if (!need(t, 'signedUp')) return
  await owner.goto('/app/identity')
  await tid(owner, 'identity-person').waitFor()
  assert.equal(await tid(owner, 'identity-person').getAttribute('data-state'), 'none')
  assert.equal(await tid(owner, 'identity-org').getAttribute('data-state'), 'none')
  assert.equal(await tid(owner, 'identity-org-link').getAttribute('href'), '/app/identity/organisation')
  await screen(owner, 87, 'account-identity-none')

  await verifyPerson(owner, { idNumber: CO.id, mobile: CO.mobile, api, files })
  let app = await queued(CO.name)
  await api.call('POST', `/api/operator/identity/persons/${app.id}/reject`, { token: s.ops, body: { reason: '身份证照片不清晰' } })
  await owner.locator('[data-testid="identity-person"][data-state="rejected"]').waitFor({ timeout: 15_000 })
  assert.match(await tid(owner, 'identity-reason').innerText(), /身份证照片不清晰/)
  await screen(owner, 87, 'account-identity-rejected')

  // Resubmitted as it was, then approved: the page follows by itself.
  await tid(owner, 'identity-start').click()
  await tid(owner, 'applicant-submit').click()
  await owner.locator('[data-testid="identity-person"][data-state="resubmitted"]').waitFor()
  await screen(owner, 88, 'account-identity-review')
  app = await queued(CO.name)
  await api.call('POST', `/api/operator/identity/persons/${app.id}/approve`, { token: s.ops })
  await owner.locator('[data-testid="identity-person"][data-state="approved"]').waitFor({ timeout: 15_000 })
  const [download] = await Promise.all([owner.waitForEvent('download'), tid(owner, 'cert-person-sm2').click()])
  const pem = await readFile(await download.path(), 'utf8')
  assert.match(pem, /-----BEGIN CERTIFICATE-----/)
  assert.equal(download.suggestedFilename(), 'person-sm2.pem')
  await screen(owner, 88, 'account-identity-approved')
  assertAccessible()
}))

test('a person signs in by SMS code; a new number needs a name', journey(async () => {
  const ctx = await newContext(browser, 'desktop', srv.url)
  const page = await newPage(ctx)
  await page.goto('/login')
  await tid(page, 'login-mode-sms').click()
  await fillField(page, 'sms-mobile', PERSON.mobile.replace('+86', ''))
  let seq = await api.lastSeq()
  await tid(page, 'sms-send-code').click()
  await tid(page, 'sms-sent').waitFor()
  await fillField(page, 'sms-code', await api.lastCode(PERSON.mobile, seq))
  await tid(page, 'sms-submit').click()
  // The number is new and no name was given: say so at the name.
  await tid(page, 'sms-error').waitFor()
  assert.equal(await tid(page, 'sms-name').getAttribute('aria-invalid'), 'true')
  await screen(page, 89, 'account-sms-login-name')

  await fillField(page, 'sms-name', PERSON.name)
  // The spent code's resend countdown is reset, so a new code can be asked for.
  seq = await api.lastSeq()
  await tid(page, 'sms-send-code').click()
  await fillField(page, 'sms-code', await api.lastCode(PERSON.mobile, seq))
  await tid(page, 'sms-submit').click()
  await tid(page, 'sms-no-tenant').waitFor()
  const profile = JSON.parse(await page.evaluate(() => localStorage.getItem('signet.profile')))
  assert.equal(profile.person.name, PERSON.name)
  await screen(page, 89, 'account-sms-login')
  await ctx.close()
  assertAccessible()
}))

test('logging out everywhere ends the session', journey(async (t) => {
  if (!need(t, 'signedUp')) return
  await owner.goto('/app/settings')
  await tid(owner, 'revoke-all').click()
  await owner.locator('.el-message-box .el-button--danger').click()
  await owner.waitForURL(/\/login/)
  const stored = await owner.evaluate(() => localStorage.getItem('signet.session'))
  assert.equal(stored, null)
}))
