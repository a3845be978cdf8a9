// The new contract as the editor holds it, before it is sent: documents
// (uploaded one by one), signers in signing order, CC recipients, and the
// fields placed for each signer. It checks what the API would refuse, in
// the API's own field names, and builds the request. Local keys (not API
// indexes) name documents, parties and fields, because the person reorders
// and removes them while editing; `request()` returns how the API's
// indexes map back to them, so its field errors land next to the right
// control.
import { reactive } from 'vue'
import { normalUSCC, validUSCC } from '../../../onboarding/uscc'
import type { Schemas } from '../../../api/client'
import type { PdfRect } from './geometry'

export type PartyKind = 'person' | 'organization'
export type Role = 'signer' | 'cc'
export type FieldKind = 'seal' | 'signature' | 'date' | 'cross_page'
export type Lang = '' | 'zh-CN' | 'en'

// Default field sizes in points, as contracts/draft.go has them: a 42 mm
// round seal, a signature box and a date line.
export const defaultSizes: Record<FieldKind, [number, number]> = {
  seal: [(42 * 72) / 25.4, (42 * 72) / 25.4],
  cross_page: [(42 * 72) / 25.4, (42 * 72) / 25.4],
  signature: [120, 48],
  date: [110, 16],
}

export const maxDocuments = 50
export const maxDocumentBytes = 50 << 20
export const maxDeadlineDays = 90

export interface EditorDocument {
  key: string
  name: string
  size: number
  // uploading: bytes on their way; processing: the server checks the PDF
  // or converts an office file; ready: it has an id and pages.
  state: 'uploading' | 'processing' | 'ready' | 'error'
  progress: number
  office: boolean
  error: string
  id: string
  pages: number
  file?: File
}

export interface EditorParty {
  key: string
  role: Role
  kind: PartyKind
  name: string
  mobile: string
  email: string
  lang: Lang
  orgName: string
  orgUscc: string
  // own is the sending company itself signing.
  own: boolean
  // parallel signs in the same step as the signer before it.
  parallel: boolean
  // crossPage: an organisation also seals across the pages of every
  // document of two pages or more.
  crossPage: boolean
}

export interface EditorField {
  key: string
  party: string
  kind: FieldKind
  // doc is the document's local key.
  doc: string
  page: number
  x: number
  y: number
  w: number
  h: number
  // A keyword field is placed by the API at the keyword.
  anchor?: string
  anchorIndex?: number
  offsetX?: number
  offsetY?: number
}

let seq = 0
export const newKey = (prefix: string) => `${prefix}${++seq}`

export function validMobile(raw: string): boolean {
  const s = raw.replace(/[\s()-]/g, '')
  if (/^(\+?86)?1[3-9]\d{9}$/.test(s)) return true
  // Other countries: the server checks the number; here only its shape.
  return /^\+(?!86)[1-9]\d{6,14}$/.test(s)
}

export function validEmail(raw: string): boolean {
  return /^[^\s@<>()]+@[^\s@<>()]+\.[^\s@<>()]+$/.test(raw.trim()) && raw.trim().length <= 254
}

export function useDraft() {
  const state = reactive({
    title: '',
    documents: [] as EditorDocument[],
    signers: [] as EditorParty[],
    ccs: [] as EditorParty[],
    fields: [] as EditorField[],
    deadlineDays: 30,
    remind: true,
    remindEveryHours: 24,
  })

  function party(key: string): EditorParty | undefined {
    return state.signers.find((p) => p.key === key) ?? state.ccs.find((p) => p.key === key)
  }

  function blankParty(role: Role, kind: PartyKind): EditorParty {
    return { key: newKey('p'), role, kind, name: '', mobile: '', email: '', lang: '', orgName: '', orgUscc: '', own: false, parallel: false, crossPage: false }
  }

  function addParty(role: Role, kind: PartyKind, init: Partial<EditorParty> = {}): EditorParty {
    const p = { ...blankParty(role, kind), ...init }
    if (role === 'signer') state.signers.push(p)
    else state.ccs.push(p)
    return p
  }

  function removeParty(key: string) {
    state.signers = state.signers.filter((p) => p.key !== key)
    state.ccs = state.ccs.filter((p) => p.key !== key)
    state.fields = state.fields.filter((f) => f.party !== key)
    if (state.signers.length) state.signers[0].parallel = false
  }

  // setKind changes a party between person and organisation; the fields
  // of the other kind (a signature for a seal) go with the change.
  function setKind(key: string, kind: PartyKind) {
    const p = party(key)
    if (!p || p.kind === kind) return
    p.kind = kind
    p.crossPage = false
    const wrong: FieldKind[] = kind === 'person' ? ['seal', 'cross_page'] : ['signature']
    state.fields = state.fields.filter((f) => f.party !== key || !wrong.includes(f.kind))
  }

  // moveSigner moves a signer one step up (-1) or down (+1).
  function moveSigner(key: string, by: number) {
    const i = state.signers.findIndex((p) => p.key === key)
    const j = i + by
    if (i < 0 || j < 0 || j >= state.signers.length) return
    const list = [...state.signers]
    ;[list[i], list[j]] = [list[j], list[i]]
    list[0].parallel = false
    state.signers = list
  }

  // reorder puts the signer at from to the place of to (a drag and drop).
  function reorder(from: number, to: number) {
    if (from === to || from < 0 || to < 0 || from >= state.signers.length || to >= state.signers.length) return
    const list = [...state.signers]
    const [p] = list.splice(from, 1)
    list.splice(to, 0, p)
    list[0].parallel = false
    state.signers = list
  }

  // orders are the signing steps: one more than the previous signer's,
  // or the same for a signer who signs in parallel with it.
  function orders(): number[] {
    const out: number[] = []
    state.signers.forEach((p, i) => out.push(i === 0 ? 1 : p.parallel ? out[i - 1] : out[i - 1] + 1))
    return out
  }

  function removeDocument(key: string) {
    state.documents = state.documents.filter((d) => d.key !== key)
    state.fields = state.fields.filter((f) => f.doc !== key)
  }

  function moveDocument(key: string, by: number) {
    const i = state.documents.findIndex((d) => d.key === key)
    const j = i + by
    if (i < 0 || j < 0 || j >= state.documents.length) return
    const list = [...state.documents]
    ;[list[i], list[j]] = [list[j], list[i]]
    state.documents = list
  }

  function addField(f: Omit<EditorField, 'key'>): EditorField {
    const field = { ...f, key: newKey('f') }
    state.fields.push(field)
    return field
  }

  function updateField(key: string, r: PdfRect) {
    const f = state.fields.find((x) => x.key === key)
    if (f) Object.assign(f, r)
  }

  function removeField(key: string) {
    state.fields = state.fields.filter((f) => f.key !== key)
  }

  // crossPage says whether an organisation seals across pages; turning it
  // on adds a cross-page seal to every document of two pages or more
  // (every page, at mid-height, placed by the API).
  const crossPage = (key: string) => !!party(key)?.crossPage
  function setCrossPage(key: string, on: boolean) {
    const p = party(key)
    if (!p) return
    p.crossPage = on
    state.fields = state.fields.filter((f) => f.party !== key || f.kind !== 'cross_page')
    if (!on) return
    const [w, h] = defaultSizes.cross_page
    for (const d of state.documents) {
      if (d.state === 'ready' && d.pages >= 2) addField({ party: key, kind: 'cross_page', doc: d.key, page: 1, x: 0, y: 0, w, h })
    }
  }

  // refreshCrossPages gives a document that arrives later the cross-page
  // seals already chosen.
  function refreshCrossPages() {
    for (const p of state.signers) if (crossPage(p.key)) setCrossPage(p.key, true)
  }

  return { state, party, addParty, refreshCrossPages, removeParty, setKind, moveSigner, reorder, orders, removeDocument, moveDocument, addField, updateField, removeField, crossPage, setCrossPage }
}

export type Draft = ReturnType<typeof useDraft>

// Where the API's indexes point in the editor: document_ids[i] is docs[i],
// parties[i] is parties[i], parties[i].fields[j] is fields[i][j].
export interface RequestMap {
  docs: string[]
  parties: string[]
  fields: string[][]
}

// request is the body of POST /api/contracts for the draft.
export function request(d: Draft, send: boolean): { body: Schemas['CreateContractRequest']; map: RequestMap } {
  const s = d.state
  const docs = s.documents.filter((x) => x.state === 'ready')
  const docIndex = new Map(docs.map((x, i) => [x.key, i]))
  const orders = d.orders()
  const map: RequestMap = { docs: docs.map((x) => x.key), parties: [], fields: [] }
  const parties: Schemas['PartyRequest'][] = []
  for (const [i, p] of [...s.signers, ...s.ccs].entries()) {
    const fields = p.role === 'signer' ? s.fields.filter((f) => f.party === p.key && docIndex.has(f.doc)) : []
    map.parties.push(p.key)
    map.fields.push(fields.map((f) => f.key))
    const out: Schemas['PartyRequest'] = { role: p.role, kind: p.kind }
    if (p.role === 'signer') out.order = orders[i]
    if (p.name.trim()) out.name = p.name.trim()
    if (p.mobile.trim()) out.mobile = p.mobile.replace(/[\s()-]/g, '')
    if (p.email.trim()) out.email = p.email.trim()
    if (p.lang) out.lang = p.lang
    if (p.kind === 'organization') {
      out.org_name = p.orgName.trim()
      out.org_uscc = normalUSCC(p.orgUscc)
    }
    if (fields.length) out.fields = fields.map((f) => fieldRequest(f, docIndex.get(f.doc) ?? 0))
    parties.push(out)
  }
  const body: Schemas['CreateContractRequest'] = {
    title: s.title.trim(),
    document_ids: docs.map((x) => x.id),
    parties,
    deadline_days: s.deadlineDays,
    remind_every_hours: s.remind ? s.remindEveryHours : 0,
  }
  if (send) body.send = true
  return { body, map }
}

function fieldRequest(f: EditorField, document: number): Schemas['FieldSpec'] {
  if (f.kind === 'cross_page') return { kind: f.kind, document }
  if (f.anchor) {
    return { kind: f.kind, document, anchor: f.anchor, anchor_index: f.anchorIndex || 1, offset_x: f.offsetX ?? 0, offset_y: f.offsetY ?? 0 }
  }
  return { kind: f.kind, document, page: f.page, x: f.x, y: f.y, w: f.w, h: f.h }
}

// Problems are keyed the editor's way: "title", "documents", "doc:<key>",
// "deadline_days", "remind_every_hours", "parties", "party:<key>.<prop>"
// (prop as the API names it: name, mobile, org_uscc, fields, ...) and
// "field:<key>". Values are message keys under editor.errors, or already
// translated text when they come from the API.
export type Problems = Record<string, string>

// check finds what the API would refuse, before anything is sent.
export function check(d: Draft): Problems {
  const s = d.state
  const out: Problems = {}
  if (!s.title.trim()) out.title = 'editor.errors.title'
  else if (s.title.trim().length > 200) out.title = 'editor.errors.titleLong'
  if (!s.documents.length) out.documents = 'editor.errors.noDocuments'
  else if (s.documents.some((x) => x.state === 'uploading' || x.state === 'processing')) out.documents = 'editor.errors.uploading'
  else if (s.documents.some((x) => x.state === 'error')) out.documents = 'editor.errors.failedUploads'
  if (!s.signers.length) out.parties = 'editor.errors.noSigners'
  if (!Number.isInteger(s.deadlineDays) || s.deadlineDays < 1 || s.deadlineDays > maxDeadlineDays) out.deadline_days = 'editor.errors.deadline'
  if (s.remind && (!Number.isInteger(s.remindEveryHours) || s.remindEveryHours < 1 || s.remindEveryHours > 720)) out.remind_every_hours = 'editor.errors.remind'
  for (const p of [...s.signers, ...s.ccs]) {
    const k = `party:${p.key}.`
    if (p.kind === 'person') {
      if (!p.name.trim()) out[k + 'name'] = 'editor.errors.name'
      if (!validMobile(p.mobile)) out[k + 'mobile'] = p.mobile.trim() ? 'editor.errors.mobile' : 'editor.errors.mobileRequired'
    } else {
      if (!p.orgName.trim()) out[k + 'org_name'] = 'editor.errors.orgName'
      if (!validUSCC(p.orgUscc)) out[k + 'org_uscc'] = p.orgUscc.trim() ? 'editor.errors.uscc' : 'editor.errors.usccRequired'
      if (!p.own && !p.mobile.trim()) out[k + 'mobile'] = 'editor.errors.contactMobile'
      else if (p.mobile.trim() && !validMobile(p.mobile)) out[k + 'mobile'] = 'editor.errors.mobile'
    }
    if (p.email.trim() && !validEmail(p.email)) out[k + 'email'] = 'editor.errors.email'
    if (p.role === 'signer') {
      const marks = s.fields.filter((f) => f.party === p.key && f.kind !== 'date')
      if (!marks.length) out[k + 'fields'] = p.kind === 'person' ? 'editor.errors.needSignature' : 'editor.errors.needSeal'
    }
  }
  // The API wants a seal or signature on every document once fields exist.
  if (s.fields.length) {
    for (const doc of s.documents) {
      if (doc.state === 'ready' && !s.fields.some((f) => f.doc === doc.key && f.kind !== 'date')) out[`doc:${doc.key}`] = 'editor.errors.unsignedDocument'
    }
  }
  return out
}

// placeApiField turns an API field name into the editor's problem key;
// "" when it names nothing the editor shows on its own.
export function placeApiField(field: string, map: RequestMap): string {
  if (field === 'title' || field === 'deadline_days' || field === 'remind_every_hours' || field === 'parties') return field
  if (field === 'document_ids') return 'documents'
  let m = /^document_ids\[(\d+)\]$/.exec(field)
  if (m) return map.docs[+m[1]] ? `doc:${map.docs[+m[1]]}` : 'documents'
  m = /^parties\[(\d+)\]\.fields\[(\d+)\](?:\..*)?$/.exec(field)
  if (m) {
    const key = map.fields[+m[1]]?.[+m[2]]
    return key ? `field:${key}` : ''
  }
  m = /^parties\[(\d+)\]\.([a-z_]+)$/.exec(field)
  if (m) {
    const key = map.parties[+m[1]]
    return key ? `party:${key}.${m[2]}` : ''
  }
  return ''
}
