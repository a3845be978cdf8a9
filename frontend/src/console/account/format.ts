// formatDate shows the day of an API time in the reader's language and
// time zone, the month by name ("2026年12月3日", "3 Dec 2026"): where the
// hour does not matter (the day someone joined), it leaves the table room.
export function formatDate(iso: string | undefined | null, locale: string): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric' }).format(d)
}
