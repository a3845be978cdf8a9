// The console's contract screens (under /app): the list, the editor of a
// new contract, and one contract's detail.
import type { RouteRecordRaw } from 'vue-router'

export const routes: RouteRecordRaw[] = [
  { path: '/app/contracts', name: 'contracts', component: () => import('./ContractsPage.vue'), meta: { auth: 'member' } },
  { path: '/app/contracts/new', name: 'contract-new', component: () => import('./editor/NewContractPage.vue'), meta: { auth: 'member' } },
  { path: '/app/contracts/:contractID', name: 'contract', component: () => import('./ContractPage.vue'), props: true, meta: { auth: 'member' } },
]
