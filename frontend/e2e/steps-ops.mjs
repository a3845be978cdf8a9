// Browser steps of the operator console (/ops) that scenarios share: an
// operator signs in, then approves a person, an organisation or a seal the
// way an operator would: from the queue, by name, through the confirmation
// dialog, until the row has left the queue.
import assert from 'node:assert/strict'
import { OPS, tid } from './harness.mjs'
import { fillField } from './steps.mjs'

const attr = (v) => JSON.stringify(String(v))

// opsLogin signs the platform operator (harness OPS) in at /login and waits
// for the operator console's review queue.
export async function opsLogin(page, who = OPS) {
  await page.goto('/login')
  await tid(page, 'login-email').waitFor()
  await fillField(page, 'login-email', who.email)
  await fillField(page, 'login-password', who.password)
  await tid(page, 'login-submit').click()
  await page.waitForURL(/\/ops\/reviews(\?|$)/)
  await queueShown(page)
}

// openOps opens an operator screen from the menu (or by URL when the page
// is not in the console yet) and waits for its list or its empty state.
export async function openOps(page, screen) {
  const link = tid(page, `nav-${screen}`)
  if (await link.isVisible().catch(() => false)) await link.click()
  else await page.goto(`/ops/${screen}`)
  await page.waitForURL(new RegExp(`/ops/${screen}(\\?|$)`))
}

// queueShown waits until a queue screen has loaded: its table or its empty
// state (prefix: ops-queue, ops-seals, ops-payouts, ops-tenants).
async function queueShown(page, prefix = 'ops-queue') {
  await page.locator(`[data-testid="${prefix}"], [data-testid="${prefix}-empty"]`).first().waitFor()
}

// findRow waits for the row of name in a queue, refreshing the queue while
// it is not there yet (the application may still be on its way).
async function findRow(page, prefix, rowSelector, timeout = 15_000) {
  const deadline = Date.now() + timeout
  for (;;) {
    await queueShown(page, prefix)
    const row = page.locator(rowSelector).first()
    if (await row.count()) return row
    if (Date.now() > deadline) throw new Error(`no row ${rowSelector} in ${prefix} within ${timeout} ms`)
    await page.waitForTimeout(300)
    await tid(page, `${prefix}-refresh`).click()
    await page.waitForTimeout(200)
  }
}

// openReview opens the review of the application of kind (person or
// organisation) by name from the queue, and waits for it.
export async function openReview(page, kind, name) {
  await openOps(page, 'reviews')
  const row = await findRow(page, 'ops-queue', `[data-testid="ops-queue-row"][data-kind=${attr(kind)}][data-name=${attr(name)}]`)
  await row.getByTestId('ops-queue-open').click()
  await page.waitForURL(new RegExp(`/ops/reviews/${kind}/`))
  await page.locator(`[data-testid="ops-review"][data-kind=${attr(kind)}]`).waitFor()
}

// decideOpen decides the review on screen: approve, or reject / revoke with
// a reason; it waits for the application's new state.
export async function decideOpen(page, decision, reason = '') {
  await tid(page, `ops-${decision}`).click()
  const dialog = page.getByRole('dialog')
  await dialog.waitFor()
  if (decision !== 'approve') await fillField(page, 'ops-decide-text', reason)
  await tid(page, 'ops-decide-confirm').click()
  const state = { approve: 'approved', reject: 'rejected', revoke: 'revoked' }[decision]
  await page.locator(`[data-testid="ops-review"][data-state="${state}"]`).waitFor()
  await dialog.waitFor({ state: 'hidden' })
}

// leftQueue goes back to the queue and waits until the application of name
// is no longer in it.
async function leftQueue(page, kind, name) {
  await tid(page, 'ops-review-back').click()
  await page.waitForURL(/\/ops\/reviews(\?|$)/)
  await queueShown(page)
  await page.locator(`[data-testid="ops-queue-row"][data-kind=${attr(kind)}][data-name=${attr(name)}]`).waitFor({ state: 'detached' })
}

// approvePerson approves the person's application named name.
export async function approvePerson(page, name) {
  await openReview(page, 'person', name)
  await decideOpen(page, 'approve')
  await leftQueue(page, 'person', name)
}

// approveOrganisation approves the organisation's application named name.
export async function approveOrganisation(page, name) {
  await openReview(page, 'organisation', name)
  await decideOpen(page, 'approve')
  await leftQueue(page, 'organisation', name)
}

// rejectApplication rejects the application of kind named name with reason.
export async function rejectApplication(page, kind, name, reason) {
  await openReview(page, kind, name)
  await decideOpen(page, 'reject', reason)
  await leftQueue(page, kind, name)
}

// approveSeal approves the first seal named sealName in the seal queue and
// waits until it has left the queue.
export async function approveSeal(page, sealName) {
  await openOps(page, 'seals')
  const sel = `[data-testid="ops-seal-row"][data-name=${attr(sealName)}]`
  const row = await findRow(page, 'ops-seals', sel)
  const id = await row.getAttribute('data-id')
  await row.getByTestId('ops-seal-approve').click()
  await tid(page, 'ops-seal-dialog-confirm').click()
  await page.locator(`[data-testid="ops-seal-row"][data-id=${attr(id)}]`).waitFor({ state: 'detached' })
  const done = page.locator('[data-testid="ops-seal-done"][data-state="active"]').first()
  await done.waitFor()
  assert.match(await done.innerText(), new RegExp(sealName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
  return id
}
