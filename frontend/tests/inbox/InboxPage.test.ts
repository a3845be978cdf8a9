import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import InboxPage from '../../src/inbox/InboxPage.vue'
import { i18nFor } from '../verify/mount'

const { GET, POST } = vi.hoisted(() => ({ GET: vi.fn(), POST: vi.fn() }))
vi.mock('../../src/api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/api/client')>()
  return { ...real, api: { GET, POST, use: vi.fn() } }
})

const Blank = { template: '<div />' }
const ok = (data: unknown) => ({ data, response: new Response(null, { status: 200 }) })

function item(id: string, title: string, partyState: string, over: Record<string, unknown> = {}) {
  return {
    contract: { id: 'c-' + id, title, state: 'in_progress', algorithm: 'sm2', deadline_days: 30, deadline: '2099-01-01T00:00:00Z', extensions: 0, round: 1,
      verify_code: 'AB12CD34EF', remind_every_hours: 24, created_at: '2025-01-01T00:00:00Z', updated_at: '2025-01-01T00:00:00Z', ...over },
    party: { id, role: 'signer', kind: 'organization', org_name: '示例科技', state: partyState, reminders: 0 },
  }
}

async function render() {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/login', name: 'login', component: Blank },
      { path: '/app/inbox', name: 'inbox', component: InboxPage },
      { path: '/app/inbox/:id', component: Blank },
      { path: '/', component: Blank },
    ],
  })
  await router.push('/app/inbox')
  const pinia = createPinia()
  setActivePinia(pinia)
  const w = mount(InboxPage, { global: { plugins: [i18nFor('zh-CN'), router, pinia] } })
  await flushPromises()
  return { w, router }
}

describe('InboxPage', () => {
  beforeEach(() => {
    GET.mockReset()
    POST.mockReset()
  })

  it('lists the contracts with a link to open each', async () => {
    GET.mockResolvedValueOnce(ok({ items: [item('p1', '采购合同', 'notified'), item('p2', '保密协议', 'signed', { state: 'completed' }), item('p4', '框架协议', 'pending')], next_cursor: 'n1' }))
    const { w } = await render()
    expect(GET).toHaveBeenCalledWith('/api/inbox', { params: { query: { limit: 50 } } })
    const rows = w.findAll('[data-testid="inbox-row"]')
    expect(rows.map((r) => r.attributes('data-party-id'))).toEqual(['p1', 'p2', 'p4'])
    expect(rows[0].text()).toContain('采购合同')
    expect(rows[0].text()).toContain('签署中')
    expect(rows[0].text()).toContain('待本方签署')
    expect(rows[0].get('[data-testid="inbox-open"]').attributes('href')).toBe('/app/inbox/p1')
    expect(rows[0].get('[data-testid="inbox-open"]').text()).toContain('去签署')
    expect(rows[1].get('[data-testid="inbox-open"]').text()).toContain('查看')
    // Not yet its turn: earlier signers first.
    expect(rows[2].text()).toContain('等待前序签署')
    expect(rows[2].get('[data-testid="inbox-open"]').text()).toContain('查看')

    GET.mockResolvedValueOnce(ok({ items: [item('p3', '租赁合同', 'viewed')] }))
    await w.findAll('button').find((b) => b.text() === '加载更多')!.trigger('click')
    await flushPromises()
    expect(GET).toHaveBeenLastCalledWith('/api/inbox', { params: { query: { limit: 50, cursor: 'n1' } } })
    expect(w.findAll('[data-testid="inbox-row"]')).toHaveLength(4)
  })

  it('shows an empty state', async () => {
    GET.mockResolvedValue(ok({ items: [] }))
    const { w } = await render()
    expect(w.get('[data-testid="inbox-empty"]').text()).toContain('收件箱里没有合同')
  })

  it('logs out', async () => {
    GET.mockResolvedValue(ok({ items: [] }))
    POST.mockResolvedValue({ data: undefined, response: new Response(null, { status: 204 }) })
    localStorage.setItem('signet.session', JSON.stringify({ access_token: 'a', refresh_token: 'r', expires_at: Date.now() + 600_000 }))
    const { w, router } = await render()
    await w.get('[data-testid="logout"]').trigger('click')
    await flushPromises()
    expect(POST).toHaveBeenCalledWith('/api/auth/logout', { body: { refresh_token: 'r' } })
    expect(router.currentRoute.value.path).toBe('/login')
  })

  it('sends a refused session back to log in', async () => {
    GET.mockResolvedValue({ error: { status: 401, code: 'unauthenticated' }, response: new Response(null, { status: 401 }) })
    const { router } = await render()
    await flushPromises()
    expect(router.currentRoute.value.fullPath).toBe('/login?next=/app/inbox')
  })
})
