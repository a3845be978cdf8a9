// Names for the person ids the seal routes answer with (holders,
// custodians, applicants, the use log's "person:<id>" actors), from the
// company's member list.
import type { Member } from './useSeals'

export function personName(members: Member[], personID: string | undefined): string {
  if (!personID) return ''
  return members.find((m) => m.person.id === personID)?.person.name ?? shortID(personID)
}

// actorName reads a use-log actor: "person:<id>" or "apikey:<id>".
export function actorName(members: Member[], actor: string): string {
  const [kind, id] = actor.split(':', 2)
  if (kind === 'person' && id) return personName(members, id)
  return actor
}

export function shortID(id: string): string {
  return id.length > 10 ? `${id.slice(0, 8)}…` : id
}

// formatDay shows the day of an API time in the reader's language and
// zone: periods of validity are read by the day.
export function formatDay(iso: string | undefined | null, locale: string): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric' }).format(d)
}
