// Browser steps of the new-contract editor (/app/contracts/new) for the
// scenarios: upload documents, add signers, set their order, drag fields
// onto pages, toggle cross-page seals, send. Also a small three-page PDF
// whose pages are not all alike (an offset crop box, a rotated page), to
// check that fields land where they were dropped.
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { tid } from './harness.mjs'
import { fillField } from './steps.mjs'

// uploadDocuments picks the files in the editor and waits until every
// document is uploaded and its pages are drawn on the desk.
export async function uploadDocuments(page, files) {
  const before = await tid(page, 'document').count()
  await tid(page, 'document-input').setInputFiles(files)
  const docs = tid(page, 'document')
  await page.waitForFunction(
    (n) => {
      const all = [...document.querySelectorAll('[data-testid="document"]')]
      return all.length >= n && all.every((d) => d.dataset.state === 'ready' || d.dataset.state === 'error')
    },
    before + files.length,
    { timeout: 60_000 },
  )
  const states = await docs.evaluateAll((els) => els.map((e) => `${e.dataset.state}: ${e.textContent?.trim()}`))
  assert.ok(states.every((s) => s.startsWith('ready')), `every upload succeeded: ${states.join('; ')}`)
  await deskDrawn(page)
}

// deskDrawn waits until the desk has drawn the first page of every
// document (pages far below are drawn as they come into view).
export async function deskDrawn(page, timeout = 30_000) {
  await page.waitForFunction(
    () => {
      const first = [...document.querySelectorAll('[data-testid="desk-page"][data-page="1"]')]
      return first.length > 0 && first.every((p) => p.querySelector('[data-testid="desk-canvas"]')?.dataset.rendered === 'true')
    },
    undefined,
    { timeout },
  )
}

// addPersonSigner adds a person as the last signer; it returns the
// signer's index.
export async function addPersonSigner(page, { name, mobile, email }) {
  const i = await tid(page, 'signer').count()
  await tid(page, 'add-person').click()
  await fillField(page, `signer-${i}-name`, name)
  await fillField(page, `signer-${i}-mobile`, mobile)
  if (email) await fillField(page, `signer-${i}-email`, email)
  return i
}

// addOrgSigner adds an organisation as the last signer: another company
// (name, credit code, contact and mobile), or with ownCompany our own
// (name and code from its verification; contact and mobile optional).
export async function addOrgSigner(page, { name, uscc, contact, mobile, ownCompany = false }) {
  const i = await tid(page, 'signer').count()
  if (ownCompany) {
    await tid(page, 'add-own').click()
  } else {
    await tid(page, 'add-org').click()
    await fillField(page, `signer-${i}-org-name`, name)
    await fillField(page, `signer-${i}-uscc`, uscc)
  }
  if (contact) await fillField(page, `signer-${i}-name`, contact)
  if (mobile) await fillField(page, `signer-${i}-mobile`, mobile)
  return i
}

// setOrder reorders the signers: order lists the current indexes in the
// new order ([2, 0, 1] puts the third signer first). It uses the up
// buttons, as a keyboard user would.
export async function setOrder(page, order) {
  const current = order.map((_, i) => i)
  for (let p = 0; p < order.length; p++) {
    let j = current.indexOf(order[p])
    while (j > p) {
      await tid(page, `signer-${j}-up`).click()
      ;[current[j - 1], current[j]] = [current[j], current[j - 1]]
      j--
    }
  }
}

// placeField drags a field of kind (seal, signature, date) for a signer
// (index) from the palette onto page n (1-based) of a document, with its
// centre at the fraction at = { fx, fy } of the drawn page (from the top
// left). It returns the placed field's key.
export async function placeField(page, { signer, kind, page: n, at, document = 0 }) {
  await tid(page, `palette-signer-${signer}`).click()
  const desk = tid(page, 'placement-desk')
  // The desk fits the window: bring it in whole, below the sticky banner.
  await desk.evaluate((d) => window.scrollTo(0, window.scrollY + d.getBoundingClientRect().top - 64))
  const target = page.locator(`[data-testid="desk-page"][data-doc="${document}"][data-page="${n}"]`)
  await target.waitFor()
  // Scroll the pages so the drop point is in the middle of the view.
  await target.evaluate((el, fy) => {
    const scroller = el.closest('.pages')
    const r = el.getBoundingClientRect()
    const s = scroller.getBoundingClientRect()
    scroller.scrollTop += r.top + fy * r.height - (s.top + s.height / 2)
  }, at.fy)
  await target.locator('[data-testid="desk-canvas"][data-rendered="true"]').waitFor()
  const before = await tid(page, 'desk-field').count()
  const chip = tid(page, `palette-${kind}`)
  const from = await chip.boundingBox()
  const box = await target.boundingBox()
  assert.ok(from && box, 'the palette and the page are on screen')
  const x = box.x + at.fx * box.width
  const y = box.y + at.fy * box.height
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2)
  await page.mouse.down()
  await page.mouse.move(x, y, { steps: 12 })
  await page.mouse.up()
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="desk-field"]').length > n, before)
  return page.evaluate(() => document.activeElement?.closest('[data-field-key]')?.getAttribute('data-field-key') ?? '')
}

// toggleCrossPage turns the cross-page seal of an organisation signer on
// or off.
export async function toggleCrossPage(page, signerIndex) {
  await tid(page, `cross-page-${signerIndex}`).click()
}

// send sends the contract and returns its id, from the contract page the
// editor opens.
export async function send(page) {
  await tid(page, 'editor-send').click()
  const done = await Promise.race([
    page.waitForURL(/\/app\/contracts\/(?!new)[^/?#]+$/, { timeout: 30_000 }).then(() => 'sent'),
    tid(page, 'editor-error').waitFor({ timeout: 30_000 }).then(() => 'error'),
  ])
  if (done === 'error') throw new Error(`the editor did not send: ${await tid(page, 'editor-error').innerText()}`)
  return decodeURIComponent(new URL(page.url()).pathname.split('/').pop())
}

// ---------------------------------------------------------------- files

// Pages of threePagePdf: an A4 page, a Letter page whose visible (crop)
// box starts at 36,36, and an A4 page turned a quarter (/Rotate 90).
export const THREE_PAGES = [
  { media: [0, 0, 595, 842], crop: null, rotate: 0 },
  { media: [0, 0, 612, 792], crop: [36, 36, 576, 756], rotate: 0 },
  { media: [0, 0, 595, 842], crop: null, rotate: 90 },
]

// threePagePdf writes a three-page PDF with a few lines of text on each
// page (Helvetica, so every reader draws it) to path.
export async function threePagePdf(path, title = 'Supply Agreement') {
  const objs = []
  const add = (body) => objs.push(body) // object number = index + 1
  add('<< /Type /Catalog /Pages 2 0 R >>')
  add('') // pages, filled in below
  add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>')
  const kids = []
  THREE_PAGES.forEach((p, i) => {
    const [x0, y0] = p.crop ?? p.media
    const lines = [
      [`${title} - page ${i + 1} of 3`, 18],
      ['This page is part of an end-to-end test of the contract editor.', 11],
      ['Party A (seal):', 12],
      ['Party B (signature):', 12],
      ['Date:', 12],
    ]
    let y = y0 + 680
    const text = lines
      .map(([s, size]) => {
        y -= size * 2.2
        return `BT /F1 ${size} Tf ${x0 + 60} ${y.toFixed(0)} Td (${s}) Tj ET`
      })
      .join('\n')
    const stream = `${text}\n0.6 G 1 w ${x0 + 40} ${y0 + 40} m ${x0 + 500} ${y0 + 40} l S`
    add(`<< /Length ${Buffer.byteLength(stream)} >>\nstream\n${stream}\nendstream`)
    const content = objs.length
    const box = (k, b) => (b ? ` /${k} [${b.join(' ')}]` : '')
    add(`<< /Type /Page /Parent 2 0 R${box('MediaBox', p.media)}${box('CropBox', p.crop)}${p.rotate ? ` /Rotate ${p.rotate}` : ''} /Resources << /Font << /F1 3 0 R >> >> /Contents ${content} 0 R >>`)
    kids.push(`${objs.length} 0 R`)
  })
  objs[1] = `<< /Type /Pages /Kids [${kids.join(' ')}] /Count ${kids.length} >>`
  let out = '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n'
  const offsets = []
  objs.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'))
    out += `${i + 1} 0 obj\n${body}\nendobj\n`
  })
  const xref = Buffer.byteLength(out, 'latin1')
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  await writeFile(path, Buffer.from(out, 'latin1'))
  return path
}

// expectedField is where a field of size w×h dropped with its centre at
// the fraction (fx, fy) of the drawn page lands, in PDF points (lower-left
// corner), for a page of THREE_PAGES: the check of the editor's geometry,
// written out independently of it.
export function expectedField(p, { fx, fy }, w, h) {
  const [x0, y0, x1, y1] = p.crop ?? p.media
  if (p.rotate === 90) {
    // Turned clockwise: PDF x runs down the screen, PDF y to the right.
    const W = y1 - y0
    const H = x1 - x0
    return { x: x0 + fy * H - w / 2, y: y0 + fx * W - h / 2, w, h }
  }
  const W = x1 - x0
  const H = y1 - y0
  return { x: x0 + fx * W - w / 2, y: y1 - fy * H - h / 2, w, h }
}

// docxFile writes a small Word document (a few paragraphs) to path: an
// uncompressed zip of the three parts Word and LibreOffice need.
export async function docxFile(path, paragraphs) {
  const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  const parts = [
    ['[Content_Types].xml', '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'],
    ['_rels/.rels', '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'],
    ['word/document.xml', `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${paragraphs.map((p) => `<w:p><w:r><w:t xml:space="preserve">${esc(p)}</w:t></w:r></w:p>`).join('')}</w:body></w:document>`],
  ]
  const locals = []
  const centrals = []
  let offset = 0
  for (const [name, text] of parts) {
    const data = Buffer.from(text, 'utf8')
    const fname = Buffer.from(name, 'utf8')
    const crc = crc32(data)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4) // version needed
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(data.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(fname.length, 26)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(20, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(data.length, 20)
    central.writeUInt32LE(data.length, 24)
    central.writeUInt16LE(fname.length, 28)
    central.writeUInt32LE(offset, 42)
    locals.push(local, fname, data)
    centrals.push(central, fname)
    offset += local.length + fname.length + data.length
  }
  const dir = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(parts.length, 8)
  end.writeUInt16LE(parts.length, 10)
  end.writeUInt32LE(dir.length, 12)
  end.writeUInt32LE(offset, 16)
  await writeFile(path, Buffer.concat([...locals, dir, end]))
  return path
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(buf) {
  let c = 0xffffffff
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
