// The console's seals screens (under /app): the list, the template
// designer, the upload of a photographed stamp, one seal's detail, and the
// custodian's queue of uses to approve (emails to initiators link there).
import type { RouteRecordRaw } from 'vue-router'

export const routes: RouteRecordRaw[] = [
  { path: '/app/seals', name: 'seals', component: () => import('./SealsPage.vue'), meta: { auth: 'member' } },
  { path: '/app/seals/new', name: 'seal-new', component: () => import('./NewSealPage.vue'), meta: { auth: 'member' } },
  { path: '/app/seals/upload', name: 'seal-upload', component: () => import('./UploadSealPage.vue'), meta: { auth: 'member' } },
  { path: '/app/seals/:sealID', name: 'seal', component: () => import('./SealPage.vue'), props: true, meta: { auth: 'member' } },
  {
    path: '/app/seals/:sealID/approvals',
    name: 'seal-approvals',
    component: () => import('./SealApprovalsPage.vue'),
    props: true,
    meta: { auth: 'member' },
  },
]
