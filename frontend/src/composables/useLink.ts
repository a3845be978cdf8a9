// API access for a signing link (/s/:token): what the link leads to before
// sign-in, the SMS sign-in, and the contract as its signer sees it. Screens
// call these; they never build URLs or call fetch themselves.
import { api, fetchBlob, must, type Schemas } from '../api/client'
import { useSession } from '../stores/session'

export type LinkInfo = Schemas['LinkInfo']
export type SignerView = Schemas['SignerView']
export type MobileCode = Schemas['MobileCode']
export type Party = Schemas['Party']

export function useLink(token: string) {
  const path = { token }

  return {
    info: () => must(api.GET('/api/links/{token}/info', { params: { path } })),
    sendLoginCode: () => must(api.POST('/api/links/{token}/login-code', { params: { path } })),
    async login(code: string) {
      const s = await must(api.POST('/api/links/{token}/login', { params: { path }, body: { code } }))
      useSession().start(s)
      return s
    },
    view: () => must(api.GET('/api/links/{token}', { params: { path } })),
    pdf: (fileID: string) => fetchBlob(`/api/links/${encodeURIComponent(token)}/files/${encodeURIComponent(fileID)}/pdf`),
    // preview is what the viewer draws: a PDF, or an OFD's pages as a PDF.
    preview: (fileID: string) => fetchBlob(`/api/links/${encodeURIComponent(token)}/files/${encodeURIComponent(fileID)}/pdf?preview=1`),
    // requestCode texts the willingness code bound to exactly this signature.
    requestCode: (signaturePNG: string) =>
      must(api.POST('/api/links/{token}/code', { params: { path }, body: { signature_png: signaturePNG } })),
    sign: (signaturePNG: string, code: string) =>
      must(api.POST('/api/links/{token}/sign', { params: { path }, body: { signature_png: signaturePNG, code } })),
    reject: (reason: string) => must(api.POST('/api/links/{token}/reject', { params: { path }, body: { reason } })),
    typedSignature: (font?: string) => must(api.POST('/api/signatures/typed', { body: font ? { font } : {} })),
  }
}

export type LinkAPI = ReturnType<typeof useLink>
