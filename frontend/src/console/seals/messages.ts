// Error sentences of the seal screens: the seal domain's own problem codes
// (image processing, states) read better in seal words than the generic
// ones, and a design the renderer refused is put next to the control it
// came from.
import { problemMessage, toApiError } from '../../api/errors'
import { fieldMessages } from '../shared/fields'

type Translate = (key: string, named?: Record<string, unknown>) => string
type Has = (key: string) => boolean

// sealProblem is problemMessage with the seal screens' codes first.
export function sealProblem(e: unknown, t: Translate, te: Has): string {
  const err = toApiError(e)
  const key = `seals.errors.${err.code}`
  if (!err.problem.errors?.length && te(key)) return t(key)
  return problemMessage(e, t, te)
}

// designField says which control of the designer a renderer refusal is
// about. The renderer reports them all as the field "design" with an
// English reason ("round seal diameter 41 mm (want 38, 40 or 42)"), so the
// reason's words decide.
export function designField(message: string): { field: string; key: string; ch?: string } {
  // Go quotes the missing character as a rune: 'X'.
  const glyph = /no glyph for '(.+?)'/.exec(message)
  if (glyph) return { field: 'design', key: 'seals.new.errors.glyph', ch: glyph[1] }
  if (/security code/.test(message)) return { field: 'code', key: 'seals.new.errors.code' }
  if (/colou?r/.test(message)) return { field: 'color', key: 'seals.new.errors.color' }
  if (/diameter|width|size \d|seal size/.test(message)) return { field: 'size_mm', key: 'seals.new.errors.size' }
  if (/\btext\b/.test(message)) return { field: 'text', key: 'seals.new.errors.text' }
  if (/\bname\b/.test(message)) return { field: 'name', key: 'seals.new.errors.name' }
  return { field: 'design', key: 'seals.new.errors.design' }
}

// designErrors maps a refused preview or application to the designer's
// fields: the renderer's refusals by their reason, the others as the
// console words them. "design" collects what belongs to no control.
export function designErrors(e: unknown, t: Translate, te: Has, personal = false): Record<string, string> {
  const out: Record<string, string> = {}
  const general = fieldMessages(e, t, te)
  for (const f of toApiError(e).problem.errors ?? []) {
    if (f.field === 'design') {
      const d = designField(f.message ?? '')
      const key = d.field === 'name' && personal ? 'seals.new.errors.personName' : d.key
      out[d.field] ??= t(key, { ch: d.ch ?? '' })
    } else if (f.code === 'not_verified_name') {
      out.name ??= t('seals.new.errors.not_verified_name')
    } else {
      out[f.field] ??= general[f.field]
    }
  }
  return out
}

// expired says whether the server refused the session; the screens then
// send the person to log in and come back.
export function expired(e: unknown): boolean {
  return toApiError(e).status === 401
}
