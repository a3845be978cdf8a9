// Helpers for the onboarding pages: a stand-in for the API client whose
// answers each test sets, and a signed-in member.
import { useSession } from '../../src/stores/session'

export const ok = (data: unknown, status = 200) => ({ data, response: new Response(null, { status }) })
export const fail = (status: number, code: string, errors?: { field: string; code: string; message?: string }[]) => ({
  error: { status, code, ...(errors ? { errors } : {}) },
  response: new Response(null, { status }),
})

export const memberSession = {
  access_token: 'a',
  refresh_token: 'r',
  token_type: 'Bearer',
  expires_in: 900,
  refresh_expires_at: '2030-01-01T00:00:00Z',
  person: { id: 'p1', email: 'chen@example.com', name: '陈静' },
  tenant: { id: 't1', name: '闽江贸易有限公司', status: 'active', signature_algorithm: 'sm2', sms_signature: '', default_language: 'zh-CN', created_at: '2025-01-01T00:00:00Z' },
  role: 'owner',
}

export function signIn() {
  useSession().start(memberSession as never)
}

// file is a small file as a file input would hold it.
export function file(name: string, type: string, size = 64) {
  return new File([new Uint8Array(size)], name, { type })
}

// choose puts a file into a file input and tells the page.
export async function choose(input: { element: Element; trigger: (e: string) => Promise<void> }, f: File) {
  Object.defineProperty(input.element, 'files', { value: [f], configurable: true })
  await input.trigger('change')
}

export const Blank = { template: '<div />' }
