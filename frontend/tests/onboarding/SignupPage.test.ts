import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import SignupPage from '../../src/onboarding/SignupPage.vue'
import { useSession } from '../../src/stores/session'
import { i18nFor } from '../verify/mount'
import { Blank, fail, memberSession, ok } from './mount'

const { POST } = vi.hoisted(() => ({ POST: vi.fn() }))
vi.mock('../../src/api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/api/client')>()
  return { ...real, api: { POST, GET: vi.fn(), use: vi.fn() } }
})

async function render(query: Record<string, string> = {}, locale: 'zh-CN' | 'en' = 'zh-CN') {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/signup', component: SignupPage },
      { path: '/login', component: Blank },
      { path: '/app/identity/organisation', component: Blank },
      { path: '/', component: Blank },
    ],
  })
  await router.push({ path: '/signup', query })
  const pinia = createPinia()
  setActivePinia(pinia)
  const w = mount(SignupPage, { attachTo: document.body, global: { plugins: [i18nFor(locale), router, pinia] } })
  return { w, router }
}

type W = Awaited<ReturnType<typeof render>>['w']
const input = (w: W, id: string) => w.get(`input[data-testid="${id}"]`)

async function fill(w: W, over: Record<string, string> = {}) {
  const v = { 'signup-name': '陈静', 'signup-email': 'chen@example.com', 'signup-password': 'a long password', ...over }
  for (const [id, value] of Object.entries(v)) await input(w, id).setValue(value)
  await w.get('form').trigger('submit')
  await flushPromises()
}

const link = { org: '闽江贸易有限公司', uscc: '91350100M000100Y43', next: '/app/inbox/party-9' }

describe('SignupPage', () => {
  beforeEach(() => {
    POST.mockReset()
    localStorage.clear()
    document.body.innerHTML = ''
  })

  it('has one heading, labels every field, and starts with the company the link named', async () => {
    const { w } = await render(link)
    expect(w.findAll('h1')).toHaveLength(1)
    for (const id of ['signup-company', 'signup-name', 'signup-email', 'signup-password']) {
      const el = input(w, id)
      expect(w.find(`label[for="${el.attributes('id')}"]`).exists(), id).toBe(true)
    }
    expect((input(w, 'signup-company').element as HTMLInputElement).value).toBe('闽江贸易有限公司')
    expect(w.text()).toContain('为「闽江贸易有限公司」注册账号')
    expect(w.find('[data-testid="onboarding-steps"] [aria-current="step"]').text()).toContain('注册账号')
    w.unmount()
  })

  it('checks the fields before sending and ties each message to its field', async () => {
    const { w } = await render(link)
    await fill(w, { 'signup-name': '', 'signup-email': 'not-an-email', 'signup-password': 'short' })
    expect(POST).not.toHaveBeenCalled()
    for (const [id, text] of [['signup-name', '请填写您的姓名'], ['signup-email', '请填写正确的邮箱地址'], ['signup-password', '密码至少 10 个字符']]) {
      const el = input(w, id)
      expect(el.attributes('aria-invalid'), id).toBe('true')
      const described = el.attributes('aria-describedby')!
      expect(w.get(`#${described}`).text(), id).toBe(text)
    }
    expect(input(w, 'signup-company').attributes('aria-invalid')).toBeUndefined()
    w.unmount()
  })

  it('signs up, keeps the session like a login, and goes on to verify the organisation', async () => {
    POST.mockResolvedValue(ok(memberSession, 201))
    const { w, router } = await render(link)
    await fill(w)
    expect(POST).toHaveBeenCalledWith('/api/signup', {
      body: { company_name: '闽江贸易有限公司', name: '陈静', email: 'chen@example.com', password: 'a long password' },
    })
    const session = useSession()
    expect(session.tenant?.name).toBe('闽江贸易有限公司')
    expect(JSON.parse(localStorage.getItem('signet.session')!).refresh_token).toBe('r')
    expect(router.currentRoute.value.path).toBe('/app/identity/organisation')
    expect(router.currentRoute.value.query).toEqual({ name: '闽江贸易有限公司', uscc: '91350100M000100Y43', next: '/app/inbox/party-9' })
    w.unmount()
  })

  it('never passes on a next that leads to another site', async () => {
    POST.mockResolvedValue(ok(memberSession, 201))
    const { w, router } = await render({ org: '闽江贸易有限公司', next: '//evil.example/x' })
    expect(w.find('[data-testid="onboarding-steps"]').exists()).toBe(false)
    await fill(w)
    expect(router.currentRoute.value.query.next).toBeUndefined()
    w.unmount()
  })

  it('offers to log in when the email has an account', async () => {
    POST.mockResolvedValue(fail(409, 'email_taken'))
    const { w, router } = await render(link)
    await fill(w)
    expect(w.get('[data-testid="signup-error"]').text()).toContain('该邮箱已注册')
    expect(input(w, 'signup-email').attributes('aria-invalid')).toBe('true')
    expect(w.get('[data-testid="signup-login-instead"]').attributes('href')).toBe('/login?next=/app/inbox/party-9')
    expect(router.currentRoute.value.path).toBe('/signup')
    w.unmount()
  })

  it("shows the server's field errors by their fields", async () => {
    POST.mockResolvedValue(fail(422, 'validation_failed', [{ field: 'password', code: 'too_short' }]))
    const { w } = await render()
    await fill(w, { 'signup-company': '示例公司' })
    expect(input(w, 'signup-password').attributes('aria-invalid')).toBe('true')
    expect(w.get('[data-testid="signup-error"]').text()).toContain('请检查填写的内容')
    w.unmount()
  })

  it('speaks English too', async () => {
    const { w } = await render(link, 'en')
    expect(w.get('h1').text()).toBe('Create a company account')
    expect(w.text()).toContain('Create an account for 闽江贸易有限公司')
    w.unmount()
  })
})
