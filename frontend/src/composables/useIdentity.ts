// The signed-in person's real-name verification: read it, fill it in
// (name, ID number, a mobile number proved by SMS), upload the ID card
// photos, submit, and watch it until an operator decides.
import { api, must, ApiError, type Schemas } from '../api/client'
import { usePendingWatch } from './pendingWatch'

export type PersonVerification = Schemas['PersonVerification']
export type SavePerson = Schemas['SavePersonRequest']
export type IDSide = 'id_front' | 'id_back'

// States in which the applicant waits for a decision.
export { pendingStates } from './pendingWatch'
// States in which the application can be edited (and (re)submitted).
export const editableStates = ['draft', 'rejected', 'expired', 'revoked']

// current is the person's verification, or null when they never started one.
async function current(): Promise<PersonVerification | null> {
  try {
    return await must(api.GET('/api/identity/person'))
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null
    throw e
  }
}

// shrink re-encodes a large camera photo as a JPEG of at most maxSide
// pixels, so an upload stays well under the server's 10 MB; small JPEG and
// PNG files are sent as they are.
export async function shrink(file: File, maxSide = 2000, maxBytes = 3 << 20): Promise<Blob> {
  const plain = file.type === 'image/jpeg' || file.type === 'image/png'
  if (plain && file.size <= maxBytes) return file
  if (typeof createImageBitmap !== 'function') return file
  try {
    const bmp = await createImageBitmap(file)
    const s = Math.min(1, maxSide / Math.max(bmp.width, bmp.height))
    const canvas = document.createElement('canvas')
    canvas.width = Math.round(bmp.width * s)
    canvas.height = Math.round(bmp.height * s)
    canvas.getContext('2d')?.drawImage(bmp, 0, 0, canvas.width, canvas.height)
    bmp.close()
    const out = await new Promise<Blob | null>((res) => canvas.toBlob(res, 'image/jpeg', 0.85))
    return out ?? file
  } catch {
    return file
  }
}

export function useIdentity() {
  const { watch, stopWatching } = usePendingWatch(current)

  return {
    current,
    sendMobileCode: (mobile: string) => must(api.POST('/api/identity/person/mobile-code', { body: { mobile } })),
    save: (body: SavePerson) => must(api.PUT('/api/identity/person', { body })),
    async upload(kind: IDSide, file: File) {
      const form = new FormData()
      form.append('kind', kind)
      const blob = await shrink(file)
      form.append('file', blob, blob === file ? file.name : `${kind}.jpg`)
      return must(api.POST('/api/identity/person/documents', { body: form as unknown as string }))
    },
    submit: () => must(api.POST('/api/identity/person/submit')),
    watch,
    stopWatching,
  }
}
