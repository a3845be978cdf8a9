// usePaged reads a cursor-paged list route ({items, next_cursor}) one page
// at a time: load() reads the first page again (after a filter changed),
// more() appends the next. A load started later wins over an earlier one
// still in flight, so typing in a search box never shows stale rows.
import { ref, shallowRef } from 'vue'

export interface Page<T> {
  items: T[]
  next_cursor?: string
}

export function usePaged<T>(fetchPage: (cursor: string) => Promise<Page<T>>) {
  const items = shallowRef<T[]>([])
  const nextCursor = ref('')
  const loading = ref(false)
  const loaded = ref(false)
  const error = shallowRef<unknown>(null)
  let generation = 0

  async function read(cursor: string) {
    const mine = ++generation
    loading.value = true
    error.value = null
    try {
      const page = await fetchPage(cursor)
      if (mine !== generation) return
      const got = page.items ?? []
      items.value = cursor ? [...items.value, ...got] : got
      nextCursor.value = page.next_cursor ?? ''
      loaded.value = true
    } catch (e) {
      if (mine === generation) error.value = e
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  const load = () => read('')
  const more = () => (nextCursor.value ? read(nextCursor.value) : Promise.resolve())

  return { items, nextCursor, loading, loaded, error, load, more }
}
