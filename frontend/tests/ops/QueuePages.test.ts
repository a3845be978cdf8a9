import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import PayoutsPage from '../../src/ops/PayoutsPage.vue'
import SealReviewsPage from '../../src/ops/SealReviewsPage.vue'
import TenantsPage from '../../src/ops/TenantsPage.vue'
import { click, fail, one, ok, render, type } from './mount'

const { GET, POST, fetchBlob } = vi.hoisted(() => ({ GET: vi.fn(), POST: vi.fn(), fetchBlob: vi.fn() }))
vi.mock('../../src/api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/api/client')>()
  return { ...real, api: { GET, POST, use: vi.fn() }, fetchBlob }
})

const createObjectURL = vi.fn(() => 'blob:img')
const revokeObjectURL = vi.fn()

beforeEach(() => {
  GET.mockReset()
  POST.mockReset()
  fetchBlob.mockReset()
  fetchBlob.mockResolvedValue(new Blob(['png'], { type: 'image/png' }))
  revokeObjectURL.mockClear()
  vi.stubGlobal('URL', Object.assign(URL, { createObjectURL, revokeObjectURL }))
})
afterEach(() => {
  document.body.innerHTML = ''
})

const payout = { id: 'po1', org_verification_id: 'ov1', payee_name: '南岭贸易有限公司', bank_name: '中国工商银行广州分行', account: '3602000109200123456',
  amount: '0.85', created_at: '2026-12-01T08:00:00Z' }

describe('PayoutsPage', () => {
  it('shows the account in full and records a transfer with its reference, after a confirmation', async () => {
    GET.mockResolvedValueOnce(ok([payout]))
    const { w } = await render(PayoutsPage, '/ops/payouts')
    expect(GET).toHaveBeenCalledWith('/api/operator/identity/payouts')
    const row = w.get('[data-testid="ops-payout-row"]')
    expect(row.get('[data-testid="ops-payout-account"]').text()).toBe('3602000109200123456')
    expect(row.get('[data-testid="ops-payout-amount"]').text()).toBe('¥0.85')

    await row.get('[data-testid="ops-payout-sent"]').trigger('click')
    await flushPromises()
    expect(document.body.textContent).toContain('3602000109200123456 转入 ¥0.85')
    await click(one('ops-payout-dialog-confirm'))
    expect(POST).not.toHaveBeenCalled()
    expect(one('field-error').textContent).toBe('此项必填')

    await type('ops-payout-dialog-text', 'ICBC-0001')
    POST.mockResolvedValueOnce(ok({ ...payout, account: '', reference: 'ICBC-0001', recorded_by: 'person:p-ops', recorded_by_name: 'Ops',
      recorded_at: '2026-12-02T10:00:00Z' }))
    await click(one('ops-payout-dialog-confirm'))
    expect(POST).toHaveBeenCalledWith('/api/operator/identity/payouts/{payoutID}/sent', { params: { path: { payoutID: 'po1' } }, body: { reference: 'ICBC-0001' } })
    expect(w.find('[data-testid="ops-payout-row"]').exists()).toBe(false)
    expect(w.get('[data-testid="ops-payout-done"]').text()).toMatch(/南岭贸易有限公司：¥0.85，流水号 ICBC-0001，由 Ops 于 2026年12月2日.*登记/)
    w.unmount()
  })

  it('keeps the row when the server refuses', async () => {
    GET.mockResolvedValueOnce(ok([payout]))
    const { w } = await render(PayoutsPage, '/ops/payouts')
    await w.get('[data-testid="ops-payout-sent"]').trigger('click')
    await flushPromises()
    await type('ops-payout-dialog-text', 'ICBC-0001')
    POST.mockResolvedValueOnce(fail(409, { code: 'invalid_state' }))
    await click(one('ops-payout-dialog-confirm'))
    expect(one('ops-payout-dialog-error').textContent).toContain('状态已变化')
    expect(w.find('[data-testid="ops-payout-row"]').exists()).toBe(true)
    w.unmount()
  })
})

const seal = { id: 's1', kind: 'official', style: 'round', name: '示例科技有限公司', purpose: '财务专用', state: 'pending', width_mm: 42, height_mm: 42,
  image_sm3: 'ab', made: false, created_at: '2026-12-01T08:00:00Z', tenant_id: 't1', tenant_name: '示例科技有限公司', applied_by: 'person:p1', applied_by_name: '李雷' }

describe('SealReviewsPage', () => {
  it('shows each seal with its image, approves one and says who approved it', async () => {
    GET.mockResolvedValueOnce(ok([seal, { ...seal, id: 's2', name: '另一家公司', tenant_name: '另一家公司' }]))
    const { w } = await render(SealReviewsPage, '/ops/seals')
    expect(GET).toHaveBeenCalledWith('/api/operator/seals/queue')
    expect(fetchBlob.mock.calls.map((c) => c[0])).toEqual(['/api/operator/seals/s1/image', '/api/operator/seals/s2/image'])
    const row = w.get('[data-testid="ops-seal-row"][data-id="s1"]')
    expect(row.get('img').attributes('src')).toBe('blob:img')
    expect(row.get('img').attributes('alt')).toBe('「示例科技有限公司」的印章图案')
    expect(row.text()).toContain('用途：财务专用')
    expect(row.text()).toContain('公章')
    expect(row.text()).toContain('李雷')

    await row.get('[data-testid="ops-seal-approve"]').trigger('click')
    await flushPromises()
    POST.mockResolvedValueOnce(ok({ ...seal, state: 'active', made: true, decided_by: 'person:p-ops', decided_by_name: 'Ops', decided_at: '2026-12-02T10:00:00Z' }))
    await click(one('ops-seal-dialog-confirm'))
    expect(POST).toHaveBeenCalledWith('/api/operator/seals/{sealID}/approve', { params: { path: { sealID: 's1' } } })
    expect(w.findAll('[data-testid="ops-seal-row"]').map((r) => r.attributes('data-id'))).toEqual(['s2'])
    expect(w.get('[data-testid="ops-seal-done"]').text()).toMatch(/示例科技有限公司「示例科技有限公司」：已启用，审核人 Ops，时间 2026年12月2日/)
    // The image of the decided seal left with its row.
    expect(revokeObjectURL).toHaveBeenCalledTimes(1)
    w.unmount()
  })

  it('rejects with a reason', async () => {
    GET.mockResolvedValueOnce(ok([seal]))
    const { w } = await render(SealReviewsPage, '/ops/seals')
    await w.get('[data-testid="ops-seal-reject"]').trigger('click')
    await flushPromises()
    await click(one('ops-seal-dialog-confirm'))
    expect(POST).not.toHaveBeenCalled()
    await type('ops-seal-dialog-text', '印章名称与企业名称不符')
    POST.mockResolvedValueOnce(ok({ ...seal, state: 'rejected', reason: '印章名称与企业名称不符', decided_by: 'person:p-ops', decided_by_name: 'Ops',
      decided_at: '2026-12-02T10:00:00Z' }))
    await click(one('ops-seal-dialog-confirm'))
    expect(POST).toHaveBeenCalledWith('/api/operator/seals/{sealID}/reject', { params: { path: { sealID: 's1' } }, body: { reason: '印章名称与企业名称不符' } })
    expect(w.get('[data-testid="ops-seal-done"]').text()).toContain('原因：印章名称与企业名称不符')
    expect(w.find('[data-testid="ops-seals-empty"]').exists()).toBe(true)
    w.unmount()
  })
})

const tenant = (id: string, name: string, over: Record<string, unknown> = {}) => ({ id, name, status: 'active', created_at: '2026-12-01T08:00:00Z', ...over })

describe('TenantsPage', () => {
  it('pages through the companies', async () => {
    GET.mockResolvedValueOnce(ok({ items: [tenant('t1', '甲公司')], next_cursor: 'c1' }))
    const { w } = await render(TenantsPage, '/ops/tenants')
    expect(GET).toHaveBeenCalledWith('/api/operator/tenants', { params: { query: { limit: 50 } } })
    GET.mockResolvedValueOnce(ok({ items: [tenant('t2', '乙公司', { status: 'suspended', status_reason: '欺诈', status_changed_by_name: 'Ops',
      status_changed_at: '2026-12-02T10:00:00Z' })] }))
    await w.get('[data-testid="ops-tenants-more"]').trigger('click')
    await flushPromises()
    expect(GET).toHaveBeenLastCalledWith('/api/operator/tenants', { params: { query: { limit: 50, cursor: 'c1' } } })
    const rows = w.findAll('[data-testid="ops-tenant-row"]')
    expect(rows.map((r) => r.attributes('data-status'))).toEqual(['active', 'suspended'])
    expect(rows[1].get('[data-testid="ops-tenant-change"]').text()).toMatch(/Ops 于 2026年12月2日.*停用\s*原因：欺诈/)
    expect(w.find('[data-testid="ops-tenants-more"]').exists()).toBe(false)
    w.unmount()
  })

  it('suspends with a reason and reactivates', async () => {
    GET.mockResolvedValueOnce(ok({ items: [tenant('t1', '甲公司')] }))
    const { w } = await render(TenantsPage, '/ops/tenants')
    await w.get('[data-testid="ops-tenant-suspend"]').trigger('click')
    await flushPromises()
    expect(document.body.textContent).toContain('停用「甲公司」后')
    await click(one('ops-tenant-dialog-confirm'))
    expect(POST).not.toHaveBeenCalled()
    await type('ops-tenant-dialog-text', '欺诈')
    POST.mockResolvedValueOnce(ok(tenant('t1', '甲公司', { status: 'suspended', status_reason: '欺诈', status_changed_by_name: 'Ops', status_changed_at: '2026-12-02T10:00:00Z' })))
    await click(one('ops-tenant-dialog-confirm'))
    expect(POST).toHaveBeenCalledWith('/api/operator/tenants/{tenantID}/suspend', { params: { path: { tenantID: 't1' } }, body: { reason: '欺诈' } })
    expect(w.get('[data-testid="ops-tenant-row"]').attributes('data-status')).toBe('suspended')

    await w.get('[data-testid="ops-tenant-reactivate"]').trigger('click')
    await flushPromises()
    POST.mockResolvedValueOnce(ok(tenant('t1', '甲公司', { status_changed_by_name: 'Ops', status_changed_at: '2026-12-02T11:00:00Z' })))
    await click(one('ops-tenant-dialog-confirm'))
    expect(POST).toHaveBeenLastCalledWith('/api/operator/tenants/{tenantID}/reactivate', { params: { path: { tenantID: 't1' } } })
    expect(w.get('[data-testid="ops-tenant-row"]').attributes('data-status')).toBe('active')
    expect(w.get('[data-testid="ops-tenant-change"]').text()).toContain('重新启用')
    w.unmount()
  })
})
