// Certificates of a PEM chain as the guide shows them: the subject's
// common name and organisation, and the SHA-256 fingerprint of the DER
// bytes in OpenSSL's notation (AB:CD:…), so an expert can compare it with
// `openssl x509 -noout -fingerprint -sha256`. Only the few DER elements
// on the path to the subject are read.

export interface CertInfo {
  subject: string
  fingerprint: string
}

export function pemBlocks(pem: string): Uint8Array[] {
  const out: Uint8Array[] = []
  for (const m of pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)) {
    const bin = atob(m[1].replace(/\s+/g, ''))
    out.push(Uint8Array.from(bin, (c) => c.charCodeAt(0)))
  }
  return out
}

interface Element {
  tag: number
  start: number // first content byte
  end: number // one past the last
}

function element(der: Uint8Array, at: number): Element {
  const tag = der[at]
  let len = der[at + 1]
  let start = at + 2
  if (len & 0x80) {
    const n = len & 0x7f
    len = 0
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i]
    start += n
  }
  if (start + len > der.length) throw new Error('truncated DER')
  return { tag, start, end: start + len }
}

function children(der: Uint8Array, parent: Element): Element[] {
  const out: Element[] = []
  for (let at = parent.start; at < parent.end; ) {
    const e = element(der, at)
    out.push(e)
    at = e.end
  }
  return out
}

const oidNames: Record<string, string> = { '2.5.4.3': 'CN', '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.6': 'C' }

function oid(der: Uint8Array, e: Element): string {
  const b = der.subarray(e.start, e.end)
  const parts = [Math.floor(b[0] / 40), b[0] % 40]
  let v = 0
  for (const x of b.subarray(1)) {
    v = v * 128 + (x & 0x7f)
    if (!(x & 0x80)) {
      parts.push(v)
      v = 0
    }
  }
  return parts.join('.')
}

// subject reads "CN=…, O=…" from a certificate's DER.
export function subject(der: Uint8Array): string {
  const cert = element(der, 0)
  const tbs = children(der, cert)[0]
  const fields = children(der, tbs)
  // An explicit version ([0]) shifts the fields by one.
  const i = fields[0].tag === 0xa0 ? 5 : 4
  const parts: string[] = []
  for (const set of children(der, fields[i])) {
    for (const atv of children(der, set)) {
      const [k, v] = children(der, atv)
      const name = oidNames[oid(der, k)]
      if (name === 'CN' || name === 'O') parts.push(`${name}=${new TextDecoder().decode(der.subarray(v.start, v.end))}`)
    }
  }
  return parts.join(', ')
}

export async function fingerprint(der: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle
  if (!subtle) return ''
  const sum = new Uint8Array(await subtle.digest('SHA-256', der as BufferSource))
  return Array.from(sum, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':')
}

export async function certificates(pem: string): Promise<CertInfo[]> {
  return Promise.all(pemBlocks(pem).map(async (der) => ({ subject: subject(der), fingerprint: await fingerprint(der) })))
}
