// How a party is shown on the desk: its colour (by its place among the
// signers, so the palette, its fields and its card agree) and its name.
import type { EditorParty } from './draft'

// Colours dark enough for white text on them (WCAG AA at small sizes).
export const partyColours = ['#1d5fbf', '#b45309', '#0f766e', '#7c3aed', '#be185d', '#4d7c0f', '#9a3412', '#334155']

export function partyColour(signers: EditorParty[], key: string): string {
  const i = signers.findIndex((p) => p.key === key)
  return partyColours[Math.max(0, i) % partyColours.length]
}

type Translate = (key: string, named?: Record<string, unknown>) => string

// partyLabel is the organisation's or person's name, else "Signer n".
export function partyLabel(signers: EditorParty[], key: string, t: Translate): string {
  const i = signers.findIndex((p) => p.key === key)
  const p = signers[i]
  if (!p) return ''
  const name = (p.kind === 'organization' ? p.orgName : p.name).trim()
  return name || t('editor.parties.signerN', { n: i + 1 })
}
