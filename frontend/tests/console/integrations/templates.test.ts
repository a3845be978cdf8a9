import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, type VueWrapper } from '@vue/test-utils'
import TemplatesPage from '../../../src/console/integrations/TemplatesPage.vue'
import NewTemplatePage from '../../../src/console/integrations/NewTemplatePage.vue'
import TemplatePage from '../../../src/console/integrations/TemplatePage.vue'
import { csvHeader, csvLine } from '../../../src/console/integrations/helpers'
import { fail, ok, render } from './mount'

const { GET, POST } = vi.hoisted(() => ({ GET: vi.fn(), POST: vi.fn() }))
vi.mock('../../../src/api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/api/client')>()
  return { ...real, api: { GET, POST, use: vi.fn() } }
})

const field = (kind: string, page = 1, x = 80, y = 120) => ({
  kind, document: 0, page, x, y,
})
const template = {
  id: 'tp1',
  name: '采购合同模板',
  pages: 3,
  document_sm3: 'ab',
  created_at: '2025-03-01T08:00:00Z',
  spec: {
    fill: [
      { name: '金额', kind: 'text', page: 1, x: 400, y: 740, required: true },
      { name: '交付日期', kind: 'date', page: 1, x: 400, y: 700 },
    ],
    roles: [
      { name: '甲方', kind: 'organization', order: 1, fields: [field('seal')] },
      { name: '乙方', kind: 'person', order: 2, fields: [field('signature', 1, 330)] },
    ],
  },
}

async function fillInput(w: VueWrapper, selector: string, value: string) {
  await w.get(selector).setValue(value)
}

describe('the CSV header', () => {
  it('names the title, each fill field and each role’s columns', () => {
    expect(csvHeader(template.spec)).toEqual([
      'title', '金额', '交付日期', '甲方.org_name', '甲方.org_uscc', '甲方.name', '甲方.mobile', '乙方.name', '乙方.mobile',
    ])
    expect(csvLine(['a', 'b,c', 'say "hi"'])).toBe('a,"b,c","say ""hi"""')
  })
})

describe('TemplatesPage', () => {
  beforeEach(() => GET.mockReset())

  it('lists the templates with a link to use each', async () => {
    GET.mockResolvedValue(ok([template]))
    const { w } = await render(TemplatesPage, '/app/templates')
    await flushPromises()
    expect(GET).toHaveBeenCalledWith('/api/templates')
    const rows = w.findAll('[data-testid="template-row"]')
    expect(rows).toHaveLength(1)
    expect(rows[0].text()).toContain('采购合同模板')
    expect(rows[0].text()).toContain('甲方、乙方')
    expect(rows[0].get('[data-testid="template-open"]').attributes('href')).toBe('/app/templates/tp1')
  })

  it('says when there are none, and shows a failure', async () => {
    GET.mockResolvedValueOnce(ok([]))
    const { w } = await render(TemplatesPage, '/app/templates')
    await flushPromises()
    expect(w.get('[data-testid="templates-empty"]').text()).toContain('还没有模板')
    w.unmount()
    GET.mockResolvedValueOnce(fail(503, { code: 'database_unavailable' }))
    const again = await render(TemplatesPage, '/app/templates')
    await flushPromises()
    expect(again.w.text()).toContain('数据库暂不可用')
  })
})

describe('NewTemplatePage', () => {
  beforeEach(() => POST.mockReset())

  async function filled() {
    const r = await render(NewTemplatePage, '/app/templates/new')
    await fillInput(r.w, '[data-testid="template-name"]', '采购合同模板')
    const file = new File(['%PDF-1.7'], '合同.pdf', { type: 'application/pdf' })
    const input = r.w.get('[data-testid="template-file"]')
    Object.defineProperty(input.element, 'files', { value: [file] })
    await input.trigger('change')
    await fillInput(r.w, '[data-testid="fill-name"]', '金额')
    await fillInput(r.w, '[data-testid="role-name"]', '甲方')
    return r
  }

  it('checks the form before anything is sent', async () => {
    const { w } = await render(NewTemplatePage, '/app/templates/new')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(POST).not.toHaveBeenCalled()
    expect(w.get('[data-testid="template-error"]').text()).toContain('请检查')
    expect(w.text()).toContain('请填写模板名称')
    expect(w.text()).toContain('请选择 PDF 文件')
  })

  it('sends the PDF with its spec and opens the new template', async () => {
    POST.mockResolvedValue(ok({ ...template, id: 'new1' }, 201))
    const { w, router } = await filled()
    await w.get('form').trigger('submit')
    await flushPromises()
    const [path, opts] = POST.mock.calls[0]
    expect(path).toBe('/api/templates')
    const form = opts.body as FormData
    expect(form.get('name')).toBe('采购合同模板')
    expect((form.get('file') as File).name).toBe('合同.pdf')
    const spec = JSON.parse(form.get('spec') as string)
    expect(spec.fill).toEqual([{ name: '金额', kind: 'text', page: 1, x: 72, y: 700, font_size: 12, required: true }])
    expect(spec.roles).toHaveLength(1)
    expect(spec.roles[0]).toMatchObject({ name: '甲方', kind: 'organization', order: 1 })
    expect(spec.roles[0].fields[0]).toMatchObject({ kind: 'seal', page: 1, x: 80, y: 120 })
    expect(router.currentRoute.value.path).toBe('/app/templates/new1')
  })

  it('puts the server’s field errors on their rows', async () => {
    POST.mockResolvedValue(fail(422, { code: 'validation_failed', errors: [
      { field: 'fill[0].position', code: 'off_page', message: 'must lie on the page' },
      { field: 'roles[0].fields[0].page', code: 'out_of_range', message: 'must be a page of the document' },
    ] }))
    const { w } = await filled()
    await w.get('form').trigger('submit')
    await flushPromises()
    const errs = w.findAll('[data-testid="field-error"]').map((e) => e.text())
    expect(errs).toContain('位置：位置超出页面范围')
    expect(errs).toContain('控件页码：超出允许范围')
    const name = w.get('[data-testid="fill-name"]')
    expect(name.attributes('aria-invalid')).toBe('true')
    expect(name.attributes('aria-describedby')).toBe('fill-0-error')
  })
})

describe('TemplatePage', () => {
  beforeEach(() => {
    GET.mockReset()
    POST.mockReset()
    GET.mockResolvedValue(ok(template))
  })

  const open = () => render(TemplatePage, '/app/templates/tp1', '/app/templates/:templateID', { templateID: 'tp1' })

  it('sends a contract with the values and a party per role', async () => {
    POST.mockResolvedValue(ok({ id: 'k1', title: '采购合同模板', documents: [], parties: [] }, 201))
    const { w } = await open()
    await flushPromises()
    await fillInput(w, '[data-testid="send-value-金额"]', '5万元')
    const [buyer, seller] = w.findAll('[data-testid="send-party"]')
    await buyer.get('[data-testid="send-party-org_name"]').setValue('闽江贸易有限公司')
    await buyer.get('[data-testid="send-party-org_uscc"]').setValue('91350100m000100y43')
    await buyer.get('[data-testid="send-party-name"]').setValue('陈静')
    await buyer.get('[data-testid="send-party-mobile"]').setValue('13800000009')
    await seller.get('[data-testid="send-party-name"]').setValue('王五')
    await seller.get('[data-testid="send-party-mobile"]').setValue('13800000002')
    expect(seller.find('[data-testid="send-party-org_name"]').exists()).toBe(false)
    await w.get('[data-testid="send-form"]').trigger('submit')
    await flushPromises()
    expect(POST).toHaveBeenCalledWith('/api/templates/{templateID}/contracts', {
      params: { path: { templateID: 'tp1' } },
      body: {
        title: undefined,
        deadline_days: undefined,
        values: { 金额: '5万元' },
        parties: {
          甲方: { name: '陈静', mobile: '13800000009', org_name: '闽江贸易有限公司', org_uscc: '91350100M000100Y43' },
          乙方: { name: '王五', mobile: '13800000002' },
        },
        send: true,
      },
    })
    expect(w.get('[data-testid="send-contract-link"]').attributes('href')).toBe('/app/contracts/k1')
  })

  it('shows a refused send’s errors at the value and the party', async () => {
    POST.mockResolvedValue(fail(422, { code: 'validation_failed', errors: [
      { field: 'values.金额', code: 'required', message: 'is required' },
      { field: 'parties[1].mobile', code: 'invalid', message: 'not a mobile number' },
    ] }))
    const { w } = await open()
    await flushPromises()
    await w.get('[data-testid="send-form"]').trigger('submit')
    await flushPromises()
    expect(w.find('[data-testid="send-error"]').exists()).toBe(true)
    expect(w.get('#send-value-0-error').text()).toBe('此项必填')
    expect(w.get('#send-1-mobile-error').text()).toBe('格式不正确')
    expect(w.find('#send-0-mobile-error').exists()).toBe(false)
  })

  it('sends a CSV and lists each row’s outcome', async () => {
    POST.mockResolvedValue(ok({ created: 1, failed: 2, rows: [
      { row: 2, contract_id: 'k2' },
      { row: 3, errors: [{ field: 'parties[1].mobile', code: 'invalid', message: 'bad' }] },
      { row: 4, error: 'unreadable row: wrong number of fields' },
    ] }))
    const { w } = await open()
    await flushPromises()
    const csv = 'title,金额\n一,1\n二,2\n三,3\n'
    const file = new File([csv], 'bulk.csv', { type: 'text/csv' })
    const input = w.get('[data-testid="bulk-file"]')
    Object.defineProperty(input.element, 'files', { value: [file] })
    await input.trigger('change')
    await w.get('[data-testid="bulk-submit"]').trigger('submit')
    await flushPromises()
    await flushPromises()
    const [path, opts] = POST.mock.calls[0]
    expect(path).toBe('/api/templates/{templateID}/bulk-send')
    expect(opts.body).toBe(csv)
    expect(opts.headers['Content-Type']).toMatch(/^text\/csv/)
    expect(opts.bodySerializer(csv)).toBe(csv)
    expect(w.get('[data-testid="bulk-summary"]').text()).toContain('已发送 1 份，失败 2 行')
    const rows = w.findAll('[data-testid="bulk-row"]')
    expect(rows.map((r) => r.attributes('data-ok'))).toEqual(['true', 'false', 'false'])
    expect(rows[0].get('[data-testid="bulk-contract-link"]').attributes('href')).toBe('/app/contracts/k2')
    expect(rows[1].get('[data-testid="bulk-row-error"]').text()).toBe('乙方.mobile：格式不正确')
    expect(rows[2].get('[data-testid="bulk-row-error"]').text()).toContain('wrong number of fields')
  })

  it('refuses a CSV without rows before sending it', async () => {
    const { w } = await open()
    await flushPromises()
    const input = w.get('[data-testid="bulk-file"]')
    Object.defineProperty(input.element, 'files', { value: [new File(['title\n'], 'x.csv', { type: 'text/csv' })] })
    await input.trigger('change')
    await w.get('[data-testid="bulk-submit"]').trigger('submit')
    await flushPromises()
    expect(POST).not.toHaveBeenCalled()
    expect(w.get('#bulk-file-error').text()).toBe('CSV 中没有数据行')
  })
})
