// The tenant's organisation verification (企业实名认证): fill it in (name,
// credit code, legal representative, and a bank account for the
// micro-deposit method), upload the authorisation letter, submit, confirm
// the deposit, and watch it until an operator decides. Its applicant (the
// signed-in manager) must have passed their own real-name verification
// first (useIdentity); the server says applicant_unverified otherwise.
import { api, must, ApiError, type Schemas } from '../api/client'
import { pendingStates, usePendingWatch } from './pendingWatch'

export type OrgVerification = Schemas['OrgVerification']
export type SaveOrg = Schemas['SaveOrgRequest']

// Verification methods: an operator reviews the letter, or the applicant
// also confirms a small amount sent to the organisation's bank account.
export const orgMethods = ['review', 'deposit'] as const
export type OrgMethod = (typeof orgMethods)[number]

// The letter may be a PDF or a photo, at most 10 MB (the server checks too).
export const letterTypes = ['application/pdf', 'image/jpeg', 'image/png']
export const letterMaxBytes = 10 << 20

// current is the tenant's organisation verification, or null when none was started.
async function current(): Promise<OrgVerification | null> {
  try {
    return await must(api.GET('/api/identity/organisation'))
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null
    throw e
  }
}

// needsDeposit says whether the application waits for the applicant to
// enter the amount sent to the organisation's account.
export function needsDeposit(v: OrgVerification | null): boolean {
  return !!v && v.method === 'deposit' && pendingStates.includes(v.state) && !!v.deposit_sent_at
}

export function useOrgIdentity() {
  const { watch, stopWatching } = usePendingWatch(current)

  return {
    current,
    save: (body: SaveOrg) => must(api.PUT('/api/identity/organisation', { body })),
    uploadLetter(file: File) {
      const form = new FormData()
      form.append('kind', 'authorisation')
      form.append('file', file, file.name)
      return must(api.POST('/api/identity/organisation/documents', { body: form as unknown as string }))
    },
    submit: () => must(api.POST('/api/identity/organisation/submit')),
    confirmDeposit: (amount: string) => must(api.POST('/api/identity/organisation/deposit', { body: { amount } })),
    watch,
    stopWatching,
  }
}
