// Session tokens, kept in localStorage so a signer who closes the tab and
// comes back from the SMS link is still signed in. The access token lives
// 15 minutes; it is refreshed with the refresh token shortly before it ends.
// The session store (stores/session.ts) owns who is signed in; this module
// owns only the tokens, so the API client does not depend on Pinia.

export interface SessionTokens {
  access_token: string
  refresh_token: string
  expires_at: number // ms since epoch
}

const key = 'signet.session'
let refreshing: Promise<string | null> | null = null
const listeners = new Set<() => void>()

function load(): SessionTokens | null {
  try {
    const raw = globalThis.localStorage?.getItem(key)
    return raw ? (JSON.parse(raw) as SessionTokens) : null
  } catch {
    return null
  }
}

function save(t: SessionTokens | null) {
  if (t) globalThis.localStorage?.setItem(key, JSON.stringify(t))
  else globalThis.localStorage?.removeItem(key)
}

async function refresh(t: SessionTokens): Promise<string | null> {
  try {
    const res = await fetch('/api/auth/refresh', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refresh_token: t.refresh_token }),
    })
    if (!res.ok) {
      tokens.expired()
      return null
    }
    const s = (await res.json()) as { access_token: string; refresh_token: string; expires_in: number }
    tokens.set(s)
    return s.access_token
  } catch {
    return t.access_token
  }
}

export const tokens = {
  set(s: { access_token: string; refresh_token: string; expires_in: number }) {
    save({ access_token: s.access_token, refresh_token: s.refresh_token, expires_at: Date.now() + s.expires_in * 1000 })
  },
  has(): boolean {
    return load() !== null
  },
  async accessToken(): Promise<string | null> {
    const t = load()
    if (!t) return null
    if (Date.now() < t.expires_at - 30_000) return t.access_token
    refreshing ??= refresh(t).finally(() => (refreshing = null))
    return refreshing
  },
  refreshToken(): string | null {
    return load()?.refresh_token ?? null
  },
  clear() {
    save(null)
  },
  // expired is called when the server refuses the session.
  expired() {
    save(null)
    listeners.forEach((f) => f())
  },
  onExpired(f: () => void) {
    listeners.add(f)
    return () => listeners.delete(f)
  },
}
