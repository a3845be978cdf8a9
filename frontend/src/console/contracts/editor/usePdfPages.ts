// usePdfPages opens the uploaded documents with pdf.js (imported when the
// desk first needs it, in its own chunk) and draws their pages into canvases
// one at a time, so a long document never blocks the page. It reports each
// page's geometry (visible box and rotation) for the field placement.
import { reactive } from 'vue'
import type { PDFDocumentProxy, PDFPageProxy, RenderTask } from 'pdfjs-dist/legacy/build/pdf.mjs'
import workerSrc from 'pdfjs-dist/legacy/build/pdf.worker.min.mjs?url'
import { fetchBlob } from '../../../api/client'
import type { PageGeom } from './geometry'

type PdfJS = typeof import('pdfjs-dist/legacy/build/pdf.mjs')

// pdf.js assets are copied into dist/pdfjs by the build (vite.config.ts);
// the CSP allows no other origin.
const assets = {
  cMapUrl: '/pdfjs/cmaps/',
  cMapPacked: true,
  standardFontDataUrl: '/pdfjs/standard_fonts/',
  wasmUrl: '/pdfjs/wasm/',
  iccUrl: '/pdfjs/iccs/',
}

export interface DocPages {
  state: 'loading' | 'ready' | 'error'
  error: unknown
  pages: PageGeom[]
}

let lib: PdfJS | undefined
async function pdfjs(): Promise<PdfJS> {
  if (lib) return lib
  const m = await import('pdfjs-dist/legacy/build/pdf.mjs')
  m.GlobalWorkerOptions.workerSrc = workerSrc
  lib = m
  return m
}

export function usePdfPages() {
  const docs = reactive<Record<string, DocPages>>({})
  // pdf.js objects stay out of Vue's reactivity.
  const pdfs = new Map<string, PDFDocumentProxy>()
  const proxies = new Map<string, PDFPageProxy>()
  let task: RenderTask | undefined
  let destroyed = false

  async function open(key: string, fileID: string) {
    docs[key] = { state: 'loading', error: null, pages: [] }
    try {
      const [m, blob] = await Promise.all([pdfjs(), fetchBlob(`/api/files/${encodeURIComponent(fileID)}/pdf?version=original&preview=1`)])
      const data = new Uint8Array(await blob.arrayBuffer())
      const pdf = await m.getDocument({ data, ...assets, isEvalSupported: false, enableXfa: false }).promise
      if (destroyed || !docs[key]) {
        void pdf.destroy()
        return
      }
      pdfs.set(key, pdf)
      const pages: PageGeom[] = []
      for (let n = 1; n <= pdf.numPages; n++) {
        const p = await pdf.getPage(n)
        proxies.set(`${key}:${n}`, p)
        const [x0, y0, x1, y1] = p.view
        pages.push({ view: [x0, y0, x1, y1], rotate: p.rotate })
      }
      docs[key] = { state: 'ready', error: null, pages }
    } catch (e) {
      if (!destroyed && docs[key]) docs[key] = { state: 'error', error: e, pages: [] }
    }
  }

  function close(key: string) {
    void pdfs.get(key)?.destroy()
    pdfs.delete(key)
    for (const k of [...proxies.keys()]) if (k.startsWith(key + ':')) proxies.delete(k)
    delete docs[key]
  }

  // draw renders page n of a document into host at cssWidth pixels wide,
  // sharp on high-density screens, and marks the host drawn.
  async function draw(key: string, n: number, host: HTMLElement, cssWidth: number) {
    const p = proxies.get(`${key}:${n}`)
    if (!p || destroyed) return
    const base = p.getViewport({ scale: 1 })
    const ratio = Math.min(2, globalThis.devicePixelRatio || 1)
    const viewport = p.getViewport({ scale: (cssWidth / base.width) * ratio })
    const canvas = document.createElement('canvas')
    canvas.width = Math.floor(viewport.width)
    canvas.height = Math.floor(viewport.height)
    canvas.setAttribute('aria-hidden', 'true')
    try {
      task = p.render({ canvas, viewport })
      await task.promise
      if (destroyed) return
      host.replaceChildren(canvas)
      host.dataset.rendered = 'true'
    } catch {
      // Cancelled: the desk was resized or closed; it draws again if needed.
    } finally {
      task = undefined
    }
  }

  function destroy() {
    destroyed = true
    task?.cancel()
    for (const pdf of pdfs.values()) void pdf.destroy()
    pdfs.clear()
    proxies.clear()
  }

  return { docs, open, close, draw, destroy }
}
