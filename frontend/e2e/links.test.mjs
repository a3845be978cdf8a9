// Links that no longer lead to a signing: the signer refuses (through the
// page), the sender withdraws the contract, the link outlives its
// deadline, or the token is unknown. Each page says which.
import { after, afterEach, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { DEMO, assertAccessible, clearAccessible, journey, launch, newContext, newPage, screen, startServer, tid } from './harness.mjs'
import { fillField, pdfPageDrawn, typeCode } from './steps.mjs'

const execFileP = promisify(execFile)
let srv, api, browser, owner

before(async () => {
  srv = await startServer('links')
  api = srv.api
  browser = await launch()
})

afterEach(clearAccessible)

after(async () => {
  await browser?.close()
  await srv?.stop()
})

// contract sends a fresh demo contract to the (verified) individual.
async function contract() {
  const d = await api.demo({ verify_signer: true })
  owner ??= await api.login(d.owner_email, d.owner_password)
  return { ...d, token: d.signing_link.split('/s/')[1] }
}

// ended opens a link on a fresh phone and waits for the state it shows.
async function ended(token, state, nn) {
  const ctx = await newContext(browser, 'phone', srv.url)
  try {
    const page = await newPage(ctx)
    await page.goto(`/s/${token}`)
    const el = tid(page, 'link-state')
    await el.waitFor()
    await assert.doesNotReject(
      page.locator(`[data-testid="link-state"][data-state="${state}"]`).waitFor({ timeout: 10_000 }),
      `the link says ${state}, not ${await el.getAttribute('data-state')}`,
    )
    await screen(page, nn, `link-${state}`)
  } finally {
    await ctx.close()
  }
}

test('the signer refuses on the phone with a reason: the link then says rejected', journey(async () => {
  const d = await contract()
  const ctx = await newContext(browser, 'phone', srv.url)
  const page = await newPage(ctx)
  await page.goto(`/s/${d.token}`)
  const seq = await api.lastSeq()
  await tid(page, 'send-login-code').click()
  await typeCode(page, await api.lastCode(DEMO.signerMobile, seq))
  await tid(page, 'login-submit').click()
  await pdfPageDrawn(page, 1)

  await tid(page, 'reject-open').click()
  await fillField(page, 'reject-reason', '价格与报价单不一致')
  await screen(page, 20, 'reject-dialog')
  await tid(page, 'reject-submit').click()
  await page.locator('[data-testid="link-state"][data-state="rejected"]').waitFor()
  await screen(page, 21, 'link-rejected-signed-in')
  await ctx.close()

  const k = await api.call('GET', `/api/contracts/${d.contract_id}`, { token: owner })
  assert.equal(k.state, 'rejected')
  assert.equal(k.reason, '价格与报价单不一致', 'the sender reads the reason')
  // A person who opens the link afresh sees the same.
  await ended(d.token, 'rejected', 22)
  assertAccessible()
}))

test('a contract the sender withdrew: the link says revoked', journey(async () => {
  const d = await contract()
  await api.call('POST', `/api/contracts/${d.contract_id}/revoke`, { token: owner, body: { reason: '条款有误，重新发送' } })
  await ended(d.token, 'revoked', 23)
  assertAccessible()
}))

// No API ends a link before its deadline (at least a day away), so the
// link's expiry is moved into the past in the database, as if the days had
// passed; the server works out "expired" from it when the page asks.
test('a link past its deadline: the link says expired', journey(async (t) => {
  const d = await contract()
  const sql = `UPDATE contract_links SET expires_at = '2001-01-01 00:00:00+00:00' WHERE contract_id = '${d.contract_id}';`
  const db = join(srv.dataDir, 'signet.db')
  if (existsSync('/usr/bin/sqlite3')) {
    await execFileP('/usr/bin/sqlite3', ['-cmd', '.timeout 5000', db, sql])
  } else if (existsSync('/usr/bin/python3')) {
    await execFileP('/usr/bin/python3', ['-c', 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1], timeout=5); c.execute(sys.argv[2]); c.commit()', db, sql])
  } else {
    const why = 'needs sqlite3 or python3 to move the link\'s expiry into the past'
    if (process.env.CI === 'true') assert.fail(why)
    t.skip(why)
    return
  }
  const info = await api.call('GET', `/api/links/${d.token}/info`)
  assert.equal(info.state, 'expired', 'the server says expired')
  await ended(d.token, 'expired', 24)
  assertAccessible()
}))

test('an unknown link says so', journey(async () => {
  await ended('x'.repeat(43), 'invalid', 25)
  assertAccessible()
}))
