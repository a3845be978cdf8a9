import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import AcceptInvitationPage from '../../../src/console/account/AcceptInvitationPage.vue'
import { useSession } from '../../../src/stores/session'
import { fail, ok, render } from './mount'

const { POST } = vi.hoisted(() => ({ POST: vi.fn() }))
vi.mock('../../../src/api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/api/client')>()
  return { ...real, api: { POST, GET: vi.fn(), use: vi.fn() } }
})

const session = {
  access_token: 'a', refresh_token: 'r', token_type: 'Bearer', expires_in: 900, refresh_expires_at: '2030-01-01T00:00:00Z',
  person: { id: 'p2', email: 'wu@example.com', name: '吴芳' },
  tenant: { id: 't1', name: '榕城数据', status: 'active', signature_algorithm: 'sm2', sms_signature: '', default_language: 'zh-CN', created_at: '2025-01-01T00:00:00Z' },
  role: 'legal',
}

// answer makes the API answer the preview (a new person's invitation by
// default) and the acceptance.
const newcomer = { company: '榕城数据', email: 'w*@example.com', role: 'legal', expires_at: '2030-01-01T00:00:00Z', has_account: false }
function answer(accept: unknown, preview: unknown = ok(newcomer)) {
  POST.mockImplementation((path: string) => Promise.resolve(path === '/api/invitations/preview' ? preview : accept))
}

describe('AcceptInvitationPage', () => {
  beforeEach(() => {
    POST.mockReset()
    answer(ok(session))
    localStorage.clear()
  })

  it('says so when the link has no token', async () => {
    const { w } = await render(AcceptInvitationPage, '/invite', '')
    expect(w.find('[data-testid="accept-no-token"]').exists()).toBe(true)
    expect(w.find('form').exists()).toBe(false)
  })

  it('makes a new account with a name and password, then opens the console', async () => {
    const { w, router } = await render(AcceptInvitationPage, '/invite?token=sit_abc', '')
    await flushPromises()
    expect(POST).toHaveBeenCalledWith('/api/invitations/preview', { body: { token: 'sit_abc' } })
    expect(w.get('[data-testid="accept-preview"]').text()).toContain('榕城数据 邀请 w*@example.com 以“法务”身份加入')
    await w.get('input[data-testid="accept-name"]').setValue('吴芳')
    await w.get('input[data-testid="accept-password"]').setValue('wufang password')
    await w.get('input[data-testid="accept-confirm"]').setValue('wufang password')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(POST).toHaveBeenCalledWith('/api/invitations/accept', { body: { token: 'sit_abc', password: 'wufang password', name: '吴芳' } })
    expect(useSession().role).toBe('legal')
    expect(router.currentRoute.value.path).toBe('/app')
  })

  it('checks the two passwords match before asking the server', async () => {
    const { w } = await render(AcceptInvitationPage, '/invite?token=sit_abc', '')
    await w.get('input[data-testid="accept-name"]').setValue('吴芳')
    await w.get('input[data-testid="accept-password"]').setValue('wufang password')
    await w.get('input[data-testid="accept-confirm"]').setValue('something else')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(POST).not.toHaveBeenCalledWith('/api/invitations/accept', expect.anything())
    expect(w.get('input[data-testid="accept-confirm"]').attributes('aria-invalid')).toBe('true')
  })

  it('lets someone with an account accept with its password only, the form chosen by the preview', async () => {
    answer(fail(401, { code: 'invalid_credentials' }), ok({ ...newcomer, has_account: true }))
    const { w } = await render(AcceptInvitationPage, '/invite?token=sit_abc', '')
    await flushPromises()
    expect(w.find('input[data-testid="accept-name"]').exists()).toBe(false)
    await w.get('input[data-testid="accept-password"]').setValue('old password')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(POST).toHaveBeenCalledWith('/api/invitations/accept', { body: { token: 'sit_abc', password: 'old password' } })
    const pw = w.get('input[data-testid="accept-password"]')
    expect(pw.attributes('aria-invalid')).toBe('true')
    expect(w.get(`#${pw.attributes('aria-describedby')}`).text()).toContain('密码不正确')
  })

  it('asks for a name when the address turns out to have no account', async () => {
    answer(fail(422, { code: 'validation_failed', errors: [{ field: 'name', code: 'required' }] }))
    const { w } = await render(AcceptInvitationPage, '/invite?token=sit_abc', '')
    await flushPromises()
    await w.get('[data-testid="accept-mode-existing"] input').setValue(true)
    await w.get('input[data-testid="accept-password"]').setValue('some password')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.find('input[data-testid="accept-name"]').exists()).toBe(true)
    expect(w.get('[data-testid="accept-error"]').text()).toContain('还没有账号')
  })

  it('explains a link that no longer works, with no form to fill', async () => {
    answer(ok(session), fail(401, { code: 'invalid_token' }))
    const { w } = await render(AcceptInvitationPage, '/invite?token=sit_old', '')
    await flushPromises()
    expect(w.get('[data-testid="accept-dead"]').text()).toContain('邀请链接无效')
    expect(w.find('form').exists()).toBe(false)
  })
})
