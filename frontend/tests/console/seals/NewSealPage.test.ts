import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import NewSealPage from '../../../src/console/seals/NewSealPage.vue'
import { fail, ok, png, render, seal, stubObjectURLs, unmountAll } from './mount'

const { POST, toast } = vi.hoisted(() => ({ POST: vi.fn(), toast: { success: vi.fn(), error: vi.fn() } }))
vi.mock('../../../src/api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/api/client')>()
  return { ...real, api: { POST, use: vi.fn() } }
})
vi.mock('../../../src/console/shared/feedback', () => ({ toast, confirmDanger: vi.fn() }))

type Opts = { body: Record<string, unknown>; signal?: AbortSignal }
const previews = () => POST.mock.calls.filter((c) => c[0] === '/api/seals/preview').map((c) => c[1] as Opts)

async function open(role = 'owner') {
  const r = await render(NewSealPage, '/app/seals/new', '/app/seals/new', role)
  return r
}

async function settle(ms = 300) {
  await vi.advanceTimersByTimeAsync(ms)
  await flushPromises()
}

describe('NewSealPage', { timeout: 20_000 }, () => {
  afterEach(unmountAll)
  beforeEach(() => {
    vi.useFakeTimers({ shouldAdvanceTime: false })
    POST.mockReset()
    toast.success.mockReset()
    stubObjectURLs()
  })
  afterEach(() => vi.useRealTimers())

  it('draws the company seal after a pause in typing, cancelling stale previews', async () => {
    POST.mockImplementation((path: string) => Promise.resolve(path === '/api/seals/preview' ? png() : ok({})))
    const { w } = await open()
    await settle()
    expect(previews()).toHaveLength(1)
    expect(previews()[0].body).toEqual({ kind: 'official', style: 'round', name: '榕城数据有限公司', color: 'red', size_mm: 42 })
    const preview = w.get('[data-testid="seal-preview"]')
    expect(preview.attributes('data-state')).toBe('ready')
    expect(w.get('[data-testid="seal-preview-image"]').attributes('src')).toMatch(/^blob:/)
    expect(w.text()).toContain('实际尺寸 42 × 42 mm')

    // Typing fast asks once, for the last text.
    const text = w.get('[data-testid="seal-text"]')
    await text.setValue('合')
    await vi.advanceTimersByTimeAsync(100)
    await text.setValue('合同专用章')
    await settle()
    expect(previews()).toHaveLength(2)
    expect(previews()[1].body).toMatchObject({ text: '合同专用章' })

    // A request still in flight when the design changes is cancelled.
    let release: (v: unknown) => void = () => {}
    POST.mockImplementationOnce(() => new Promise((r) => (release = r)))
    await w.get('[data-testid="seal-code"]').setValue('1101')
    await settle()
    const stale = previews()[2]
    await w.get('[data-testid="seal-code"]').setValue('110108')
    await settle()
    expect(stale.signal?.aborted).toBe(true)
    expect(previews()[3].signal?.aborted).toBe(false)
    release(png())
    await flushPromises()
    expect(preview.attributes('data-state')).toBe('ready')
  })

  it('puts a refused design next to its field', async () => {
    POST.mockImplementation((_path: string, o: Opts) =>
      Promise.resolve(
        o.body.code
          ? fail(422, { code: 'validation_failed', errors: [{ field: 'design', code: 'invalid', message: 'invalid seal: security code "A-1" contains "-" (want letters and digits)' }] })
          : png(),
      ),
    )
    const { w } = await open()
    await settle()
    await w.get('[data-testid="seal-code"]').setValue('A-1')
    await settle()
    expect(w.get('[data-testid="seal-preview"]').attributes('data-state')).toBe('error')
    expect(w.get('#seal-code-error').text()).toBe('防伪码最多 20 位，只能是字母或数字')
    expect(w.get('[data-testid="seal-code"]').attributes('aria-describedby')).toBe('seal-code-error')
  })

  it('changes the sizes with the style and offers name seals for a personal seal', async () => {
    POST.mockResolvedValue(png(45, 30))
    const { w } = await open()
    await settle()
    await w.get('[data-testid="seal-style-oval"] input').setValue(true)
    await settle()
    expect(previews().at(-1)!.body).toMatchObject({ style: 'oval', size_mm: 45 })
    await w.get('[data-testid="seal-kind-personal"] input').setValue(true)
    await settle()
    expect(previews().at(-1)!.body).toMatchObject({ kind: 'personal', style: 'name', name: '郑明', size_mm: 20 })
    expect(w.find('[data-testid="seal-code"]').exists()).toBe(false)
  })

  it('applies and opens the new seal', async () => {
    POST.mockImplementation((path: string) => Promise.resolve(path === '/api/seals/preview' ? png() : ok(seal('new1', { state: 'pending' }), 201)))
    const { w, router } = await open()
    await settle()
    await w.get('[data-testid="seal-text"]').setValue('合同专用章')
    await w.get('[data-testid="seal-purpose"]').setValue('对外签订合同')
    await w.get('[data-testid="seal-designer"]').trigger('submit')
    await flushPromises()
    const apply = POST.mock.calls.find((c) => c[0] === '/api/seals')!
    expect(apply[1]).toEqual({ body: { kind: 'official', style: 'round', name: '榕城数据有限公司', color: 'red', size_mm: 42, text: '合同专用章', purpose: '对外签订合同' } })
    expect(toast.success).toHaveBeenCalledWith('已提交申请，等待平台审核')
    expect(router.currentRoute.value.path).toBe('/app/seals/new1')
  })

  it('explains a refused application', async () => {
    POST.mockImplementation((path: string) =>
      Promise.resolve(path === '/api/seals/preview' ? png() : fail(409, { code: 'owner_unverified' })),
    )
    const { w, router } = await open()
    await settle()
    await w.get('[data-testid="seal-designer"]').trigger('submit')
    await flushPromises()
    expect(w.get('[data-testid="seal-apply-error"]').text()).toContain('企业实名认证通过后才能申请企业印章')
    expect(router.currentRoute.value.path).toBe('/app/seals/new')
  })

  it('lets a plain member make only a personal seal', async () => {
    POST.mockResolvedValue(png(20, 20))
    const { w } = await open('member')
    await settle()
    expect(w.get('[data-testid="seal-kind-official"] input').attributes('disabled')).toBeDefined()
    expect(previews()[0].body).toMatchObject({ kind: 'personal', style: 'name', name: '郑明' })
  })
})
