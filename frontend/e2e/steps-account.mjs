// Browser steps of the account screens that the scenarios share: signing a
// company up, verifying the signed-in person from /app/identity, inviting
// a member from /app/members and accepting the invitation.
import assert from 'node:assert/strict'
import { tid, pngFile } from './harness.mjs'
import { fillField } from './steps.mjs'

// signUpCompany signs a company and its owner up at /signup and returns
// the URL the browser lands on: the organisation's verification
// (/app/identity/organisation?name=<company>), the owner signed in.
export async function signUpCompany(page, { company, name, email, password }) {
  await page.goto('/signup')
  await fillField(page, 'signup-company', company)
  await fillField(page, 'signup-name', name)
  await fillField(page, 'signup-email', email)
  await fillField(page, 'signup-password', password)
  await tid(page, 'signup-submit').click()
  await page.waitForURL(/\/app\/identity\/organisation\?/)
  const url = new URL(page.url())
  assert.equal(url.searchParams.get('name'), company, 'the organisation form starts with the company’s name')
  return page.url()
}

// e164 is a mobile number as the dev SMS inbox names it (+86…).
const e164 = (m) => (m.startsWith('+') ? m : `+86${m.replace(/^86/, '')}`)

// verifyPerson fills the applicant form on /app/identity for the signed-in
// person and submits it: idNumber, mobile (11 digits or +86…; its code is
// read with api.lastCode) and the two ID photos. files is a directory to
// make the photos in, or { front, back } paths of images. It returns once
// the page shows the application under review.
export async function verifyPerson(page, { idNumber, mobile, api, files }) {
  if (new URL(page.url()).pathname !== '/app/identity') {
    await page.goto('/app/identity')
  }
  await tid(page, 'identity-person').waitFor()
  if (!(await tid(page, 'applicant-form').isVisible())) await tid(page, 'identity-start').click()
  await tid(page, 'applicant-form').waitFor()
  await fillField(page, 'applicant-id-number', idNumber)
  await fillField(page, 'applicant-mobile', e164(mobile).replace('+86', ''))
  const seq = await api.lastSeq()
  await tid(page, 'applicant-send-code').click()
  await fillField(page, 'applicant-code', await api.lastCode(e164(mobile), seq))
  const photos = typeof files === 'string'
    ? {
        front: await pngFile(files, 'id-front.png', 320, 200, [214, 228, 245]),
        back: await pngFile(files, 'id-back.png', 320, 200, [236, 226, 208]),
      }
    : files
  await tid(page, 'applicant-id-front').setInputFiles(photos.front)
  await tid(page, 'applicant-id-back').setInputFiles(photos.back)
  await tid(page, 'applicant-submit').click()
  await page.locator('[data-testid="identity-person"][data-state="submitted"], [data-testid="identity-person"][data-state="resubmitted"]').waitFor()
}

// inviteMember invites email with role ('owner', 'admin', 'member' or
// 'legal') from /app/members and returns the invitation's accept URL,
// which the dialog shows once. The dialog is closed afterwards.
export async function inviteMember(page, { email, role }) {
  if (new URL(page.url()).pathname !== '/app/members') await page.goto('/app/members')
  await tid(page, 'invite-open').click()
  await tid(page, 'invite-form').waitFor()
  await fillField(page, 'invite-email', email)
  if (role && role !== 'member') {
    await tid(page, 'invite-role').click()
    await tid(page, `invite-role-${role}`).filter({ visible: true }).click()
  }
  await tid(page, 'invite-submit').click()
  const link = tid(page, 'invite-url')
  await link.waitFor()
  const url = await link.inputValue()
  assert.match(url, /\/invite\?token=/, 'the dialog shows the accept link')
  await tid(page, 'invite-done').click()
  await tid(page, 'invite-dialog').waitFor({ state: 'hidden' })
  return url
}

// acceptInvitation opens an invitation's URL and accepts it: with a name,
// as a new person choosing password; without one, as the person who
// already has an account with the invited address and that password.
// It returns once the console (/app/…) is open.
export async function acceptInvitation(page, url, { name, password }) {
  await page.goto(url)
  await tid(page, 'accept-invitation').waitFor()
  if (name) {
    await fillField(page, 'accept-name', name)
    await fillField(page, 'accept-password', password)
    await fillField(page, 'accept-confirm', password)
  } else {
    await tid(page, 'accept-mode-existing').click()
    await fillField(page, 'accept-password', password)
  }
  await tid(page, 'accept-submit').click()
  await page.waitForURL(/\/app\//)
}
