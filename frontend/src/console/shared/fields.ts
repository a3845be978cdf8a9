// fieldMessages turns a problem's field errors into sentences in the
// user's language, keyed by field name, for forms to show next to their
// controls: console.field.<code>, else the server's English message.
import { toApiError } from '../../api/errors'

type Translate = (key: string, named?: Record<string, unknown>) => string
type Has = (key: string) => boolean

export function fieldMessages(e: unknown, t: Translate, te: Has): Record<string, string> {
  const out: Record<string, string> = {}
  for (const f of toApiError(e).problem.errors ?? []) {
    if (out[f.field]) continue
    const key = `console.field.${f.code}`
    out[f.field] = te(key) ? t(key) : f.message || f.code
  }
  return out
}
