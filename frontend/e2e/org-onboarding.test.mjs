// An organisation that is not on Signet yet is a party to a contract: its
// contact person gets a text with a link, opens it on a phone, creates an
// account for the company, verifies themselves and the company (an
// operator approves both through the API), and lands on the contract in
// the company inbox. Desktop views of the same screens are photographed
// along the way; every screen is checked with axe.
import { after, afterEach, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import {
  DEMO, OPS, assertAccessible, clearAccessible, journey, launch, newContext, newPage, pngFile, screen, startServer, tempDir, tid,
} from './harness.mjs'
import { fillField, pdfPageDrawn } from './steps.mjs'

// The company the contract is sent to: not on Signet (the demo company is
// 91110000600037341L), reached through its contact person's mobile.
const ORG = {
  name: '闽江贸易有限公司',
  uscc: '91350100M000100Y43',
  contact: '陈静',
  mobile: '+8613800000009',
  email: 'chen.jing@minjiang.test',
  password: 'minjiang e2e password',
  // The contact's own ID number (she applies for the company) and the
  // legal representative's.
  contactID: '110101199003070089',
  rep: '林海',
  repID: '11010519491231002X',
}

let srv, api, browser, files
const s = {}

before(async () => {
  srv = await startServer('org-onboarding')
  api = srv.api
  browser = await launch()
  files = await tempDir()
  // The demo company (verified, with a seal) sends the contract; its
  // sample PDF is reused as the contract and as the authorisation letter.
  const demo = await api.demo({ verify_signer: true })
  s.owner = await api.login(demo.owner_email, demo.owner_password)
  s.ops = await api.login(OPS.email, OPS.password)
  const k = await api.call('GET', `/api/contracts/${demo.contract_id}`, { token: s.owner })
  const pdf = await api.bytes(`/api/files/${k.documents[0].id}/pdf?version=original`, s.owner)
  s.letter = join(files, '授权委托书.pdf')
  await writeFile(s.letter, pdf)

  const form = new FormData()
  form.append('file', new Blob([pdf], { type: 'application/pdf' }), '供货合同.pdf')
  const file = await api.call('POST', '/api/files', { token: s.owner, body: form, want: 201 })
  s.title = '供货合同 ' + new Date().toISOString().slice(0, 16)
  const seq = await api.lastSeq()
  s.contract = await api.call('POST', '/api/contracts', {
    token: s.owner,
    want: 201,
    body: {
      title: s.title,
      document_ids: [file.id],
      send: true,
      parties: [{
        kind: 'organization', order: 1, org_name: ORG.name, org_uscc: ORG.uscc, name: ORG.contact, mobile: ORG.mobile,
        fields: [{ kind: 'seal', document: 0, anchor: '甲方（盖章）', offset_x: 70, offset_y: -40 }],
      }],
    },
  })
  // The invitation to an organisation asks it to verify, then stamp.
  const m = await api.waitText(ORG.mobile, /请认证后盖章[\s\S]*?\/s\/([A-Za-z0-9_-]{43})/, seq, { timeout: 20_000 })
  s.token = m[1]
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

// queued waits for an application in the operators' review queue.
async function queued(kind, name) {
  const deadline = Date.now() + 10_000
  for (;;) {
    const q = await api.call('GET', '/api/operator/identity/queue', { token: s.ops })
    const found = (q.items ?? q).find((i) => (kind === 'person' ? i.kind === 'person' : i.kind !== 'person') && i.name === name)
    if (found) return found
    if (Date.now() > deadline) throw new Error(`no ${kind} application of ${name} in the queue: ${JSON.stringify(q)}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

// Desktop views of the member pages, signed in as the phone is: the
// session's tokens are copied into a desktop context.
async function desktopAs(phonePage) {
  const stored = await phonePage.evaluate(() => [localStorage.getItem('signet.session'), localStorage.getItem('signet.profile')])
  const ctx = await newContext(browser, 'desktop', srv.url)
  await ctx.addInitScript(([session, profile]) => {
    if (location.protocol !== 'http:') return // about:blank has no storage
    localStorage.setItem('signet.session', session)
    localStorage.setItem('signet.profile', profile)
  }, stored)
  return ctx
}

async function desktopView(ctx, url, stepName, nn, name) {
  const page = await newPage(ctx)
  await page.goto(url)
  await page.locator(`[data-testid="org-verify"][data-step="${stepName}"]`).waitFor()
  await screen(page, nn, name)
  await page.close()
}

test('the link tells the contact person what to do, on a phone and a desktop', journey(async (t) => {
  if (!need(t, 'token')) return
  const info = await api.call('GET', `/api/links/${s.token}/info`)
  assert.equal(info.party_kind, 'organization')
  assert.equal(info.org_uscc, ORG.uscc, 'the link names the credit code')
  assert.ok(info.party_id, 'the link names its party')
  s.partyID = info.party_id

  const desk = await newContext(browser, 'desktop', srv.url)
  const page = await newPage(desk)
  await page.goto(`/s/${s.token}`)
  await tid(page, 'org-link').waitFor()
  assert.equal(await tid(page, 'org-uscc').innerText(), ORG.uscc)
  await screen(page, 40, 'org-link')
  assert.equal(await tid(page, 'org-login').getAttribute('href'), `/login?next=/app/inbox/${s.partyID}`)
  await tid(page, 'org-signup').click()
  await page.waitForURL(/\/signup\?/)
  await tid(page, 'signup-name').waitFor()
  await screen(page, 41, 'signup')
  await desk.close()

  // The sign-up page is opened from the link inside the app; whether the
  // server also answers /signup itself (a reload, a new tab) is logged.
  const r = await fetch(`${srv.url}/signup`)
  if (r.status !== 200) console.log(`GET /signup: ${r.status}; the server does not route /signup to the web app (app/web.go appPaths)`)
  assertAccessible()
}))

test('from the SMS link to the contract: sign up, verify the applicant and the company, open the contract', journey(async (t) => {
  if (!need(t, 'token', 'partyID')) return
  const ctx = await newContext(browser, 'phone', srv.url)
  const page = await newPage(ctx)

  await page.goto(`/s/${s.token}`)
  await tid(page, 'org-link').waitFor()
  assert.match(await page.locator('h1').innerText(), new RegExp(ORG.name))
  await screen(page, 42, 'org-link')

  // Create an account for the company: its name comes from the link.
  await tid(page, 'org-signup').click()
  await page.waitForURL(/\/signup\?/)
  assert.equal(await tid(page, 'signup-company').inputValue(), ORG.name)
  // Sent empty, each field says what it needs.
  await tid(page, 'signup-submit').click()
  await tid(page, 'signup-error').waitFor()
  assert.equal(await tid(page, 'signup-name').getAttribute('aria-invalid'), 'true')
  await screen(page, 43, 'signup-errors')
  await fillField(page, 'signup-name', ORG.contact)
  await fillField(page, 'signup-email', ORG.email)
  await fillField(page, 'signup-password', ORG.password)
  await screen(page, 43, 'signup')
  await tid(page, 'signup-submit').click()

  // Her own verification first: the company's needs a verified applicant.
  await page.waitForURL(/\/app\/identity\/organisation\?/)
  const url = new URL(page.url())
  assert.equal(url.searchParams.get('next'), `/app/inbox/${s.partyID}`)
  assert.equal(url.searchParams.get('uscc'), ORG.uscc)
  await tid(page, 'applicant-form').waitFor()
  assert.equal(await tid(page, 'applicant-name').inputValue(), ORG.contact, 'the name she signed up with')
  await fillField(page, 'applicant-id-number', ORG.contactID)
  await fillField(page, 'applicant-mobile', ORG.mobile.replace('+86', ''))
  let seq = await api.lastSeq()
  await tid(page, 'applicant-send-code').click()
  await fillField(page, 'applicant-code', await api.lastCode(ORG.mobile, seq))
  await tid(page, 'applicant-id-front').setInputFiles(await pngFile(files, 'id-front.png', 320, 200, [214, 228, 245]))
  await tid(page, 'applicant-id-back').setInputFiles(await pngFile(files, 'id-back.png', 320, 200, [236, 226, 208]))
  await screen(page, 44, 'applicant-form')
  const desk = await desktopAs(page)
  await desktopView(desk, url.pathname + url.search, 'person-form', 44, 'applicant-form')
  await tid(page, 'applicant-submit').click()

  await page.locator('[data-testid="applicant-status"][data-state="submitted"]').waitFor()
  await screen(page, 45, 'applicant-waiting')
  await desktopView(desk, url.pathname + url.search, 'person-wait', 45, 'applicant-waiting')
  const applicant = await queued('person', ORG.contact)
  await api.call('POST', `/api/operator/identity/persons/${applicant.id}/approve`, { token: s.ops })

  // The page notices the approval and asks for the company's details,
  // with its name and credit code from the link.
  await tid(page, 'org-form').waitFor({ timeout: 15_000 })
  await tid(page, 'applicant-passed').waitFor()
  assert.equal(await tid(page, 'org-name').inputValue(), ORG.name)
  assert.equal(await tid(page, 'org-uscc').inputValue(), ORG.uscc)
  await fillField(page, 'org-rep-name', ORG.rep)
  await fillField(page, 'org-rep-id', ORG.repID)
  await tid(page, 'org-letter').setInputFiles(s.letter)
  assert.equal(await tid(page, 'org-letter-name').innerText(), '授权委托书.pdf')
  await screen(page, 46, 'org-form')
  await desktopView(desk, url.pathname + url.search, 'org-form', 46, 'org-form')
  await tid(page, 'org-submit').click()

  await page.locator('[data-testid="org-status"][data-kind="pending"]').waitFor()
  await screen(page, 47, 'org-waiting')
  await desktopView(desk, url.pathname + url.search, 'org-status', 47, 'org-waiting')

  // Reopening the SMS link meanwhile offers to carry on.
  const again = await newPage(ctx)
  await again.goto(`/s/${s.token}`)
  await tid(again, 'org-continue').waitFor()
  await screen(again, 48, 'org-link-returning')
  await again.close()

  const orgApp = await queued('organisation', ORG.name)
  await api.call('POST', `/api/operator/identity/organisations/${orgApp.id}/approve`, { token: s.ops })

  // Approved: on to the contract in the company inbox, by itself.
  await page.waitForURL(`**/app/inbox/${s.partyID}`, { timeout: 20_000 })
  await tid(page, 'pdf-page').first().waitFor({ timeout: 20_000 })
  await pdfPageDrawn(page, 1)
  assert.ok((await page.locator('h1').innerText()).includes(s.title), 'the page is the contract')
  assert.equal((await tid(page, 'sender').innerText()).trim(), DEMO.company)
  await screen(page, 49, 'inbox-contract')

  // The same account on a desktop: the approved verification (no next: it
  // stays), then the contract in the inbox list.
  await desktopView(desk, '/app/identity/organisation', 'approved', 50, 'org-approved')
  const list = await newPage(desk)
  await list.goto('/app/inbox')
  await tid(list, 'inbox-row').filter({ hasText: s.title }).waitFor()
  await screen(list, 51, 'inbox')
  await list.goto(`/app/inbox/${s.partyID}`)
  await pdfPageDrawn(list, 1)
  await screen(list, 52, 'inbox-contract')
  await desk.close()
  await ctx.close()

  const k = await api.call('GET', `/api/contracts/${s.contract.id}`, { token: s.owner })
  const party = k.parties.find((p) => p.id === s.partyID)
  assert.equal(party.state, 'viewed', 'the sender sees that the company opened the contract')
  assertAccessible()
}))
