import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import LoginPage from '../../src/inbox/LoginPage.vue'
import { i18nFor } from '../verify/mount'

const { POST } = vi.hoisted(() => ({ POST: vi.fn() }))
vi.mock('../../src/api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/api/client')>()
  return { ...real, api: { POST, GET: vi.fn(), use: vi.fn() } }
})

const Blank = { template: '<div />' }

async function render(next?: string) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/login', name: 'login', component: LoginPage },
      { path: '/app', component: Blank },
      { path: '/app/inbox', name: 'inbox', component: Blank },
      { path: '/app/inbox/:id', component: Blank },
      { path: '/', component: Blank },
      { path: '/verify', component: Blank },
    ],
  })
  await router.push(next ? { path: '/login', query: { next } } : '/login')
  const pinia = createPinia()
  setActivePinia(pinia)
  const w = mount(LoginPage, { global: { plugins: [i18nFor('zh-CN'), router, pinia] } })
  return { w, router }
}

async function fill(w: Awaited<ReturnType<typeof render>>['w']) {
  await w.get('input[data-testid="login-email"]').setValue('owner@example.com')
  await w.get('input[data-testid="login-password"]').setValue('secret-pass')
  await w.get('form').trigger('submit')
  await flushPromises()
}

const session = (tenant = true) => ({
  access_token: 'a', refresh_token: 'r', token_type: 'Bearer', expires_in: 900, refresh_expires_at: '2030-01-01T00:00:00Z',
  person: { id: 'p1', email: 'owner@example.com', name: '张三' },
  ...(tenant ? { tenant: { id: 't1', name: '示例科技', status: 'active', signature_algorithm: 'sm2', created_at: '2025-01-01T00:00:00Z' }, role: 'owner' } : {}),
})

describe('LoginPage', () => {
  beforeEach(() => {
    POST.mockReset()
    localStorage.clear()
  })

  it('labels its fields', async () => {
    const { w } = await render()
    for (const id of ['login-email', 'login-password']) {
      const input = w.get(`input[data-testid="${id}"]`)
      expect(w.find(`label[for="${input.attributes('id')}"]`).exists()).toBe(true)
    }
  })

  it('shows the server’s error as a sentence', async () => {
    POST.mockResolvedValue({ error: { status: 401, code: 'invalid_credentials' }, response: new Response(null, { status: 401 }) })
    const { w, router } = await render()
    await fill(w)
    expect(POST).toHaveBeenCalledWith('/api/auth/login', { body: { email: 'owner@example.com', password: 'secret-pass' } })
    expect(w.get('[role="alert"]').text()).toContain('邮箱或密码错误')
    expect(router.currentRoute.value.path).toBe('/login')
  })

  it('shows a network failure', async () => {
    POST.mockRejectedValue(new TypeError('Failed to fetch'))
    const { w } = await render()
    await fill(w)
    expect(w.get('[role="alert"]').text()).toContain('网络连接失败')
  })

  it('goes to next after logging in, but never to another site', async () => {
    POST.mockResolvedValue({ data: session(), response: new Response(null, { status: 200 }) })
    let r = await render('/app/inbox/p9')
    await fill(r.w)
    expect(r.router.currentRoute.value.path).toBe('/app/inbox/p9')

    // Without a safe next, the console.
    r = await render('//evil.example/x')
    await fill(r.w)
    expect(r.router.currentRoute.value.path).toBe('/app')
  })

  it('explains that a person without a company has no inbox', async () => {
    POST.mockResolvedValue({ data: session(false), response: new Response(null, { status: 200 }) })
    const { w, router } = await render()
    await fill(w)
    expect(w.get('[role="alert"]').text()).toContain('不属于任何企业')
    expect(router.currentRoute.value.path).toBe('/login')
  })

  describe('by SMS code', () => {
    const sent = { sent: true, expires_at: '2099-01-01T00:00:00Z', retry_after: new Date(Date.now() + 60_000).toISOString() }

    async function sms(next?: string) {
      const r = await render(next)
      await r.w.get('[data-testid="login-mode-sms"] input').setValue(true)
      await flushPromises()
      return r
    }

    it('switches to a form whose fields are labelled', async () => {
      const { w } = await sms()
      expect(w.find('input[data-testid="login-email"]').exists()).toBe(false)
      for (const id of ['sms-mobile', 'sms-code', 'sms-name']) {
        const input = w.get(`input[data-testid="${id}"]`)
        expect(w.find(`label[for="${input.attributes('id')}"]`).exists()).toBe(true)
      }
    })

    it('checks the number before texting a code, then counts down to the next', async () => {
      POST.mockResolvedValue({ data: sent, response: new Response(null, { status: 202 }) })
      const { w } = await sms()
      await w.get('input[data-testid="sms-mobile"]').setValue('1380000')
      await w.get('[data-testid="sms-send-code"]').trigger('click')
      await flushPromises()
      expect(POST).not.toHaveBeenCalled()
      expect(w.get('input[data-testid="sms-mobile"]').attributes('aria-invalid')).toBe('true')

      await w.get('input[data-testid="sms-mobile"]').setValue('138 0000 0022')
      await w.get('[data-testid="sms-send-code"]').trigger('click')
      await flushPromises()
      expect(POST).toHaveBeenCalledWith('/api/auth/mobile/code', { body: { mobile: '13800000022' } })
      expect(w.get('[data-testid="sms-sent"]').text()).toContain('13800000022')
      expect(w.get('[data-testid="sms-send-code"]').text()).toMatch(/\d+ 秒后重发/)
      expect(w.get('[data-testid="sms-send-code"]').attributes('disabled')).toBeDefined()
    })

    it('signs a member in and goes to next', async () => {
      POST.mockResolvedValue({ data: session(), response: new Response(null, { status: 200 }) })
      const { w, router } = await sms('/app/inbox/p9')
      await w.get('input[data-testid="sms-mobile"]').setValue('13800000022')
      await w.get('input[data-testid="sms-code"]').setValue('123456')
      await w.get('form').trigger('submit')
      await flushPromises()
      expect(POST).toHaveBeenCalledWith('/api/auth/mobile', { body: { mobile: '13800000022', code: '123456' } })
      expect(router.currentRoute.value.path).toBe('/app/inbox/p9')
    })

    it('tells a person of no company where their contracts arrive', async () => {
      POST.mockResolvedValue({ data: session(false), response: new Response(null, { status: 200 }) })
      const { w, router } = await sms()
      await w.get('input[data-testid="sms-mobile"]').setValue('13800000022')
      await w.get('input[data-testid="sms-code"]').setValue('123456')
      await w.get('input[data-testid="sms-name"]').setValue('黄磊')
      await w.get('form').trigger('submit')
      await flushPromises()
      expect(POST).toHaveBeenCalledWith('/api/auth/mobile', { body: { mobile: '13800000022', code: '123456', name: '黄磊' } })
      expect(w.get('[data-testid="sms-no-tenant"]').text()).toContain('短信链接')
      expect(router.currentRoute.value.path).toBe('/login')
    })

    it('asks a new number for a name and a new code', async () => {
      POST.mockResolvedValue({
        error: { status: 422, code: 'validation_failed', errors: [{ field: 'name', code: 'required' }] },
        response: new Response(null, { status: 422 }),
      })
      const { w } = await sms()
      await w.get('input[data-testid="sms-mobile"]').setValue('13800000022')
      await w.get('input[data-testid="sms-code"]').setValue('123456')
      await w.get('form').trigger('submit')
      await flushPromises()
      expect(w.get('input[data-testid="sms-name"]').attributes('aria-invalid')).toBe('true')
      expect((w.get('input[data-testid="sms-code"]').element as HTMLInputElement).value).toBe('')
      expect(w.get('[data-testid="sms-error"]').text()).toContain('重新获取验证码')
    })

    it('shows a wrong code at the code', async () => {
      POST.mockResolvedValue({ error: { status: 401, code: 'otp_mismatch', tries_left: 2 }, response: new Response(null, { status: 401 }) })
      const { w } = await sms()
      await w.get('input[data-testid="sms-mobile"]').setValue('13800000022')
      await w.get('input[data-testid="sms-code"]').setValue('000000')
      await w.get('form').trigger('submit')
      await flushPromises()
      expect(w.get('input[data-testid="sms-code"]').attributes('aria-invalid')).toBe('true')
    })
  })
})
