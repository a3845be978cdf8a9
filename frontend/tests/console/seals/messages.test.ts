import { describe, expect, it } from 'vitest'
import { designErrors, designField } from '../../../src/console/seals/messages'
import { i18nFor } from '../../verify/mount'

// The renderer's reasons, as seals/render words them.
describe('designField', () => {
  it.each([
    ['invalid seal: security code "A-1" contains \'-\' (want letters and digits)', 'code'],
    ['invalid seal: security code has 21 characters (want at most 20)', 'code'],
    ['invalid seal: round seal diameter 41 mm (want 38, 40 or 42)', 'size_mm'],
    ['invalid seal: oval width 50 mm (want 45 or 40)', 'size_mm'],
    ['invalid seal: name seal size 15 mm (want 16, 18 or 20)', 'size_mm'],
    ['invalid seal: colour "green" (want red, blue, black or purple)', 'color'],
    ['invalid seal: text "合同专用章合同专用章合" has 11 characters (want 1 to 10)', 'text'],
    ['invalid seal: name "示" has 1 characters (want 2 to 30)', 'name'],
    ['invalid seal: something new', 'design'],
  ])('%s → %s', (message, field) => {
    expect(designField(message).field).toBe(field)
  })

  it('names a character the font lacks', () => {
    expect(designField("invalid seal: font has no glyph for '𠀀'")).toEqual({ field: 'design', key: 'seals.new.errors.glyph', ch: '𠀀' })
  })
})

describe('designErrors', () => {
  const { t, te } = i18nFor('zh-CN').global
  const problem = (errors: unknown[]) => ({ status: 422, code: 'validation_failed', errors })

  it('puts each refusal by its control, in the user’s language', () => {
    const out = designErrors(
      problem([
        { field: 'design', code: 'invalid', message: 'invalid seal: name "示" has 1 characters (want 2 to 30)' },
        { field: 'purpose', code: 'too_long', message: 'too long' },
      ]),
      t,
      te,
    )
    expect(out).toEqual({ name: '名称需为 2–30 个字，不能有空格', purpose: '内容过长' })
  })

  it('words a personal name and the verified-name rule for a person', () => {
    expect(designErrors(problem([{ field: 'design', code: 'invalid', message: 'invalid seal: name "王" has 1 characters (want 2 to 4)' }]), t, te, true).name)
      .toBe('姓名需为 2–4 个字（签名章最多 6 个字）')
    expect(designErrors(problem([{ field: 'name', code: 'not_verified_name', message: '' }]), t, te, true).name).toBe('个人印章必须使用您实名认证的姓名')
  })
})
