// Page geometry of the placement desk. Fields are stored as the API wants
// them: PDF points, origin at the bottom left, (x, y) the lower-left corner.
// The desk draws pages as pdf.js does: a viewport whose origin is the top
// left of the visible page box, turned by the page's /Rotate. These are
// pdf.js's PageViewport formulas at scale 1, written out so the conversion
// can be tested without pdf.js and used before a page is drawn.

// PageGeom is what pdf.js reports for a page: its visible box (CropBox
// clipped to MediaBox, which need not start at 0,0) and its rotation.
export interface PageGeom {
  view: [number, number, number, number]
  rotate: number
}

// PdfRect is a field's box in PDF points (lower-left corner and size).
export interface PdfRect {
  x: number
  y: number
  w: number
  h: number
}

// ViewRect is a box on the drawn page in viewport units at scale 1 (one
// unit is one point), from the page's top-left corner.
export interface ViewRect {
  left: number
  top: number
  width: number
  height: number
}

type Matrix = [number, number, number, number, number, number]

function normalRotation(r: number): number {
  const n = ((Math.round(r / 90) * 90) % 360 + 360) % 360
  return n
}

// transform is the matrix from PDF user space to the viewport at scale 1.
export function transform(g: PageGeom): Matrix {
  const [x0, y0, x1, y1] = g.view
  const cx = (x0 + x1) / 2
  const cy = (y0 + y1) / 2
  let a = 1, b = 0, c = 0, d = -1
  switch (normalRotation(g.rotate)) {
    case 90: [a, b, c, d] = [0, 1, 1, 0]; break
    case 180: [a, b, c, d] = [-1, 0, 0, 1]; break
    case 270: [a, b, c, d] = [0, -1, -1, 0]; break
  }
  const [ox, oy] = a === 0 ? [Math.abs(cy - y0), Math.abs(cx - x0)] : [Math.abs(cx - x0), Math.abs(cy - y0)]
  return [a, b, c, d, ox - a * cx - c * cy, oy - b * cx - d * cy]
}

// pageSize is the drawn page's size in points, width across the screen.
export function pageSize(g: PageGeom): { width: number; height: number } {
  const [x0, y0, x1, y1] = g.view
  const turned = normalRotation(g.rotate) % 180 !== 0
  return turned ? { width: y1 - y0, height: x1 - x0 } : { width: x1 - x0, height: y1 - y0 }
}

export function toView(g: PageGeom, x: number, y: number): [number, number] {
  const [a, b, c, d, e, f] = transform(g)
  return [a * x + c * y + e, b * x + d * y + f]
}

export function toPdf(g: PageGeom, vx: number, vy: number): [number, number] {
  const [a, b, c, d, e, f] = transform(g)
  const det = a * d - b * c
  const px = vx - e
  const py = vy - f
  return [(d * px - c * py) / det, (a * py - b * px) / det]
}

export function pdfToView(g: PageGeom, r: PdfRect): ViewRect {
  const [ax, ay] = toView(g, r.x, r.y)
  const [bx, by] = toView(g, r.x + r.w, r.y + r.h)
  return { left: Math.min(ax, bx), top: Math.min(ay, by), width: Math.abs(bx - ax), height: Math.abs(by - ay) }
}

const round2 = (n: number) => Math.round(n * 100) / 100

export function viewToPdf(g: PageGeom, v: ViewRect): PdfRect {
  const [ax, ay] = toPdf(g, v.left, v.top)
  const [bx, by] = toPdf(g, v.left + v.width, v.top + v.height)
  // Corners are rounded, not sizes, so x + w stays on the page edge.
  const x = round2(Math.min(ax, bx))
  const y = round2(Math.min(ay, by))
  return { x, y, w: round2(round2(Math.max(ax, bx)) - x), h: round2(round2(Math.max(ay, by)) - y) }
}

// clampView keeps a box inside the page: it is shrunk to the page when
// larger, then moved inside. The API refuses fields off the page box.
export function clampView(g: PageGeom, v: ViewRect, min = 8): ViewRect {
  const { width: pw, height: ph } = pageSize(g)
  const width = Math.min(Math.max(v.width, min), pw)
  const height = Math.min(Math.max(v.height, min), ph)
  const left = Math.min(Math.max(v.left, 0), pw - width)
  const top = Math.min(Math.max(v.top, 0), ph - height)
  return { left, top, width, height }
}

// viewSize is the drawn size of a field of PDF size w×h (a quarter turn
// swaps them).
export function viewSize(g: PageGeom, w: number, h: number): { width: number; height: number } {
  return normalRotation(g.rotate) % 180 !== 0 ? { width: h, height: w } : { width: w, height: h }
}

// centredAt is the PDF box of a w×h field centred on the view point (vx,
// vy), kept inside the page.
export function centredAt(g: PageGeom, vx: number, vy: number, w: number, h: number): PdfRect {
  const s = viewSize(g, w, h)
  return viewToPdf(g, clampView(g, { left: vx - s.width / 2, top: vy - s.height / 2, width: s.width, height: s.height }))
}
