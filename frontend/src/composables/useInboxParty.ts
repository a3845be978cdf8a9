// API access for an organisation party in the company inbox
// (/app/inbox/:partyID): the contract, the tenant's seals, and stamping.
import { api, fetchBlob, must, type Schemas } from '../api/client'

export type Seal = Schemas['Seal']

export function useInboxParty(partyID: string) {
  const path = { partyID }

  return {
    view: () => must(api.GET('/api/inbox/{partyID}', { params: { path } })),
    pdf: (fileID: string) => fetchBlob(`/api/inbox/${encodeURIComponent(partyID)}/files/${encodeURIComponent(fileID)}/pdf`),
    // preview is what the viewer draws: a PDF, or an OFD's pages as a PDF.
    preview: (fileID: string) => fetchBlob(`/api/inbox/${encodeURIComponent(partyID)}/files/${encodeURIComponent(fileID)}/pdf?preview=1`),
    // seals are the tenant's seals that can stamp a contract: official and active.
    async seals(): Promise<Seal[]> {
      const all = await must(api.GET('/api/seals'))
      return all.filter((s) => s.kind === 'official' && s.state === 'active')
    },
    sealImage: (sealID: string) => fetchBlob(`/api/seals/${encodeURIComponent(sealID)}/image`),
    setPIN: (sealID: string, pin: string) => must(api.PUT('/api/seals/{sealID}/pin', { params: { path: { sealID } }, body: { pin } })),
    requestCode: (sealID: string) => must(api.POST('/api/inbox/{partyID}/code', { params: { path }, body: { seal_id: sealID } })),
    sign: (sealID: string, code: string, pin: string) =>
      must(api.POST('/api/inbox/{partyID}/sign', { params: { path }, body: { seal_id: sealID, code, pin } })),
    reject: (reason: string) => must(api.POST('/api/inbox/{partyID}/reject', { params: { path }, body: { reason } })),
  }
}

export type InboxPartyAPI = ReturnType<typeof useInboxParty>
