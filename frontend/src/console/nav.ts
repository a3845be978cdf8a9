// The console's menus: the company console (/app) and the operator console
// (/ops). Each entry is a route path prefix and an i18n key under
// console.nav; ConsoleLayout highlights the entry whose prefix the current
// path starts with.
export interface NavItem {
  path: string
  label: string
  // managers are owners and admins; the entry is hidden from other roles
  // (the API refuses them anyway).
  managers?: boolean
}

export interface NavGroup {
  label: string
  items: NavItem[]
}

export const appNav: NavGroup[] = [
  {
    label: 'console.nav.groups.work',
    items: [
      { path: '/app/contracts', label: 'console.nav.contracts' },
      { path: '/app/inbox', label: 'console.nav.inbox' },
      { path: '/app/templates', label: 'console.nav.templates' },
      { path: '/app/evidence', label: 'console.nav.evidence' },
    ],
  },
  {
    label: 'console.nav.groups.seals',
    items: [
      { path: '/app/seals', label: 'console.nav.seals' },
      { path: '/app/automation', label: 'console.nav.automation', managers: true },
    ],
  },
  {
    label: 'console.nav.groups.company',
    items: [
      { path: '/app/identity', label: 'console.nav.identity' },
      { path: '/app/members', label: 'console.nav.members' },
      { path: '/app/webhooks', label: 'console.nav.webhooks', managers: true },
      { path: '/app/settings', label: 'console.nav.settings' },
    ],
  },
]

export const opsNav: NavGroup[] = [
  {
    label: 'console.nav.groups.review',
    items: [
      { path: '/ops/reviews', label: 'console.nav.reviews' },
      { path: '/ops/payouts', label: 'console.nav.payouts' },
      { path: '/ops/seals', label: 'console.nav.sealReviews' },
      { path: '/ops/tenants', label: 'console.nav.tenants' },
    ],
  },
]

// activeItem is the entry whose path is the longest prefix of path.
export function activeItem(groups: NavGroup[], path: string): NavItem | undefined {
  let best: NavItem | undefined
  for (const g of groups) {
    for (const i of g.items) {
      if ((path === i.path || path.startsWith(i.path + '/')) && (!best || i.path.length > best.path.length)) best = i
    }
  }
  return best
}
