import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import VerifyReport from '../../src/components/VerifyReport.vue'
import { archivedReport, tamperedReport, unsignedReport, validReport } from './fixtures'
import { i18nFor } from './mount'
import type { VerificationReport } from '../../src/composables/useVerify'

function render(report: VerificationReport, locale: 'zh-CN' | 'en' = 'zh-CN') {
  return mount(VerifyReport, { props: { report }, global: { plugins: [i18nFor(locale)] } })
}

describe('VerifyReport', () => {
  it('shows a valid report: verdict, counts, a card per signature, a row per check', () => {
    const w = render(validReport)
    const verdict = w.get('[data-testid="verdict"]')
    expect(verdict.attributes('data-verdict')).toBe('valid')
    expect(verdict.get('h2').text()).toBe('签名有效')
    expect(verdict.text()).toContain('共 2 个签名：2 个有效，0 个无效')

    const cards = w.findAll('[data-testid="signature-card"]')
    expect(cards).toHaveLength(2)
    // The card names the signer by the certificate's CN, and the seal.
    expect(cards[0].get('h3').text()).toBe('签名 1：示例科技有限公司')
    expect(cards[0].text()).toContain('示例科技有限公司合同专用章')
    expect(cards[0].text()).toContain('可信时间戳')
    expect(cards[1].get('h3').text()).toBe('签名 2：王五')

    const rows = cards[0].findAll('[data-testid="check-row"]')
    expect(rows.map((r) => r.attributes('data-check'))).toEqual(['signer', 'certificate', 'revocation', 'integrity', 'changes', 'seal', 'timestamp', 'longterm'])
    expect(rows.every((r) => r.attributes('data-status') === 'pass')).toBe(true)
    // Translated title, a badge with text (not colour alone), the English detail.
    const integrity = rows[3]
    expect(integrity.text()).toContain('文档完整性')
    expect(integrity.text()).toContain('通过')
    expect(integrity.get('[lang="en"]').text()).toBe('the signed digest matches bytes 0–69121 of 69999')
    expect(rows[4].text()).toContain('签署后文档未被修改。')

    const seal2 = cards[1].get('[data-check="seal"]')
    expect(seal2.attributes('data-status')).toBe('n/a')
    expect(seal2.text()).toContain('不适用')
    expect(cards[1].get('[data-check="changes"]').text()).toContain('签署后只追加了其他签名。')
  })

  it('shows the PAdES level and heads a document time-stamp as the TSA\'s, not a signature', () => {
    const w = render(archivedReport)
    const cards = w.findAll('[data-testid="signature-card"]')
    expect(cards).toHaveLength(2)
    expect(cards[0].get('[data-testid="pades-level"]').text()).toContain('PAdES B-LTA')
    expect(cards[0].get('[data-testid="pades-level"]').text()).toContain('证书过期后仍可核验')
    expect(cards[0].get('[data-check="longterm"]').text()).toContain('长期验证')
    expect(cards[1].get('h3').text()).toBe('文档时间戳 2：Signet Platform TSA')
    expect(cards[1].find('[data-testid="pades-level"]').exists()).toBe(false)
    expect(cards[1].get('[data-check="changes"]').text()).toContain('签署后只追加了长期验证数据')
    const en = render(archivedReport, 'en').findAll('[data-testid="signature-card"]')
    expect(en[1].get('h3').text()).toBe('Document time-stamp 2: Signet Platform TSA')
    expect(en[0].get('[data-testid="pades-level"]').text()).toContain('verifiable after the certificates expire')
  })

  it('shows an invalid report with the failing integrity and changes rows and their reasons', () => {
    const w = render(tamperedReport, 'en')
    const verdict = w.get('[data-testid="verdict"]')
    expect(verdict.attributes('data-verdict')).toBe('invalid')
    expect(verdict.text()).toContain('Signatures not valid')
    expect(verdict.text()).toContain('1 signature: 0 valid, 1 not valid')

    const card = w.get('[data-testid="signature-card"]')
    expect(card.text()).toContain('Not valid')
    const failed = card.findAll('[data-status="fail"]')
    expect(failed.map((r) => r.attributes('data-check'))).toEqual(['integrity', 'changes'])
    expect(failed[0].text()).toContain('Document integrity')
    expect(failed[0].text()).toContain('Fail')
    expect(failed[0].text()).toContain('the signed digest does not match the document')
    expect(failed[1].text()).toContain('Changes after signing')
    expect(failed[1].text()).toContain('page 1 content changed')
    // The problem is already explained by the rows, so it is not repeated.
    expect(card.text()).not.toContain('Reason:')
  })

  it('shows an unsigned report without cards', () => {
    const w = render(unsignedReport)
    const verdict = w.get('[data-testid="verdict"]')
    expect(verdict.attributes('data-verdict')).toBe('unsigned')
    expect(verdict.text()).toContain('未签名')
    expect(verdict.text()).toContain('不含电子签名')
    expect(w.findAll('[data-testid="signature-card"]')).toHaveLength(0)
  })

  it('shows a check it does not know by its id, and a problem no row explains', () => {
    const w = render({
      verdict: 'invalid',
      sm3: '',
      signatures: [{ ...validReport.signatures[0], valid: false, problem: 'something new', checks: [{ id: 'quantum', status: 'pass', detail: 'ok' }] }],
    })
    expect(w.get('[data-check="quantum"]').text()).toContain('quantum')
    expect(w.text()).toContain('something new')
  })
})
