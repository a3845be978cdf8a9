// The last signature a person used on this device, kept in localStorage
// under their person id so it can be reused on the next contract. It never
// leaves the device except as the signature of a signing the person asks for.
import { ref, watch, type Ref } from 'vue'

const prefix = 'signet.signature.'

function read(personID: string): string | null {
  if (!personID) return null
  try {
    return globalThis.localStorage?.getItem(prefix + personID) ?? null
  } catch {
    return null
  }
}

export function useSavedSignature(personID: Ref<string>) {
  const png = ref<string | null>(read(personID.value))
  watch(personID, (id) => (png.value = read(id)))

  function remember(base64PNG: string) {
    if (!personID.value) return
    try {
      globalThis.localStorage?.setItem(prefix + personID.value, base64PNG)
      png.value = base64PNG
    } catch {
      // Storage full or disabled: the signature is simply not kept.
    }
  }

  function forget() {
    if (personID.value) globalThis.localStorage?.removeItem(prefix + personID.value)
    png.value = null
  }

  return { png, remember, forget }
}
