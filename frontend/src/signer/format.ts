// Formatting shared by the signer screens.

// formatDateTime shows an RFC 3339 time in the reader's locale.
export function formatDateTime(iso: string | undefined | null, locale: string): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(d)
}

// dataURL makes a base64 PNG showable in an <img>.
export function pngURL(base64: string): string {
  return `data:image/png;base64,${base64}`
}

// isOrganisation says whether a party kind is a company's. The API spells
// it "organization"; the British spelling is accepted as well.
export function isOrganisation(kind: string | undefined): boolean {
  return kind === 'organization' || kind === 'organisation'
}
