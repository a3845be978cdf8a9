// The console's account screens (under /app): the company's members and
// invitations, its settings, and the signed-in person's verification. The
// page that accepts an invitation (/invite?token=) is public: the invitee
// has no session yet.
import type { RouteRecordRaw } from 'vue-router'

export const routes: RouteRecordRaw[] = [
  { path: '/app/members', name: 'members', component: () => import('./MembersPage.vue'), meta: { auth: 'member' } },
  { path: '/app/settings', name: 'settings', component: () => import('./SettingsPage.vue'), meta: { auth: 'member' } },
  { path: '/app/identity', name: 'identity', component: () => import('./IdentityPage.vue'), meta: { auth: 'member' } },
  { path: '/invite', name: 'invite', component: () => import('./AcceptInvitationPage.vue') },
]
