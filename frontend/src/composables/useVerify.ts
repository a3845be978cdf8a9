// Verification: checking a PDF's signatures (POST /api/verify) and reading
// the platform's public record of a contract by its verification code.
import { ref, shallowRef, toValue, type MaybeRefOrGetter } from 'vue'
import { api, must, postBinary, type Schemas } from '../api/client'

export type VerificationReport = Schemas['VerificationReport']
export type SignatureReport = Schemas['SignatureReport']
export type Check = Schemas['Check']
export type PublicContract = Schemas['PublicContract']

// Verdicts and check statuses the report uses; anything else is shown as is.
export type Verdict = 'valid' | 'invalid' | 'unsigned'
export type CheckStatus = 'pass' | 'fail' | 'n/a'

// verifyPdf sends the file itself and returns the server's report: a PDF,
// or an OFD (GB/T 33190), which is a zip package and says so.
export async function verifyPdf(file: Blob): Promise<VerificationReport> {
  const head = new Uint8Array(await file.slice(0, 4).arrayBuffer())
  const isZip = head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04
  return postBinary<VerificationReport>('/api/verify', file, isZip ? 'application/ofd' : 'application/pdf')
}

// useVerifyFile checks one chosen file at a time. The report carries the
// file's SM3, to compare with a contract's record. A newer choice wins
// over a check still under way.
export function useVerifyFile() {
  const file = shallowRef<File | null>(null)
  const report = shallowRef<VerificationReport | null>(null)
  const error = shallowRef<unknown>(null)
  const busy = ref(false)
  let seq = 0

  async function check(f: File) {
    const n = ++seq
    file.value = f
    report.value = null
    error.value = null
    busy.value = true
    try {
      const r = await verifyPdf(f)
      if (n !== seq) return
      report.value = r
    } catch (e) {
      if (n === seq) error.value = e
    } finally {
      if (n === seq) busy.value = false
    }
  }

  return { file, report, error, busy, check }
}

// useVerifyCode loads the public record of the contract with a code.
export function useVerifyCode(code: MaybeRefOrGetter<string>) {
  const record = shallowRef<PublicContract | null>(null)
  const error = shallowRef<unknown>(null)
  const loading = ref(false)

  async function load() {
    loading.value = true
    error.value = null
    try {
      record.value = await must(api.GET('/api/verify/codes/{code}', { params: { path: { code: toValue(code) } } }))
    } catch (e) {
      record.value = null
      error.value = e
    } finally {
      loading.value = false
    }
  }

  return { record, error, loading, load }
}
