import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import UploadSealPage from '../../../src/console/seals/UploadSealPage.vue'
import { fail, ok, png, render, seal, stubObjectURLs, unmountAll } from './mount'

const { POST, toast } = vi.hoisted(() => ({ POST: vi.fn(), toast: { success: vi.fn(), error: vi.fn() } }))
vi.mock('../../../src/api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/api/client')>()
  return { ...real, api: { POST, use: vi.fn() } }
})
vi.mock('../../../src/console/shared/feedback', () => ({ toast, confirmDanger: vi.fn() }))

type Opts = { body: FormData; signal?: AbortSignal }
const calls = (path: string) => POST.mock.calls.filter((c) => c[0] === path).map((c) => c[1] as Opts)

async function choose(w: Awaited<ReturnType<typeof render>>['w'], file: File) {
  const input = w.get('[data-testid="seal-upload-file"]')
  Object.defineProperty(input.element, 'files', { value: [file], configurable: true })
  await input.trigger('change')
  await flushPromises()
}

const photo = () => new File([new Uint8Array(2048)], 'stamp.png', { type: 'image/png' })
const open = () => render(UploadSealPage, '/app/seals/upload', '/app/seals/upload')

describe('UploadSealPage', { timeout: 20_000 }, () => {
  afterEach(unmountAll)
  beforeEach(() => {
    POST.mockReset()
    toast.success.mockReset()
    stubObjectURLs()
  })

  it('shows the photo and the cleaned stamp side by side, again when recoloured', async () => {
    POST.mockResolvedValue(png(40, 40))
    const { w } = await open()
    await choose(w, photo())
    const first = calls('/api/seals/uploads/preview')
    expect(first).toHaveLength(1)
    expect(first[0].body.get('file')).toBeInstanceOf(File)
    expect(first[0].body.get('recolor')).toBe('false')
    expect(first[0].body.get('size_mm')).toBe('40')
    expect(w.get('[data-testid="seal-upload-preview"]').attributes('data-state')).toBe('ready')
    expect(w.get('[data-testid="seal-upload-original"]').attributes('src')).toMatch(/^blob:/)
    const before = w.get('[data-testid="seal-upload-result"]').attributes('src')
    expect(w.text()).toContain('实际尺寸 40 × 40 mm')

    await w.get('[data-testid="seal-upload-recolor"]').trigger('click')
    await flushPromises()
    const second = calls('/api/seals/uploads/preview')
    expect(second).toHaveLength(2)
    expect(second[1].body.get('recolor')).toBe('true')
    expect(w.get('[data-testid="seal-upload-result"]').attributes('src')).not.toBe(before)
  })

  it('refuses a file that is not a photo before sending it', async () => {
    const { w } = await open()
    await choose(w, new File(['%PDF'], 'a.pdf', { type: 'application/pdf' }))
    expect(POST).not.toHaveBeenCalled()
    expect(w.get('#upload-file-error').text()).toContain('PNG 或 JPEG')
  })

  it('says when no seal was found in the photo', async () => {
    POST.mockResolvedValue(fail(422, { code: 'image_empty' }))
    const { w } = await open()
    await choose(w, photo())
    expect(w.get('[data-testid="seal-upload-preview"]').attributes('data-state')).toBe('error')
    expect(w.get('#upload-file-error').text()).toContain('没有找到印章')
  })

  it('applies with the same choices and opens the new seal', async () => {
    POST.mockImplementation((path: string) => Promise.resolve(path === '/api/seals/uploads' ? ok(seal('u1', { state: 'pending', style: 'upload' }), 201) : png(40, 40)))
    const { w, router } = await open()
    await w.get('[data-testid="seal-upload-form"]').trigger('submit')
    await flushPromises()
    expect(w.get('#upload-name-error').text()).toBe('请填写印章名称')
    await choose(w, photo())
    await w.get('[data-testid="seal-upload-name"]').setValue('榕城数据合同专用章')
    await w.get('[data-testid="seal-upload-form"]').trigger('submit')
    await flushPromises()
    const [apply] = calls('/api/seals/uploads')
    expect(apply.body.get('name')).toBe('榕城数据合同专用章')
    expect(apply.body.get('recolor')).toBe('false')
    expect(apply.body.get('size_mm')).toBe('40')
    expect(apply.body.get('file')).toBeInstanceOf(File)
    expect(router.currentRoute.value.path).toBe('/app/seals/u1')
  })
})
