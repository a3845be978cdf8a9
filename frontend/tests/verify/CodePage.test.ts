import { beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, RouterLinkStub } from '@vue/test-utils'
import CodePage from '../../src/verify/CodePage.vue'
import { flush, i18nFor } from './mount'
import { finalSM3, tamperedReport, validReport } from './fixtures'

const { GET, postBinary } = vi.hoisted(() => ({ GET: vi.fn(), postBinary: vi.fn() }))
vi.mock('../../src/api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/api/client')>()
  return { ...real, api: { GET }, postBinary }
})

const finalPDF = new TextEncoder().encode('%PDF-1.7 final copy')

const record = {
  code: 'AB12CD34EF',
  title: '采购合同 2025-001',
  state: 'completed',
  sent_at: '2025-03-01T07:00:00Z',
  ended_at: '2025-03-01T08:00:20Z',
  documents: [{ name: '采购合同.pdf', pages: 3, revision: 4, sm3: finalSM3.toUpperCase() }],
  signers: [
    { kind: 'organization', name: '示例科技有限公司', state: 'signed', signed_at: '2025-03-01T08:00:20Z' },
    { kind: 'person', name: '*五', state: 'signed', signed_at: '2025-03-01T07:30:00Z' },
  ],
}

const ok = (data: unknown) => ({ data, response: new Response(null, { status: 200 }) })
const problem = (status: number, code: string) => ({ error: { status, code }, response: new Response(null, { status }) })

function render(code = 'AB12CD34EF', locale: 'zh-CN' | 'en' = 'zh-CN') {
  return mount(CodePage, { props: { code }, global: { plugins: [i18nFor(locale)], stubs: { RouterLink: RouterLinkStub } } })
}

async function choose(w: ReturnType<typeof render>, bytes: Uint8Array<ArrayBuffer>, name = 'copy.pdf') {
  const input = w.get('[data-testid="verify-file"]')
  const file = new File([bytes], name, { type: 'application/pdf' })
  Object.defineProperty(input.element, 'files', { value: [file], configurable: true })
  await input.trigger('change')
  await flush()
}

describe('CodePage (/v/:code)', () => {
  beforeEach(() => {
    GET.mockReset()
    postBinary.mockReset()
  })

  it('shows the platform’s record of the code', async () => {
    GET.mockResolvedValue(ok(record))
    const w = render()
    await flush()
    expect(GET).toHaveBeenCalledWith('/api/verify/codes/{code}', { params: { path: { code: 'AB12CD34EF' } } })
    const rec = w.get('[data-testid="record"]')
    expect(rec.text()).toContain('采购合同 2025-001')
    expect(rec.text()).toContain('已完成')
    expect(rec.text()).toContain('示例科技有限公司')
    expect(rec.text()).toContain('*五')
    expect(rec.text()).toContain('企业')
    expect(rec.text()).toContain('已签署')
    expect(rec.text()).toContain('3 页')
    expect(rec.text()).toContain(record.documents[0].sm3)
    expect(w.get('h1').text()).toBe('合同核验')
  })

  it('says when no contract has the code', async () => {
    GET.mockResolvedValue(problem(404, 'not_found'))
    const w = render('NOPE000000')
    await flush()
    expect(w.find('[data-testid="record"]').exists()).toBe(false)
    expect(w.get('[role="alert"]').text()).toContain('找不到核验码 NOPE000000 对应的合同')
  })

  it('offers a retry when the record cannot be loaded', async () => {
    GET.mockResolvedValueOnce(problem(429, 'rate_limited')).mockResolvedValueOnce(ok(record))
    const w = render()
    await flush()
    expect(w.get('[role="alert"]').text()).toContain('操作过于频繁')
    await w.get('[role="alert"] button').trigger('click')
    await flush()
    expect(w.find('[data-testid="record"]').exists()).toBe(true)
  })

  it('checks a chosen copy: the report, and that it is the final version on record', async () => {
    GET.mockResolvedValue(ok(record))
    postBinary.mockResolvedValue(validReport)
    const w = render()
    await flush()
    await choose(w, finalPDF)
    expect(postBinary).toHaveBeenCalledWith('/api/verify', expect.any(File), 'application/pdf')
    expect(w.get('[data-testid="verdict"]').attributes('data-verdict')).toBe('valid')
    expect(w.findAll('[data-testid="signature-card"]')).toHaveLength(2)
    const cmp = w.get('[data-testid="sm3-compare"]')
    expect(cmp.attributes('data-match')).toBe('yes')
    expect(cmp.text()).toContain('与平台存档的《采购合同.pdf》最终版本逐字节一致')
  })

  it('says a copy that differs from the record is not the final version', async () => {
    GET.mockResolvedValue(ok(record))
    postBinary.mockResolvedValue(tamperedReport)
    const w = render('AB12CD34EF', 'en')
    await flush()
    await choose(w, new TextEncoder().encode('%PDF-1.7 altered copy'))
    expect(w.get('[data-testid="verdict"]').attributes('data-verdict')).toBe('invalid')
    const cmp = w.get('[data-testid="sm3-compare"]')
    expect(cmp.attributes('data-match')).toBe('no')
    expect(cmp.text()).toContain('Matches no file on record')
  })

  it('shows why a file could not be checked', async () => {
    GET.mockResolvedValue(ok(record))
    const { ApiError } = await import('../../src/api/errors')
    postBinary.mockRejectedValue(new ApiError({ status: 422, code: 'not_a_pdf' }))
    const w = render()
    await flush()
    await choose(w, new TextEncoder().encode('hello'), 'notes.txt')
    expect(w.get('.check [role="alert"]').text()).toBe('该文件不是可读取的 PDF')
    expect(w.find('[data-testid="verdict"]').exists()).toBe(false)
  })
})
