// Checks of a mainland resident ID number (GB 11643): 17 digits and a
// check character computed from them (ISO 7064 MOD 11-2).
const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const checks = '10X98765432'

export function validResidentID(raw: string): boolean {
  const s = raw.trim().toUpperCase()
  if (!/^\d{17}[\dX]$/.test(s)) return false
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(s[i]) * weights[i]
  return checks[sum % 11] === s[17]
}

export function validMobile(raw: string): boolean {
  return /^1[3-9]\d{9}$/.test(raw.replace(/[\s-]/g, '').replace(/^\+?86/, ''))
}
