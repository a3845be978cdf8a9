// The integration screens' API calls: templates, API keys, auto-stamp
// authorisations, stamp batches and webhooks. Screens call these, never
// `api` or fetch directly, so a changed route breaks the type check here.
import { api, must, fetchBlob, type Schemas } from '../../api/client'
import { toApiError } from '../../api/errors'
import { tokens } from '../../api/tokens'

export type Template = Schemas['Template']
export type TemplateSpec = Schemas['TemplateSpec']
export type FillField = Schemas['FillField']
export type TemplateRole = Schemas['TemplateRole']
export type FieldSpec = Schemas['FieldSpec']
export type TemplateParty = Schemas['TemplatePartyRequest']
export type BulkResult = Schemas['BulkSend']
export type RowResult = Schemas['RowResult']
export type ApiKey = Schemas['ApiKey']
export type Authorisation = Schemas['Authorisation']
export type Seal = Schemas['Seal']
export type Member = Schemas['Member']
export type StampBatch = Schemas['StampBatch']
export type StampItem = Schemas['StampItem']
export type WebhookEndpoint = Schemas['WebhookEndpoint']
export type WebhookDelivery = Schemas['WebhookDelivery']
export type WebhookEventType = Schemas['WebhookEventType']

// apiKeyScopes are the scopes an API key can hold, as the server lists them.
export const apiKeyScopes = () => must(api.GET('/api/api-key-scopes'))

// A page of a cursor-paged list.
const pageSize = 50

// ---------------------------------------------------------------- templates

export const listTemplates = () => must(api.GET('/api/templates'))
export const getTemplate = (id: string) => must(api.GET('/api/templates/{templateID}', { params: { path: { templateID: id } } }))

export function createTemplate(name: string, file: File, spec: TemplateSpec) {
  const form = new FormData()
  form.append('name', name)
  form.append('spec', JSON.stringify(spec))
  form.append('file', file, file.name)
  return must(api.POST('/api/templates', { body: form as unknown as never }))
}

// The answer is a contract detail: the contract's own fields with its
// documents and parties.
export function sendFromTemplate(id: string, body: Schemas['FromTemplateRequest']) {
  return must(api.POST('/api/templates/{templateID}/contracts', { params: { path: { templateID: id } }, body }))
}

// bulkSend posts the CSV as it is: the server reads the header and rows.
export function bulkSend(id: string, csv: string, deadlineDays?: number) {
  return must(
    api.POST('/api/templates/{templateID}/bulk-send', {
      params: { path: { templateID: id }, query: deadlineDays ? { deadline_days: deadlineDays } : {} },
      body: csv as unknown as never,
      bodySerializer: (b: unknown) => b as string,
      headers: { 'Content-Type': 'text/csv; charset=utf-8' },
    }),
  )
}

// ---------------------------------------------------------------- API keys

export const listApiKeys = (cursor: string) =>
  must(api.GET('/api/api-keys', { params: { query: cursor ? { limit: pageSize, cursor } : { limit: pageSize } } }))
export const createApiKey = (body: Schemas['CreateAPIKeyRequest']) => must(api.POST('/api/api-keys', { body }))
export const revokeApiKey = (id: string) => must(api.DELETE('/api/api-keys/{apiKeyID}', { params: { path: { apiKeyID: id } } }))

// ---------------------------------------------------------------- seals and authorisations

export const listSeals = () => must(api.GET('/api/seals'))
export const listMembers = () => must(api.GET('/api/members', { params: { query: { limit: 200 } } }))
export const listAuthorisations = (sealID: string) =>
  must(api.GET('/api/seals/{sealID}/authorisations', { params: { path: { sealID } } }))
export const authorise = (sealID: string, body: Schemas['AuthoriseRequest']) =>
  must(api.POST('/api/seals/{sealID}/authorisations', { params: { path: { sealID } }, body }))
export const deauthorise = (sealID: string, authorisationID: string) =>
  must(api.DELETE('/api/seals/{sealID}/authorisations/{authorisationID}', { params: { path: { sealID, authorisationID } } }))

// ---------------------------------------------------------------- stamp batches

export interface NewBatch {
  sealID: string
  page: number
  x: number
  y: number
  files: File[]
}

// createBatch uploads the PDFs with XMLHttpRequest rather than fetch,
// because only it reports upload progress, and a batch can be hundreds of
// megabytes. onProgress gets the fraction sent, 0 to 1.
export async function createBatch(b: NewBatch, onProgress: (f: number) => void): Promise<StampBatch> {
  const form = new FormData()
  form.append('seal_id', b.sealID)
  form.append('page', String(b.page))
  form.append('x', String(b.x))
  form.append('y', String(b.y))
  for (const f of b.files) form.append('file', f, f.name)
  const token = await tokens.accessToken()
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', '/api/stamp-batches')
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`)
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total)
    }
    xhr.onload = () => {
      let data: unknown
      try {
        data = JSON.parse(xhr.responseText)
      } catch {
        data = undefined
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data as StampBatch)
      else {
        if (xhr.status === 401) tokens.expired()
        reject(toApiError(data, xhr.status))
      }
    }
    xhr.onerror = () => reject(toApiError(new Error('network')))
    xhr.send(form)
  })
}

export const getBatch = (id: string) => must(api.GET('/api/stamp-batches/{batchID}', { params: { path: { batchID: id } } }))
export const batchPDF = (id: string, n: number) => fetchBlob(`/api/stamp-batches/${encodeURIComponent(id)}/items/${n}/pdf`)

// listBatches pages through the company's batches, newest first.
export const listBatches = (cursor: string) =>
  must(api.GET('/api/stamp-batches', { params: { query: cursor ? { limit: pageSize, cursor } : { limit: pageSize } } }))

// ---------------------------------------------------------------- webhooks

export const webhookEventTypes = () => must(api.GET('/api/webhook-event-types'))
export const listWebhooks = (cursor: string) =>
  must(api.GET('/api/webhooks', { params: { query: cursor ? { limit: pageSize, cursor } : { limit: pageSize } } }))
export const getWebhook = (id: string) => must(api.GET('/api/webhooks/{webhookID}', { params: { path: { webhookID: id } } }))
export const createWebhook = (body: Schemas['CreateWebhookRequest']) => must(api.POST('/api/webhooks', { body }))
export const updateWebhook = (id: string, body: Schemas['UpdateWebhookRequest']) =>
  must(api.PATCH('/api/webhooks/{webhookID}', { params: { path: { webhookID: id } }, body }))
export const deleteWebhook = (id: string) => must(api.DELETE('/api/webhooks/{webhookID}', { params: { path: { webhookID: id } } }))
export const rotateWebhookSecret = (id: string) =>
  must(api.POST('/api/webhooks/{webhookID}/rotate-secret', { params: { path: { webhookID: id } }, body: {} }))
export const testWebhook = (id: string) => must(api.POST('/api/webhooks/{webhookID}/test', { params: { path: { webhookID: id } } }))
export const listDeliveries = (id: string, cursor: string) =>
  must(
    api.GET('/api/webhooks/{webhookID}/deliveries', {
      params: { path: { webhookID: id }, query: cursor ? { limit: pageSize, cursor } : { limit: pageSize } },
    }),
  )
export const redeliver = (id: string, deliveryID: string) =>
  must(api.POST('/api/webhooks/{webhookID}/deliveries/{deliveryID}/redeliver', { params: { path: { webhookID: id, deliveryID } } }))
