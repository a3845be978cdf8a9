// accountProblem is the sentence for an error of the account screens:
// codes whose meaning depends on these screens (forbidden means "only an
// owner may touch owners" here; last_owner and already_member exist only
// here) read account.errors.<code>, everything else goes through the app's
// one mapping (problemMessage).
import { problemMessage, toApiError } from '../../api/errors'

type Translate = (key: string, named?: Record<string, unknown>) => string
type Has = (key: string) => boolean

const own = ['last_owner', 'already_member', 'forbidden', 'invalid_token', 'invalid_credentials']

export function accountProblem(e: unknown, t: Translate, te: Has): string {
  const code = toApiError(e).code
  if (own.includes(code)) return t(`account.errors.${code}`)
  return problemMessage(e, t, te)
}

// A password needs at least this many characters (tenants.MinPasswordLen).
export const minPassword = 10

// passwordMessage is the sentence for a password field error's code.
export function passwordMessage(code: string, t: Translate, te: Has): string {
  const key = `account.errors.${code}`
  return te(key) ? t(key, { n: minPassword }) : t('account.errors.password', { n: minPassword })
}
