// The seals API as the console's seal screens use it: typed calls through
// the generated client, one function per route, so screens never build
// URLs or requests themselves.
import { api, fetchBlob, must, type Schemas } from '../../api/client'

export type Seal = Schemas['Seal']
export type SealDesign = Schemas['SealDesignRequest']
export type Authorisation = Schemas['Authorisation']
export type SealUse = Schemas['SealUse']
export type UseApproval = Schemas['UseApproval']
export type Member = Schemas['Member']

// A rendered seal image with its printed size from the X-Seal-*-MM headers.
export interface SealPNG {
  blob: Blob
  widthMM: number
  heightMM: number
}

function sized(blob: Blob, r: Response): SealPNG {
  return { blob, widthMM: Number(r.headers.get('X-Seal-Width-MM')) || 0, heightMM: Number(r.headers.get('X-Seal-Height-MM')) || 0 }
}

// pngOf unwraps a binary answer, keeping the response for its headers.
async function pngOf(p: Promise<{ data?: Blob; error?: unknown; response: Response }>): Promise<SealPNG> {
  let response: Response | undefined
  const blob = await must(
    p.then((r) => {
      response = r.response
      return r
    }),
  )
  return sized(blob, response!)
}

// The upload routes take multipart forms; the generated types call the
// body a string, so the form is passed through as the client expects.
function uploadForm(file: Blob, fields: Record<string, string>) {
  const form = new FormData()
  form.append('file', file, file instanceof File ? file.name : 'seal.png')
  for (const [k, v] of Object.entries(fields)) if (v !== '') form.append(k, v)
  return form as unknown as string
}

export type SealVerb = 'freeze' | 'unfreeze' | 'lost' | 'revoke'

export const sealsApi = {
  list: () => must(api.GET('/api/seals')),
  get: (sealID: string) => must(api.GET('/api/seals/{sealID}', { params: { path: { sealID } } })),
  image: (sealID: string) => fetchBlob(`/api/seals/${encodeURIComponent(sealID)}/image`),
  preview: (body: SealDesign, signal?: AbortSignal) =>
    pngOf(api.POST('/api/seals/preview', { body, parseAs: 'blob', signal }) as Promise<{ data?: Blob; error?: unknown; response: Response }>),
  apply: (body: SealDesign) => must(api.POST('/api/seals', { body })),
  uploadPreview: (file: Blob, recolor: boolean, sizeMM: number, signal?: AbortSignal) =>
    pngOf(
      api.POST('/api/seals/uploads/preview', {
        body: uploadForm(file, { recolor: String(recolor), size_mm: sizeMM ? String(sizeMM) : '' }),
        parseAs: 'blob',
        signal,
      }) as Promise<{ data?: Blob; error?: unknown; response: Response }>,
    ),
  applyUpload: (file: Blob, f: { name: string; purpose: string; sizeMM: number; recolor: boolean }) =>
    must(
      api.POST('/api/seals/uploads', {
        body: uploadForm(file, { name: f.name, purpose: f.purpose, size_mm: f.sizeMM ? String(f.sizeMM) : '', recolor: String(f.recolor) }),
      }),
    ),
  act: (sealID: string, verb: SealVerb, reason: string) => {
    const opts = { params: { path: { sealID } }, body: { reason } }
    switch (verb) {
      case 'freeze':
        return must(api.POST('/api/seals/{sealID}/freeze', opts))
      case 'unfreeze':
        return must(api.POST('/api/seals/{sealID}/unfreeze', opts))
      case 'lost':
        return must(api.POST('/api/seals/{sealID}/lost', opts))
      default:
        return must(api.POST('/api/seals/{sealID}/revoke', opts))
    }
  },
  authorisations: (sealID: string) => must(api.GET('/api/seals/{sealID}/authorisations', { params: { path: { sealID } } })),
  authorise: (sealID: string, body: Schemas['AuthoriseRequest']) =>
    must(api.POST('/api/seals/{sealID}/authorisations', { params: { path: { sealID } }, body })),
  deauthorise: (sealID: string, authorisationID: string) =>
    must(api.DELETE('/api/seals/{sealID}/authorisations/{authorisationID}', { params: { path: { sealID, authorisationID } } })),
  setCustodian: (sealID: string, personID: string) =>
    must(api.PUT('/api/seals/{sealID}/custodian', { params: { path: { sealID } }, body: { person_id: personID } })),
  setPIN: (sealID: string, pin: string) => must(api.PUT('/api/seals/{sealID}/pin', { params: { path: { sealID } }, body: { pin } })),
  unlock: (sealID: string, personID: string) =>
    must(api.POST('/api/seals/{sealID}/holders/{personID}/unlock', { params: { path: { sealID, personID } } })),
  uses: (sealID: string) => must(api.GET('/api/seals/{sealID}/uses', { params: { path: { sealID } } })),
  usesCSV: (sealID: string) => fetchBlob(`/api/seals/${encodeURIComponent(sealID)}/uses.csv`),
  approvals: (sealID: string) => must(api.GET('/api/seals/{sealID}/approvals', { params: { path: { sealID } } })),
  decide: (sealID: string, approvalID: string, approve: boolean) => {
    const opts = { params: { path: { sealID, approvalID } } }
    return approve
      ? must(api.POST('/api/seals/{sealID}/approvals/{approvalID}/approve', opts))
      : must(api.POST('/api/seals/{sealID}/approvals/{approvalID}/reject', opts))
  },
  // members reads every member, page after page: the pickers need them
  // all, and a company's member list is short.
  async members(): Promise<Member[]> {
    const out: Member[] = []
    let cursor = ''
    for (let i = 0; i < 20; i++) {
      const page = await must(api.GET('/api/members', { params: { query: cursor ? { limit: 100, cursor } : { limit: 100 } } }))
      out.push(...page.items)
      cursor = page.next_cursor ?? ''
      if (!cursor) break
    }
    return out
  },
}

// The seal states, in the order a seal lives through them.
export const sealStates = ['pending', 'active', 'frozen', 'lost', 'revoked', 'rejected', 'expired'] as const

// stateTone is the colour of a state's badge.
export function stateTone(state: string): 'ok' | 'todo' | 'warn' | 'bad' | 'none' {
  if (state === 'active') return 'ok'
  if (state === 'pending') return 'todo'
  if (state === 'frozen') return 'warn'
  if (state === 'lost' || state === 'revoked' || state === 'rejected') return 'bad'
  return 'none'
}

// isManager: owners and admins manage seals; the API refuses everyone else.
export function isManager(role: string): boolean {
  return role === 'owner' || role === 'admin'
}
