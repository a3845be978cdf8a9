// The operator console's API calls, typed from the OpenAPI document. Every
// route is for platform operators only; the server refuses anyone else.
import { watch, type Ref } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { api, fetchBlob, must, type Schemas } from '../api/client'
import { problemMessage, toApiError } from '../api/errors'

export type QueueItem = Schemas['QueueItem']
export type PersonReview = Schemas['PersonReview']
export type OrgReview = Schemas['OrgReview']
export type HistoryEvent = Schemas['History']
export type IdentityDocument = Schemas['Document']
export type Payout = Schemas['Payout']
export type OperatorSeal = Schemas['OperatorSeal']
export type OperatorTenant = Schemas['OperatorTenant']
export type ReviewKind = 'person' | 'organisation'

export const reviewQueue = () => must(api.GET('/api/operator/identity/queue'))

export function reviewOf(kind: ReviewKind, id: string): Promise<PersonReview | OrgReview> {
  return kind === 'person'
    ? must(api.GET('/api/operator/identity/persons/{personVerificationID}', { params: { path: { personVerificationID: id } } }))
    : must(api.GET('/api/operator/identity/organisations/{orgVerificationID}', { params: { path: { orgVerificationID: id } } }))
}

export type Decision = 'approve' | 'reject' | 'revoke'

// decide sends an operator's decision on one application; reject and
// revoke carry the reason the applicant will read.
export function decide(kind: ReviewKind, id: string, decision: Decision, reason = '') {
  const body = decision === 'approve' ? undefined : { reason }
  if (kind === 'person') {
    const params = { path: { personVerificationID: id } }
    if (decision === 'approve') return must(api.POST('/api/operator/identity/persons/{personVerificationID}/approve', { params }))
    if (decision === 'reject') return must(api.POST('/api/operator/identity/persons/{personVerificationID}/reject', { params, body: body! }))
    return must(api.POST('/api/operator/identity/persons/{personVerificationID}/revoke', { params, body: body! }))
  }
  const params = { path: { orgVerificationID: id } }
  if (decision === 'approve') return must(api.POST('/api/operator/identity/organisations/{orgVerificationID}/approve', { params }))
  if (decision === 'reject') return must(api.POST('/api/operator/identity/organisations/{orgVerificationID}/reject', { params, body: body! }))
  return must(api.POST('/api/operator/identity/organisations/{orgVerificationID}/revoke', { params, body: body! }))
}

// documentBlob is a decrypted ID image or authorisation letter. It is
// fetched with the session's token and never cached by the browser.
export const documentBlob = (id: string) => fetchBlob(`/api/operator/identity/documents/${encodeURIComponent(id)}`)

export const pendingPayouts = () => must(api.GET('/api/operator/identity/payouts'))

export const markPayoutSent = (id: string, reference: string) =>
  must(api.POST('/api/operator/identity/payouts/{payoutID}/sent', { params: { path: { payoutID: id } }, body: { reference } }))

export const sealQueue = () => must(api.GET('/api/operator/seals/queue'))

export const sealImage = (id: string) => fetchBlob(`/api/operator/seals/${encodeURIComponent(id)}/image`)

export function decideSeal(id: string, approve: boolean, reason = '') {
  const params = { path: { sealID: id } }
  return approve
    ? must(api.POST('/api/operator/seals/{sealID}/approve', { params }))
    : must(api.POST('/api/operator/seals/{sealID}/reject', { params, body: { reason } }))
}

export const tenantsPage = (cursor: string) =>
  must(api.GET('/api/operator/tenants', { params: { query: cursor ? { limit: 50, cursor } : { limit: 50 } } }))

export function setTenantStatus(id: string, suspend: boolean, reason = '') {
  const params = { path: { tenantID: id } }
  return suspend
    ? must(api.POST('/api/operator/tenants/{tenantID}/suspend', { params, body: { reason } }))
    : must(api.POST('/api/operator/tenants/{tenantID}/reactivate', { params }))
}

type Translate = (key: string, named?: Record<string, unknown>) => string
type Has = (key: string) => boolean

// opsProblem is the sentence for a failed operator action: the operator
// console's own wording for the problems only operators meet (an operator
// reviewing their own application), else the app's common one.
export function opsProblem(e: unknown, t: Translate, te: Has): string {
  const key = `ops.errors.${toApiError(e).code}`
  return te(key) ? t(key) : problemMessage(e, t, te)
}

// who names the actor of a decision: the person's name, the system for
// background jobs, else the raw reference.
export function who(ref: string | undefined, name: string | undefined, t: Translate): string {
  if (name) return name
  if (!ref) return ''
  if (ref === 'system') return t('ops.history.system')
  return ref
}

// useSignInAgain sends the operator back to log in, and then here, when
// the server refused the session while a screen was loading.
export function useSignInAgain(error: Ref<unknown>) {
  const router = useRouter()
  const route = useRoute()
  watch(error, (e) => {
    if (e && toApiError(e).status === 401) router.replace({ name: 'login', query: { next: route.fullPath } })
  })
}
