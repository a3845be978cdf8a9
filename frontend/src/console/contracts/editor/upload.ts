// uploadDocument sends one file to POST /api/files and reports how much of
// it has gone up. It uses XMLHttpRequest because fetch cannot report upload
// progress, and a 50 MB contract on a slow line must not look frozen. Once
// every byte is sent, the server still checks the PDF or converts a DOCX
// or ODT, which can take seconds: `onSent` says so.
import { toApiError } from '../../../api/errors'
import { tokens } from '../../../api/tokens'
import type { Schemas } from '../../../api/client'

export type UploadedFile = Schemas['ContractFile']

export interface UploadHooks {
  onProgress?: (fraction: number) => void
  onSent?: () => void
  // signal stops the upload (the document was removed meanwhile).
  signal?: AbortSignal
}

export async function uploadDocument(file: File, hooks: UploadHooks = {}): Promise<UploadedFile> {
  const token = await tokens.accessToken()
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', '/api/files')
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`)
    xhr.responseType = 'json'
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) hooks.onProgress?.(e.loaded / e.total)
    }
    xhr.upload.onload = () => {
      hooks.onProgress?.(1)
      hooks.onSent?.()
    }
    xhr.onload = () => {
      const body = xhr.response ?? undefined
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as UploadedFile)
      else {
        if (xhr.status === 401) tokens.expired()
        reject(toApiError(body, xhr.status))
      }
    }
    xhr.onerror = () => reject(toApiError(new Error('network')))
    xhr.onabort = () => reject(toApiError(new Error('aborted')))
    hooks.signal?.addEventListener('abort', () => xhr.abort())
    const form = new FormData()
    form.append('file', file, file.name)
    xhr.send(form)
  })
}
