// Mounting the account screens: the real messages, a memory router with
// the pages they go to, Pinia with a signed-in member of a given role.
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import type { Component } from 'vue'
import { i18nFor } from '../../verify/mount'
import { useSession } from '../../../src/stores/session'

const Blank = { template: '<div />' }

export const ok = (data: unknown, status = 200) => ({ data, response: new Response(null, { status }) })
export const fail = (status: number, problem: Record<string, unknown>) => ({
  error: { status, ...problem },
  response: new Response(null, { status }),
})

export async function render(page: Component, path: string, role = 'owner') {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/login', name: 'login', component: Blank },
      { path: '/app', component: Blank },
      { path: '/app/contracts', component: Blank },
      { path: '/app/identity/organisation', component: Blank },
      { path: path.split('?')[0], component: page },
      { path: '/:rest(.*)*', component: Blank },
    ],
  })
  await router.push(path)
  const pinia = createPinia()
  setActivePinia(pinia)
  if (role) {
    useSession().profile = {
      person: { id: 'p-me', email: 'me@example.com', name: '郑明' },
      tenant: { id: 't1', name: '榕城数据', status: 'active', signature_algorithm: 'sm2', sms_signature: '', default_language: 'zh-CN', created_at: '2025-01-01T00:00:00Z' },
      role,
    }
  }
  const w = mount(page, { global: { plugins: [i18nFor('zh-CN'), router, pinia] }, attachTo: document.body })
  return { w, router }
}
