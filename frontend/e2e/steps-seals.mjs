// Browser steps on the console's seal screens that other journeys share:
// designing an official seal and getting it ready to stamp with (an
// authorisation and the PIN). Both drive the real screens; the operator's
// review in between is the caller's (through the API or /ops).
import assert from 'node:assert/strict'
import { tid, writePng } from './harness.mjs'
import { fillField } from './steps.mjs'

// previewSeq is the designer's count of previews drawn so far.
export async function previewSeq(page) {
  return Number(await tid(page, 'seal-preview').getAttribute('data-seq'))
}

// waitPreview waits until the designer has drawn a preview after the
// after-th one, and returns a fingerprint of its image (a data: URL of
// its pixels), so that callers can tell whether the image changed.
export async function waitPreview(page, after) {
  await page.waitForFunction(
    (n) => {
      const el = document.querySelector('[data-testid="seal-preview"]')
      return el && el.getAttribute('data-state') === 'ready' && Number(el.getAttribute('data-seq')) > n
    },
    after,
    { timeout: 15_000 },
  )
  // The image is read back through a canvas: the page's CSP does not let
  // fetch() read blob: URLs.
  return page.evaluate(async () => {
    const img = document.querySelector('[data-testid="seal-preview-image"]')
    await img.decode()
    const c = document.createElement('canvas')
    c.width = img.naturalWidth
    c.height = img.naturalHeight
    c.getContext('2d').drawImage(img, 0, 0)
    return c.toDataURL('image/png')
  })
}

// designOfficialSeal opens /app/seals/new as an owner or admin, chooses a
// round official seal, types its text (and name, when given), waits for
// the preview of exactly that design, applies, and returns the new seal's
// id from the detail page it lands on. The seal then waits for an
// operator's review (POST /api/operator/seals/{id}/approve).
export async function designOfficialSeal(page, { text, name } = {}) {
  await page.goto('/app/seals/new')
  await tid(page, 'seal-designer').waitFor()
  await tid(page, 'seal-kind-official').click()
  await tid(page, 'seal-style-round').click()
  if (name) await fillField(page, 'seal-name', name)
  // A text that is already there changes nothing: any drawn preview of
  // the current design will do.
  const same = (await tid(page, 'seal-text').inputValue()) === (text ?? '')
  const before = await previewSeq(page)
  await fillField(page, 'seal-text', text ?? '')
  await waitPreview(page, same ? 0 : before)
  await tid(page, 'seal-apply').click()
  await page.waitForURL(/\/app\/seals\/[0-9a-zA-Z-]+$/)
  const detail = tid(page, 'seal-detail')
  await detail.waitFor()
  const id = await detail.getAttribute('data-seal-id')
  assert.ok(id, 'the detail page names the new seal')
  assert.equal(new URL(page.url()).pathname, `/app/seals/${id}`)
  return id
}

// authoriseAndSetPin opens an active seal's page as an owner or admin,
// authorises everyone holding role (default owner) for a year (the API
// requires an authorisation even for owners: only a personal seal's own
// holder is implicitly authorised), and sets the caller's PIN.
export async function authoriseAndSetPin(page, sealID, { role = 'owner', pin }) {
  await page.goto(`/app/seals/${sealID}`)
  await tid(page, 'seal-auth-form').waitFor()
  const before = await page.locator('[data-testid="seal-auth-row"][data-status="current"]').count()
  await tid(page, 'seal-auth-to-role').click()
  if (role !== 'owner') {
    await tid(page, 'seal-auth-role').click()
    await page.getByRole('option', { name: roleName(role) }).click()
  }
  // The date picker starts a year from today.
  await tid(page, 'seal-auth-submit').click()
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-testid="seal-auth-row"][data-status="current"]').length > n,
    before,
  )
  await setPin(page, pin)
}

// setPin types the caller's seal PIN twice on the seal's page and waits
// until it is saved (the fields empty themselves).
export async function setPin(page, pin, again = pin) {
  await tid(page, 'seal-pin-new').waitFor()
  await fillField(page, 'seal-pin-new', pin)
  await fillField(page, 'seal-pin-again', again)
  await tid(page, 'seal-pin-save').click()
  if (again !== pin) return
  await page.waitForFunction(() => {
    const input = document.querySelector('[data-testid="seal-pin-new"] input, input[data-testid="seal-pin-new"]')
    return input && input.value === ''
  })
}

const roleNames = { owner: /所有者|Owners/, admin: /管理员|Admins/, member: /^成员$|Members/, legal: /法务|Legal/ }
const roleName = (r) => roleNames[r] ?? r

// stampPhoto writes a photo-like PNG of a red round stamp on off-white
// paper (a ring, a star-ish blob and a bar of "text"), for the upload
// screen's background removal.
export async function stampPhoto(dir, name = 'stamp.png', size = 360) {
  const c = size / 2
  return writePng(dir, name, size, size, (x, y) => {
    const r = Math.hypot(x - c, y - c)
    const ring = r > size * 0.38 && r < size * 0.43
    const star = r < size * 0.09
    const bar = Math.abs(y - c - size * 0.2) < size * 0.03 && Math.abs(x - c) < size * 0.2
    // Paper is a warm off-white with a faint gradient, as in a photo.
    const shade = Math.round(((x + y) / (2 * size)) * 12)
    return ring || star || bar ? [205, 32, 40] : [246 - shade, 242 - shade, 232 - shade]
  })
}
