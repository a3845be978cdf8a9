// The console's integration screens (under /app): templates, auto-stamping
// (API keys, auto-stamp authorisations, stamp batches) and webhooks.
import type { RouteRecordRaw } from 'vue-router'

export const routes: RouteRecordRaw[] = [
  { path: '/app/templates', name: 'templates', component: () => import('./TemplatesPage.vue'), meta: { auth: 'member' } },
  { path: '/app/templates/new', name: 'template-new', component: () => import('./NewTemplatePage.vue'), meta: { auth: 'member' } },
  { path: '/app/templates/:templateID', name: 'template', component: () => import('./TemplatePage.vue'), props: true, meta: { auth: 'member' } },
  { path: '/app/automation', name: 'automation', component: () => import('./AutomationPage.vue'), meta: { auth: 'member' } },
  {
    path: '/app/automation/batches/:batchID',
    name: 'stamp-batch',
    component: () => import('./StampBatchPage.vue'),
    props: true,
    meta: { auth: 'member' },
  },
  { path: '/app/webhooks', name: 'webhooks', component: () => import('./WebhooksPage.vue'), meta: { auth: 'member' } },
  { path: '/app/webhooks/:webhookID', name: 'webhook', component: () => import('./WebhookPage.vue'), props: true, meta: { auth: 'member' } },
]
