// The organisation's inbox: contracts other tenants sent to this tenant's
// verified company, one page at a time (GET /api/inbox).
import { ref, shallowRef } from 'vue'
import { api, must, type Schemas } from '../api/client'

export type InboxItem = Schemas['InboxItem']

export function useInbox(pageSize = 50) {
  const items = shallowRef<InboxItem[]>([])
  const nextCursor = ref('')
  const loading = ref(false)
  const loaded = ref(false)
  const error = shallowRef<unknown>(null)

  async function fetchPage(cursor: string) {
    loading.value = true
    error.value = null
    try {
      const page = await must(api.GET('/api/inbox', { params: { query: { limit: pageSize, ...(cursor ? { cursor } : {}) } } }))
      items.value = cursor ? [...items.value, ...page.items] : page.items
      nextCursor.value = page.next_cursor ?? ''
      loaded.value = true
    } catch (e) {
      error.value = e
    } finally {
      loading.value = false
    }
  }

  // load reads the first page again.
  const load = () => fetchPage('')
  // more appends the next page.
  const more = () => (nextCursor.value ? fetchPage(nextCursor.value) : Promise.resolve())

  return { items, nextCursor, loading, loaded, error, load, more }
}
