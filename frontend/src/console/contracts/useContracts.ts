// The contract screens' calls to the API, and the few rules they share
// about how a state looks.
import { api, fetchBlob, must, type Schemas } from '../../api/client'
import type { Page } from '../shared/usePaged'

export type Contract = Schemas['Contract']
export type ContractDetail = Schemas['ContractDetail']
export type Party = Schemas['Party']
export type ContractEvent = Schemas['Event']
export type Revision = Schemas['Revision']
export type Delivery = Schemas['WebhookDelivery']

export const states = ['draft', 'in_progress', 'completed', 'rejected', 'revoked', 'expired'] as const

export interface ContractFilter {
  q: string
  party: string
  status: string[]
  // from and to are days (YYYY-MM-DD) in the user's time zone; to is
  // inclusive, so the API gets the start of the day after.
  from: string
  to: string
}

// dayStart is the RFC 3339 time of a local day's midnight.
export function dayStart(day: string, addDays = 0): string {
  const [y, m, d] = day.split('-').map(Number)
  return new Date(y, m - 1, d + addDays).toISOString()
}

export function listContracts(f: ContractFilter, cursor: string, limit = 50): Promise<Page<Contract>> {
  const query: Record<string, string | number> = { limit }
  if (cursor) query.cursor = cursor
  if (f.q) query.q = f.q
  if (f.party) query.party = f.party
  if (f.status.length) query.status = f.status.join(',')
  if (f.from) query.from = dayStart(f.from)
  if (f.to) query.to = dayStart(f.to, 1)
  return must(api.GET('/api/contracts', { params: { query } })) as Promise<Page<Contract>>
}

export function contractTone(state: string): 'ok' | 'bad' | 'todo' | 'none' {
  if (state === 'completed') return 'ok'
  if (['rejected', 'revoked', 'expired'].includes(state)) return 'bad'
  if (state === 'in_progress') return 'todo'
  return 'none'
}

export function partyTone(p: Party, contractState: string): 'ok' | 'bad' | 'todo' | 'none' {
  if (p.state === 'signed') return 'ok'
  if (p.state === 'rejected') return 'bad'
  if (contractState === 'in_progress' && (p.state === 'notified' || p.state === 'viewed')) return 'todo'
  return 'none'
}

// partyName is how a party is named in lists: the company for an
// organisation (with its contact), else the person.
export function partyName(p: Party): string {
  if (p.kind === 'organization') return p.name ? `${p.org_name}（${p.name}）` : (p.org_name ?? '')
  return p.name ?? ''
}

export const getContract = (id: string) => must(api.GET('/api/contracts/{contractID}', { params: { path: { contractID: id } } }))
export const getEvents = (id: string) => must(api.GET('/api/contracts/{contractID}/events', { params: { path: { contractID: id } } }))
export const getRevisions = (id: string) => must(api.GET('/api/contracts/{contractID}/revisions', { params: { path: { contractID: id } } }))
export const getDeliveries = (id: string) =>
  must(api.GET('/api/contracts/{contractID}/webhook-deliveries', { params: { path: { contractID: id } } }))

// listMembers reads every member (a company has tens, not thousands).
export async function listMembers() {
  const out: Schemas['Member'][] = []
  let cursor = ''
  do {
    const page = await must(api.GET('/api/members', { params: { query: { limit: 200, ...(cursor ? { cursor } : {}) } } }))
    out.push(...page.items)
    cursor = page.next_cursor ?? ''
  } while (cursor && out.length < 2000)
  return out
}

export const sendContract = (id: string) => must(api.POST('/api/contracts/{contractID}/send', { params: { path: { contractID: id } } }))
export const extendContract = (id: string, days: number) =>
  must(api.POST('/api/contracts/{contractID}/extend', { params: { path: { contractID: id } }, body: { days } }))
export const revokeContract = (id: string, reason: string) =>
  must(api.POST('/api/contracts/{contractID}/revoke', { params: { path: { contractID: id } }, body: { reason } }))
export const nudgeParty = (id: string, partyID: string) =>
  must(api.POST('/api/contracts/{contractID}/parties/{partyID}/nudge', { params: { path: { contractID: id, partyID } } }))
export const reissueLink = (id: string, partyID: string) =>
  must(api.POST('/api/contracts/{contractID}/parties/{partyID}/link', { params: { path: { contractID: id, partyID } } }))
export const revokeLink = (id: string, partyID: string) =>
  must(api.DELETE('/api/contracts/{contractID}/parties/{partyID}/link', { params: { path: { contractID: id, partyID } } }))

export const documentPDF = (fileID: string, version: 'original' | 'current') => fetchBlob(`/api/files/${fileID}/pdf?version=${version}`)
export const revisionPDF = (id: string, revisionID: string) => fetchBlob(`/api/contracts/${id}/revisions/${revisionID}/pdf`)
export const evidencePackage = (id: string) => fetchBlob(`/api/contracts/${id}/evidence`)
