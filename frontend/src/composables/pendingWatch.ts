// A watcher of a verification under review: it reads it every interval
// ms and reports each read until stopped or until the verification leaves
// the pending states. People's and organisations' verifications share it.
import { getCurrentScope, onScopeDispose } from 'vue'

export const pendingStates = ['submitted', 'resubmitted']

export function usePendingWatch<T extends { state: string }>(read: () => Promise<T | null>) {
  let timer: ReturnType<typeof setTimeout> | undefined
  let watching = false

  function stopWatching() {
    watching = false
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
  }

  function watch(onUpdate: (v: T | null) => void, onError: (e: unknown) => void, interval = 3000) {
    stopWatching()
    watching = true
    const tick = async () => {
      if (!watching) return
      try {
        const v = await read()
        if (!watching) return
        onUpdate(v)
        if (!v || !pendingStates.includes(v.state)) {
          stopWatching()
          return
        }
      } catch (e) {
        if (!watching) return
        onError(e)
      }
      timer = setTimeout(tick, interval)
    }
    timer = setTimeout(tick, interval)
  }

  if (getCurrentScope()) onScopeDispose(stopWatching)
  return { watch, stopWatching }
}
