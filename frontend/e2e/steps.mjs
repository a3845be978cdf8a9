// Browser steps the scenarios share: signing in from a link, typing a
// code into the six boxes, drawing a signature, waiting for a PDF page to
// be drawn, uploading a PDF to /verify.
import assert from 'node:assert/strict'
import { tid } from './harness.mjs'

// typeCode types a six-digit code into the six-box input, after emptying it.
export async function typeCode(page, code) {
  const otp = tid(page, 'otp-input')
  await otp.waitFor()
  const boxes = otp.locator('input')
  assert.equal(await boxes.count(), 6, 'the code input has six boxes')
  // Empty it from the last box, as a person would.
  await boxes.nth(5).focus()
  for (let i = 0; i < 6; i++) await page.keyboard.press('Backspace')
  await boxes.first().click()
  await page.keyboard.type(code, { delay: 20 })
  const typed = await boxes.evaluateAll((els) => els.map((e) => e.value).join(''))
  assert.equal(typed, code, 'the boxes hold the code')
}

// fillField fills the input named by data-testid, whether the test id is on
// the input itself or on a component that wraps one.
export async function fillField(page, id, value) {
  const el = tid(page, id)
  const tag = await el.evaluate((e) => e.tagName)
  const input = tag === 'INPUT' || tag === 'TEXTAREA' ? el : el.locator('input, textarea').first()
  await input.fill(value)
}

// pdfPageDrawn waits until page n of the viewer has a canvas with ink on it.
export async function pdfPageDrawn(page, n = 1, timeout = 30_000) {
  await page.waitForFunction(
    (n) => {
      const host = document.querySelector(`[data-testid="pdf-page"][data-page="${n}"]`)
      if (!host) return false
      if (host.getAttribute('data-rendered') === 'true') return true
      for (const c of host.querySelectorAll('canvas')) {
        if (!c.width || !c.height) continue
        const g = c.getContext('2d', { willReadFrequently: true })
        if (!g) continue
        const d = g.getImageData(0, 0, c.width, c.height).data
        // Any dark pixel: text has been drawn.
        for (let i = 0; i < d.length; i += 4 * 7) if (d[i + 3] > 0 && d[i] < 160 && d[i + 1] < 160 && d[i + 2] < 160) return true
      }
      return false
    },
    n,
    { timeout, polling: 250 },
  )
}

// drawSignature draws two strokes on the signature pad with touch events
// (a finger on a phone), or the mouse on a desktop.
export async function drawSignature(page) {
  const canvas = tid(page, 'signature-canvas')
  await canvas.scrollIntoViewIfNeeded()
  const box = await canvas.boundingBox()
  assert.ok(box && box.width > 100 && box.height > 60, `the signature canvas is big enough to sign on: ${JSON.stringify(box)}`)
  const strokes = [
    [[0.12, 0.62], [0.2, 0.3], [0.28, 0.7], [0.36, 0.32], [0.44, 0.66]],
    [[0.52, 0.45], [0.62, 0.62], [0.72, 0.38], [0.86, 0.55]],
  ]
  const at = ([fx, fy]) => ({ x: box.x + fx * box.width, y: box.y + fy * box.height })
  const path = (s) => {
    const out = []
    for (let i = 0; i < s.length - 1; i++) {
      for (let k = 0; k < 8; k++) {
        const f = k / 8
        out.push(at([s[i][0] + (s[i + 1][0] - s[i][0]) * f, s[i][1] + (s[i + 1][1] - s[i][1]) * f]))
      }
    }
    out.push(at(s[s.length - 1]))
    return out
  }
  if (page.kind === 'phone') {
    const cdp = await page.context().newCDPSession(page)
    for (const s of strokes) {
      const pts = path(s)
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ ...pts[0], id: 1 }] })
      for (const p of pts.slice(1)) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ ...p, id: 1 }] })
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] })
    }
    await cdp.detach()
  } else {
    for (const s of strokes) {
      const pts = path(s)
      await page.mouse.move(pts[0].x, pts[0].y)
      await page.mouse.down()
      for (const p of pts.slice(1)) await page.mouse.move(p.x, p.y)
      await page.mouse.up()
    }
  }
}

// checkRows is every check row of the report: {check, status}.
export function checkRows(page) {
  return page
    .locator('[data-testid="check-row"]')
    .evaluateAll((els) => els.map((e) => ({ check: e.getAttribute('data-check'), status: e.getAttribute('data-status') })))
}

// uploadForVerdict uploads a PDF on /verify and waits for a verdict other
// than the previous one.
export async function uploadForVerdict(page, file, want) {
  await tid(page, 'verify-file').setInputFiles(file)
  const verdict = page.locator(`[data-testid="verdict"][data-verdict="${want}"]`)
  try {
    await verdict.waitFor({ timeout: 30_000 })
  } catch (e) {
    const got = await tid(page, 'verdict').getAttribute('data-verdict').catch(() => 'none')
    throw new Error(`verdict: want ${want}, got ${got}`, { cause: e })
  }
}
