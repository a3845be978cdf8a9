import { describe, expect, it } from 'vitest'
import { centredAt, clampView, pageSize, pdfToView, toPdf, toView, viewToPdf, type PageGeom } from '../../../../src/console/contracts/editor/geometry'

const a4: PageGeom = { view: [0, 0, 595, 842], rotate: 0 }
// A visible box that does not start at 0,0 (a crop box).
const cropped: PageGeom = { view: [36, 36, 576, 756], rotate: 0 }
const turned: PageGeom = { view: [0, 0, 595, 842], rotate: 90 }

describe('geometry', () => {
  it('puts the PDF origin at the bottom left of the drawn page', () => {
    expect(toView(a4, 0, 0)).toEqual([0, 842])
    expect(toView(a4, 595, 842)).toEqual([595, 0])
    expect(toView(cropped, 36, 36)).toEqual([0, 720])
    expect(toView(cropped, 576, 756)).toEqual([540, 0])
    expect(pageSize(cropped)).toEqual({ width: 540, height: 720 })
  })

  it('turns a page with /Rotate 90 clockwise, as pdf.js draws it', () => {
    expect(pageSize(turned)).toEqual({ width: 842, height: 595 })
    // The PDF's lower-left corner is the drawn page's top left; PDF x runs
    // down the screen and PDF y to the right.
    expect(toView(turned, 0, 0)).toEqual([0, 0])
    expect(toView(turned, 100, 200)).toEqual([200, 100])
    expect(toView({ view: [0, 0, 595, 842], rotate: 180 }, 0, 0)).toEqual([595, 0])
    expect(toView({ view: [0, 0, 595, 842], rotate: 270 }, 0, 0)).toEqual([842, 595])
  })

  it('converts boxes both ways on every rotation and box', () => {
    const r = { x: 100.5, y: 200.25, w: 120, h: 48 }
    for (const rotate of [0, 90, 180, 270]) {
      for (const view of [[0, 0, 595, 842], [36, 36, 576, 756], [-20, 10, 400, 500]] as PageGeom['view'][]) {
        const g = { view, rotate }
        expect(viewToPdf(g, pdfToView(g, r))).toEqual(r)
        const [vx, vy] = toView(g, 300, 400)
        const back = toPdf(g, vx, vy)
        expect(back[0]).toBeCloseTo(300)
        expect(back[1]).toBeCloseTo(400)
      }
    }
  })

  it('centres a dropped field on the point and keeps it on the page', () => {
    // A signature dropped in the middle of the cropped page.
    expect(centredAt(cropped, 270, 360, 120, 48)).toEqual({ x: 246, y: 372, w: 120, h: 48 })
    // Dropped on the corner: pushed back inside the visible box.
    expect(centredAt(cropped, 539, 1, 120, 48)).toEqual({ x: 456, y: 708, w: 120, h: 48 })
    // On a turned page the box is drawn turned: 48 wide, 120 high.
    expect(pdfToView(turned, centredAt(turned, 421, 297.5, 120, 48))).toEqual({ left: 397, top: 237.5, width: 48, height: 120 })
  })

  it('shrinks a box larger than the page', () => {
    expect(clampView(a4, { left: -10, top: -10, width: 700, height: 20 })).toEqual({ left: 0, top: 0, width: 595, height: 20 })
  })
})
