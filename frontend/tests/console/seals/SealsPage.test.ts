import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import SealsPage from '../../../src/console/seals/SealsPage.vue'
import { fail, ok, render, seal, stubObjectURLs, unmountAll } from './mount'

const { GET, fetchBlob } = vi.hoisted(() => ({ GET: vi.fn(), fetchBlob: vi.fn() }))
vi.mock('../../../src/api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/api/client')>()
  return { ...real, api: { GET, use: vi.fn() }, fetchBlob }
})

describe('SealsPage', { timeout: 20_000 }, () => {
  afterEach(unmountAll)
  beforeEach(() => {
    GET.mockReset()
    fetchBlob.mockReset()
    stubObjectURLs()
  })

  it('lists the seals, newest first, with their state and image', async () => {
    GET.mockResolvedValue(ok([
      seal('s1', { state: 'active', created_at: '2025-03-01T08:00:00Z' }),
      seal('s2', { state: 'pending', name: '合同专用章', created_at: '2025-03-02T08:00:00Z' }),
      seal('s3', { state: 'revoked', kind: 'personal', style: 'name', created_at: '2025-02-01T08:00:00Z', width_mm: 20, height_mm: 20 }),
    ]))
    fetchBlob.mockResolvedValue(new Blob(['png']))
    const { w } = await render(SealsPage, '/app/seals', '/app/seals')
    await flushPromises()
    expect(GET).toHaveBeenCalledWith('/api/seals')
    const rows = w.findAll('[data-testid="seal-row"]')
    expect(rows.map((r) => r.attributes('data-seal-id'))).toEqual(['s2', 's1', 's3'])
    expect(rows[0].get('[data-testid="seal-state"]').text()).toBe('待平台审核')
    expect(rows[1].get('[data-testid="seal-state"]').text()).toBe('已启用')
    expect(rows[2].get('[data-testid="seal-state"]').text()).toBe('已注销')
    expect(rows[2].text()).toContain('方形人名章')
    expect(rows[2].text()).toContain('20 × 20 mm')
    expect(rows[0].get('[data-testid="seal-open"]').attributes('href')).toBe('/app/seals/s2')
    expect(fetchBlob.mock.calls.map((c) => c[0]).sort()).toEqual(['/api/seals/s1/image', '/api/seals/s2/image', '/api/seals/s3/image'])
    expect(rows[1].get('[data-testid="seal-thumb"] img').attributes('src')).toMatch(/^blob:/)
    expect(w.get('[data-testid="seal-design"]').attributes('href')).toBe('/app/seals/new')
    expect(w.get('[data-testid="seal-upload"]').attributes('href')).toBe('/app/seals/upload')
  })

  it('shows a lock instead of an image the member may not see, and no upload', async () => {
    GET.mockResolvedValue(ok([seal('s1')]))
    fetchBlob.mockRejectedValue(Object.assign(new Error('forbidden'), { code: 'forbidden', status: 403 }))
    const { w } = await render(SealsPage, '/app/seals', '/app/seals', 'member')
    await flushPromises()
    expect(w.get('[data-testid="seal-thumb"]').attributes('data-state')).toBe('hidden')
    expect(w.get('[data-testid="seal-thumb"]').text()).toBe('无权查看印模')
    expect(w.find('[data-testid="seal-upload"]').exists()).toBe(false)
  })

  it('pages a long list', async () => {
    GET.mockResolvedValue(ok(Array.from({ length: 25 }, (_, i) => seal(`s${i}`, { created_at: `2025-03-${String(i + 1).padStart(2, '0')}T08:00:00Z` }))))
    fetchBlob.mockResolvedValue(new Blob(['png']))
    const { w } = await render(SealsPage, '/app/seals', '/app/seals')
    await flushPromises()
    expect(w.findAll('[data-testid="seal-row"]')).toHaveLength(20)
    expect(fetchBlob).toHaveBeenCalledTimes(20)
    await w.get('[data-testid="seals-more"]').trigger('click')
    await flushPromises()
    expect(w.findAll('[data-testid="seal-row"]')).toHaveLength(25)
    expect(w.find('[data-testid="seals-more"]').exists()).toBe(false)
    expect(GET).toHaveBeenCalledTimes(1)
  })

  it('shows an empty state', async () => {
    GET.mockResolvedValue(ok([]))
    const { w } = await render(SealsPage, '/app/seals', '/app/seals')
    await flushPromises()
    expect(w.get('[data-testid="seals-empty"]').text()).toContain('还没有印章')
  })

  it('sends a refused session back to log in', async () => {
    GET.mockResolvedValue(fail(401, { code: 'unauthenticated' }))
    const { router } = await render(SealsPage, '/app/seals', '/app/seals')
    await flushPromises()
    expect(router.currentRoute.value.fullPath).toBe('/login?next=/app/seals')
  })
})
