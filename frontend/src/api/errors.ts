// The one place where the API's RFC 7807 problems become sentences. Screens
// show problemMessage(err); they never read codes themselves, except to
// branch on a state (e.g. link_invalid).

export interface FieldError {
  field: string
  code: string
  message?: string
}

export interface Problem {
  type?: string
  title?: string
  status: number
  code: string
  detail?: string
  request_id?: string
  errors?: FieldError[]
  tries_left?: number
}

// ApiError is a failed API call: an RFC 7807 problem, or a network failure
// (status 0, code "network").
export class ApiError extends Error {
  readonly problem: Problem
  constructor(problem: Problem) {
    super(problem.detail || problem.code)
    this.problem = problem
  }
  get code() {
    return this.problem.code
  }
  get status() {
    return this.problem.status
  }
}

// toApiError turns whatever a call threw or returned into an ApiError.
export function toApiError(e: unknown, status = 0): ApiError {
  if (e instanceof ApiError) return e
  if (e && typeof e === 'object' && 'code' in e && typeof (e as Problem).code === 'string') {
    const p = e as Problem
    return new ApiError({ ...p, status: p.status || status })
  }
  return new ApiError({ status, code: status ? 'internal_error' : 'network', detail: String(e) })
}

type Translate = (key: string, named?: Record<string, unknown>) => string
type Has = (key: string) => boolean

// problemMessage is the sentence a person sees for an error.
export function problemMessage(e: unknown, t: Translate, te: Has): string {
  const err = toApiError(e)
  const p = err.problem
  if (p.code === 'otp_mismatch' && typeof p.tries_left === 'number') {
    return t('errors.otp_mismatch_left', { n: p.tries_left })
  }
  if (p.code === 'validation_failed' || (p.errors && p.errors.length > 0)) {
    return t('errors.validation')
  }
  const key = `errors.${p.code}`
  if (te(key)) return t(key)
  return t('errors.generic', { code: p.code })
}

// fieldErrors maps a problem's field errors by field name, for forms.
export function fieldErrors(e: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  for (const f of toApiError(e).problem.errors ?? []) out[f.field] = f.message || f.code
  return out
}
