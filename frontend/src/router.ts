import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { tokens } from './api/tokens'
import { loadDesk } from './i18n'
import { routes as contractRoutes } from './console/contracts/routes'
import { routes as sealRoutes } from './console/seals/routes'
import { routes as accountRoutes } from './console/account/routes'
import { routes as evidenceRoutes } from './console/evidence/routes'
import { routes as integrationRoutes } from './console/integrations/routes'
import { routes as opsRoutes } from './ops/routes'

// Every screen is its own chunk, so the signing link loads only what the
// signer's phone needs (pdf.js comes later still, from the viewer). Each
// console area lists its routes in its own routes.ts; meta.auth says who
// may open a screen ('member' of a company, or 'operator' of the
// platform), and the guard below sends everyone else to log in.
const routes: RouteRecordRaw[] = [
  { path: '/', name: 'home', component: () => import('./home/HomePage.vue') },
  { path: '/s/:token', name: 'sign', component: () => import('./signer/SignPage.vue'), props: true },
  { path: '/v/:code', name: 'verify-code', component: () => import('./verify/CodePage.vue'), props: true },
  { path: '/verify', name: 'verify', component: () => import('./verify/VerifyPage.vue') },
  { path: '/login', name: 'login', component: () => import('./inbox/LoginPage.vue') },
  { path: '/signup', name: 'signup', component: () => import('./onboarding/SignupPage.vue') },
  { path: '/app', redirect: '/app/contracts' },
  { path: '/app/inbox', name: 'inbox', component: () => import('./inbox/InboxPage.vue'), meta: { auth: 'member' } },
  { path: '/app/identity/organisation', name: 'org-verify', component: () => import('./onboarding/OrgVerifyPage.vue'), meta: { auth: 'member' } },
  { path: '/app/inbox/:partyID', name: 'inbox-sign', component: () => import('./inbox/InboxSignPage.vue'), props: true, meta: { auth: 'member' } },
  ...contractRoutes,
  ...sealRoutes,
  ...accountRoutes,
  ...evidenceRoutes,
  ...integrationRoutes,
  { path: '/ops', redirect: '/ops/reviews' },
  ...opsRoutes,
  { path: '/:rest(.*)*', name: 'not-found', component: () => import('./home/NotFoundPage.vue') },
]

export const router = createRouter({ history: createWebHistory(), routes })

// The signer's phone and the public verification pages need only the base
// messages; every other screen loads the desk's first.
const lean = new Set(['sign', 'verify-code', 'verify'])

router.beforeEach(async (to) => {
  if (!lean.has(String(to.name))) await loadDesk()
  const need = to.meta.auth
  if (need !== 'member' && need !== 'operator') return true
  const { useSession } = await import('./stores/session')
  const session = useSession()
  if (need === 'member' && session.tenant) return true
  if (need === 'operator' && session.person?.operator) return true
  return { name: 'login', query: { next: to.fullPath } }
})

// A session that ends while a signed-in screen is open (refused refresh,
// logged out elsewhere) sends the person to log in, and back here after.
tokens.onExpired(() => {
  const here = router.currentRoute.value
  if (here.meta.auth) void router.replace({ name: 'login', query: { next: here.fullPath } })
})
