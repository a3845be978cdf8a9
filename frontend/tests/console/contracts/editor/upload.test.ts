import { afterEach, describe, expect, it, vi } from 'vitest'
import { uploadDocument } from '../../../../src/console/contracts/editor/upload'
import { ApiError } from '../../../../src/api/errors'

// FakeXHR records what is sent; each test plays the server's part.
class FakeXHR {
  static last: FakeXHR
  method = ''
  url = ''
  headers: Record<string, string> = {}
  body: unknown
  status = 0
  response: unknown = null
  responseType = ''
  aborted = false
  upload: { onprogress?: (e: Partial<ProgressEvent>) => void; onload?: () => void } = {}
  onload?: () => void
  onerror?: () => void
  onabort?: () => void
  constructor() {
    FakeXHR.last = this
  }
  open(method: string, url: string) {
    this.method = method
    this.url = url
  }
  setRequestHeader(k: string, v: string) {
    this.headers[k] = v
  }
  send(body: unknown) {
    this.body = body
  }
  abort() {
    this.aborted = true
    this.onabort?.()
  }
}

const tick = () => new Promise((r) => setTimeout(r, 0))

describe('uploadDocument', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
    localStorage.clear()
  })

  it('reports progress, then the server’s work, then the uploaded file', async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXHR)
    localStorage.setItem('signet.session', JSON.stringify({ access_token: 'tok', refresh_token: 'r', expires_at: Date.now() + 600_000 }))
    const seen: (number | string)[] = []
    const p = uploadDocument(new File(['%PDF-1.7'], 'a.pdf'), { onProgress: (f) => seen.push(f), onSent: () => seen.push('sent') })
    await tick()
    const x = FakeXHR.last
    expect([x.method, x.url, x.headers.Authorization]).toEqual(['POST', '/api/files', 'Bearer tok'])
    expect((x.body as FormData).get('file')).toBeInstanceOf(File)
    x.upload.onprogress?.({ lengthComputable: true, loaded: 25, total: 100 })
    x.upload.onload?.()
    x.status = 201
    x.response = { id: 'F1', pages: 3 }
    x.onload?.()
    await expect(p).resolves.toEqual({ id: 'F1', pages: 3 })
    expect(seen).toEqual([0.25, 1, 'sent'])
  })

  it('turns a refusal into the API’s problem, and can be stopped', async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXHR)
    const p = uploadDocument(new File(['x'], 'a.docx'))
    await tick()
    FakeXHR.last.status = 422
    FakeXHR.last.response = { status: 422, code: 'conversion_failed' }
    FakeXHR.last.onload?.()
    await expect(p).rejects.toSatisfy((e: unknown) => e instanceof ApiError && e.code === 'conversion_failed')

    const stop = new AbortController()
    const q = uploadDocument(new File(['x'], 'b.pdf'), { signal: stop.signal })
    await tick()
    stop.abort()
    expect(FakeXHR.last.aborted).toBe(true)
    await expect(q).rejects.toBeInstanceOf(ApiError)
  })
})
