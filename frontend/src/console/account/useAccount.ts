// The account screens' API calls: the tenant's members and invitations,
// the tenant's settings, and the signed-in person's certificates. Screens
// call these, never `api` directly, so a changed route is fixed here once.
import { api, fetchBlob, must, type Schemas } from '../../api/client'

export type Member = Schemas['Member']
export type Invitation = Schemas['Invitation']
export type Tenant = Schemas['Tenant']
export type TenantUpdate = Schemas['UpdateTenantRequest']

// The roles a membership can have, from the most to the least powerful;
// tenants.Role.Valid on the server accepts exactly these.
export const roles = ['owner', 'admin', 'member', 'legal'] as const
export type Role = (typeof roles)[number]

// A page of a list holds at most this many rows; "load more" reads on.
const limit = 50

export const members = {
  page: (cursor: string) => must(api.GET('/api/members', { params: { query: cursor ? { cursor, limit } : { limit } } })),
  setRole: (id: string, role: string) => must(api.PATCH('/api/members/{memberID}', { params: { path: { memberID: id } }, body: { role } })),
  remove: (id: string) => must(api.DELETE('/api/members/{memberID}', { params: { path: { memberID: id } } })),
}

export const invitations = {
  page: (cursor: string) => must(api.GET('/api/invitations', { params: { query: cursor ? { cursor, limit } : { limit } } })),
  create: (email: string, role: string) => must(api.POST('/api/invitations', { body: { email, role } })),
  revoke: (id: string) => must(api.DELETE('/api/invitations/{invitationID}', { params: { path: { invitationID: id } } })),
  accept: (body: Schemas['AcceptInvitationRequest']) => must(api.POST('/api/invitations/accept', { body })),
  preview: (token: string) => must(api.POST('/api/invitations/preview', { body: { token } })),
}

export const tenant = {
  get: () => must(api.GET('/api/tenant')),
  update: (body: TenantUpdate) => must(api.PATCH('/api/tenant', { body })),
  revokeAllSessions: () => must(api.POST('/api/auth/revoke-all')),
}

export type CertAlg = 'sm2' | 'ecdsa'

// certificate downloads the person's or the organisation's current signing
// certificate (PEM) for one algorithm.
export function certificate(kind: 'person' | 'organisation', alg: CertAlg): Promise<Blob> {
  return fetchBlob(`/api/identity/${kind}/certificate?alg=${alg}`)
}

// saveBlob hands a downloaded file to the browser under a name.
export function saveBlob(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  // The download has started by now; the URL is no longer needed.
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

// smsLogin signs a person in with a mobile number and a texted code; the
// first sign-in of a number creates its account and needs a name.
export const smsLogin = {
  sendCode: (mobile: string) => must(api.POST('/api/auth/mobile/code', { body: { mobile } })),
  login: (body: Schemas['SmsLoginRequest']) => must(api.POST('/api/auth/mobile', { body })),
}

// personHistory is every submission and decision of the signed-in person's
// verification, oldest first.
export const personHistory = () => must(api.GET('/api/identity/person/history'))

// orgHistory is every submission and decision of the company's
// verification, oldest first.
export const orgHistory = () => must(api.GET('/api/identity/organisation/history'))
