import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import OrgLinkNotice from '../../src/signer/OrgLinkNotice.vue'
import { i18nFor } from './mount'
import { Blank, signIn } from '../onboarding/mount'

const props = { orgName: '闽江贸易有限公司', sender: '示例科技有限公司', title: '采购合同', partyId: 'party-9', uscc: '91350100M000100Y43' }

async function render(signedIn = false) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/s/:token', component: Blank },
      { path: '/signup', component: Blank },
      { path: '/login', component: Blank },
      { path: '/app/identity/organisation', component: Blank },
    ],
  })
  await router.push('/s/tok')
  setActivePinia(createPinia())
  if (signedIn) signIn()
  const w = mount(OrgLinkNotice, { props, global: { plugins: [i18nFor('zh-CN'), router] } })
  return { w, router }
}

describe('OrgLinkNotice', () => {
  beforeEach(() => localStorage.clear())

  it('names the company, its credit code, the sender and the contract, under one heading', async () => {
    const { w } = await render()
    expect(w.findAll('h1')).toHaveLength(1)
    expect(w.get('h1').text()).toContain('闽江贸易有限公司')
    expect(w.text()).toContain('示例科技有限公司')
    expect(w.text()).toContain('《采购合同》')
    expect(w.get('[data-testid="org-uscc"]').text()).toBe('91350100M000100Y43')
    expect(w.find('[data-testid="org-continue"]').exists()).toBe(false)
  })

  it('signs up in the app, carrying the company, its code and the contract to come back to', async () => {
    const { w, router } = await render()
    const a = w.get('[data-testid="org-signup"]')
    expect(a.text()).toContain('为「闽江贸易有限公司」注册账号')
    await a.trigger('click', { button: 0 })
    await flushPromises()
    expect(router.currentRoute.value.path).toBe('/signup')
    expect(router.currentRoute.value.query).toEqual({ org: '闽江贸易有限公司', uscc: '91350100M000100Y43', next: '/app/inbox/party-9' })
  })

  it('logs members in with the contract as next', async () => {
    const { w, router } = await render()
    expect(w.get('[data-testid="org-login"]').attributes('href')).toBe('/login?next=/app/inbox/party-9')
    await w.get('[data-testid="org-login"]').trigger('click', { button: 0 })
    await flushPromises()
    expect(router.currentRoute.value.fullPath).toBe('/login?next=/app/inbox/party-9')
  })

  it('lets a member who is signed in already carry on with the verification', async () => {
    const { w } = await render(true)
    expect(w.get('[data-testid="org-continue-option"]').text()).toContain('陈静')
    const url = new URL(w.get('[data-testid="org-continue"]').attributes('href')!, 'http://x')
    expect(url.pathname).toBe('/app/identity/organisation')
    expect(Object.fromEntries(url.searchParams)).toEqual({ name: '闽江贸易有限公司', uscc: '91350100M000100Y43', next: '/app/inbox/party-9' })
  })
})
