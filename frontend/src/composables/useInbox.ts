// The organisation's inbox: contracts other tenants sent to this tenant's
// verified company, one page at a time (GET /api/inbox).
import { api, must, type Schemas } from '../api/client'
import { usePaged } from '../console/shared/usePaged'

export type InboxItem = Schemas['InboxItem']

export function useInbox(pageSize = 50) {
  return usePaged((cursor) => must(api.GET('/api/inbox', { params: { query: { limit: pageSize, ...(cursor ? { cursor } : {}) } } })))
}
