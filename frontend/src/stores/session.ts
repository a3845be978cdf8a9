// Who is signed in: a person, and the tenant they act in (members of a
// company) or none (individual signers). Tokens are kept by api/tokens.ts.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, must, type Schemas } from '../api/client'
import { tokens } from '../api/tokens'

type Session = Schemas['Session']
const profileKey = 'signet.profile'

interface Profile {
  person: Session['person']
  tenant?: Session['tenant']
  role?: string
}

function loadProfile(): Profile | null {
  if (!tokens.has()) return null
  try {
    const raw = globalThis.localStorage?.getItem(profileKey)
    return raw ? (JSON.parse(raw) as Profile) : null
  } catch {
    return null
  }
}

export const useSession = defineStore('session', () => {
  const profile = ref<Profile | null>(loadProfile())
  const person = computed(() => profile.value?.person ?? null)
  const tenant = computed(() => profile.value?.tenant ?? null)
  const role = computed(() => profile.value?.role ?? '')
  const signedIn = computed(() => profile.value !== null)

  function start(s: Session) {
    tokens.set(s)
    profile.value = { person: s.person, tenant: s.tenant, role: s.role }
    globalThis.localStorage?.setItem(profileKey, JSON.stringify(profile.value))
  }

  // setTenant shows a changed tenant (a rename in the settings) everywhere,
  // now and after a reload.
  function setTenant(t: Session['tenant']) {
    if (!profile.value) return
    profile.value = { ...profile.value, tenant: t }
    globalThis.localStorage?.setItem(profileKey, JSON.stringify(profile.value))
  }

  function clear() {
    tokens.clear()
    profile.value = null
    globalThis.localStorage?.removeItem(profileKey)
  }
  tokens.onExpired(() => {
    profile.value = null
    globalThis.localStorage?.removeItem(profileKey)
  })

  async function login(email: string, password: string) {
    start(await must(api.POST('/api/auth/login', { body: { email, password } })))
  }

  // signup makes a company and its owner (the caller) and signs the owner
  // in, exactly as a login does.
  async function signup(body: Schemas['SignUpRequest']) {
    start(await must(api.POST('/api/signup', { body })))
  }

  async function logout() {
    const refresh_token = tokens.refreshToken()
    if (refresh_token) await api.POST('/api/auth/logout', { body: { refresh_token } }).catch(() => undefined)
    clear()
  }

  return { profile, person, tenant, role, signedIn, start, setTenant, clear, login, signup, logout }
})
