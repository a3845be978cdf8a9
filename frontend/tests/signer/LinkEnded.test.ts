import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import LinkEnded from '../../src/signer/LinkEnded.vue'
import { i18nFor } from './mount'

function render(state: string, locale: 'zh-CN' | 'en' = 'zh-CN', canSignIn = false) {
  return mount(LinkEnded, {
    props: { state, sender: '示例科技有限公司', title: '租赁合同', canSignIn },
    global: { plugins: [i18nFor(locale)] },
  })
}

describe('LinkEnded', () => {
  it.each([
    ['expired', '签署链接已过期', '已超过签署期限'],
    ['revoked', '签署已撤销', '示例科技有限公司已撤销《租赁合同》的签署'],
    ['rejected', '合同已被拒签', '《租赁合同》已有签署方拒签'],
    ['completed', '合同已签署完成', '所有签署方均已完成签署'],
    ['invalid', '签署链接无效', '联系给您发送合同的一方'],
  ])('says which: %s', (state, heading, body) => {
    const w = render(state)
    const page = w.get('[data-testid="link-state"]')
    expect(page.attributes('data-state')).toBe(state)
    expect(w.get('h1').text()).toBe(heading)
    expect(w.text()).toContain(body)
    expect(w.text()).not.toContain('{')
  })

  it('names the sender to contact, except on a completed contract', () => {
    for (const s of ['expired', 'revoked', 'rejected']) expect(render(s).text()).toContain('请联系发起方：示例科技有限公司')
    expect(render('completed').text()).not.toContain('请联系发起方')
  })

  it('speaks English too', () => {
    const w = render('expired', 'en')
    expect(w.get('h1').text()).toBe('This signing link has expired')
    expect(w.text()).toContain('ask 示例科技有限公司 to extend it')
  })

  it('offers sign-in to download only on a completed contract', async () => {
    const done = render('completed', 'zh-CN', true)
    const button = done.get('button')
    expect(button.text()).toBe('登录并下载合同')
    await button.trigger('click')
    expect(done.emitted('sign-in')).toHaveLength(1)
    expect(render('expired', 'zh-CN', true).find('button').exists()).toBe(false)
  })

  it('treats an unknown state as an invalid link', () => {
    const w = render('something-else')
    expect(w.get('h1').text()).toBe('签署链接无效')
  })
})
