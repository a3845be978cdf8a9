// Saving a blob the API returned (a signed PDF) as a file: an object URL on
// a temporary <a download>, released once the browser has taken it.
export function saveBlob(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  a.rel = 'noopener'
  a.style.display = 'none'
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

// pdfName makes a file name end in .pdf, with an optional suffix before it.
export function pdfName(name: string, suffix = ''): string {
  // An OFD stays an OFD (the server sends the document as it is).
  const ext = /\.ofd$/i.test(name) ? 'ofd' : 'pdf'
  const base = name.replace(/\.(pdf|ofd)$/i, '')
  return `${base}${suffix}.${ext}`
}
