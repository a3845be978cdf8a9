// An OFD contract (GB/T 33190) in a real browser: the demo company sends
// its sample contract as an OFD; 王五, verified in advance, signs it on a
// phone (the pages drawn by the server, the drawn signature, the
// willingness code); the company's owner stamps it from the inbox; the
// final OFD, downloaded through the API, verifies on /verify with a card
// per seal. Every screen is photographed and checked with axe.
import { after, afterEach, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  ARTIFACTS, DEMO, assertAccessible, clearAccessible, journey, launch, newContext, newPage, pollUntil, screen, startServer, tempDir, tid,
} from './harness.mjs'
import { checkRows, drawSignature, fillField, pdfPageDrawn, typeCode, uploadForVerdict } from './steps.mjs'

let srv, api, browser, files
const s = {}

before(async () => {
  srv = await startServer('ofd')
  api = srv.api
  browser = await launch()
  files = await tempDir()
  s.demo = await api.demo({ verify_signer: true, format: 'ofd' })
  s.token = s.demo.signing_link.split('/s/')[1]
  s.owner = await api.login(s.demo.owner_email, s.demo.owner_password)
})

afterEach(clearAccessible)

after(async () => {
  await browser?.close()
  await srv?.stop()
  if (files) await rm(files, { recursive: true, force: true })
})

test('an individual signs an OFD contract on a phone, and the company stamps it', journey(async () => {
  const ctx = await newContext(browser, 'phone', srv.url)
  const page = await newPage(ctx)
  await page.goto(`/s/${s.token}`)
  let seq = await api.lastSeq()
  await tid(page, 'send-login-code').click()
  await typeCode(page, await api.lastCode(DEMO.signerMobile, seq))
  await tid(page, 'login-submit').click()

  // The OFD's pages, drawn by the server and shown by the same viewer.
  await tid(page, 'pdf-page').first().waitFor({ timeout: 30_000 })
  await pdfPageDrawn(page, 1)
  assert.equal(await tid(page, 'pdf-page').count(), 3, 'three pages: an OFD gets no verification page')
  await screen(page, 51, 'ofd-document')

  await tid(page, 'mark-draw-tab').click()
  await drawSignature(page)
  await tid(page, 'mark-confirm').click()
  seq = await api.lastSeq()
  await tid(page, 'request-code').click()
  await typeCode(page, await api.lastCode(DEMO.signerMobile, seq))
  await tid(page, 'sign-submit').click()
  await tid(page, 'done').waitFor({ timeout: 30_000 })
  await screen(page, 52, 'ofd-signed')
  await ctx.close()

  // The company stamps from the inbox on a desktop.
  const desk = await newContext(browser, 'desktop', srv.url)
  const inbox = await newPage(desk)
  await inbox.goto('/login')
  await fillField(inbox, 'login-email', s.demo.owner_email)
  await fillField(inbox, 'login-password', s.demo.owner_password)
  await tid(inbox, 'login-submit').click()
  await inbox.waitForURL('**/app/contracts')
  await inbox.goto('/app/inbox')
  const row = tid(inbox, 'inbox-row').filter({ hasText: s.demo.contract_title })
  await row.waitFor()
  await row.getByTestId('inbox-open').click()
  await inbox.waitForURL(/\/app\/inbox\/[^/]+$/)
  await pdfPageDrawn(inbox, 1)
  await tid(inbox, 'seal-option').first().click()
  await fillField(inbox, 'seal-pin', DEMO.pin)
  seq = await api.lastSeq()
  await tid(inbox, 'request-code').click()
  await typeCode(inbox, await api.lastCode(DEMO.ownerMobile, seq))
  await tid(inbox, 'sign-submit').click()
  await tid(inbox, 'done').waitFor({ timeout: 30_000 })
  // The stamped pages, with the company's seal and its cross-page slices.
  await pdfPageDrawn(inbox, 1)
  await screen(inbox, 53, 'ofd-stamped')

  const k = await pollUntil(async () => {
    const k = await api.call('GET', `/api/contracts/${s.demo.contract_id}`, { token: s.owner })
    return k.state === 'completed' && k
  }, 'the OFD contract to be completed')
  const doc = k.documents[0]
  assert.equal(doc.format, 'ofd')

  // The final OFD verifies on /verify: two seals, every check passing.
  const final = await api.bytes(`/api/files/${doc.id}/pdf`, s.owner)
  assert.equal(final.subarray(0, 4).toString('latin1'), 'PK\x03\x04', 'the download is the OFD package')
  const finalPath = join(ARTIFACTS, 'final.ofd')
  await writeFile(finalPath, final)
  const check = await newPage(desk)
  await check.goto('/verify')
  await uploadForVerdict(check, finalPath, 'valid')
  assert.equal(await tid(check, 'signature-card').count(), 2, 'a card for each seal')
  const rows = await checkRows(check)
  assert.deepEqual(rows.filter((r) => r.status === 'fail'), [], 'no check fails')
  await screen(check, 54, 'ofd-verify')
  await desk.close()
  assertAccessible()
}))
