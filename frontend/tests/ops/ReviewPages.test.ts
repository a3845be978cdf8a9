import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import ReviewQueuePage from '../../src/ops/ReviewQueuePage.vue'
import ReviewPage from '../../src/ops/ReviewPage.vue'
import { click, fail, has, ok, one, render, type } from './mount'

const { GET, POST, fetchBlob } = vi.hoisted(() => ({ GET: vi.fn(), POST: vi.fn(), fetchBlob: vi.fn() }))
vi.mock('../../src/api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/api/client')>()
  return { ...real, api: { GET, POST, use: vi.fn() }, fetchBlob }
})

const createObjectURL = vi.fn(() => 'blob:doc')
const revokeObjectURL = vi.fn()

function person(state = 'submitted', over: Record<string, unknown> = {}) {
  return {
    verification: { id: 'pv1', state, method: 'manual', name: '钱进', id_number: '110102********0010', mobile: '138****0102', rejections: 0,
      submitted_at: '2026-12-01T08:00:00Z', ...over },
    person_id: 'p1',
    documents: [
      { id: 'd-back', kind: 'id_back', content_type: 'image/png', size: 10, created_at: '2026-12-01T07:59:00Z' },
      { id: 'd-front-old', kind: 'id_front', content_type: 'image/png', size: 10, created_at: '2026-12-01T07:00:00Z' },
      { id: 'd-front', kind: 'id_front', content_type: 'image/png', size: 10, created_at: '2026-12-01T07:58:00Z' },
    ],
    history: [
      { type: 'identity.person.saved', actor: 'person:p1', actor_name: '钱进', at: '2026-12-01T07:57:00Z', ip: '', payload: {} },
      { type: 'identity.person.submitted', actor: 'person:p1', actor_name: '钱进', at: '2026-12-01T08:00:00Z', ip: '', payload: {} },
    ],
  }
}

describe('ReviewQueuePage', () => {
  beforeEach(() => {
    GET.mockReset()
  })
  afterEach(() => {
    document.body.innerHTML = ''
  })

  it('lists the applications in the order the server gives, each opening its review', async () => {
    GET.mockResolvedValueOnce(ok([
      { kind: 'person', id: 'pv1', state: 'submitted', method: 'manual', name: '钱进', submitted_at: '2026-12-01T08:00:00Z' },
      { kind: 'organisation', id: 'ov1', state: 'resubmitted', method: 'review', name: '华东测试科技有限公司', submitted_at: '2026-12-01T09:00:00Z' },
    ]))
    const { w } = await render(ReviewQueuePage, '/ops/reviews')
    expect(GET).toHaveBeenCalledWith('/api/operator/identity/queue')
    const rows = w.findAll('[data-testid="ops-queue-row"]')
    expect(rows.map((r) => r.attributes('data-name'))).toEqual(['钱进', '华东测试科技有限公司'])
    expect(rows[0].text()).toContain('个人')
    expect(rows[0].text()).toContain('人工审核')
    expect(rows[1].text()).toContain('企业')
    expect(rows[1].text()).toContain('重新提交')
    expect(rows[0].text()).toMatch(/2026年12月1日/)
    expect(rows[1].get('[data-testid="ops-queue-open"]').attributes('href')).toBe('/ops/reviews/organisation/ov1')
    w.unmount()
  })

  it('says when nothing waits, and shows a failure with a retry', async () => {
    GET.mockResolvedValueOnce(fail(500, { code: 'database_unavailable' }))
    const { w } = await render(ReviewQueuePage, '/ops/reviews')
    expect(w.get('[role="alert"]').text()).toContain('数据库')
    GET.mockResolvedValueOnce(ok([]))
    await w.findAll('button').find((b) => b.text() === '重试')!.trigger('click')
    await flushPromises()
    expect(w.get('[data-testid="ops-queue-empty"]').text()).toContain('没有待审核的申请')
    w.unmount()
  })

  it('sends a refused session back to log in, then here', async () => {
    GET.mockResolvedValueOnce(fail(401, { code: 'unauthenticated' }))
    const { w, router } = await render(ReviewQueuePage, '/ops/reviews')
    await flushPromises()
    expect(router.currentRoute.value.fullPath).toBe('/login?next=/ops/reviews')
    w.unmount()
  })
})

describe('ReviewPage', () => {
  beforeEach(() => {
    GET.mockReset()
    POST.mockReset()
    fetchBlob.mockReset()
    fetchBlob.mockResolvedValue(new Blob(['png'], { type: 'image/png' }))
    createObjectURL.mockClear()
    revokeObjectURL.mockClear()
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL, revokeObjectURL }))
  })
  afterEach(() => {
    document.body.innerHTML = ''
  })

  const open = () => render(ReviewPage, '/ops/reviews/person/pv1', '/ops/reviews/:kind/:id', { kind: 'person', id: 'pv1' })

  it('shows the masked data, the latest of each document decrypted, the history, and revokes the URLs on leaving', async () => {
    GET.mockResolvedValueOnce(ok(person()))
    const { w } = await open()
    await flushPromises()
    expect(GET).toHaveBeenCalledWith('/api/operator/identity/persons/{personVerificationID}', { params: { path: { personVerificationID: 'pv1' } } })
    expect(w.text()).toContain('110102********0010')
    expect(w.text()).toContain('138****0102')
    // The later of two fronts counts; the front comes first.
    expect(fetchBlob.mock.calls.map((c) => c[0])).toEqual(['/api/operator/identity/documents/d-front', '/api/operator/identity/documents/d-back'])
    const imgs = w.findAll('[data-testid="ops-document-image"]')
    expect(imgs.map((i) => i.attributes('alt'))).toEqual(['身份证人像面', '身份证国徽面'])
    expect(imgs[0].attributes('src')).toBe('blob:doc')
    expect(w.findAll('[data-testid="ops-history-row"]').map((r) => r.text())).toEqual([
      expect.stringContaining('保存资料'),
      expect.stringContaining('提交申请'),
    ])
    w.unmount()
    expect(revokeObjectURL).toHaveBeenCalledTimes(2)
  })

  it('approves after a confirmation and shows who decided and when', async () => {
    GET.mockResolvedValueOnce(ok(person()))
    const { w } = await open()
    await click(one('ops-approve'))
    expect(one('ops-decide-confirm').textContent).toContain('确认通过')
    POST.mockResolvedValueOnce(ok({ id: 'pv1', state: 'approved' }))
    const approved = person('approved', { decided_at: '2026-12-02T10:00:00Z' })
    approved.history.push({ type: 'identity.person.approved', actor: 'person:p-ops', actor_name: 'Ops', at: '2026-12-02T10:00:00Z', ip: '', payload: {} })
    GET.mockResolvedValueOnce(ok(approved))
    await click(one('ops-decide-confirm'))
    expect(POST).toHaveBeenCalledWith('/api/operator/identity/persons/{personVerificationID}/approve', { params: { path: { personVerificationID: 'pv1' } } })
    expect(w.get('[data-testid="ops-review"]').attributes('data-state')).toBe('approved')
    expect(w.get('[data-testid="ops-last-decision"]').text()).toMatch(/审核通过，操作人 Ops，时间 2026年12月2日/)
    // Approved: it may be revoked, no longer approved or rejected.
    expect(has('ops-revoke')).toBe(true)
    expect(has('ops-approve')).toBe(false)
    w.unmount()
  })

  it('rejects only with a reason, which is sent', async () => {
    GET.mockResolvedValueOnce(ok(person()))
    const { w } = await open()
    await click(one('ops-reject'))
    await click(one('ops-decide-confirm'))
    expect(POST).not.toHaveBeenCalled()
    expect(one('field-error').textContent).toBe('此项必填')
    expect(one('ops-decide-text').getAttribute('aria-invalid')).toBe('true')
    expect(one('ops-decide-text').getAttribute('aria-describedby')).toBe('ops-decide-text-error')
    await type('ops-decide-text', '  照片模糊  ')
    POST.mockResolvedValueOnce(ok({ id: 'pv1', state: 'rejected' }))
    GET.mockResolvedValueOnce(ok(person('rejected', { reason: '照片模糊', rejections: 1 })))
    await click(one('ops-decide-confirm'))
    expect(POST).toHaveBeenCalledWith('/api/operator/identity/persons/{personVerificationID}/reject', {
      params: { path: { personVerificationID: 'pv1' } },
      body: { reason: '照片模糊' },
    })
    expect(w.get('[data-testid="ops-review"]').attributes('data-state')).toBe('rejected')
    expect(w.get('[data-testid="ops-review-done"]').text()).toContain('已驳回该申请')
    w.unmount()
  })

  it('shows the refusal of a self-review in the operator’s language', async () => {
    GET.mockResolvedValueOnce(ok(person()))
    const { w } = await open()
    await click(one('ops-approve'))
    POST.mockResolvedValueOnce(fail(403, { code: 'self_review', detail: 'another operator must review your own application' }))
    await click(one('ops-decide-confirm'))
    expect(one('ops-decide-error').textContent).toContain('不能审核本人或本人所在企业的申请')
    expect(w.get('[data-testid="ops-review"]').attributes('data-state')).toBe('submitted')
    w.unmount()
  })

  it('puts the server’s complaint about the reason next to it', async () => {
    GET.mockResolvedValueOnce(ok(person('approved')))
    const { w } = await open()
    await click(one('ops-revoke'))
    await type('ops-decide-text', 'x'.repeat(10))
    POST.mockResolvedValueOnce(fail(422, { code: 'validation_failed', errors: [{ field: 'reason', code: 'too_long', message: 'too long' }] }))
    await click(one('ops-decide-confirm'))
    expect(POST.mock.calls[0][0]).toBe('/api/operator/identity/persons/{personVerificationID}/revoke')
    expect(one('field-error').textContent).toBe('内容过长')
    w.unmount()
  })

  it('reads an organisation’s application and shows its letter for download', async () => {
    fetchBlob.mockResolvedValue(new Blob(['%PDF-1.7'], { type: 'application/pdf' }))
    GET.mockResolvedValueOnce(ok({
      verification: { id: 'ov1', state: 'submitted', method: 'review', name: '华东测试科技有限公司', uscc: '91310000100000016T', legal_rep_name: '赵敏',
        legal_rep_id_number: '310101********0036', applicant_id: 'p2', deposit_attempts: 0, rejections: 0, submitted_at: '2026-12-01T08:00:00Z' },
      tenant_id: 't2',
      documents: [{ id: 'd-letter', kind: 'authorisation', content_type: 'application/pdf', size: 10, created_at: '2026-12-01T07:59:00Z' }],
      history: [{ type: 'identity.org.submitted', actor: 'person:p2', actor_name: '赵敏', at: '2026-12-01T08:00:00Z', ip: '', payload: {} }],
    }))
    const { w } = await render(ReviewPage, '/ops/reviews/organisation/ov1', '/ops/reviews/:kind/:id', { kind: 'organisation', id: 'ov1' })
    await flushPromises()
    expect(GET).toHaveBeenCalledWith('/api/operator/identity/organisations/{orgVerificationID}', { params: { path: { orgVerificationID: 'ov1' } } })
    expect(w.text()).toContain('91310000100000016T')
    expect(w.text()).toContain('310101********0036')
    expect(w.text()).toMatch(/申请人\s*赵敏/)
    const link = w.get('[data-testid="ops-document-download"]')
    expect(link.attributes('href')).toBe('blob:doc')
    expect(link.attributes('download')).toBe('授权委托书.pdf')
    w.unmount()
  })
})
