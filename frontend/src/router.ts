import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'

// Every screen is its own chunk, so the signing link loads only what the
// signer's phone needs (pdf.js comes later still, from the viewer).
const routes: RouteRecordRaw[] = [
  { path: '/', name: 'home', component: () => import('./home/HomePage.vue') },
  { path: '/s/:token', name: 'sign', component: () => import('./signer/SignPage.vue'), props: true },
  { path: '/v/:code', name: 'verify-code', component: () => import('./verify/CodePage.vue'), props: true },
  { path: '/verify', name: 'verify', component: () => import('./verify/VerifyPage.vue') },
  { path: '/login', name: 'login', component: () => import('./inbox/LoginPage.vue') },
  { path: '/signup', name: 'signup', component: () => import('./onboarding/SignupPage.vue') },
  { path: '/app', redirect: '/app/inbox' },
  { path: '/app/inbox', name: 'inbox', component: () => import('./inbox/InboxPage.vue'), meta: { auth: 'member' } },
  { path: '/app/identity/organisation', name: 'org-verify', component: () => import('./onboarding/OrgVerifyPage.vue'), meta: { auth: 'member' } },
  { path: '/app/inbox/:partyID', name: 'inbox-sign', component: () => import('./inbox/InboxSignPage.vue'), props: true, meta: { auth: 'member' } },
  { path: '/:rest(.*)*', name: 'not-found', component: () => import('./home/NotFoundPage.vue') },
]

export const router = createRouter({ history: createWebHistory(), routes })

router.beforeEach(async (to) => {
  if (to.meta.auth !== 'member') return true
  const { useSession } = await import('./stores/session')
  const session = useSession()
  if (session.tenant) return true
  return { name: 'login', query: { next: to.fullPath } }
})
