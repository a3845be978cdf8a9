import { beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, RouterLinkStub } from '@vue/test-utils'
import VerifyPage from '../../src/verify/VerifyPage.vue'
import { flush, i18nFor } from './mount'
import { unsignedReport } from './fixtures'

const { postBinary, push } = vi.hoisted(() => ({ postBinary: vi.fn(), push: vi.fn() }))
vi.mock('../../src/api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/api/client')>()
  return { ...real, postBinary }
})
vi.mock('vue-router', async (importOriginal) => ({ ...(await importOriginal<typeof import('vue-router')>()), useRouter: () => ({ push }) }))

function render() {
  return mount(VerifyPage, { global: { plugins: [i18nFor('zh-CN')], stubs: { RouterLink: RouterLinkStub } }, attachTo: document.body })
}

describe('VerifyPage (/verify)', () => {
  beforeEach(() => {
    postBinary.mockReset()
    push.mockReset()
  })

  it('checks a file dropped on the zone and focuses the verdict', async () => {
    postBinary.mockResolvedValue(unsignedReport)
    const w = render()
    const drop = w.get('[data-testid="verify-drop"]')
    const file = new File([new TextEncoder().encode('%PDF-1.4')], 'plain.pdf', { type: 'application/pdf' })
    await drop.trigger('dragenter')
    expect(drop.text()).toContain('松开鼠标即开始核验')
    await drop.trigger('drop', { dataTransfer: { files: [file] } })
    await flush()
    expect(postBinary).toHaveBeenCalledWith('/api/verify', file, 'application/pdf')
    const verdict = w.get('[data-testid="verdict"]')
    expect(verdict.attributes('data-verdict')).toBe('unsigned')
    expect(document.activeElement).toBe(verdict.get('h2').element)
    expect(w.text()).toContain('已选择 plain.pdf')
    expect(w.text()).toContain('本文件 SM3 摘要')
    expect(w.text()).toContain(unsignedReport.sm3)
    w.unmount()
  })

  it('sends an OFD (a zip package) as application/ofd', async () => {
    postBinary.mockResolvedValue(unsignedReport)
    const w = render()
    const file = new File([new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00])], 'invoice.ofd')
    await w.get('[data-testid="verify-drop"]').trigger('drop', { dataTransfer: { files: [file] } })
    await flush()
    expect(postBinary).toHaveBeenCalledWith('/api/verify', file, 'application/ofd')
    w.unmount()
  })

  it('labels the file input and opens a record by code', async () => {
    const w = render()
    const input = w.get('[data-testid="verify-file"]')
    const label = w.get(`label[for="${input.attributes('id')}"]`)
    expect(label.text()).toContain('选择 PDF 或 OFD 文件')
    await w.get('#verify-code-input').setValue(' ab12 cd34ef ')
    await w.get('form').trigger('submit')
    expect(push).toHaveBeenCalledWith({ name: 'verify-code', params: { code: 'AB12CD34EF' } })
    w.unmount()
  })
})
