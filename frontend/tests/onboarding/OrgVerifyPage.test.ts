import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import OrgVerifyPage from '../../src/onboarding/OrgVerifyPage.vue'
import { i18nFor } from '../verify/mount'
import { Blank, choose, fail, file, ok, signIn } from './mount'

const { api } = vi.hoisted(() => ({ api: { GET: vi.fn(), PUT: vi.fn(), POST: vi.fn(), use: vi.fn() } }))
vi.mock('../../src/api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/api/client')>()
  return { ...real, api }
})

// A stand-in for the identity API: the applicant's and the organisation's
// applications, changed by the calls as the server would.
type Row = Record<string, unknown> & { state: string }
let person: Row | null
let org: Row | null
let uploads: string[]

function personRow(state: string, over: Record<string, unknown> = {}): Row {
  return { id: 'pv1', state, method: 'manual', name: '陈静', id_number: '110101********0089', mobile: '138****0009', rejections: 0, ...over }
}
function orgRow(state: string, over: Record<string, unknown> = {}): Row {
  return {
    id: 'ov1', state, method: 'review', name: '闽江贸易有限公司', uscc: '91350100M000100Y43', legal_rep_name: '林海',
    legal_rep_id_number: '110101********0089', applicant_id: 'p1', deposit_attempts: 0, rejections: 0, submitted_at: '2025-06-01T08:00:00Z', ...over,
  }
}

beforeEach(() => {
  person = null
  org = null
  uploads = []
  localStorage.clear()
  document.body.innerHTML = ''
  for (const f of [api.GET, api.PUT, api.POST]) f.mockReset()
  api.GET.mockImplementation(async (path: string) => {
    if (path === '/api/identity/person') return person ? ok(person) : fail(404, 'not_found')
    if (path === '/api/identity/organisation') return org ? ok(org) : fail(404, 'not_found')
    throw new Error(`unexpected GET ${path}`)
  })
  api.PUT.mockImplementation(async (path: string, { body }: { body: Record<string, string> }) => {
    if (path === '/api/identity/person') return ok((person = personRow('draft', { name: body.name })))
    if (path === '/api/identity/organisation') return ok((org = orgRow(org?.state === 'rejected' ? 'rejected' : 'draft', { name: body.name, uscc: body.uscc, method: body.method })))
    throw new Error(`unexpected PUT ${path}`)
  })
  api.POST.mockImplementation(async (path: string, opts?: { body: unknown }) => {
    switch (path) {
      case '/api/identity/person/mobile-code':
        return ok({ sent: true, expires_at: '', retry_after: new Date(Date.now() + 60_000).toISOString() }, 202)
      case '/api/identity/person/documents':
      case '/api/identity/organisation/documents':
        uploads.push((opts!.body as FormData).get('kind') as string)
        return ok({ id: 'd' + uploads.length }, 201)
      case '/api/identity/person/submit':
        return ok((person = { ...person!, state: 'submitted' }))
      case '/api/identity/organisation/submit':
        return ok((org = { ...org!, state: org!.state === 'rejected' ? 'resubmitted' : 'submitted' }))
      default:
        throw new Error(`unexpected POST ${path}`)
    }
  })
})

afterEach(() => {
  vi.useRealTimers()
})

const link = { name: '闽江贸易有限公司', uscc: '91350100M000100Y43', next: '/app/inbox/party-9' }

async function render(query: Record<string, string> = link) {
  vi.useFakeTimers()
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/app/identity/organisation', component: OrgVerifyPage },
      { path: '/app/inbox', component: Blank },
      { path: '/app/inbox/:id', component: Blank },
      { path: '/login', name: 'login', component: Blank },
      { path: '/', component: Blank },
    ],
  })
  await router.push({ path: '/app/identity/organisation', query })
  setActivePinia(createPinia())
  signIn()
  const w = mount(OrgVerifyPage, { attachTo: document.body, global: { plugins: [i18nFor('zh-CN'), router] } })
  await settle()
  return { w, router }
}

// settle lets the page's calls answer and the page re-render (the clock is fake).
async function settle(ms = 0) {
  await vi.advanceTimersByTimeAsync(ms)
  for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(0)
}

type W = Awaited<ReturnType<typeof render>>['w']
const step = (w: W) => w.get('[data-testid="org-verify"]').attributes('data-step')

async function fillApplicant(w: W) {
  await w.get('input[data-testid="applicant-id-number"]').setValue('110101199003070089')
  await w.get('input[data-testid="applicant-mobile"]').setValue('13800000009')
  await w.get('[data-testid="applicant-send-code"]').trigger('click')
  await settle()
  await w.get('input[data-testid="applicant-code"]').setValue('123456')
  await choose(w.get('input[data-testid="applicant-id-front"]'), file('front.png', 'image/png'))
  await choose(w.get('input[data-testid="applicant-id-back"]'), file('back.png', 'image/png'))
}

async function fillOrg(w: W) {
  await w.get('input[data-testid="org-rep-name"]').setValue('林海')
  await w.get('input[data-testid="org-rep-id"]').setValue('110101199003070089')
  await choose(w.get('input[data-testid="org-letter"]'), file('授权委托书.pdf', 'application/pdf'))
}

describe('OrgVerifyPage', () => {
  it('takes the applicant through their own verification, then the organisation’s, then to the contract', async () => {
    const { w, router } = await render()
    expect(w.findAll('h1')).toHaveLength(1)
    expect(step(w)).toBe('person-form')
    expect((w.get('input[data-testid="applicant-name"]').element as HTMLInputElement).value).toBe('陈静')

    // The applicant: every field labelled, then saved, photos, submitted.
    for (const id of ['applicant-name', 'applicant-id-number', 'applicant-mobile', 'applicant-code']) {
      const el = w.get(`input[data-testid="${id}"]`)
      expect(w.find(`label[for="${el.attributes('id')}"]`).exists(), id).toBe(true)
    }
    await fillApplicant(w)
    await w.get('[data-testid="applicant-form"] form').trigger('submit')
    await settle()
    expect(api.POST).toHaveBeenCalledWith('/api/identity/person/mobile-code', { body: { mobile: '13800000009' } })
    expect(api.PUT).toHaveBeenCalledWith('/api/identity/person', { body: { name: '陈静', id_number: '110101199003070089', mobile: '13800000009', code: '123456' } })
    expect(uploads).toEqual(['id_front', 'id_back'])
    expect(step(w)).toBe('person-wait')

    // An operator approves; the page notices by itself.
    person = personRow('approved')
    await settle(3000)
    expect(step(w)).toBe('org-form')
    expect(w.find('[data-testid="applicant-passed"]').exists()).toBe(true)
    expect((w.get('input[data-testid="org-name"]').element as HTMLInputElement).value).toBe('闽江贸易有限公司')
    expect((w.get('input[data-testid="org-uscc"]').element as HTMLInputElement).value).toBe('91350100M000100Y43')

    await fillOrg(w)
    await w.get('[data-testid="org-form"] form').trigger('submit')
    await settle()
    expect(api.PUT).toHaveBeenCalledWith('/api/identity/organisation', {
      body: { name: '闽江贸易有限公司', uscc: '91350100M000100Y43', legal_rep_name: '林海', legal_rep_id_number: '110101199003070089', method: 'review' },
    })
    expect(uploads).toEqual(['id_front', 'id_back', 'authorisation'])
    expect(step(w)).toBe('org-status')
    expect(w.get('[data-testid="org-status"]').attributes('data-kind')).toBe('pending')
    expect(w.get('h2').text()).toBe('企业认证审核中')

    org = orgRow('approved')
    await settle(3000)
    expect(step(w)).toBe('approved')
    expect(w.text()).toContain('企业认证已通过')
    expect(router.currentRoute.value.path).toBe('/app/identity/organisation')
    await settle(1500)
    expect(router.currentRoute.value.path).toBe('/app/inbox/party-9')
    w.unmount()
  })

  it('checks the organisation form and ties each message to its field', async () => {
    person = personRow('approved')
    const { w } = await render({ ...link, uscc: '' })
    await w.get('input[data-testid="org-uscc"]').setValue('91350100M000100Y44')
    await w.get('[data-testid="org-form"] form').trigger('submit')
    await settle()
    expect(api.PUT).not.toHaveBeenCalled()
    for (const [id, text] of [['org-uscc', '18 位统一社会信用代码'], ['org-rep-name', '法定代表人姓名'], ['org-rep-id', '身份证号']]) {
      const el = w.get(`input[data-testid="${id}"]`)
      expect(el.attributes('aria-invalid'), id).toBe('true')
      expect(w.get(`#${el.attributes('aria-describedby')}`).text(), id).toContain(text)
    }
    const letter = w.get('input[data-testid="org-letter"]')
    expect(w.get(`#${letter.attributes('aria-describedby')}`).text()).toBe('请上传授权委托书')
    w.unmount()
  })

  it('warns when the credit code differs from the one the contract was sent to', async () => {
    person = personRow('approved')
    const { w } = await render()
    await w.get('input[data-testid="org-uscc"]').setValue('91110000600037341L')
    expect(w.text()).toContain('合同发给的是统一社会信用代码为 91350100M000100Y43 的企业')
    w.unmount()
  })

  it('shows the reviewer’s reason for a rejection and lets the applicant resubmit', async () => {
    person = personRow('approved')
    org = orgRow('rejected', { reason: '授权委托书未加盖公章' })
    const { w } = await render()
    expect(step(w)).toBe('org-status')
    expect(w.get('[data-testid="org-status"]').attributes('data-kind')).toBe('rejected')
    expect(w.get('[data-testid="org-reason"]').text()).toBe('授权委托书未加盖公章')
    await w.get('[data-testid="org-fix"]').trigger('click')
    await settle()
    expect(step(w)).toBe('org-form')
    expect(w.get('[data-testid="org-reason"]').text()).toBe('授权委托书未加盖公章')
    // Only a new letter: nothing to save again.
    await choose(w.get('input[data-testid="org-letter"]'), file('授权委托书-盖章.pdf', 'application/pdf'))
    expect(w.get('[data-testid="org-submit"]').text()).toBe('重新提交企业认证')
    await w.get('[data-testid="org-form"] form').trigger('submit')
    await settle()
    expect(api.PUT).not.toHaveBeenCalled()
    expect(uploads).toEqual(['authorisation'])
    expect(org!.state).toBe('resubmitted')
    expect(w.get('[data-testid="org-status"]').attributes('data-kind')).toBe('pending')
    w.unmount()
  })

  it('asks for the deposit amount, and counts the tries left', async () => {
    person = personRow('approved')
    org = orgRow('submitted', { method: 'deposit', bank_name: '招商银行', bank_account: '****5678', deposit_sent_at: '2025-06-01T09:00:00Z', deposit_deadline: '2025-06-08T09:00:00Z' })
    api.POST.mockImplementation(async (path: string) => {
      if (path !== '/api/identity/organisation/deposit') throw new Error(path)
      org = { ...org!, deposit_attempts: 1 }
      return fail(422, 'deposit_mismatch')
    })
    const { w } = await render()
    expect(w.get('[data-testid="org-status"]').attributes('data-kind')).toBe('deposit')
    expect(w.text()).toContain('****5678')
    expect(w.text()).toContain('还可尝试 3 次')
    await w.get('input[data-testid="org-deposit-amount"]').setValue('1.5')
    await w.get('[data-testid="org-status"] form').trigger('submit')
    await settle()
    expect(api.POST).not.toHaveBeenCalled()
    expect(w.get('input[data-testid="org-deposit-amount"]').attributes('aria-invalid')).toBe('true')

    await w.get('input[data-testid="org-deposit-amount"]').setValue('0.37')
    await w.get('[data-testid="org-status"] form').trigger('submit')
    await settle()
    expect(api.POST).toHaveBeenCalledWith('/api/identity/organisation/deposit', { body: { amount: '0.37' } })
    const amount = w.get('input[data-testid="org-deposit-amount"]')
    expect(w.get(`#${amount.attributes('aria-describedby')}`).text()).toContain('金额不正确')
    w.unmount()
  })

  it('does not open a contract sent to another credit code once approved', async () => {
    person = personRow('approved')
    org = orgRow('approved', { uscc: '91110000600037341L' })
    const { w, router } = await render()
    expect(w.get('[data-testid="org-other-code"]').text()).toContain('91110000600037341L')
    await settle(2000)
    expect(router.currentRoute.value.path).toBe('/app/identity/organisation')
    await w.get('[data-testid="org-continue"]').trigger('click')
    await settle()
    expect(router.currentRoute.value.path).toBe('/app/inbox')
    w.unmount()
  })

  it('goes straight on when the organisation is verified already, but only to a path of this app', async () => {
    person = personRow('approved')
    org = orgRow('approved')
    let r = await render()
    await settle(1500)
    expect(r.router.currentRoute.value.path).toBe('/app/inbox/party-9')
    r.w.unmount()

    r = await render({ ...link, next: 'https://evil.example/x' })
    expect(r.w.find('[data-testid="onboarding-steps"]').exists()).toBe(false)
    await settle(2000)
    expect(r.router.currentRoute.value.path).toBe('/app/identity/organisation')
    await r.w.get('[data-testid="org-continue"]').trigger('click')
    await settle()
    expect(r.router.currentRoute.value.path).toBe('/app/inbox')
    r.w.unmount()
  })

  it('explains what is wrong when the applicant is not verified yet', async () => {
    person = personRow('approved')
    api.PUT.mockResolvedValue(fail(409, 'applicant_unverified'))
    const { w } = await render()
    await fillOrg(w)
    await w.get('[data-testid="org-form"] form').trigger('submit')
    await settle()
    expect(w.get('[data-testid="org-error"]').text()).toContain('请先完成您本人的实名认证')
    w.unmount()
  })

  it('sends a refused session back to log in', async () => {
    api.GET.mockResolvedValue(fail(401, 'unauthenticated'))
    const { router } = await render()
    expect(router.currentRoute.value.path).toBe('/login')
    expect(router.currentRoute.value.query.next).toContain('/app/identity/organisation')
  })
})
