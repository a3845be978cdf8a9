// Mounting the seal screens: the real messages, a memory router with the
// seal routes, Pinia with a signed-in member of a given role, and object
// URLs that happy-dom would otherwise not make.
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { vi, type Mock } from 'vitest'
import type { Component } from 'vue'
import { i18nFor } from '../../verify/mount'
import { useSession } from '../../../src/stores/session'

const Blank = { template: '<div data-testid="blank" />' }

export const ok = (data: unknown, status = 200, headers: Record<string, string> = {}) => ({
  data,
  response: new Response(null, { status, headers }),
})
export const fail = (status: number, problem: Record<string, unknown>) => ({
  error: { status, ...problem },
  response: new Response(null, { status }),
})
export const png = (w = 42, h = 42) => ok(new Blob(['png']), 200, { 'X-Seal-Width-MM': String(w), 'X-Seal-Height-MM': String(h) })

export function seal(id: string, over: Record<string, unknown> = {}) {
  return {
    id, kind: 'official', style: 'round', name: '榕城数据有限公司', purpose: '', state: 'active', width_mm: 42, height_mm: 42,
    color: 'red', image_sm3: 'ab', made: true, created_at: '2025-03-01T08:00:00Z', ...over,
  }
}

export const member = (id: string, name: string, role = 'member') => ({
  id, role, created_at: '2025-03-01T08:00:00Z', person: { id: 'p-' + id, email: `${id}@example.com`, name },
})

let urls = 0
export function stubObjectURLs() {
  const create = vi.fn(() => `blob:test/${++urls}`)
  const revoke = vi.fn()
  URL.createObjectURL = create as unknown as typeof URL.createObjectURL
  URL.revokeObjectURL = revoke as unknown as typeof URL.revokeObjectURL
  return { create, revoke }
}

// routeBy answers the mocked client by path, in the way each test says.
export function routeBy(fn: Mock, table: Record<string, unknown | ((opts: unknown) => unknown)>) {
  fn.mockImplementation((path: string, opts: unknown) => {
    const v = table[path]
    if (v === undefined) return Promise.resolve(fail(404, { code: 'not_found' }))
    return Promise.resolve(typeof v === 'function' ? (v as (o: unknown) => unknown)(opts) : v)
  })
}

// Mounted pages are attached to the document (dialogs need it); unmount
// them all between tests so that none lingers in the next one.
const mounted: { unmount(): void }[] = []
export function unmountAll() {
  for (const w of mounted.splice(0)) w.unmount()
  document.body.innerHTML = ''
}

export async function render(page: Component, path: string, pattern: string, role = 'owner') {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/login', name: 'login', component: Blank },
      { path: pattern, component: page, props: true },
      { path: '/app/seals', component: Blank },
      { path: '/app/seals/:sealID', component: Blank },
      { path: '/:rest(.*)*', component: Blank },
    ],
  })
  await router.push(path)
  const pinia = createPinia()
  setActivePinia(pinia)
  useSession().profile = {
    person: { id: 'p-me', email: 'me@example.com', name: '郑明' },
    tenant: { id: 't1', name: '榕城数据有限公司', status: 'active', signature_algorithm: 'sm2', sms_signature: '', default_language: 'zh-CN', created_at: '2025-01-01T00:00:00Z' },
    role,
  }
  // The route's params are the page's props, as the app's routes pass them.
  const props = { ...router.currentRoute.value.params }
  const w = mount(page, { props, global: { plugins: [i18nFor('zh-CN'), router, pinia] }, attachTo: document.body })
  mounted.push(w)
  return { w, router }
}
