import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import WebhooksPage from '../../../src/console/integrations/WebhooksPage.vue'
import WebhookPage from '../../../src/console/integrations/WebhookPage.vue'
import { fail, inDocument, ok, render } from './mount'

const { GET, POST, PATCH, DELETE, confirm } = vi.hoisted(() => ({ GET: vi.fn(), POST: vi.fn(), PATCH: vi.fn(), DELETE: vi.fn(), confirm: vi.fn() }))
vi.mock('../../../src/api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/api/client')>()
  return { ...real, api: { GET, POST, PATCH, DELETE, use: vi.fn() } }
})
vi.mock('element-plus', async (importOriginal) => {
  const real = await importOriginal<typeof import('element-plus')>()
  return { ...real, ElMessageBox: { confirm } }
})

const endpoint = (id: string, over: Record<string, unknown> = {}) => ({
  id, url: `https://erp.example.com/hooks/${id}`, events: ['contract.*'], enabled: true, created_at: '2025-03-01T08:00:00Z', updated_at: '2025-03-01T08:00:00Z', ...over,
})
const eventTypes = [
  { name: 'contract.sent', description: 'a contract was sent to its signers' },
  { name: 'contract.completed', description: 'every signer signed' },
  { name: 'seal.used', description: 'a seal was used' },
  { name: 'webhook.test', description: 'a test event sent on request' },
]

function server(endpoints: unknown[]) {
  GET.mockImplementation((path: string) =>
    Promise.resolve(path === '/api/webhook-event-types' ? ok(eventTypes) : ok({ items: endpoints })),
  )
}

function type(selector: string, value: string) {
  const el = document.querySelector<HTMLInputElement>(selector)!
  el.value = value
  el.dispatchEvent(new Event('input'))
}

beforeEach(() => {
  for (const f of [GET, POST, PATCH, DELETE, confirm]) f.mockReset()
  document.body.innerHTML = ''
})

describe('WebhooksPage', () => {
  it('lists the endpoints', async () => {
    server([endpoint('w1'), endpoint('w2', { enabled: false, events: ['*'] })])
    const { w } = await render(WebhooksPage, '/app/webhooks')
    await flushPromises()
    const rows = w.findAll('[data-testid="webhook-row"]')
    expect(rows).toHaveLength(2)
    expect(rows[0].get('[data-testid="webhook-open"]').attributes('href')).toBe('/app/webhooks/w1')
    expect(rows[1].text()).toContain('已停用')
    expect(rows[1].text()).toContain('全部事件')
  })

  it('registers an endpoint for the chosen events and shows its secret once', async () => {
    server([])
    POST.mockResolvedValue(ok({ ...endpoint('w1'), secret: 'whsec_abc' }, 201))
    const { w } = await render(WebhooksPage, '/app/webhooks')
    await flushPromises()
    expect(w.find('[data-testid="webhooks-empty"]').exists()).toBe(true)
    await w.get('[data-testid="webhook-new"]').trigger('click')
    await flushPromises()
    // The test event is not offered: nobody subscribes to it.
    expect(inDocument('webhook-event-webhook.test')).toHaveLength(0)
    inDocument('webhook-save')[0].click()
    await flushPromises()
    expect(POST).not.toHaveBeenCalled()
    expect(document.body.textContent).toContain('请填写接收地址')

    type('#wh-url', 'https://erp.example.com/hooks/w1')
    inDocument('webhook-event-contract.*')[0].querySelector('input')!.click()
    await flushPromises()
    inDocument('webhook-event-seal.used')[0].querySelector('input')!.click()
    await flushPromises()
    // A group subscription covers its events.
    expect(inDocument('webhook-event-contract.sent')[0].classList.contains('is-disabled')).toBe(true)
    inDocument('webhook-save')[0].click()
    await flushPromises()
    expect(POST).toHaveBeenCalledWith('/api/webhooks', {
      body: { url: 'https://erp.example.com/hooks/w1', description: '', events: ['contract.*', 'seal.used'], enabled: true },
    })
    expect(inDocument('secret-value')[0]).toHaveProperty('value', 'whsec_abc')
  })

  it('shows the server’s refusal of a URL at the URL', async () => {
    server([])
    POST.mockResolvedValue(fail(422, { code: 'validation_failed', errors: [{ field: 'url', code: 'invalid', message: 'must be an absolute https:// URL' }] }))
    const { w } = await render(WebhooksPage, '/app/webhooks')
    await flushPromises()
    await w.get('[data-testid="webhook-new"]').trigger('click')
    await flushPromises()
    type('#wh-url', 'http://10.0.0.1/x')
    inDocument('webhook-event-all')[0].querySelector('input')!.click()
    await flushPromises()
    inDocument('webhook-save')[0].click()
    await flushPromises()
    expect(document.querySelector('#wh-url-error')!.textContent).toBe('格式不正确')
    expect(document.querySelector('#wh-url')!.getAttribute('aria-invalid')).toBe('true')
  })

  it('changes an endpoint with only what the form holds', async () => {
    server([endpoint('w1')])
    PATCH.mockResolvedValue(ok(endpoint('w1', { enabled: false })))
    const { w } = await render(WebhooksPage, '/app/webhooks')
    await flushPromises()
    await w.get('[data-testid="webhook-edit"]').trigger('click')
    await flushPromises()
    expect(document.querySelector<HTMLInputElement>('#wh-url')!.value).toBe('https://erp.example.com/hooks/w1')
    inDocument('webhook-save')[0].click()
    await flushPromises()
    expect(PATCH).toHaveBeenCalledWith('/api/webhooks/{webhookID}', {
      params: { path: { webhookID: 'w1' } },
      body: { url: 'https://erp.example.com/hooks/w1', description: '', events: ['contract.*'], enabled: true },
    })
    expect(w.get('[data-testid="notice"]').text()).toBe('已保存')
  })

  it('rotates the secret and deletes only once confirmed', async () => {
    server([endpoint('w1')])
    POST.mockResolvedValue(ok({ ...endpoint('w1'), secret: 'whsec_new' }))
    DELETE.mockResolvedValue({ data: undefined, response: new Response(null, { status: 204 }) })
    const { w } = await render(WebhooksPage, '/app/webhooks')
    await flushPromises()
    confirm.mockRejectedValueOnce('cancel')
    await w.get('[data-testid="webhook-rotate"]').trigger('click')
    await flushPromises()
    expect(POST).not.toHaveBeenCalled()
    confirm.mockResolvedValueOnce('confirm')
    await w.get('[data-testid="webhook-rotate"]').trigger('click')
    await flushPromises()
    expect(POST).toHaveBeenCalledWith('/api/webhooks/{webhookID}/rotate-secret', { params: { path: { webhookID: 'w1' } }, body: {} })
    expect(inDocument('secret-value')[0]).toHaveProperty('value', 'whsec_new')

    confirm.mockRejectedValueOnce('cancel')
    await w.get('[data-testid="webhook-delete"]').trigger('click')
    await flushPromises()
    expect(DELETE).not.toHaveBeenCalled()
    confirm.mockResolvedValueOnce('confirm')
    await w.get('[data-testid="webhook-delete"]').trigger('click')
    await flushPromises()
    expect(DELETE).toHaveBeenCalledWith('/api/webhooks/{webhookID}', { params: { path: { webhookID: 'w1' } } })
  })
})

describe('WebhookPage', () => {
  const delivery = (id: string, state: string, attempts: unknown[] = []) => ({
    id, endpoint_id: 'w1', event_id: 'e' + id, event_type: 'webhook.test', state, attempts, created_at: '2025-03-01T08:00:00Z',
  })
  const attempt = (n: number, status_code?: number, error?: string) => ({ n, at: '2025-03-01T08:00:01Z', status_code, latency_ms: 12, error })

  it('shows the log, newest first, with each attempt, and pages on', async () => {
    GET.mockImplementation((path: string, opts: { params: { query?: { cursor?: string } } }) => {
      if (path === '/api/webhooks/{webhookID}') return Promise.resolve(ok(endpoint('w1')))
      if (opts.params.query?.cursor) return Promise.resolve(ok({ items: [delivery('d3', 'delivered')] }))
      return Promise.resolve(ok({ items: [delivery('d1', 'delivered', [attempt(1, 200)]), delivery('d2', 'dead', [attempt(1, 500), attempt(2, undefined, 'timeout')])], next_cursor: 'n1' }))
    })
    const { w } = await render(WebhookPage, '/app/webhooks/w1', '/app/webhooks/:webhookID', { webhookID: 'w1' })
    await flushPromises()
    const ds = w.findAll('[data-testid="delivery"]')
    expect(ds.map((d) => d.attributes('data-state'))).toEqual(['delivered', 'dead'])
    const toggle = ds[1].get('[data-testid="delivery-toggle"]')
    expect(toggle.attributes('aria-expanded')).toBe('false')
    await toggle.trigger('click')
    expect(toggle.attributes('aria-expanded')).toBe('true')
    const attempts = ds[1].findAll('[data-testid="attempt"]')
    expect(attempts[0].text()).toContain('500')
    expect(attempts[1].text()).toContain('无响应')
    expect(attempts[1].text()).toContain('timeout')
    await w.get('[data-testid="log-more"]').trigger('click')
    await flushPromises()
    expect(GET).toHaveBeenLastCalledWith('/api/webhooks/{webhookID}/deliveries', { params: { path: { webhookID: 'w1' }, query: { limit: 50, cursor: 'n1' } } })
    expect(w.findAll('[data-testid="delivery"]')).toHaveLength(3)
  })

  it('sends a test and redelivers, then reads the log again', async () => {
    GET.mockImplementation((path: string) =>
      Promise.resolve(path === '/api/webhooks/{webhookID}' ? ok(endpoint('w1')) : ok({ items: [delivery('d1', 'dead', [attempt(1, 500)])] })),
    )
    POST.mockResolvedValue(ok(delivery('d1', 'pending'), 202))
    const { w } = await render(WebhookPage, '/app/webhooks/w1', '/app/webhooks/:webhookID', { webhookID: 'w1' })
    await flushPromises()
    await w.get('[data-testid="delivery-redeliver"]').trigger('click')
    await flushPromises()
    expect(POST).toHaveBeenCalledWith('/api/webhooks/{webhookID}/deliveries/{deliveryID}/redeliver', { params: { path: { webhookID: 'w1', deliveryID: 'd1' } } })
    expect(w.get('[data-testid="notice"]').text()).toBe('已重新加入投递队列')
    await w.get('[data-testid="webhook-test"]').trigger('click')
    await flushPromises()
    expect(POST).toHaveBeenLastCalledWith('/api/webhooks/{webhookID}/test', { params: { path: { webhookID: 'w1' } } })
    // The endpoint, then the log three times: on opening, after each action.
    expect(GET.mock.calls.filter(([p]) => p === '/api/webhooks/{webhookID}/deliveries')).toHaveLength(3)
  })

  it('reads the log again while a delivery is pending, then stops', async () => {
    vi.useFakeTimers()
    try {
      const logs = [
        ok({ items: [delivery('d1', 'pending')] }),
        ok({ items: [delivery('d1', 'delivered', [attempt(1, 200)])] }),
      ]
      GET.mockImplementation((path: string) =>
        Promise.resolve(path === '/api/webhooks/{webhookID}' ? ok(endpoint('w1')) : (logs.shift() ?? ok({ items: [] }))),
      )
      const { w } = await render(WebhookPage, '/app/webhooks/w1', '/app/webhooks/:webhookID', { webhookID: 'w1' })
      await flushPromises()
      expect(w.get('[data-testid="delivery"]').attributes('data-state')).toBe('pending')
      await vi.advanceTimersByTimeAsync(2100)
      await flushPromises()
      expect(w.get('[data-testid="delivery"]').attributes('data-state')).toBe('delivered')
      await vi.advanceTimersByTimeAsync(10_000)
      expect(GET.mock.calls.filter(([p]) => p === '/api/webhooks/{webhookID}/deliveries')).toHaveLength(2)
    } finally {
      vi.useRealTimers()
    }
  })

  it('says when the endpoint is not the company’s', async () => {
    GET.mockResolvedValue(fail(404, { code: 'not_found' }))
    const { w } = await render(WebhookPage, '/app/webhooks/w9', '/app/webhooks/:webhookID', { webhookID: 'w9' })
    await flushPromises()
    expect(w.get('[data-testid="webhook-page-error"]').text()).toContain('找不到该内容')
  })
})
