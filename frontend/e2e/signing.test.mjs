// The signing journey in a real browser, against `signet serve` on SQLite:
// an individual who is not verified yet signs a contract on a phone
// (SMS sign-in, real-name verification approved by an operator, a drawn
// signature, the willingness code, a wrong one first), a member of the
// counterparty company stamps it from the inbox on a desktop, and the
// final PDF is checked on /verify, then with one byte changed. Every
// screen is photographed and checked with axe.
import { after, afterEach, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFile, writeFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import {
  ARTIFACTS, DEMO, OPS, assertAccessible, clearAccessible, journey, launch, newContext, newPage, pngFile, pollUntil, screen, startServer, tamper, tempDir, tid, tool,
} from './harness.mjs'
import { checkRows, drawSignature, fillField, pdfPageDrawn, typeCode, uploadForVerdict } from './steps.mjs'

let srv, api, browser, files
// What the steps hand each other.
const s = {}

before(async () => {
  srv = await startServer('signing')
  api = srv.api
  browser = await launch()
  files = await tempDir()
  // The demo company with its verified owner, organisation and approved
  // seal sends a contract to itself and to 王五, who is not verified yet.
  s.demo = await api.demo({ verify_signer: false })
  s.token = s.demo.signing_link.split('/s/')[1]
  s.ops = await api.login(OPS.email, OPS.password)
  s.owner = await api.login(s.demo.owner_email, s.demo.owner_password)
})

afterEach(clearAccessible)

after(async () => {
  await browser?.close()
  await srv?.stop()
  if (files) await rm(files, { recursive: true, force: true })
})

// need skips a step whose earlier steps failed, instead of failing it again.
function need(t, ...keys) {
  const missing = keys.filter((k) => !s[k])
  if (missing.length) t.skip(`an earlier step failed (no ${missing.join(', ')})`)
  return missing.length === 0
}

test('an individual signs on a phone: SMS sign-in, real-name verification, a drawn signature and the willingness code', journey(async () => {
  const ctx = await newContext(browser, 'phone', srv.url)
  s.phone = ctx
  const page = await newPage(ctx)

  // The link's page says who sent what, and until when.
  await page.goto(`/s/${s.token}`)
  await tid(page, 'sender').waitFor()
  assert.equal((await tid(page, 'sender').innerText()).trim(), DEMO.company)
  assert.match(await tid(page, 'deadline').innerText(), /\d/, 'the deadline shows a date')
  await screen(page, 1, 'link')

  // Sign in with the code texted to the link's number.
  let seq = await api.lastSeq()
  await tid(page, 'send-login-code').click()
  const loginCode = await api.lastCode(DEMO.signerMobile, seq)
  await typeCode(page, loginCode)
  await screen(page, 2, 'sign-in')
  await tid(page, 'login-submit').click()

  // Real-name verification, in the page.
  await tid(page, 'verify-name').waitFor()
  await fillField(page, 'verify-name', DEMO.signerName)
  await fillField(page, 'verify-id-number', DEMO.signerID)
  await tid(page, 'verify-id-front').setInputFiles(await pngFile(files, 'id-front.png', 320, 200, [214, 228, 245]))
  await tid(page, 'verify-id-back').setInputFiles(await pngFile(files, 'id-back.png', 320, 200, [236, 226, 208]))
  await screen(page, 3, 'verification-form')
  await tid(page, 'verify-submit').click()

  // The number the signer signed in with is proved already: the form does
  // not ask for it, or for another code.
  const status = page.locator('[data-testid="verify-status"]')
  const mobile = tid(page, 'verify-mobile')
  await status.or(mobile).first().waitFor()
  assert.equal(await mobile.isVisible(), false, 'the verification form asked for the mobile number and a code again')

  // Waiting for the operator, who approves through the API; the page
  // notices by itself.
  await page.locator('[data-testid="verify-status"][data-state="submitted"], [data-testid="verify-status"][data-state="resubmitted"]').waitFor()
  await screen(page, 4, 'verification-status')
  const queue = await api.call('GET', '/api/operator/identity/queue', { token: s.ops })
  const items = queue.items ?? queue
  const mine = items.find((i) => i.kind === 'person' && i.name === DEMO.signerName)
  assert.ok(mine, `王五 is in the review queue: ${JSON.stringify(queue)}`)
  await api.call('POST', `/api/operator/identity/persons/${mine.id}/approve`, { token: s.ops })
  await page.locator('[data-testid="verify-status"][data-state="approved"]').waitFor({ timeout: 15_000 })

  // The contract, drawn by pdf.js.
  await tid(page, 'pdf-page').first().waitFor({ timeout: 20_000 })
  await pdfPageDrawn(page, 1)
  // Three pages of contract, and the page the server adds when it sends.
  assert.ok((await tid(page, 'pdf-page').count()) >= 3, 'the viewer shows every page')
  await tid(page, 'zoom-in').click()
  await tid(page, 'zoom-out').click()
  await tid(page, 'next-field').click()
  await screen(page, 5, 'document')

  // The signature, drawn with a finger.
  await tid(page, 'mark-draw-tab').click()
  await drawSignature(page)
  await assert.doesNotReject(
    page.locator('[data-testid="signature-undo"]:enabled').waitFor({ timeout: 3000 }),
    'the pad took the strokes (undo is enabled)',
  )
  await screen(page, 6, 'signature-pad')
  await tid(page, 'mark-confirm').click()

  // The willingness code: a wrong one is refused with a message, the
  // right one signs.
  seq = await api.lastSeq()
  await tid(page, 'request-code').click()
  const code = await api.lastCode(DEMO.signerMobile, seq)
  const wrong = code === '000000' ? '111111' : '000000'
  await typeCode(page, wrong)
  await tid(page, 'sign-submit').click()
  await assert.doesNotReject(page.locator('[data-testid="error-message"]', { hasText: '验证码错误' }).waitFor())
  await screen(page, 7, 'code-entry')
  await typeCode(page, code)
  await tid(page, 'sign-submit').click()
  await tid(page, 'done').waitFor({ timeout: 30_000 })
  // The done page first shows what it knew before signing, then reloads.
  await page.locator('[data-testid="done"] li.signed').first().waitFor({ timeout: 10_000 })
    .catch(() => console.log('the done page does not show the signer as signed (li.signed) within 10s'))
  await screen(page, 8, 'done')

  const k = await api.call('GET', `/api/contracts/${s.demo.contract_id}`, { token: s.owner })
  const person = k.parties.find((p) => p.kind === 'person')
  assert.equal(person.state, 'signed', 'the server has the individual as signed')
  s.signed = page
  assertAccessible()
}))

test('a member of the company stamps it from the inbox on a desktop', journey(async (t) => {
  if (!need(t, 'signed')) return
  const ctx = await newContext(browser, 'desktop', srv.url)
  const page = await newPage(ctx)

  await page.goto('/login')
  await tid(page, 'login-email').waitFor()
  await screen(page, 9, 'login')
  await fillField(page, 'login-email', s.demo.owner_email)
  await fillField(page, 'login-password', s.demo.owner_password)
  await tid(page, 'login-submit').click()

  // Members land on the console's contracts; the inbox is in its menu.
  await page.waitForURL('**/app/contracts')
  await tid(page, 'nav-inbox').click()
  await page.waitForURL('**/app/inbox')
  const row = tid(page, 'inbox-row').filter({ hasText: s.demo.contract_title })
  await row.waitFor()
  await screen(page, 10, 'inbox')
  await row.getByTestId('inbox-open').click()

  // The seal, its PIN and the willingness code texted to the owner.
  await page.waitForURL(/\/app\/inbox\/[^/]+$/)
  await pdfPageDrawn(page, 1)
  const seal = tid(page, 'seal-option').first()
  await seal.waitFor()
  assert.ok(await seal.getAttribute('data-seal-id'), 'the seal option names its seal')
  await seal.click()
  await fillField(page, 'seal-pin', DEMO.pin)
  const seq = await api.lastSeq()
  await tid(page, 'request-code').click()
  const code = await api.lastCode(DEMO.ownerMobile, seq)
  await typeCode(page, code)
  await screen(page, 11, 'inbox-stamp')
  await tid(page, 'sign-submit').click()
  await tid(page, 'done').waitFor({ timeout: 30_000 })
  // The viewer loads the stamped revision.
  await pdfPageDrawn(page, 1)
  await screen(page, 12, 'inbox-stamped')

  const k = await pollUntil(async () => {
    const k = await api.call('GET', `/api/contracts/${s.demo.contract_id}`, { token: s.owner })
    return k.state === 'completed' && k
  }, 'the contract to be completed')
  s.verifyCode = k.verify_code
  s.completed = true
  await ctx.close()
  assertAccessible()
}))

test('the final PDF, downloaded by the browser, verifies on /verify; one changed byte does not', journey(async (t) => {
  if (!need(t, 'completed', 'signed')) return
  // The signer's page, once everyone has signed, offers the final contract.
  const page = s.signed
  await page.goto(`/s/${s.token}`)
  const final = tid(page, 'download-final').first()
  await final.waitFor({ timeout: 20_000 })
  await screen(page, 13, 'link-completed')
  const [download] = await Promise.all([page.waitForEvent('download'), final.click()])
  const finalPath = join(ARTIFACTS, 'final.pdf')
  await download.saveAs(finalPath)
  const pdf = await readFile(finalPath)
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-', 'the download is a PDF')
  assert.ok((pdf.toString('latin1').match(/\/ByteRange/g) ?? []).length >= 3, 'the final PDF carries both signatures and the archive time-stamp')
  assert.ok(pdf.toString('latin1').includes('/DocTimeStamp'), 'the final PDF has a document time-stamp (PAdES B-LTA)')
  s.finalSM3 = createHash('sm3').update(pdf).digest('hex')
  const { pdf: bad, offset } = tamper(pdf)
  const tamperedPath = join(ARTIFACTS, 'final-tampered.pdf')
  await writeFile(tamperedPath, bad)
  console.log(`tampered: byte ${offset} of ${pdf.length} flipped`)

  // pdfsig cannot check SM2 signatures; its opinion is only logged.
  const sig = await tool('/usr/bin/pdfsig', [finalPath])
  if (sig) console.log(`pdfsig final.pdf:\n${sig.out}`)
  const png = await tool('/usr/bin/pdftoppm', ['-r', '60', '-png', finalPath, join(ARTIFACTS, 'final-page')])
  if (png && !png.ok) console.log(`pdftoppm: ${png.out}`)
  if (png) {
    // The seal is red on the last page of the contract (page 3; page 4 is
    // the verification page the server adds).
    const ppm = join(files, 'page')
    await tool('/usr/bin/pdftoppm', ['-r', '60', '-f', '3', '-l', '3', finalPath, ppm])
    const red = redPixels(await readFile(`${ppm}-3.ppm`))
    assert.ok(red > 300, `the seal shows red on page 3 of the final PDF (${red} red pixels at 60 dpi)`)
  } else {
    console.log('no /usr/bin/pdftoppm (poppler-utils): the final PDF is not rendered')
  }

  const ctx = await newContext(browser, 'desktop', srv.url)
  const desk = await newPage(ctx)
  await desk.goto('/verify')
  await tid(desk, 'verify-drop').waitFor()
  await screen(desk, 14, 'verify')
  await uploadForVerdict(desk, finalPath, 'valid')
  const rows = await checkRows(desk)
  assert.ok(rows.length > 0, 'the report has check rows')
  const notPassed = rows.filter((r) => r.status !== 'pass' && r.status !== 'n/a')
  assert.deepEqual(notPassed, [], 'every check passes (or does not apply)')
  assert.equal(await tid(desk, 'signature-card').count(), 3, 'a card for each signature and one for the archive time-stamp')
  const level = await tid(desk, 'pades-level').first().innerText()
  assert.ok(level.includes('B-LTA'), `the first signature is PAdES B-LTA: ${level}`)
  await screen(desk, 15, 'verify-valid')

  await uploadForVerdict(desk, tamperedPath, 'invalid')
  const badRows = await checkRows(desk)
  const failed = badRows.filter((r) => r.status === 'fail')
  assert.ok(
    failed.some((r) => r.check === 'integrity' || r.check === 'changes'),
    `an integrity or changes row fails: ${JSON.stringify(badRows)}`,
  )
  await screen(desk, 16, 'verify-tampered')

  // The same check on the phone.
  const phone = await newPage(s.phone)
  await phone.goto('/verify')
  await uploadForVerdict(phone, finalPath, 'valid')
  await screen(phone, 17, 'verify-valid')
  await phone.close()
  await ctx.close()

  // Someone else who opens the link learns that the contract is complete.
  const other = await newContext(browser, 'phone', srv.url)
  const fresh = await newPage(other)
  await fresh.goto(`/s/${s.token}`)
  await fresh.locator('[data-testid="link-state"][data-state="completed"]').waitFor()
  await screen(fresh, 19, 'link-completed-signed-out')
  await other.close()
  assertAccessible()
}))

test('/v/{code} shows the completed contract\'s record', journey(async (t) => {
  if (!need(t, 'verifyCode')) return
  for (const kind of ['desktop', 'phone']) {
    const ctx = kind === 'phone' ? s.phone : await newContext(browser, 'desktop', srv.url)
    const page = await newPage(ctx)
    await page.goto(`/v/${s.verifyCode}`)
    const record = tid(page, 'record')
    await record.waitFor()
    const text = await record.innerText()
    assert.ok(text.includes(s.demo.contract_title), `the record names the contract: ${text}`)
    if (s.finalSM3) assert.ok(text.replace(/\s/g, '').includes(s.finalSM3), 'the record\'s SM3 digest is that of the final PDF the signer downloaded')
    await screen(page, 18, 'record')
    await page.close()
    if (kind === 'desktop') await ctx.close()
  }
  assertAccessible()
}))

// redPixels counts strongly red pixels of a binary PPM (P6) image.
function redPixels(ppm) {
  const head = ppm.toString('latin1', 0, 64).match(/^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/)
  assert.ok(head, 'pdftoppm wrote a P6 image')
  let n = 0
  for (let i = head[0].length; i + 2 < ppm.length; i += 3) if (ppm[i] > 170 && ppm[i + 1] < 90 && ppm[i + 2] < 90) n++
  return n
}
