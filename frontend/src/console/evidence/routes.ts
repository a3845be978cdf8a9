// The legal team's evidence desk (/app/evidence) and the public guide to
// verifying a package offline (/verify/evidence).
import type { RouteRecordRaw } from 'vue-router'

export const routes: RouteRecordRaw[] = [
  { path: '/app/evidence', name: 'evidence', component: () => import('./EvidencePage.vue'), meta: { auth: 'member' } },
  { path: '/verify/evidence', name: 'evidence-guide', component: () => import('./GuidePage.vue') },
]
