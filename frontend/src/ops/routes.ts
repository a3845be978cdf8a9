// The operator console's screens (under /ops, platform operators only).
import type { RouteRecordRaw } from 'vue-router'

const operator = { auth: 'operator' }

export const routes: RouteRecordRaw[] = [
  { path: '/ops/reviews', name: 'ops-reviews', component: () => import('./ReviewQueuePage.vue'), meta: operator },
  {
    path: '/ops/reviews/:kind(person|organisation)/:id',
    name: 'ops-review',
    component: () => import('./ReviewPage.vue'),
    props: true,
    meta: operator,
  },
  { path: '/ops/payouts', name: 'ops-payouts', component: () => import('./PayoutsPage.vue'), meta: operator },
  { path: '/ops/seals', name: 'ops-seals', component: () => import('./SealReviewsPage.vue'), meta: operator },
  { path: '/ops/tenants', name: 'ops-tenants', component: () => import('./TenantsPage.vue'), meta: operator },
]
