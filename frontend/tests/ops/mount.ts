// Mounting the operator console's screens: the real messages, a memory
// router, Pinia with a signed-in operator, attached to the document since
// dialogs are teleported to <body>.
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import type { Component } from 'vue'
import { i18nFor } from '../verify/mount'
import { useSession } from '../../src/stores/session'

const Blank = { template: '<div />' }

export const ok = (data: unknown, status = 200) => ({ data, response: new Response(null, { status }) })
export const fail = (status: number, problem: Record<string, unknown>) => ({
  error: { status, ...problem },
  response: new Response(null, { status }),
})

export async function render(page: Component, path: string, pattern = path, props: Record<string, unknown> = {}, locale: 'zh-CN' | 'en' = 'zh-CN') {
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
  useSession().profile = { person: { id: 'p-ops', email: 'ops@signet.test', name: 'Ops', operator: true } }
  const w = mount(page, { props, global: { plugins: [i18nFor(locale), router, pinia] }, attachTo: document.body })
  await flushPromises()
  return { w, router }
}

// one is the single element with data-testid id anywhere in the document.
export function one(id: string): HTMLElement {
  const all = Array.from(document.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)).filter((e) => e.isConnected)
  if (all.length === 0) throw new Error(`no [data-testid="${id}"] in the document`)
  return all[all.length - 1]
}

export const has = (id: string) => document.querySelectorAll(`[data-testid="${id}"]`).length > 0

export async function click(el: Element) {
  ;(el as HTMLElement).click()
  await flushPromises()
}

// type puts text into an input or textarea (el-input puts the test id on
// the control itself).
export async function type(id: string, text: string) {
  const el = one(id) as HTMLInputElement | HTMLTextAreaElement
  const input = el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' ? el : (el.querySelector('input, textarea') as HTMLInputElement)
  input.value = text
  input.dispatchEvent(new Event('input'))
  await flushPromises()
}
