import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { ApiError, problemMessage } from '../../src/api/errors'
import WillingnessStep from '../../src/signer/WillingnessStep.vue'
import { flush, i18nFor } from './mount'

function sentence(problem: ConstructorParameters<typeof ApiError>[0], locale: 'zh-CN' | 'en' = 'zh-CN') {
  const { t, te } = i18nFor(locale).global
  return problemMessage(new ApiError(problem), t, te)
}

describe('API errors on the signing screens', () => {
  it('a wrong code says how many tries are left', () => {
    expect(sentence({ status: 422, code: 'otp_mismatch', tries_left: 2 })).toBe('验证码错误，还可以再试 2 次')
    expect(sentence({ status: 422, code: 'otp_mismatch', tries_left: 2 }, 'en')).toBe('The code is wrong; 2 tries left')
    expect(sentence({ status: 422, code: 'otp_mismatch' })).toBe('验证码错误')
  })

  it.each([
    ['otp_expired', 422, '验证码已失效，请重新获取'],
    ['otp_exhausted', 422, '错误次数过多，请重新获取验证码'],
    ['rate_limited', 429, '操作过于频繁，请稍后再试'],
    ['otp_number_limit', 429, '该手机号今日获取验证码次数已达上限'],
    ['not_your_turn', 409, '还未轮到您签署，请等待前序签署方完成'],
    ['pin_wrong', 422, '印章密码错误'],
    ['documents_missing', 409, '请先上传身份证正反面照片'],
  ])('%s is a sentence', (code, status, text) => {
    expect(sentence({ status, code })).toBe(text)
  })

  it('the willingness step shows the sentence where the test looks for it, and clears a spent code', async () => {
    let fail: ApiError = new ApiError({ status: 422, code: 'otp_mismatch', tries_left: 4 })
    const api = {
      requestCode: async () => ({ retry_after: new Date(Date.now() + 60_000).toISOString() }),
      sign: async () => {
        throw fail
      },
    }
    const w = mount(WillingnessStep, {
      props: { api, mobile: '138****5678', title: '租赁合同', png: 'iVBORw0KGgo=' },
      attachTo: document.body,
      global: { plugins: [i18nFor('zh-CN')] },
    })
    await w.get('[data-testid="request-code"]').trigger('click')
    await flush()
    expect(w.text()).toContain('验证码已发送至 138****5678')
    const resend = w.get('[data-testid="resend-code"]')
    expect(resend.attributes('disabled')).toBeDefined()
    expect(resend.text()).toMatch(/^(59|60) 秒后可重新发送$/)

    await w.get('[data-testid="otp-input"] input').setValue('123456')
    await w.get('form').trigger('submit')
    await flush()
    expect(w.get('[data-testid="error-message"]').text()).toBe('验证码错误，还可以再试 4 次')
    expect((w.get('[data-testid="otp-input"] input').element as HTMLInputElement).value).toBe('1')

    fail = new ApiError({ status: 422, code: 'otp_expired' })
    await w.get('form').trigger('submit')
    await flush()
    expect(w.get('[data-testid="error-message"]').text()).toBe('验证码已失效，请重新获取')
    expect((w.get('[data-testid="otp-input"] input').element as HTMLInputElement).value).toBe('')
    expect(w.emitted('signed')).toBeUndefined()
    w.unmount()
  })
})
