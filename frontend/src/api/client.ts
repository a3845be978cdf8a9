// The typed API client. Types come from src/api/schema.d.ts, generated from
// the server's OpenAPI document (npm run gen:api), so a changed route breaks
// the type check. Screens use composables built on `api`, never fetch.
import createClient, { type Middleware } from 'openapi-fetch'
import type { paths, components } from './schema'
import { ApiError, toApiError } from './errors'
import { tokens } from './tokens'

export type Schemas = components['schemas']

const auth: Middleware = {
  async onRequest({ request }) {
    const token = await tokens.accessToken()
    if (token && !request.headers.has('Authorization')) request.headers.set('Authorization', `Bearer ${token}`)
    return request
  },
}

export const api = createClient<paths>({ baseUrl: globalThis.location?.origin ?? 'http://localhost' })
api.use(auth)

// must unwraps an openapi-fetch result: the data, or an ApiError thrown.
export async function must<T>(p: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let r: { data?: T; error?: unknown; response: Response }
  try {
    r = await p
  } catch (e) {
    throw toApiError(e)
  }
  if (!r.response.ok) {
    if (r.response.status === 401) tokens.expired()
    throw toApiError(r.error, r.response.status)
  }
  return r.data as T
}

// fetchBlob downloads a binary route (a PDF) with the session's token.
export async function fetchBlob(path: string): Promise<Blob> {
  const headers: Record<string, string> = {}
  const token = await tokens.accessToken()
  if (token) headers.Authorization = `Bearer ${token}`
  let res: Response
  try {
    res = await fetch(path, { headers })
  } catch (e) {
    throw toApiError(e)
  }
  if (!res.ok) {
    let body: unknown = undefined
    try {
      body = await res.json()
    } catch {
      // not JSON
    }
    throw toApiError(body, res.status)
  }
  return res.blob()
}

// postBinary sends a raw body (a PDF to verify) and reads JSON back.
export async function postBinary<T>(path: string, body: Blob, contentType: string): Promise<T> {
  let res: Response
  try {
    res = await fetch(path, { method: 'POST', headers: { 'Content-Type': contentType }, body })
  } catch (e) {
    throw toApiError(e)
  }
  const data = await res.json().catch(() => undefined)
  if (!res.ok) throw toApiError(data, res.status)
  return data as T
}

export { ApiError }
