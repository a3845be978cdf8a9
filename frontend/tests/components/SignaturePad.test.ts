import { describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import SignaturePad from '../../src/components/SignaturePad.vue'
import { flush, i18nFor } from '../signer/mount'

// A stand-in for signature_pad: strokes are added by the test, as if drawn.
interface Group {
  points: { x: number; y: number; time: number; pressure: number }[]
}
const pads: FakePad[] = []
class FakePad {
  data: Group[] = []
  listeners: Record<string, (() => void)[]> = {}
  constructor(public canvas: HTMLCanvasElement) {
    pads.push(this)
  }
  addEventListener(type: string, f: () => void) {
    ;(this.listeners[type] ??= []).push(f)
  }
  isEmpty() {
    return this.data.length === 0
  }
  toData() {
    return this.data.map((g) => ({ ...g, points: [...g.points] }))
  }
  fromData(d: Group[]) {
    this.data = d.map((g) => ({ ...g, points: [...g.points] }))
  }
  clear() {
    this.data = []
  }
  off() {}
  // draw adds a stroke and fires endStroke, as a finger lifting would.
  draw(x: number, y: number) {
    this.data.push({ points: [{ x, y, time: 0, pressure: 0.5 }, { x: x + 40, y: y + 10, time: 1, pressure: 0.5 }] })
    for (const f of this.listeners.endStroke ?? []) f()
  }
}
vi.mock('signature_pad', () => ({ default: FakePad }))

async function render() {
  const w = mount(SignaturePad, { attachTo: document.body, global: { plugins: [i18nFor('en')] } })
  await flush()
  const pad = pads[pads.length - 1]
  return { w, pad, undo: () => w.get('[data-testid="signature-undo"]'), clear: () => w.get('[data-testid="signature-clear"]') }
}

function emptied(w: ReturnType<typeof mount>) {
  return (w.emitted('update:empty') ?? []).map((e) => e[0])
}

describe('SignaturePad', () => {
  it('starts empty: a labelled canvas with a hint, undo and clear disabled, no PNG', async () => {
    const { w, undo, clear } = await render()
    expect(w.get('[data-testid="signature-canvas"]').attributes('aria-label')).toContain('signature')
    expect(w.text()).toContain('Sign here')
    expect(undo().attributes('disabled')).toBeDefined()
    expect(clear().attributes('disabled')).toBeDefined()
    expect((w.vm as unknown as { toPNG: () => string | null }).toPNG()).toBeNull()
    w.unmount()
  })

  it('reports a stroke as not empty and enables undo and clear', async () => {
    const { w, pad, undo, clear } = await render()
    pad.draw(10, 10)
    await flush(1)
    expect(emptied(w).at(-1)).toBe(false)
    expect(undo().attributes('disabled')).toBeUndefined()
    expect(clear().attributes('disabled')).toBeUndefined()
    expect(w.text()).not.toContain('Sign here')
    w.unmount()
  })

  it('undo removes the last stroke only, and the last undo leaves it empty', async () => {
    const { w, pad, undo } = await render()
    pad.draw(10, 10)
    pad.draw(60, 20)
    await flush(1)
    await undo().trigger('click')
    expect(pad.data).toHaveLength(1)
    expect(pad.data[0].points[0].x).toBe(10)
    expect(emptied(w).at(-1)).toBe(false)
    await undo().trigger('click')
    expect(pad.data).toHaveLength(0)
    expect(emptied(w).at(-1)).toBe(true)
    expect(undo().attributes('disabled')).toBeDefined()
    w.unmount()
  })

  it('clear removes everything and says so', async () => {
    const { w, pad, clear } = await render()
    pad.draw(10, 10)
    pad.draw(60, 20)
    await flush(1)
    await clear().trigger('click')
    expect(pad.data).toHaveLength(0)
    expect(emptied(w).at(-1)).toBe(true)
    expect((w.vm as unknown as { isEmpty: () => boolean }).isEmpty()).toBe(true)
    w.unmount()
  })
})
