import { beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { ApiError } from '../../src/api/errors'
import { flush, i18nFor } from './mount'

// The API as the page reaches it: through useLink and useIdentity, here
// replaced by fakes each test fills in.
const link = {
  info: vi.fn(),
  sendLoginCode: vi.fn(),
  login: vi.fn(),
  view: vi.fn(),
  pdf: vi.fn(),
  requestCode: vi.fn(),
  sign: vi.fn(),
  reject: vi.fn(),
  typedSignature: vi.fn(),
}
const identity = { current: vi.fn(), sendMobileCode: vi.fn(), save: vi.fn(), upload: vi.fn(), submit: vi.fn(), watch: vi.fn(), stopWatching: vi.fn() }
vi.mock('../../src/composables/useLink', () => ({ useLink: () => link }))
vi.mock('../../src/composables/useIdentity', async (orig) => ({ ...(await orig<object>()), useIdentity: () => identity }))
vi.mock('../../src/components/PdfViewer.vue', () => ({
  __esModule: true,
  default: defineComponent({ props: { documents: { type: Array, required: true } }, setup: (p) => () => h('div', { 'data-testid': 'viewer' }, `${p.documents.length} documents`) }),
}))

const { default: SignPage } = await import('../../src/signer/SignPage.vue')

const info = {
  state: 'open',
  sender: '示例科技有限公司',
  contract_title: '租赁合同',
  contract_state: 'in_progress',
  deadline: '2030-01-31T10:00:00Z',
  party_kind: 'person',
  party_name: '张*',
  party_state: 'notified',
  mobile: '138****5678',
}
const view = {
  sender: '示例科技有限公司',
  contract: { id: 'c1', title: '租赁合同', state: 'in_progress', deadline: '2030-01-31T10:00:00Z' },
  you: { id: 'p1', role: 'signer', kind: 'person', state: 'viewed', name: '张三', reminders: 0, fields: [] },
  parties: [{ id: 'p1', role: 'signer', kind: 'person', state: 'viewed', name: '张三', reminders: 0 }],
  documents: [{ id: 'd1', name: '租赁合同.pdf', pages: 2 }],
  your_turn: true,
}
const session = {
  access_token: 'a',
  refresh_token: 'r',
  expires_in: 900,
  token_type: 'Bearer',
  refresh_expires_at: '2030-01-01T00:00:00Z',
  person: { id: 'person-1', email: '', name: '张三' },
}

async function render() {
  const w = mount(SignPage, { props: { token: 'tok'.repeat(10) }, attachTo: document.body, global: { plugins: [i18nFor('zh-CN')] } })
  await flush(6)
  return w
}

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  for (const f of [...Object.values(link), ...Object.values(identity)]) f.mockReset()
})

describe('SignPage', () => {
  it.each(['expired', 'revoked', 'rejected'])('an %s link gets its own page naming the sender', async (state) => {
    link.info.mockResolvedValue({ ...info, state })
    const w = await render()
    expect(w.get('[data-testid="link-state"]').attributes('data-state')).toBe(state)
    expect(w.text()).toContain('示例科技有限公司')
    expect(w.find('[data-testid="send-login-code"]').exists()).toBe(false)
    w.unmount()
  })

  it('an unknown link is invalid, not a stack of JSON', async () => {
    link.info.mockRejectedValue(new ApiError({ status: 404, code: 'link_invalid', detail: 'this signing link is unknown' }))
    const w = await render()
    expect(w.get('[data-testid="link-state"]').attributes('data-state')).toBe('invalid')
    expect(w.text()).not.toContain('link_invalid')
    w.unmount()
  })

  it("an organisation's link leads to the contract in the company inbox: log in, or sign up and verify", async () => {
    link.info.mockResolvedValue({ ...info, party_kind: 'organization', org_name: '乙方有限公司', party_id: 'party-9', org_uscc: '91350100M000100Y43' })
    const w = await render()
    expect(w.get('[data-testid="org-link"]').text()).toContain('乙方有限公司')
    expect(w.get('[data-testid="org-login"]').attributes('href')).toBe('/login?next=/app/inbox/party-9')
    const signup = new URL(w.get('[data-testid="org-signup"]').attributes('href')!, 'http://x')
    expect(signup.pathname).toBe('/signup')
    expect(Object.fromEntries(signup.searchParams)).toEqual({ org: '乙方有限公司', uscc: '91350100M000100Y43', next: '/app/inbox/party-9' })
    expect(link.view).not.toHaveBeenCalled()
    w.unmount()
  })

  it("an organisation's link from an older server (no party id) still leads to the inbox", async () => {
    link.info.mockResolvedValue({ ...info, party_kind: 'organization', org_name: '乙方有限公司' })
    const w = await render()
    expect(w.get('[data-testid="org-login"]').attributes('href')).toBe('/login?next=/app/inbox')
    w.unmount()
  })

  it('signs in with the masked number, then asks an unverified person to verify', async () => {
    link.info.mockResolvedValue(info)
    link.sendLoginCode.mockResolvedValue({ sent: true, expires_at: '', retry_after: new Date(Date.now() + 60_000).toISOString() })
    link.login.mockImplementation(async () => {
      const { useSession } = await import('../../src/stores/session')
      useSession().start(session as never)
      return session
    })
    link.view.mockResolvedValue(view)
    identity.current.mockResolvedValue(null)
    const w = await render()
    expect(w.get('[data-testid="sender"]').text()).toBe('示例科技有限公司')
    expect(w.get('[data-testid="deadline"]').text()).toContain('2030')
    expect(w.text()).toContain('138****5678')

    await w.get('[data-testid="send-login-code"]').trigger('click')
    await flush()
    expect(link.sendLoginCode).toHaveBeenCalledOnce()
    await w.get('[data-testid="otp-input"] input').setValue('123456')
    await w.get('[data-testid="login-submit"]').trigger('submit')
    await flush(6)
    expect(link.login).toHaveBeenCalledWith('123456')
    expect(w.find('[data-testid="verify-name"]').exists()).toBe(true)
    expect(w.get('[data-testid="verify-id-front"]').attributes('capture')).toBe('environment')
    expect(w.find('[data-testid="reject-open"]').exists()).toBe(true)
    w.unmount()
  })

  it('takes a verified person who is signed in already straight to the contract', async () => {
    localStorage.setItem('signet.session', JSON.stringify({ access_token: 'a', refresh_token: 'r', expires_at: Date.now() + 600_000 }))
    localStorage.setItem('signet.profile', JSON.stringify({ person: session.person }))
    setActivePinia(createPinia())
    link.info.mockResolvedValue(info)
    link.view.mockResolvedValue(view)
    identity.current.mockResolvedValue({ id: 'v1', state: 'approved', name: '张三' })
    const w = await render()
    expect(w.get('[data-testid="viewer"]').text()).toBe('1 documents')
    expect(w.find('[data-testid="mark-draw-tab"]').exists()).toBe(true)
    expect(w.find('[data-testid="mark-saved-tab"]').exists()).toBe(false)
    w.unmount()
  })

  it('goes to the done page when this signer has signed already', async () => {
    localStorage.setItem('signet.session', JSON.stringify({ access_token: 'a', refresh_token: 'r', expires_at: Date.now() + 600_000 }))
    localStorage.setItem('signet.profile', JSON.stringify({ person: session.person }))
    setActivePinia(createPinia())
    link.info.mockResolvedValue({ ...info, state: 'completed', contract_state: 'completed' })
    link.view.mockResolvedValue({ ...view, contract: { ...view.contract, state: 'completed' }, you: { ...view.you, state: 'signed' } })
    const w = await render()
    expect(w.find('[data-testid="done"]').exists()).toBe(true)
    expect(w.findAll('[data-testid="download-final"]')).toHaveLength(1)
    expect(w.findAll('[data-testid="download-signed"]')).toHaveLength(1)
    w.unmount()
  })
})
