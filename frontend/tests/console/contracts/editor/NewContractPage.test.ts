import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { reactive } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import NewContractPage from '../../../../src/console/contracts/editor/NewContractPage.vue'
import { i18nFor } from '../../../verify/mount'
import { fail, ok, signIn } from '../../../onboarding/mount'
import { ApiError } from '../../../../src/api/errors'

const { GET, POST, upload } = vi.hoisted(() => ({ GET: vi.fn(), POST: vi.fn(), upload: vi.fn() }))
vi.mock('../../../../src/api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../../src/api/client')>()
  return { ...real, api: { GET, POST, use: vi.fn() } }
})
vi.mock('../../../../src/console/contracts/editor/upload', () => ({ uploadDocument: upload }))
// pdf.js does not run in happy-dom: every document has three A4 pages.
vi.mock('../../../../src/console/contracts/editor/usePdfPages', () => ({
  usePdfPages() {
    const docs = reactive<Record<string, unknown>>({})
    return {
      docs,
      async open(key: string) {
        docs[key] = { state: 'ready', error: null, pages: [1, 2, 3].map(() => ({ view: [0, 0, 595, 842], rotate: 0 })) }
      },
      close: (key: string) => delete docs[key],
      draw: vi.fn(),
      destroy: vi.fn(),
    }
  },
}))

const Blank = { template: '<div />' }

async function render() {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/login', name: 'login', component: Blank },
      { path: '/app/contracts/new', component: NewContractPage },
      { path: '/app/contracts/:id', component: Blank },
      { path: '/app/templates', component: Blank },
      { path: '/:any(.*)', component: Blank },
    ],
  })
  await router.push('/app/contracts/new')
  setActivePinia(createPinia())
  signIn()
  const w = mount(NewContractPage, { attachTo: document.body, global: { plugins: [i18nFor('zh-CN'), router] } })
  await flushPromises()
  return { w, router }
}

const input = (w: ReturnType<typeof mount>, id: string) => w.get(`input[data-testid="${id}"]`)

async function pick(w: ReturnType<typeof mount>, files: File[]) {
  const el = input(w, 'document-input')
  Object.defineProperty(el.element, 'files', { value: files, configurable: true })
  await el.trigger('change')
  await flushPromises()
}

describe('NewContractPage', () => {
  beforeEach(() => {
    GET.mockReset()
    POST.mockReset()
    upload.mockReset()
    document.body.innerHTML = ''
    // Our company is verified: it can sign.
    GET.mockResolvedValue(ok({ id: 'ov1', state: 'approved', name: '闽江贸易有限公司', uscc: '91350100M000100Y43', method: 'review' }))
  })

  it('says what is missing, next to each control, before anything is sent', async () => {
    const { w } = await render()
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(POST).not.toHaveBeenCalled()
    expect(w.get('#editor-title-error').text()).toBe('请填写合同名称')
    expect(input(w, 'editor-title').attributes('aria-describedby')).toBe('editor-title-error')
    expect(w.get('[data-testid="documents-error"]').text()).toBe('请至少上传一个文件')
    expect(w.get('[data-testid="parties-error"]').text()).toBe('请至少添加一个签署方')
    expect(w.get('[data-testid="editor-error"]').text()).toContain('还有 3 处需要修改')
    // Fixing one takes its message away at once.
    await input(w, 'editor-title').setValue('采购合同')
    await flushPromises()
    expect(w.find('#editor-title-error').exists()).toBe(false)
  })

  it('uploads with progress, places a field, maps the API’s field errors and sends once per request', async () => {
    let finish: (v: unknown) => void = () => {}
    upload.mockImplementation((_f: File, hooks: { onProgress: (p: number) => void; onSent: () => void }) => {
      hooks.onProgress(0.4)
      return new Promise((res) => (finish = (v) => { hooks.onSent(); res(v) }))
    })
    const { w, router } = await render()
    await input(w, 'editor-title').setValue('采购合同')
    await pick(w, [new File([new Uint8Array(10)], '合同.docx')])
    expect(w.get('[data-testid="document-status"]').text()).toBe('正在上传 40%')
    finish({ id: 'F1', pages: 3, name: '合同.pdf' })
    await flushPromises()
    expect(w.get('[data-testid="document"]').attributes('data-state')).toBe('ready')
    expect(w.get('[data-testid="document-status"]').text()).toBe('共 3 页')

    await w.get('[data-testid="add-person"]').trigger('click')
    await input(w, 'signer-0-name').setValue('王五')
    await input(w, 'signer-0-mobile').setValue('+442071234567')
    // Pressing the palette entry puts a signature in the middle of the page in view.
    await w.get('[data-testid="palette-signature"]').trigger('click')
    await flushPromises()
    const field = w.get('[data-testid="desk-field"]')
    expect(field.attributes('aria-label')).toBe('王五的个人签名，第 1 页，位置 238, 397')

    POST.mockResolvedValueOnce(fail(422, 'validation_failed', [{ field: 'parties[0].mobile', code: 'not_mobile', message: 'is not a mobile number' }]))
    await w.get('[data-testid="editor-send"]').trigger('click')
    await flushPromises()
    const [path, opts] = POST.mock.calls[0]
    expect(path).toBe('/api/contracts')
    expect(opts.body).toMatchObject({
      title: '采购合同', document_ids: ['F1'], send: true,
      parties: [{ role: 'signer', kind: 'person', order: 1, name: '王五', mobile: '+442071234567', fields: [{ kind: 'signature', document: 0, page: 1, x: 237.5, y: 397, w: 120, h: 48 }] }],
    })
    const key = opts.params.header['Idempotency-Key']
    expect(key).toBeTruthy()
    const mobile = input(w, 'signer-0-mobile')
    expect(w.get(`#${mobile.attributes('aria-describedby')}`).text()).toBe('该号码不是手机号，无法接收短信')

    // A retry of the same request carries the same key.
    POST.mockResolvedValueOnce(fail(503, 'database_unavailable'))
    await w.get('[data-testid="editor-send"]').trigger('click')
    await flushPromises()
    expect(POST.mock.calls[1][1].params.header['Idempotency-Key']).toBe(key)
    expect(w.get('[data-testid="editor-error"]').text()).toContain('数据库暂不可用')

    // A changed request is a new one.
    await mobile.setValue('13800000002')
    await flushPromises()
    expect(w.find(`#${mobile.attributes('id')}-error`).exists()).toBe(false)
    POST.mockResolvedValueOnce(ok({ id: 'c1', documents: [], parties: [] }, 201))
    await w.get('[data-testid="editor-send"]').trigger('click')
    await flushPromises()
    expect(POST.mock.calls[2][1].params.header['Idempotency-Key']).not.toBe(key)
    expect(router.currentRoute.value.path).toBe('/app/contracts/c1')
  })

  it('says why an upload failed, and uploads it again on request', async () => {
    upload.mockRejectedValueOnce(new ApiError({ status: 422, code: 'conversion_failed' }))
    const { w } = await render()
    await pick(w, [new File([new Uint8Array(10)], '合同.odt'), new File([new Uint8Array(10)], 'notes.txt')])
    const docs = w.findAll('[data-testid="document"]')
    expect(docs.map((d) => d.attributes('data-state'))).toEqual(['error', 'error'])
    expect(docs[0].get('[data-testid="document-status"]').text()).toBe('该文件无法转换为 PDF，请检查后重试或上传 PDF')
    // A text file is refused here, before any upload.
    expect(docs[1].get('[data-testid="document-status"]').text()).toBe('只能上传 PDF、DOCX 或 ODT 文件')
    expect(upload).toHaveBeenCalledTimes(1)
    upload.mockResolvedValueOnce({ id: 'F9', pages: 2 })
    await docs[0].findAll('button').find((b) => b.text() === '重试')!.trigger('click')
    await flushPromises()
    expect(w.findAll('[data-testid="document"]')[0].attributes('data-state')).toBe('ready')
    expect(w.findAll('[data-testid="document-status"]')[0].text()).toBe('共 2 页')
  })

  it('moves, resizes and removes a field with the keyboard', async () => {
    upload.mockResolvedValue({ id: 'F1', pages: 3 })
    const { w } = await render()
    await pick(w, [new File([new Uint8Array(10)], 'a.pdf')])
    await w.get('[data-testid="add-own"]').trigger('click')
    await flushPromises()
    expect(input(w, 'signer-0-org-name').element).toHaveProperty('value', '闽江贸易有限公司')
    await w.get('[data-testid="palette-seal"]').trigger('click')
    await flushPromises()
    const body = () => w.get('[data-testid="desk-field"]')
    const at = () => body().attributes('aria-label')
    expect(at()).toBe('闽江贸易有限公司的企业印章，第 1 页，位置 238, 361')
    await body().trigger('keydown', { key: 'ArrowRight' })
    await body().trigger('keydown', { key: 'ArrowUp', ctrlKey: true })
    expect(at()).toBe('闽江贸易有限公司的企业印章，第 1 页，位置 240, 371')
    // Shift and down: taller by 2 points, the top edge stays.
    await body().trigger('keydown', { key: 'ArrowDown', shiftKey: true })
    expect(at()).toBe('闽江贸易有限公司的企业印章，第 1 页，位置 240, 369')
    await body().trigger('keydown', { key: 'Delete' })
    expect(w.findAll('[data-testid="desk-field"]')).toHaveLength(0)
  })
})

describe('NewContractPage leaving', () => {
  beforeEach(() => {
    GET.mockReset()
    GET.mockResolvedValue(fail(404, 'not_found'))
    document.body.innerHTML = ''
  })

  it('asks before a half-built contract is left', async () => {
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/app/contracts/new', component: NewContractPage },
        { path: '/:any(.*)', component: Blank },
      ],
    })
    setActivePinia(createPinia())
    signIn()
    await router.push('/app/contracts/new')
    const w = mount({ template: '<RouterView />' }, { attachTo: document.body, global: { plugins: [i18nFor('zh-CN'), router] } })
    await flushPromises()
    // Nothing entered yet: leaving is free.
    await router.push('/app/templates')
    expect(router.currentRoute.value.path).toBe('/app/templates')
    await router.push('/app/contracts/new')
    await flushPromises()
    await w.get('input[data-testid="editor-title"]').setValue('采购合同')
    // Our company is not verified here: it cannot be added as a signer.
    expect(w.get('[data-testid="add-own"]').attributes('disabled')).toBeDefined()
    const leaving = router.push('/app/templates')
    await flushPromises()
    await new Promise((r) => setTimeout(r, 50))
    const box = document.querySelector('.el-message-box')
    expect(box?.textContent).toContain('合同尚未保存')
    const stay = [...(box?.querySelectorAll('button') ?? [])].find((b) => b.textContent?.trim() === '留在此页') as HTMLButtonElement
    stay.click()
    await leaving
    expect(router.currentRoute.value.path).toBe('/app/contracts/new')
  })
})
