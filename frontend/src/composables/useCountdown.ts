// A countdown to an instant the server named (an SMS code's retry_after),
// in whole seconds, ticking once a second while it runs.
import { computed, getCurrentScope, onScopeDispose, ref } from 'vue'

export function useCountdown() {
  const until = ref(0)
  const now = ref(Date.now())
  let timer: ReturnType<typeof setInterval> | undefined

  const left = computed(() => Math.max(0, Math.ceil((until.value - now.value) / 1000)))
  const running = computed(() => left.value > 0)

  function stop() {
    if (timer !== undefined) clearInterval(timer)
    timer = undefined
  }

  // start counts down to at (an RFC 3339 time or ms since the epoch); a
  // time in the past, or none, leaves nothing to wait for.
  function start(at: string | number | undefined) {
    stop()
    const t = typeof at === 'string' ? Date.parse(at) : (at ?? 0)
    now.value = Date.now()
    until.value = Number.isFinite(t) ? t : 0
    if (until.value <= now.value) return
    timer = setInterval(() => {
      now.value = Date.now()
      if (now.value >= until.value) stop()
    }, 1000)
  }

  if (getCurrentScope()) onScopeDispose(stop)
  return { left, running, start, stop }
}
