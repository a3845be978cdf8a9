import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import IdentityPage from '../../../src/console/account/IdentityPage.vue'
import { fail, ok, render } from './mount'

const { GET, fetchBlob } = vi.hoisted(() => ({ GET: vi.fn(), fetchBlob: vi.fn() }))
vi.mock('../../../src/api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/api/client')>()
  return { ...real, fetchBlob, api: { GET, POST: vi.fn(), PUT: vi.fn(), use: vi.fn() } }
})

const person = (state: string, over: Record<string, unknown> = {}) => ({
  id: 'v1', state, method: 'manual', name: '郑明', id_number: '110101********0089', mobile: '138****0021', rejections: 0,
  submitted_at: '2025-03-01T08:00:00Z', decided_at: null, expires_at: null, ...over,
})
const org = (state: string) => ({
  id: 'o1', state, method: 'review', name: '榕城数据', uscc: '91350100M000100Y43', legal_rep_name: '林海', legal_rep_id_number: '110105********002X',
  applicant_id: 'p-me', deposit_attempts: 0, rejections: 0, submitted_at: null, decided_at: null, expires_at: null, deposit_sent_at: null, deposit_deadline: null,
})

function answer(p: unknown, o: unknown, history: unknown[] = [], orgHistory: unknown[] = []) {
  GET.mockImplementation((path: string) => {
    if (path === '/api/identity/person/history') return Promise.resolve(ok(history))
    if (path === '/api/identity/organisation/history') return Promise.resolve(ok(orgHistory))
    const v = path === '/api/identity/person' ? p : o
    return Promise.resolve(v ? ok(v) : fail(404, { code: 'not_found' }))
  })
}

describe('IdentityPage', () => {
  beforeEach(() => {
    GET.mockReset()
    fetchBlob.mockReset()
  })
  afterEach(() => vi.useRealTimers())

  it('offers to start when the person never applied, with the applicant form', async () => {
    answer(null, null)
    const { w } = await render(IdentityPage, '/app/identity')
    await flushPromises()
    expect(w.get('[data-testid="identity-person"]').attributes('data-state')).toBe('none')
    expect(w.get('[data-testid="identity-person-state"]').text()).toBe('未认证')
    expect(w.find('[data-testid="applicant-form"]').exists()).toBe(false)
    await w.get('[data-testid="identity-start"]').trigger('click')
    expect(w.find('[data-testid="applicant-form"]').exists()).toBe(true)
    expect((w.get('input[data-testid="applicant-name"]').element as HTMLInputElement).value).toBe('郑明')
    expect(w.get('[data-testid="identity-org-link"]').attributes('href')).toBe('/app/identity/organisation')
    expect(w.get('[data-testid="identity-org-link"]').text()).toBe('去认证企业')
  })

  it('shows the masked details and every submission and decision with its reason', async () => {
    answer(person('rejected', { decided_at: '2025-03-02T08:00:00Z', reason: '照片不清晰', rejections: 1 }), null, [
      { state: 'submitted', at: '2025-03-01T08:00:00Z' },
      { state: 'rejected', at: '2025-03-02T08:00:00Z', reason: '照片不清晰' },
    ])
    const { w } = await render(IdentityPage, '/app/identity')
    await flushPromises()
    expect(w.text()).toContain('110101********0089')
    expect(w.text()).toContain('138****0021')
    const events = w.findAll('[data-testid="identity-event"]')
    expect(events.map((e) => e.attributes('data-kind'))).toEqual(['submitted', 'rejected'])
    expect(w.get('[data-testid="identity-reason"]').text()).toContain('照片不清晰')
    expect(w.get('[data-testid="identity-start"]').text()).toBe('修改后重新提交')
    expect(w.find('[data-testid="cert-person-sm2"]').exists()).toBe(false)
  })

  it('shows the company’s submissions and decisions, a rejection’s reason included', async () => {
    answer(null, org('resubmitted'), [], [
      { state: 'submitted', at: '2025-03-01T08:00:00Z' },
      { state: 'rejected', at: '2025-03-02T08:00:00Z', reason: '授权书未盖章' },
      { state: 'resubmitted', at: '2025-03-03T08:00:00Z' },
    ])
    const { w } = await render(IdentityPage, '/app/identity')
    await flushPromises()
    const events = w.findAll('[data-testid="identity-org-event"]')
    expect(events.map((e) => e.attributes('data-kind'))).toEqual(['submitted', 'rejected', 'submitted'])
    expect(events[1].text()).toContain('授权书未盖章')
  })

  it('follows an application under review until it is decided', async () => {
    vi.useFakeTimers()
    answer(person('submitted'), null)
    const { w } = await render(IdentityPage, '/app/identity')
    await vi.runOnlyPendingTimersAsync()
    await flushPromises()
    expect(w.get('[data-testid="identity-person"]').attributes('data-state')).toBe('submitted')
    expect(w.find('[data-testid="identity-start"]').exists()).toBe(false)
    answer(person('approved', { decided_at: '2025-03-02T08:00:00Z' }), null)
    await vi.advanceTimersByTimeAsync(3100)
    await flushPromises()
    expect(w.get('[data-testid="identity-person"]').attributes('data-state')).toBe('approved')
  })

  it('downloads the certificates of an approved person and organisation as PEM', async () => {
    answer(person('approved', { decided_at: '2025-03-02T08:00:00Z' }), org('approved'))
    const created = vi.fn(() => 'blob:x')
    Object.assign(URL, { createObjectURL: created, revokeObjectURL: vi.fn() })
    fetchBlob.mockResolvedValue(new Blob(['-----BEGIN CERTIFICATE-----'], { type: 'application/x-pem-file' }))
    const { w } = await render(IdentityPage, '/app/identity')
    await flushPromises()
    expect(w.get('[data-testid="identity-org-state"]').text()).toBe('已认证')
    await w.get('[data-testid="cert-person-ecdsa"]').trigger('click')
    await flushPromises()
    expect(fetchBlob).toHaveBeenCalledWith('/api/identity/person/certificate?alg=ecdsa')
    await w.get('[data-testid="cert-org-sm2"]').trigger('click')
    await flushPromises()
    expect(fetchBlob).toHaveBeenLastCalledWith('/api/identity/organisation/certificate?alg=sm2')
    expect(created).toHaveBeenCalledTimes(2)
  })

  it('says when no certificate has been issued yet', async () => {
    answer(person('approved', { decided_at: '2025-03-02T08:00:00Z' }), null)
    fetchBlob.mockRejectedValue(Object.assign(new Error('x'), { code: 'not_found', status: 404 }))
    const { w } = await render(IdentityPage, '/app/identity')
    await flushPromises()
    await w.get('[data-testid="cert-person-sm2"]').trigger('click')
    await flushPromises()
    expect(w.get('[data-testid="cert-error"]').text()).toContain('完成实名认证后')
  })
})
