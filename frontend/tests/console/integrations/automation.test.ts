import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import ApiKeysSection from '../../../src/console/integrations/ApiKeysSection.vue'
import AutoStampSection from '../../../src/console/integrations/AutoStampSection.vue'
import BatchesSection from '../../../src/console/integrations/BatchesSection.vue'
import StampBatchPage from '../../../src/console/integrations/StampBatchPage.vue'
import { fail, inDocument, ok, render } from './mount'

const { GET, POST, DELETE, confirm, fetchBlob, saveBlob } = vi.hoisted(() => ({
  GET: vi.fn(), POST: vi.fn(), DELETE: vi.fn(), confirm: vi.fn(), fetchBlob: vi.fn(), saveBlob: vi.fn(),
}))
vi.mock('../../../src/api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/api/client')>()
  return { ...real, api: { GET, POST, DELETE, use: vi.fn() }, fetchBlob }
})
vi.mock('element-plus', async (importOriginal) => {
  const real = await importOriginal<typeof import('element-plus')>()
  return { ...real, ElMessageBox: { confirm } }
})
vi.mock('../../../src/composables/useDownload', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/composables/useDownload')>()
  return { ...real, saveBlob }
})

const key = (id: string, name: string, over: Record<string, unknown> = {}) => ({
  id, name, prefix: 'sgk_' + id.padEnd(8, 'x'), scopes: ['contracts:read', 'seals:use'], created_at: '2025-03-01T08:00:00Z', ...over,
})
const seal = { id: 's1', name: '榕城数据合同专用章', kind: 'official', state: 'active', made: true, style: 'round', purpose: 'contract',
  width_mm: 42, height_mm: 42, image_sm3: 'ab', created_at: '2025-03-01T08:00:00Z' }
const authorisation = (id: string, over: Record<string, unknown> = {}) => ({
  id, seal_id: 's1', auto_stamp: true, require_approval: false, valid_from: '2025-01-01T00:00:00Z', valid_until: '2099-01-01T00:00:00Z', ...over,
})

beforeEach(() => {
  for (const f of [GET, POST, DELETE, confirm, fetchBlob, saveBlob]) f.mockReset()
  document.body.innerHTML = ''
})

describe('API keys', () => {
  it('lists the keys and pages with load more', async () => {
    GET.mockResolvedValueOnce(ok({ items: [key('k1', 'ERP'), key('k2', '旧系统', { revoked_at: '2025-03-02T00:00:00Z' })], next_cursor: 'n1' }))
    const { w } = await render(ApiKeysSection, '/app/automation')
    await flushPromises()
    expect(GET).toHaveBeenCalledWith('/api/api-keys', { params: { query: { limit: 50 } } })
    const rows = w.findAll('[data-testid="key-row"]')
    expect(rows.map((r) => r.attributes('data-state'))).toEqual(['active', 'revoked'])
    expect(rows[0].text()).toContain('查看合同、使用印章（自动盖章）')
    expect(rows[1].find('[data-testid="key-revoke"]').exists()).toBe(false)
    GET.mockResolvedValueOnce(ok({ items: [key('k3', '报表')] }))
    await w.findAll('button').find((b) => b.text() === '加载更多')!.trigger('click')
    await flushPromises()
    expect(GET).toHaveBeenLastCalledWith('/api/api-keys', { params: { query: { limit: 50, cursor: 'n1' } } })
    expect(w.findAll('[data-testid="key-row"]')).toHaveLength(3)
  })

  it('creates a key with the scopes the server lists, and shows its secret once', async () => {
    GET.mockImplementation((path: string) => Promise.resolve(ok(path === '/api/api-key-scopes' ? ['contracts:read', 'seals:use'] : { items: [] })))
    POST.mockResolvedValue(ok({ ...key('k1', 'ERP'), secret: 'sgk_secret_value' }, 201))
    const { w } = await render(ApiKeysSection, '/app/automation')
    await flushPromises()
    await w.get('[data-testid="key-new"]').trigger('click')
    await flushPromises()
    // Nothing is sent without a name and a scope.
    inDocument('key-create')[0].click()
    await flushPromises()
    expect(POST).not.toHaveBeenCalled()
    expect(document.body.textContent).toContain('请至少选择一项权限')
    expect(inDocument('key-scopes')[0].querySelectorAll('input[type="checkbox"]')).toHaveLength(2)

    const name = document.querySelector<HTMLInputElement>('#key-name')!
    name.value = 'ERP'
    name.dispatchEvent(new Event('input'))
    inDocument('key-scope-seals:use')[0].querySelector('input')!.click()
    await flushPromises()
    inDocument('key-create')[0].click()
    await flushPromises()
    expect(POST).toHaveBeenCalledWith('/api/api-keys', { body: { name: 'ERP', scopes: ['seals:use'], expires_at: undefined } })
    expect(inDocument('secret-value')[0]).toHaveProperty('value', 'sgk_secret_value')
    expect(w.emitted('changed')).toHaveLength(1)

    inDocument('secret-close')[0].click()
    await flushPromises()
    await new Promise((r) => setTimeout(r, 400))
    expect(document.body.innerHTML).not.toContain('sgk_secret_value')
  })

  it('revokes a key only once confirmed', async () => {
    GET.mockResolvedValue(ok({ items: [key('k1', 'ERP')] }))
    DELETE.mockResolvedValue(ok(key('k1', 'ERP', { revoked_at: '2025-03-02T00:00:00Z' })))
    const { w } = await render(ApiKeysSection, '/app/automation')
    await flushPromises()
    confirm.mockRejectedValueOnce('cancel')
    await w.get('[data-testid="key-revoke"]').trigger('click')
    await flushPromises()
    expect(DELETE).not.toHaveBeenCalled()
    confirm.mockResolvedValueOnce('confirm')
    await w.get('[data-testid="key-revoke"]').trigger('click')
    await flushPromises()
    expect(confirm.mock.calls[1][0]).toContain('ERP')
    expect(DELETE).toHaveBeenCalledWith('/api/api-keys/{apiKeyID}', { params: { path: { apiKeyID: 'k1' } } })
    expect(w.get('[data-testid="notice"]').text()).toContain('已吊销“ERP”')
  })
})

describe('auto-stamp authorisations', () => {
  function server(auths: unknown[]) {
    GET.mockImplementation((path: string) => {
      if (path === '/api/seals') return Promise.resolve(ok([seal, { ...seal, id: 's2', kind: 'personal', name: '郑明' }]))
      if (path === '/api/members') return Promise.resolve(ok({ items: [{ id: 'm1', role: 'owner', created_at: '', person: { id: 'p-me', name: '郑明', email: '' } }] }))
      if (path === '/api/api-keys') return Promise.resolve(ok({ items: [key('k1', 'ERP')] }))
      return Promise.resolve(ok(auths))
    })
  }

  it('shows only the auto-stamp authorisations of company seals, named', async () => {
    server([authorisation('z1', { api_key_id: 'k1' }), authorisation('z2', { role: 'owner', auto_stamp: false }), authorisation('z3', { person_id: 'p-me', revoked_at: '2025-02-01T00:00:00Z' })])
    const { w } = await render(AutoStampSection, '/app/automation', '/app/automation', { keysVersion: 0 })
    await flushPromises()
    // Personal seals are not asked about.
    expect(GET).toHaveBeenCalledWith('/api/seals/{sealID}/authorisations', { params: { path: { sealID: 's1' } } })
    expect(GET).not.toHaveBeenCalledWith('/api/seals/{sealID}/authorisations', { params: { path: { sealID: 's2' } } })
    const rows = w.findAll('[data-testid="auto-row"]')
    expect(rows).toHaveLength(2)
    expect(rows[0].text()).toContain('API 密钥 ERP (sgk_k1xxxxxx…)')
    expect(rows[0].attributes('data-state')).toBe('active')
    expect(rows[1].text()).toContain('成员 郑明')
    expect(rows[1].attributes('data-state')).toBe('revoked')
    expect(rows[1].find('[data-testid="auto-withdraw"]').exists()).toBe(false)
  })

  it('authorises an API key to auto-stamp until the chosen day', async () => {
    server([])
    POST.mockResolvedValue(ok(authorisation('z9', { api_key_id: 'k1' }), 201))
    const { w } = await render(AutoStampSection, '/app/automation', '/app/automation', { keysVersion: 0 })
    await flushPromises()
    expect(w.find('[data-testid="auto-empty"]').exists()).toBe(true)
    await w.get('[data-testid="auto-new"]').trigger('click')
    await flushPromises()
    inDocument('auto-grant')[0].click()
    await flushPromises()
    const [path, opts] = POST.mock.calls[0]
    expect(path).toBe('/api/seals/{sealID}/authorisations')
    expect(opts.params.path.sealID).toBe('s1')
    expect(opts.body).toMatchObject({ auto_stamp: true, api_key_id: 'k1' })
    expect(new Date(opts.body.valid_until).getTime()).toBeGreaterThan(Date.now() + 300 * 86_400_000)
    expect(w.get('[data-testid="notice"]').text()).toBe('已授权')
  })

  it('withdraws an authorisation once confirmed', async () => {
    server([authorisation('z1', { role: 'owner' })])
    DELETE.mockResolvedValue({ data: undefined, response: new Response(null, { status: 204 }) })
    confirm.mockResolvedValue('confirm')
    const { w } = await render(AutoStampSection, '/app/automation', '/app/automation', { keysVersion: 0 })
    await flushPromises()
    expect(w.get('[data-testid="auto-row"]').text()).toContain('全部所有者')
    await w.get('[data-testid="auto-withdraw"]').trigger('click')
    await flushPromises()
    expect(DELETE).toHaveBeenCalledWith('/api/seals/{sealID}/authorisations/{authorisationID}', { params: { path: { sealID: 's1', authorisationID: 'z1' } } })
  })
})

describe('stamp batches', () => {
  it('checks the files before uploading', async () => {
    GET.mockImplementation((path: string) => Promise.resolve(ok(path === '/api/stamp-batches' ? { items: [] } : [seal])))
    const { w } = await render(BatchesSection, '/app/automation')
    await flushPromises()
    await w.get('[data-testid="batch-form"]').trigger('submit')
    await flushPromises()
    expect(w.get('#batch-files-error').text()).toBe('请选择 PDF 文件')
    const input = w.get('[data-testid="batch-files"]')
    Object.defineProperty(input.element, 'files', { value: [new File(['x'], 'a.docx', { type: 'application/msword' })] })
    await input.trigger('change')
    await w.get('[data-testid="batch-form"]').trigger('submit')
    await flushPromises()
    expect(w.get('#batch-files-error').text()).toBe('只能上传 PDF 文件')
  })

  it('lists the company’s batches with their progress, and pages', async () => {
    GET.mockImplementation((path: string, opts?: { params?: { query?: { cursor?: string } } }) => {
      if (path !== '/api/stamp-batches') return Promise.resolve(ok([seal]))
      const b = (id: string, done: number) => ({ id, seal_id: 's1', algorithm: 'sm2', state: 'done', total: 3, done, failed: 3 - done, created_at: '2025-03-01T08:00:00Z' })
      return Promise.resolve(ok(opts?.params?.query?.cursor ? { items: [b('b1', 3)] } : { items: [b('b2', 2)], next_cursor: 'c1' }))
    })
    const { w } = await render(BatchesSection, '/app/automation')
    await flushPromises()
    const list = () => w.findAll('[data-testid="batch-recent"] li')
    expect(list()).toHaveLength(1)
    expect(list()[0].text()).toContain('已完成 2 / 3，失败 1')
    expect(list()[0].get('a').attributes('href')).toBe('/app/automation/batches/b2')
    await w.findAll('button').find((b) => b.text() === '加载更多')!.trigger('click')
    await flushPromises()
    expect(list().map((li) => li.get('a').attributes('href'))).toEqual(['/app/automation/batches/b2', '/app/automation/batches/b1'])
  })

  it('follows a batch until it is done, then offers each stamped PDF', async () => {
    vi.useFakeTimers()
    try {
      const batch = (state: string, done: number, items: unknown[]) => ok({ id: 'b1', seal_id: 's1', algorithm: 'sm2', state, total: 2, done, failed: 0, created_at: '2025-03-01T08:00:00Z', items })
      const item = (n: number, state: string) => ({ n, name: `doc${n}.pdf`, state, input_sm3: 'ab', updated_at: '2025-03-01T08:00:00Z' })
      GET.mockResolvedValueOnce(batch('running', 1, [item(1, 'done'), item(2, 'pending')]))
      GET.mockResolvedValueOnce(batch('done', 2, [item(1, 'done'), item(2, 'done')]))
      const { w } = await render(StampBatchPage, '/app/automation/batches/b1', '/app/automation/batches/:batchID', { batchID: 'b1' })
      await flushPromises()
      expect(w.get('[data-testid="batch"]').attributes('data-state')).toBe('running')
      expect(w.get('[data-testid="batch-counts"]').text()).toContain('已盖章 1 份')
      expect(w.findAll('[data-testid="batch-download"]')).toHaveLength(1)
      await vi.advanceTimersByTimeAsync(1100)
      await flushPromises()
      expect(w.get('[data-testid="batch"]').attributes('data-state')).toBe('done')
      expect(w.findAll('[data-testid="batch-download"]')).toHaveLength(2)
      // Done: no more reads.
      await vi.advanceTimersByTimeAsync(10_000)
      expect(GET).toHaveBeenCalledTimes(2)

      fetchBlob.mockResolvedValue(new Blob(['%PDF']))
      await w.findAll('[data-testid="batch-download"]')[1].trigger('click')
      await flushPromises()
      expect(fetchBlob).toHaveBeenCalledWith('/api/stamp-batches/b1/items/2/pdf')
      expect(saveBlob.mock.calls[0][1]).toBe('doc2（已盖章）.pdf')
    } finally {
      vi.useRealTimers()
    }
  })

  it('says when the batch is not the company’s', async () => {
    GET.mockResolvedValue(fail(404, { code: 'not_found' }))
    const { w } = await render(StampBatchPage, '/app/automation/batches/b1', '/app/automation/batches/:batchID', { batchID: 'b1' })
    await flushPromises()
    expect(w.get('[data-testid="batch-load-error"]').text()).toContain('找不到该内容')
  })
})
