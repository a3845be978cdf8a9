import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import SealPage from '../../../src/console/seals/SealPage.vue'
import { member, ok, render, routeBy, seal, stubObjectURLs, unmountAll } from './mount'

const { GET, POST, PUT, DELETE, fetchBlob, toast, confirmAction, saveBlob } = vi.hoisted(() => ({
  GET: vi.fn(), POST: vi.fn(), PUT: vi.fn(), DELETE: vi.fn(), fetchBlob: vi.fn(),
  toast: { success: vi.fn(), error: vi.fn() }, confirmAction: vi.fn(), saveBlob: vi.fn(),
}))
vi.mock('../../../src/api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/api/client')>()
  return { ...real, api: { GET, POST, PUT, DELETE, use: vi.fn() }, fetchBlob }
})
vi.mock('../../../src/console/shared/feedback', () => ({ toast, confirmDanger: confirmAction }))
vi.mock('../../../src/composables/useDownload', () => ({ saveBlob }))

const auth = (id: string, over: Record<string, unknown> = {}) => ({
  id, seal_id: 's1', auto_stamp: false, require_approval: false, valid_from: '2025-01-01T00:00:00Z', valid_until: '2099-01-01T00:00:00Z', ...over,
})
const use = (id: string, outcome: string, reason = '') => ({
  id, at: `2025-03-01T08:00:${id.padStart(2, '0')}Z`, actor: 'person:p-m2', outcome, reason, auto_stamp: false, purpose: '采购合同', document_digest: 'ab'.repeat(32),
})

function scene(over: { seal?: Record<string, unknown>; auths?: unknown[]; uses?: unknown[] } = {}) {
  routeBy(GET, {
    '/api/seals/{sealID}': ok(seal('s1', over.seal)),
    '/api/seals/{sealID}/authorisations': ok(over.auths ?? []),
    '/api/members': ok({ items: [member('me', '郑明', 'owner'), member('m2', '吴芳')] }),
    '/api/seals/{sealID}/uses': ok(over.uses ?? []),
  })
}

const open = (role = 'owner') => render(SealPage, '/app/seals/s1', '/app/seals/:sealID', role)

describe('SealPage', { timeout: 20_000 }, () => {
  afterEach(unmountAll)
  beforeEach(() => {
    for (const f of [GET, POST, PUT, DELETE, fetchBlob, toast.success, toast.error, confirmAction, saveBlob]) f.mockReset()
    fetchBlob.mockResolvedValue(new Blob(['png']))
    stubObjectURLs()
  })

  it('shows the seal, its facts and state', async () => {
    scene({ seal: { custodian_person_id: 'p-m2', cert_serial: '5596', purpose: '合同' } })
    const { w } = await open()
    await flushPromises()
    const d = w.get('[data-testid="seal-detail"]')
    expect(d.attributes('data-state')).toBe('active')
    expect(d.text()).toContain('已启用')
    expect(d.text()).toContain('企业印章 · 圆形章')
    expect(d.text()).toContain('42 × 42 mm')
    expect(d.text()).toContain('吴芳')
    expect(fetchBlob).toHaveBeenCalledWith('/api/seals/s1/image')
    expect(w.get('[data-testid="seal-approvals-link"]').attributes('href')).toBe('/app/seals/s1/approvals')
    expect(w.findAll('[data-testid^="seal-action-"]').map((b) => b.attributes('data-testid')).filter((x) => /freeze|lost|revoke/.test(x!))).toEqual([
      'seal-action-freeze', 'seal-action-lost', 'seal-action-revoke',
    ])
  })

  it('freezes after a confirmation with a reason', async () => {
    scene()
    POST.mockResolvedValue(ok(seal('s1', { state: 'frozen' })))
    const { w } = await open()
    await flushPromises()
    await w.get('[data-testid="seal-action-freeze"]').trigger('click')
    await flushPromises()
    expect(POST).not.toHaveBeenCalled()
    expect(document.body.textContent).toContain('冻结后暂停一切用印')
    await w.get('[data-testid="seal-action-reason"]').setValue('外借')
    await w.get('[data-testid="seal-action-confirm"]').trigger('click')
    await flushPromises()
    expect(POST).toHaveBeenCalledWith('/api/seals/{sealID}/freeze', { params: { path: { sealID: 's1' } }, body: { reason: '外借' } })
    expect(w.get('[data-testid="seal-detail"]').attributes('data-state')).toBe('frozen')
    expect(w.find('[data-testid="seal-action-unfreeze"]').exists()).toBe(true)
  })

  it('says revoking is forever', async () => {
    scene()
    const { w } = await open()
    await flushPromises()
    await w.get('[data-testid="seal-action-revoke"]').trigger('click')
    await flushPromises()
    expect(document.body.textContent).toContain('注销是永久的')
  })

  it('refuses a PIN typed differently twice, and sets a matching one', async () => {
    scene({ auths: [auth('z1', { role: 'owner' })] })
    PUT.mockResolvedValue({ data: undefined, response: new Response(null, { status: 204 }) })
    const { w } = await open()
    await flushPromises()
    await w.get('[data-testid="seal-pin-new"]').setValue('135790')
    await w.get('[data-testid="seal-pin-again"]').setValue('135791')
    await w.get('[data-testid="seal-pin"] form').trigger('submit')
    await flushPromises()
    expect(w.get('#seal-pin-again-error').text()).toBe('两次输入的密码不一致')
    expect(PUT).not.toHaveBeenCalled()
    await w.get('[data-testid="seal-pin-new"]').setValue('12345')
    await w.get('[data-testid="seal-pin"] form').trigger('submit')
    expect(w.get('#seal-pin-new-error').text()).toBe('密码须为 6–12 位数字')
    await w.get('[data-testid="seal-pin-new"]').setValue('135790')
    await w.get('[data-testid="seal-pin-again"]').setValue('135790')
    await w.get('[data-testid="seal-pin"] form').trigger('submit')
    await flushPromises()
    expect(PUT).toHaveBeenCalledWith('/api/seals/{sealID}/pin', { params: { path: { sealID: 's1' } }, body: { pin: '135790' } })
    expect(toast.success).toHaveBeenCalledWith('印章密码已设置')
  })

  it('asks for an authorisation before a PIN', async () => {
    scene({ auths: [auth('z1', { role: 'legal' })] })
    const { w } = await open()
    await flushPromises()
    expect(w.find('[data-testid="seal-pin-unauthorised"]').exists()).toBe(true)
    expect(w.find('[data-testid="seal-pin-new"]').exists()).toBe(false)
  })

  it('authorises a role for a year and withdraws after a confirmation', async () => {
    scene({ auths: [auth('z1', { person_id: 'p-m2', require_approval: true })] })
    POST.mockResolvedValue(ok(auth('z2', { role: 'owner' }), 201))
    DELETE.mockResolvedValue({ data: undefined, response: new Response(null, { status: 204 }) })
    const { w } = await open()
    await flushPromises()
    const row = w.get('[data-testid="seal-auth-row"]')
    expect(row.text()).toContain('吴芳')
    expect(row.text()).toContain('是')
    expect(row.attributes('data-status')).toBe('current')

    await w.get('[data-testid="seal-auth-to-role"] input').setValue(true)
    await w.get('[data-testid="seal-auth-form"]').trigger('submit')
    await flushPromises()
    const [path, opts] = POST.mock.calls[0]
    expect(path).toBe('/api/seals/{sealID}/authorisations')
    expect(opts.body.role).toBe('owner')
    const until = new Date(opts.body.valid_until)
    const days = (until.getTime() - Date.now()) / 86_400_000
    expect(days).toBeGreaterThan(364)
    expect(days).toBeLessThan(367)

    confirmAction.mockResolvedValueOnce(false)
    await row.get('[data-testid="seal-auth-withdraw"]').trigger('click')
    await flushPromises()
    expect(DELETE).not.toHaveBeenCalled()
    confirmAction.mockResolvedValueOnce(true)
    await row.get('[data-testid="seal-auth-withdraw"]').trigger('click')
    await flushPromises()
    expect(DELETE).toHaveBeenCalledWith('/api/seals/{sealID}/authorisations/{authorisationID}', { params: { path: { sealID: 's1', authorisationID: 'z1' } } })
  })

  it('lists the use log newest first and downloads it as CSV', async () => {
    scene({ uses: [use('1', 'refused', 'pin_wrong'), use('2', 'granted')] })
    const csv = new Blob(['id,at\n'])
    fetchBlob.mockImplementation((p: string) => Promise.resolve(p.endsWith('.csv') ? csv : new Blob(['png'])))
    const { w } = await open()
    await flushPromises()
    const rows = w.findAll('[data-testid="seal-use-row"]')
    expect(rows.map((r) => r.attributes('data-outcome'))).toEqual(['granted', 'refused'])
    expect(rows[1].text()).toContain('密码错误')
    expect(rows[1].text()).toContain('吴芳')
    await w.get('[data-testid="seal-uses-csv"]').trigger('click')
    await flushPromises()
    expect(fetchBlob).toHaveBeenCalledWith('/api/seals/s1/uses.csv')
    expect(saveBlob).toHaveBeenCalledWith(csv, 'seal-s1-uses.csv')
  })

  it('shows a plain member the seal without managing it', async () => {
    scene({ auths: [auth('z1', { person_id: 'p-me' })] })
    const { w } = await open('member')
    await flushPromises()
    expect(w.find('[data-testid="seal-actions"]').exists()).toBe(false)
    expect(w.find('[data-testid="seal-auth-form"]').exists()).toBe(false)
    expect(w.find('[data-testid="seal-uses"]').exists()).toBe(false)
    expect(w.find('[data-testid="seal-pin-new"]').exists()).toBe(true)
    expect(GET.mock.calls.some((c) => c[0] === '/api/seals/{sealID}/uses')).toBe(false)
  })

  it('names the custodian', async () => {
    scene()
    PUT.mockResolvedValue(ok(seal('s1', { custodian_person_id: 'p-m2' })))
    const { w } = await open()
    await flushPromises()
    await w.get('[data-testid="seal-keeping"] form').trigger('submit')
    await flushPromises()
    expect(PUT).toHaveBeenCalledWith('/api/seals/{sealID}/custodian', { params: { path: { sealID: 's1' } }, body: { person_id: '' } })
    expect(w.get('[data-testid="seal-detail"]').text()).toContain('吴芳')
  })
})
