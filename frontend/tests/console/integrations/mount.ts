// Mounting the integration screens: the real messages, a memory router
// with the pages they go to, and Pinia with a signed-in owner.
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

// render mounts page at path; pattern is its route (with :params).
export async function render(page: Component, path: string, pattern = path, props: Record<string, unknown> = {}) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/login', name: 'login', component: Blank },
      { path: pattern, component: page },
      { path: '/:rest(.*)*', component: Blank },
    ],
  })
  await router.push(path)
  const pinia = createPinia()
  setActivePinia(pinia)
  useSession().profile = {
    person: { id: 'p-me', email: 'me@example.com', name: '郑明' },
    tenant: { id: 't1', name: '榕城数据', status: 'active', signature_algorithm: 'sm2', sms_signature: '', default_language: 'zh-CN', created_at: '2025-01-01T00:00:00Z' },
    role: 'owner',
  }
  const w = mount(page, { props, global: { plugins: [i18nFor('zh-CN'), router, pinia] }, attachTo: document.body })
  return { w, router }
}

// byTestId finds every element with data-testid id in the whole document,
// since dialogs are teleported out of the component.
export const inDocument = (id: string) => Array.from(document.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`))
