// Small pieces the integration screens share: field errors in the user's
// language, the bulk-send CSV header, copying a secret, saving text.
import { toApiError, type FieldError } from '../../api/errors'
import type { TemplateSpec } from './api'

type Translate = (key: string, named?: Record<string, unknown>) => string
type Has = (key: string) => boolean

// fieldText is one field error as a sentence: the integration screens' own
// message for its code, else the console's, else the server's English.
export function fieldText(f: FieldError, t: Translate, te: Has): string {
  for (const key of [`integrations.field.${f.code}`, `console.field.${f.code}`]) if (te(key)) return t(key)
  return f.message || f.code
}

// fieldErrorsOf maps a failed call's field errors by field, in words.
export function fieldErrorsOf(e: unknown, t: Translate, te: Has): Record<string, string> {
  const out: Record<string, string> = {}
  for (const f of toApiError(e).problem.errors ?? []) if (!out[f.field]) out[f.field] = fieldText(f, t, te)
  return out
}

// The party columns of a role in a bulk-send CSV (contracts.bulkInput):
// an organisation is named by its name and credit code plus a contact; a
// person by name and mobile.
export function roleColumns(kind: string): string[] {
  return kind === 'organization' ? ['org_name', 'org_uscc', 'name', 'mobile'] : ['name', 'mobile']
}

// csvHeader is the header row a bulk send of this template reads: an
// optional title, each fill field by name, then each role's columns.
export function csvHeader(spec: TemplateSpec): string[] {
  const cols = ['title', ...(spec.fill ?? []).map((f) => f.name)]
  for (const r of spec.roles ?? []) for (const c of roleColumns(r.kind)) cols.push(`${r.name}.${c}`)
  return cols
}

// csvLine quotes the cells that need it (RFC 4180).
export function csvLine(cells: string[]): string {
  return cells.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')
}

// saveText offers text as a file download. A byte-order mark goes first so
// that Excel opens a UTF-8 CSV with Chinese headers correctly.
export function saveText(text: string, filename: string, type = 'text/csv;charset=utf-8') {
  const url = URL.createObjectURL(new Blob(['\ufeff' + text], { type }))
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  a.style.display = 'none'
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

// copyText puts text on the clipboard; false when the browser refused.
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    return false
  }
}
