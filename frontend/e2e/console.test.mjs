// The console's whole story in a real browser, every step clicked: once the
// platform operator exists (the harness makes it), nothing goes through the
// API but what a person would read on a phone (the texted codes).
//
//  1. A company signs up; its owner verifies himself and submits the
//     company; the operator approves both in /ops.
//  2. The owner designs a round contract seal (合同专用章), the operator
//     approves it, the owner authorises himself and sets a PIN.
//  3. The owner uploads a 3-page PDF, drags a seal field for the company
//     and a signature field for a person onto page 2, turns on the
//     cross-page seal, orders company then person, and sends.
//  4. The owner stamps from the inbox; the person signs on a phone.
//  5. The contract's page shows both signatures and the timeline; a legal
//     member exports the evidence with the progress bar, and the package
//     passes `signet evidence verify`.
//  6. Another company's owner opening the contract's URL is told "not found".
import { after, afterEach, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import {
  ARTIFACTS, SIGNET_BIN, assertAccessible, clearAccessible, journey, launch, newContext, newPage, pngFile, screen, startServer, tempDir, tid,
} from './harness.mjs'
import { drawSignature, fillField, pdfPageDrawn, typeCode } from './steps.mjs'
import { acceptInvitation, inviteMember, signUpCompany } from './steps-account.mjs'
import { approveOrganisation, approvePerson, approveSeal, opsLogin } from './steps-ops.mjs'
import { authoriseAndSetPin, designOfficialSeal } from './steps-seals.mjs'
import { addOrgSigner, addPersonSigner, placeField, send, setOrder, threePagePdf, toggleCrossPage, uploadDocuments } from './steps-editor.mjs'

const execFileP = promisify(execFile)

const CO = {
  name: '星河数据科技有限公司',
  uscc: '91310115MA1K4LXW8W',
  owner: '周明',
  ownerID: '110101198001010053',
  ownerMobile: '+8613900000011',
  email: 'zhou.ming@xinghe.test',
  password: 'xinghe owner password',
  rep: '周明',
  repID: '110101198001010053',
  pin: '135790',
}
const PERSON = { name: '王五', id: '360426199101010071', mobile: '+8613900000012' }
const LEGAL = { name: '法务 李娜', email: 'li.na@xinghe.test', password: 'xinghe legal password' }
const OTHER = { company: '别家贸易有限公司', name: '孙丽', email: 'sun.li@other.test', password: 'other owner password' }

let srv, api, browser, files
const s = {}

before(async () => {
  srv = await startServer('console')
  api = srv.api
  browser = await launch()
  files = await tempDir()
  s.pdf = await threePagePdf(join(files, '技术服务合同.pdf'), 'Technical Services Agreement')
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

test('1. a company signs up and is verified: the owner, then the company, each approved in /ops', journey(async () => {
  const owner = await newContext(browser, 'desktop', srv.url)
  const page = await newPage(owner)
  s.ownerCtx = owner
  s.owner = page
  await signUpCompany(page, { company: CO.name, name: CO.owner, email: CO.email, password: CO.password })

  // Sign-up leads to the company's verification, the applicant first.
  await tid(page, 'applicant-form').waitFor()
  await fillField(page, 'applicant-id-number', CO.ownerID)
  await fillField(page, 'applicant-mobile', CO.ownerMobile.replace('+86', ''))
  const seq = await api.lastSeq()
  await tid(page, 'applicant-send-code').click()
  await fillField(page, 'applicant-code', await api.lastCode(CO.ownerMobile, seq))
  await tid(page, 'applicant-id-front').setInputFiles(await pngFile(files, 'id-front.png', 320, 200, [214, 228, 245]))
  await tid(page, 'applicant-id-back').setInputFiles(await pngFile(files, 'id-back.png', 320, 200, [236, 226, 208]))
  await screen(page, 110, 'console-applicant')
  await tid(page, 'applicant-submit').click()
  await page.locator('[data-testid="applicant-status"][data-state="submitted"]').waitFor()

  // The operator, in another browser, approves the person.
  const ops = await newContext(browser, 'desktop', srv.url)
  s.ops = await newPage(ops)
  await opsLogin(s.ops)
  await screen(s.ops, 111, 'console-ops-queue')
  await approvePerson(s.ops, CO.owner)

  // The owner's page notices and asks for the company's details.
  await tid(page, 'org-form').waitFor({ timeout: 15_000 })
  assert.equal(await tid(page, 'org-name').inputValue(), CO.name)
  await fillField(page, 'org-uscc', CO.uscc)
  await fillField(page, 'org-rep-name', CO.rep)
  await fillField(page, 'org-rep-id', CO.repID)
  await tid(page, 'org-letter').setInputFiles(s.pdf)
  await screen(page, 112, 'console-org-form')
  await tid(page, 'org-submit').click()
  await page.locator('[data-testid="org-status"][data-kind="pending"]').waitFor()

  await approveOrganisation(s.ops, CO.name)
  await page.locator('[data-testid="org-verify"][data-step="approved"]').waitFor({ timeout: 20_000 })
  await screen(page, 113, 'console-org-approved')
  s.verified = true
  assertAccessible()
}))

test('2. the owner designs a round contract seal; the operator approves it; the owner sets a PIN', journey(async (t) => {
  if (!need(t, 'verified')) return
  const page = s.owner
  s.sealID = await designOfficialSeal(page, { text: '合同专用章' })
  await screen(page, 114, 'console-seal-submitted')
  const seal = await api.call('GET', `/api/seals/${s.sealID}`, { token: await ownerToken() })
  await approveSeal(s.ops, seal.name)
  await screen(s.ops, 115, 'console-ops-seal-approved')

  await authoriseAndSetPin(page, s.sealID, { role: 'owner', pin: CO.pin })
  await page.locator('[data-testid="seal-detail"][data-state="active"]').waitFor()
  await screen(page, 116, 'console-seal-active')
  assertAccessible()
}))

test('3. the owner uploads a 3-page PDF, places a seal, a signature and a cross-page seal, orders company then person, and sends', journey(async (t) => {
  if (!need(t, 'sealID')) return
  const page = s.owner
  await page.goto('/app/contracts')
  await tid(page, 'contracts-empty').waitFor()
  await screen(page, 117, 'console-contracts-empty')
  await tid(page, 'contract-new').click()
  await page.waitForURL('**/app/contracts/new')
  s.title = '技术服务合同 ' + new Date().toISOString().slice(0, 16)
  await fillField(page, 'editor-title', s.title)
  await uploadDocuments(page, [s.pdf])
  const person = await addPersonSigner(page, { name: PERSON.name, mobile: PERSON.mobile.replace('+86', '') })
  const company = await addOrgSigner(page, { ownCompany: true })
  // Company first, then the person: the company was added second.
  await setOrder(page, [company, person])
  await placeField(page, { signer: 0, kind: 'seal', page: 2, at: { fx: 0.3, fy: 0.75 } })
  await placeField(page, { signer: 1, kind: 'signature', page: 2, at: { fx: 0.7, fy: 0.75 } })
  await toggleCrossPage(page, 0)
  await screen(page, 118, 'console-editor')
  s.contractID = await send(page)

  const k = await api.call('GET', `/api/contracts/${s.contractID}`, { token: await ownerToken() })
  assert.equal(k.state, 'in_progress')
  const [first, second] = [...k.parties].filter((p) => p.role === 'signer').sort((a, b) => a.order - b.order)
  assert.equal(first.kind, 'organization', 'the company signs first')
  assert.equal(second.kind, 'person', 'then the person')
  assert.ok(first.fields.some((f) => f.kind === 'seal' && f.page === 2), 'the company’s seal is on page 2')
  assert.ok(first.fields.some((f) => f.kind === 'cross_page'), 'the company has a cross-page seal')
  assert.ok(second.fields.some((f) => f.kind === 'signature' && f.page === 2), 'the person’s signature is on page 2')
  await tid(page, 'contract-title').waitFor()
  await screen(page, 119, 'console-contract-sent')
  assertAccessible()
}))

test('4. the owner stamps from the inbox, then the person signs on a phone', journey(async (t) => {
  if (!need(t, 'contractID')) return
  const page = s.owner
  await tid(page, 'nav-inbox').click()
  const row = tid(page, 'inbox-row').filter({ hasText: s.title })
  await row.waitFor()
  await screen(page, 120, 'console-inbox')
  await row.getByTestId('inbox-open').click()
  await page.waitForURL(/\/app\/inbox\/[^/]+$/)
  await pdfPageDrawn(page, 1)
  await tid(page, 'seal-option').first().click()
  await fillField(page, 'seal-pin', CO.pin)
  let seq = await api.lastSeq()
  await tid(page, 'request-code').click()
  await typeCode(page, await api.lastCode(CO.ownerMobile, seq))
  // The person's link is texted once the company has stamped.
  seq = await api.lastSeq()
  await tid(page, 'sign-submit').click()
  await tid(page, 'done').waitFor({ timeout: 30_000 })
  await screen(page, 121, 'console-inbox-stamped')
  const token = await api.lastLink(PERSON.mobile, seq)

  const phone = await newContext(browser, 'phone', srv.url)
  const p = await newPage(phone)
  await p.goto(`/s/${token}`)
  seq = await api.lastSeq()
  await tid(p, 'send-login-code').click()
  await typeCode(p, await api.lastCode(PERSON.mobile, seq))
  await tid(p, 'login-submit').click()
  await tid(p, 'verify-name').waitFor()
  await fillField(p, 'verify-name', PERSON.name)
  await fillField(p, 'verify-id-number', PERSON.id)
  await tid(p, 'verify-id-front').setInputFiles(await pngFile(files, 'p-front.png', 320, 200, [214, 228, 245]))
  await tid(p, 'verify-id-back').setInputFiles(await pngFile(files, 'p-back.png', 320, 200, [236, 226, 208]))
  await tid(p, 'verify-submit').click()
  await p.locator('[data-testid="verify-status"][data-state="submitted"], [data-testid="verify-status"][data-state="resubmitted"]').waitFor()
  await approvePerson(s.ops, PERSON.name)
  await p.locator('[data-testid="verify-status"][data-state="approved"]').waitFor({ timeout: 15_000 })
  await tid(p, 'pdf-page').first().waitFor({ timeout: 20_000 })
  await pdfPageDrawn(p, 1)
  await tid(p, 'mark-draw-tab').click()
  await drawSignature(p)
  await tid(p, 'mark-confirm').click()
  seq = await api.lastSeq()
  await tid(p, 'request-code').click()
  await typeCode(p, await api.lastCode(PERSON.mobile, seq))
  await tid(p, 'sign-submit').click()
  await tid(p, 'done').waitFor({ timeout: 30_000 })
  await screen(p, 122, 'console-person-signed')
  await phone.close()
  s.signed = true
  assertAccessible()
}))

test('5. the contract shows both signatures and its timeline; a legal member exports evidence that signet verifies', journey(async (t) => {
  if (!need(t, 'signed')) return
  const page = s.owner
  await page.goto(`/app/contracts/${s.contractID}`)
  await page.locator('[data-testid="contract-state"][data-state="completed"]').waitFor({ timeout: 20_000 })
  const states = await tid(page, 'party-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-state')))
  assert.deepEqual(states, ['signed', 'signed'], 'both signers signed')
  const events = await tid(page, 'timeline-event').evaluateAll((els) => els.map((e) => e.getAttribute('data-type')))
  assert.equal(events.filter((e) => e === 'signer.signed').length, 2, 'the timeline has both signatures')
  assert.ok(events.includes('contract.completed'), 'and the completion')
  assert.ok((await tid(page, 'revision').count()) >= 3, 'the prepared document and one revision per signature')
  await screen(page, 123, 'console-contract-completed')

  // The list finds it by keyword and status.
  await page.goto(`/app/contracts?q=${encodeURIComponent('技术服务')}&status=completed`)
  await tid(page, 'contract-row').filter({ hasText: s.title }).waitFor()
  await screen(page, 124, 'console-contracts')

  // A legal member, invited by the owner, exports the evidence.
  const url = await inviteMember(page, { email: LEGAL.email, role: 'legal' })
  const legalCtx = await newContext(browser, 'desktop', srv.url)
  const legal = await newPage(legalCtx)
  await acceptInvitation(legal, url, { name: LEGAL.name, password: LEGAL.password })
  await legal.goto('/app/evidence')
  const row = legal.locator(`[data-testid="evidence-row"][data-contract-id="${s.contractID}"]`)
  await row.waitFor()
  await row.getByTestId('evidence-select').check()
  await tid(legal, 'evidence-export-selected').click()
  await tid(legal, 'export-progress').waitFor()
  await screen(legal, 125, 'console-evidence-progress')
  await legal.locator('[data-testid="export-progress"][data-state="done"]').waitFor({ timeout: 60_000 })
  assert.equal(await tid(legal, 'export-bar').getAttribute('aria-valuenow'), '100')
  await screen(legal, 126, 'console-evidence-done')
  const [download] = await Promise.all([legal.waitForEvent('download'), tid(legal, 'export-download').click()])
  const zip = join(ARTIFACTS, 'console-export.zip')
  await download.saveAs(zip)
  const pkg = join(files, 'package.zip')
  await execFileP('sh', ['-c', `unzip -p "$1" "evidence-$2.zip" > "$3"`, 'sh', zip, s.contractID, pkg])
  const out = await execFileP(SIGNET_BIN, ['evidence', 'verify', pkg]).catch((e) => e)
  assert.equal(out.code ?? 0, 0, `signet evidence verify failed:\n${out.stdout}${out.stderr}`)
  console.log(`signet evidence verify: ${String(out.stdout).trim().split('\n').slice(-1)[0]}`)

  // The guide for the court expert, linked from the desk.
  await tid(legal, 'evidence-guide-link').click()
  await legal.waitForURL('**/verify/evidence')
  await tid(legal, 'guide-fingerprint').first().waitFor()
  await screen(legal, 127, 'console-evidence-guide')
  await legalCtx.close()
  assertAccessible()
}))

test('6. another company’s owner opening the contract’s URL is told it is not found', journey(async (t) => {
  if (!need(t, 'contractID')) return
  const ctx = await newContext(browser, 'desktop', srv.url)
  const page = await newPage(ctx)
  await signUpCompany(page, OTHER)
  await page.goto(`/app/contracts/${s.contractID}`)
  await tid(page, 'contract-not-found').waitFor()
  assert.equal(await tid(page, 'contract-title').count(), 0, 'nothing of the contract shows')
  await screen(page, 128, 'console-not-found')
  await ctx.close()
  assertAccessible()
}))

test('7. every console screen lays out at 1440×900 and on a 1024-wide laptop, with no sideways scrolling', journey(async (t) => {
  if (!need(t, 'contractID', 'sealID')) return
  const screens = [
    ['contracts', '/app/contracts', 'contract-row'],
    ['contract', `/app/contracts/${s.contractID}`, 'contract-title'],
    ['editor', '/app/contracts/new', 'editor-title'],
    ['inbox', '/app/inbox', 'inbox-row'],
    ['seals', '/app/seals', 'nav-seals'],
    ['seal', `/app/seals/${s.sealID}`, 'seal-detail'],
    ['templates', '/app/templates', 'nav-templates'],
    ['evidence', '/app/evidence', 'evidence-row'],
    ['automation', '/app/automation', 'nav-automation'],
    ['identity', '/app/identity', 'nav-identity'],
    ['members', '/app/members', 'nav-members'],
    ['webhooks', '/app/webhooks', 'nav-webhooks'],
    ['settings', '/app/settings', 'nav-settings'],
  ]
  const ops = [
    ['ops-reviews', '/ops/reviews', 'nav-reviews'],
    ['ops-payouts', '/ops/payouts', 'nav-payouts'],
    ['ops-seals', '/ops/seals', 'nav-seals'],
    ['ops-tenants', '/ops/tenants', 'nav-tenants'],
  ]
  let n = 130
  for (const [width, height] of [[1440, 900], [1024, 768]]) {
    for (const [page, list] of [[s.owner, screens], [s.ops, ops]]) {
      await page.setViewportSize({ width, height })
      for (const [name, url, ready] of list) {
        await page.goto(url)
        await tid(page, ready).first().waitFor()
        // Let lists and images that load after the first paint arrive.
        await page.waitForLoadState('networkidle')
        const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
        assert.ok(over <= 0, `${name} at ${width}px scrolls sideways by ${over}px`)
        if (width === 1024) await screen(page, n++, `laptop-${name}`)
      }
    }
  }
  assertAccessible()
}))

// ownerToken is the owner's current access token, read from the browser's
// storage (the test checks what the browser did through the same API).
async function ownerToken() {
  const raw = await s.owner.evaluate(() => localStorage.getItem('signet.session'))
  return JSON.parse(raw).access_token
}
