import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import ContractsPage from '../../../src/console/contracts/ContractsPage.vue'
import ContractPage from '../../../src/console/contracts/ContractPage.vue'
import { i18nFor } from '../../verify/mount'

const { GET, POST, DELETE } = vi.hoisted(() => ({ GET: vi.fn(), POST: vi.fn(), DELETE: vi.fn() }))
vi.mock('../../../src/api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/api/client')>()
  return { ...real, api: { GET, POST, DELETE, use: vi.fn() } }
})

const Blank = { template: '<div />' }
const ok = (data: unknown) => ({ data, response: new Response(null, { status: 200 }) })
const problem = (status: number, code: string) => ({ error: { status, code }, response: new Response(null, { status }) })

const contract = (over: Record<string, unknown> = {}) => ({
  id: 'k1', title: '采购合同', state: 'in_progress', algorithm: 'sm2', deadline_days: 30, deadline: '2099-01-01T00:00:00Z', extensions: 0, round: 1,
  verify_code: 'AB12CD34EF', remind_every_hours: 24, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z', ...over,
})

async function render(component: unknown, path: string, props: Record<string, unknown> = {}) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/app/contracts', component: ContractsPage },
      { path: '/app/contracts/:id', component: Blank },
      { path: '/:rest(.*)*', component: Blank },
    ],
  })
  await router.push(path)
  setActivePinia(createPinia())
  const w = mount(component as never, { props: props as never, global: { plugins: [i18nFor('zh-CN'), router, createPinia()] } })
  await flushPromises()
  return { w, router }
}

describe('ContractsPage', () => {
  beforeEach(() => {
    GET.mockReset()
  })

  it('sends the URL filter to the API, days as local midnights, the last day included', async () => {
    GET.mockResolvedValue(ok({ items: [contract()], next_cursor: 'n1' }))
    const { w } = await render(ContractsPage, '/app/contracts?q=采购&status=completed,bogus&from=2026-03-01&to=2026-03-31')
    const query = GET.mock.calls[0][1].params.query
    expect(query.q).toBe('采购')
    expect(query.status).toBe('completed')
    expect(query.from).toBe(new Date(2026, 2, 1).toISOString())
    expect(query.to).toBe(new Date(2026, 3, 1).toISOString())
    expect(w.findAll('[data-testid="contract-row"]')).toHaveLength(1)
    expect(w.find('[data-testid="contracts-more"]').exists()).toBe(true)
  })

  it('pushes the form into the URL on search, and says when nothing matches', async () => {
    GET.mockResolvedValue(ok({ items: [] }))
    const { w, router } = await render(ContractsPage, '/app/contracts')
    expect(w.find('[data-testid="contracts-empty"]').text()).toContain('还没有合同')
    await w.find('input[data-testid="filter-q"]').setValue('  租赁 ')
    await w.find('[data-testid="contract-filters"]').trigger('submit')
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ q: '租赁' })
    expect(GET.mock.calls.at(-1)?.[1].params.query.q).toBe('租赁')
    expect(w.find('[data-testid="contracts-empty"]').text()).toContain('没有符合条件')
  })
})

describe('ContractPage', () => {
  beforeEach(() => {
    GET.mockReset()
    POST.mockReset()
  })

  function detail(over: Record<string, unknown> = {}) {
    return {
      ...contract(over),
      documents: [{ id: 'd1', name: '采购合同.pdf', pages: 3, size: 1, original_sm3: 'a', original_sha256: 'b', converted: false, current_sm3: 'c', revision: 1, created_at: '2026-01-01T00:00:00Z' }],
      parties: [
        { id: 'p1', role: 'signer', kind: 'organization', order: 1, org_name: '甲公司', name: '张三', state: 'signed', reminders: 0, signed_at: '2026-01-02T00:00:00Z', fields: [{}] },
        { id: 'p2', role: 'signer', kind: 'person', order: 2, name: '王五', mobile: '138****0002', state: 'notified', reminders: 0, fields: [{}] },
      ],
    }
  }

  function answer(k: unknown) {
    GET.mockImplementation((path: string) => {
      if (path === '/api/contracts/{contractID}') return Promise.resolve(k)
      if (path.endsWith('/events'))
        return Promise.resolve(ok([
          { id: 'e1', seq: 1, type: 'contract.sent', actor: 'person:x', at: '2026-01-01T00:00:00Z', payload: {}, prev_hash: '', hash: 'h' },
          { id: 'e2', seq: 2, type: 'signer.signed', actor: 'person:y', at: '2026-01-02T00:00:00Z', payload: { party_id: 'p1' }, prev_hash: 'h', hash: 'i' },
        ]))
      if (path.endsWith('/revisions'))
        return Promise.resolve(ok([
          { id: 'r0', document_id: 'd1', n: 0, sm3: 'aa', sha256: 'bb', size: 1, created_at: '2026-01-01T00:00:00Z' },
          { id: 'r1', document_id: 'd1', n: 1, party_id: 'p1', sm3: 'cc', sha256: 'dd', size: 1, created_at: '2026-01-02T00:00:00Z' },
        ]))
      if (path.endsWith('/webhook-deliveries')) return Promise.resolve(ok([]))
      return Promise.reject(new Error('unexpected ' + path))
    })
  }

  it('shows each signer, the revisions and the timeline newest first', async () => {
    answer(ok(detail()))
    const { w } = await render(ContractPage, '/app/contracts/k1', { contractID: 'k1' })
    const rows = w.findAll('[data-testid="party-row"]')
    expect(rows.map((r) => r.attributes('data-state'))).toEqual(['signed', 'notified'])
    // Only the person whose turn it is can be reminded or sent a new link.
    expect(rows[0].find('[data-testid="party-nudge"]').exists()).toBe(false)
    expect(rows[1].find('[data-testid="party-nudge"]').exists()).toBe(true)
    expect(rows[1].find('[data-testid="party-reissue"]').exists()).toBe(true)
    expect(w.findAll('[data-testid="revision"]').map((r) => r.text())).toEqual([
      expect.stringContaining('发送前的准备版本'),
      expect.stringContaining('甲公司（张三） 签署后'),
    ])
    const events = w.findAll('[data-testid="timeline-event"]')
    expect(events.map((e) => e.attributes('data-type'))).toEqual(['signer.signed', 'contract.sent'])
    expect(events[0].text()).toContain('签署方完成签署')
    expect(events[0].text()).toContain('甲公司')
  })

  it('reminds a signer and reloads', async () => {
    answer(ok(detail()))
    POST.mockResolvedValue(ok({}))
    const { w } = await render(ContractPage, '/app/contracts/k1', { contractID: 'k1' })
    await w.find('[data-testid="party-nudge"]').trigger('click')
    await flushPromises()
    expect(POST).toHaveBeenCalledWith('/api/contracts/{contractID}/parties/{partyID}/nudge', { params: { path: { contractID: 'k1', partyID: 'p2' } } })
    // The contract is read again after the action; the members are not.
    expect(GET.mock.calls.filter(([p]) => p === '/api/contracts/{contractID}')).toHaveLength(2)
    expect(GET.mock.calls.filter(([p]) => p === '/api/members')).toHaveLength(1)
  })

  it('says not found for a contract the API does not show this company', async () => {
    answer(problem(404, 'not_found'))
    const { w } = await render(ContractPage, '/app/contracts/k9', { contractID: 'k9' })
    expect(w.find('[data-testid="contract-not-found"]').text()).toContain('找不到该合同')
    expect(w.find('[data-testid="contract-title"]').exists()).toBe(false)
  })
})
