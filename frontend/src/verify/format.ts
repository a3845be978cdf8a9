// Small formatters shared by the verification screens (and the inbox).

// formatTime shows an API time in the reader's time zone, with the zone,
// since a verification is read by people in different places.
export function formatTime(iso: string | undefined | null, locale: string): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  // The month by name: "12/02/2026" is read as two different days.
  const date = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric' }).format(d)
  const time = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(d)
  // The zone goes last in every language ("2025年3月1日 16:00:19 GMT+8").
  const zone = new Intl.DateTimeFormat(locale, { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName')?.value
  return zone ? `${date} ${time} ${zone}` : `${date} ${time}`
}

// formatSize shows a file size in KB or MB.
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

// dnAttributes splits a distinguished name as Go prints it
// ("CN=王五,OU=…,C=CN", with "\," for a comma inside a value).
export function dnAttributes(dn: string): [string, string][] {
  const out: [string, string][] = []
  let cur = ''
  for (let i = 0; i < dn.length; i++) {
    const ch = dn[i]
    if (ch === '\\' && i + 1 < dn.length) {
      cur += dn[++i]
    } else if (ch === ',') {
      out.push(split(cur))
      cur = ''
    } else {
      cur += ch
    }
  }
  if (cur) out.push(split(cur))
  return out
}

function split(rdn: string): [string, string] {
  const i = rdn.indexOf('=')
  return i < 0 ? ['', rdn.trim()] : [rdn.slice(0, i).trim(), rdn.slice(i + 1).trim()]
}

// commonName is a certificate subject's CN (the person's or company's
// name), else its organisation, else the whole name.
export function commonName(dn: string): string {
  const attrs = dnAttributes(dn)
  return attrs.find(([k]) => k === 'CN')?.[1] || attrs.find(([k]) => k === 'O')?.[1] || dn
}
