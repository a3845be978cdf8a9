// What the template designer offers: the styles of each kind of seal, the
// sizes each style comes in (seals/render, after the major platforms'
// templates in STANDARDS.md), the inks, and the texts companies usually
// put under the star.
export type Kind = 'official' | 'personal'
export type Style = 'round' | 'oval' | 'finance' | 'name' | 'signature'

export const stylesOf: Record<Kind, Style[]> = {
  official: ['round', 'oval', 'finance'],
  personal: ['name', 'signature'],
}

// sizesOf lists a style's sizes in mm, the default first; an empty list
// means the style has one fixed size (fixedSize).
export const sizesOf: Record<Style, number[]> = {
  round: [42, 40, 38],
  oval: [45, 40],
  finance: [],
  name: [20, 18, 16],
  signature: [],
}
export const fixedSize: Partial<Record<Style, [number, number]>> = { finance: [22, 22], signature: [20, 10] }

export const colors = ['red', 'blue', 'black', 'purple'] as const
export const suffixes = ['', '印', '之印'] as const

// The texts most official seals carry; empty is the company seal (公章).
export const textPresets = ['', '合同专用章', '财务专用章', '人事专用章', '发票专用章'] as const

// Which texts a style draws.
export const hasText = (s: Style) => s === 'round' || s === 'oval' || s === 'finance'
export const hasCode = (s: Style) => s === 'round' || s === 'oval'
