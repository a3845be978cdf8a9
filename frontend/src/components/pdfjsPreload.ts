// preloadPdfJS starts fetching pdf.js and its worker before the viewer
// mounts, so on a slow network they arrive while the contract's data and
// the PDF itself are still on their way (the viewer imports the same
// module, which the browser then has). Safe to call more than once.
import workerSrc from 'pdfjs-dist/legacy/build/pdf.worker.min.mjs?url'

let started = false

export function preloadPdfJS() {
  if (started || typeof document === 'undefined') return
  started = true
  void import('pdfjs-dist/legacy/build/pdf.mjs').catch(() => undefined)
  const link = document.createElement('link')
  link.rel = 'prefetch'
  link.href = workerSrc
  document.head.appendChild(link)
}
