import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import SealApprovalsPage from '../../../src/console/seals/SealApprovalsPage.vue'
import { fail, member, ok, render, routeBy, seal, unmountAll } from './mount'

const { GET, POST, toast, confirmAction } = vi.hoisted(() => ({
  GET: vi.fn(), POST: vi.fn(), toast: { success: vi.fn(), error: vi.fn() }, confirmAction: vi.fn(),
}))
vi.mock('../../../src/api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/api/client')>()
  return { ...real, api: { GET, POST, use: vi.fn() } }
})
vi.mock('../../../src/console/shared/feedback', () => ({ toast, confirmDanger: confirmAction }))

const ask = (id: string, state = 'pending', purpose = '租赁合同') => ({
  id, person_id: 'p-m2', purpose, document_digest: 'cd'.repeat(32), state, created_at: `2025-03-0${id.slice(-1)}T08:00:00Z`,
})

function scene(asks: unknown[]) {
  routeBy(GET, {
    '/api/seals/{sealID}': ok(seal('s1')),
    '/api/seals/{sealID}/approvals': ok(asks),
    '/api/members': ok({ items: [member('m2', '吴芳')] }),
  })
}

const open = () => render(SealApprovalsPage, '/app/seals/s1/approvals', '/app/seals/:sealID/approvals')

describe('SealApprovalsPage', { timeout: 20_000 }, () => {
  afterEach(unmountAll)
  beforeEach(() => {
    for (const f of [GET, POST, toast.success, toast.error, confirmAction]) f.mockReset()
  })

  it('lists the waiting uses with the applicant and approves one', async () => {
    scene([ask('a1'), ask('a2', 'consumed', '采购合同')])
    POST.mockResolvedValue(ok(ask('a1', 'approved')))
    const { w } = await open()
    await flushPromises()
    expect(w.get('[data-testid="approvals-seal"]').text()).toContain('榕城数据有限公司')
    const row = w.get('[data-testid="approval-row"]')
    expect(row.attributes('data-approval-id')).toBe('a1')
    expect(row.text()).toContain('吴芳')
    expect(row.text()).toContain('租赁合同')
    expect(w.get('[data-testid="approval-decided"]').text()).toContain('已用印')
    await row.get('[data-testid="approval-approve"]').trigger('click')
    await flushPromises()
    expect(POST).toHaveBeenCalledWith('/api/seals/{sealID}/approvals/{approvalID}/approve', { params: { path: { sealID: 's1', approvalID: 'a1' } } })
    expect(w.find('[data-testid="approval-row"]').exists()).toBe(false)
    expect(w.get('[data-testid="approvals-empty"]').text()).toContain('没有待审批')
    expect(w.findAll('[data-testid="approval-decided"]').map((r) => r.attributes('data-state'))).toContain('approved')
  })

  it('rejects only after a confirmation', async () => {
    scene([ask('a1')])
    POST.mockResolvedValue(ok(ask('a1', 'rejected')))
    const { w } = await open()
    await flushPromises()
    confirmAction.mockResolvedValueOnce(false)
    await w.get('[data-testid="approval-reject"]').trigger('click')
    await flushPromises()
    expect(POST).not.toHaveBeenCalled()
    confirmAction.mockResolvedValueOnce(true)
    await w.get('[data-testid="approval-reject"]').trigger('click')
    await flushPromises()
    expect(POST).toHaveBeenCalledWith('/api/seals/{sealID}/approvals/{approvalID}/reject', { params: { path: { sealID: 's1', approvalID: 'a1' } } })
    expect(toast.success).toHaveBeenCalledWith('已拒绝')
  })

  it('says why a decision was refused', async () => {
    scene([ask('a1')])
    POST.mockResolvedValue(fail(403, { code: 'forbidden' }))
    const { w } = await open()
    await flushPromises()
    await w.get('[data-testid="approval-approve"]').trigger('click')
    await flushPromises()
    expect(toast.error).toHaveBeenCalledWith('只有企业所有者或管理员可以执行此操作')
    expect(w.find('[data-testid="approval-row"]').exists()).toBe(true)
  })
})
