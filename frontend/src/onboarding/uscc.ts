// Checks of a unified social credit code (统一社会信用代码, GB 32100-2015),
// the same the server makes (identity/uscc.go): 18 characters of its
// alphabet, a six-digit region part, the GB 32100 check character and the
// GB 11714 check character of the organisation code inside it. Only typing
// mistakes are caught here; the server has the last word.
const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
const orgWeights = [3, 7, 9, 10, 5, 8, 4, 2]

// normalUSCC is the code as the server keeps it: trimmed, upper case.
export function normalUSCC(raw: string): string {
  return raw.trim().toUpperCase()
}

export function validUSCC(raw: string): boolean {
  const s = normalUSCC(raw)
  if (s.length !== 18) return false
  const v = [...s].map((c) => alphabet.indexOf(c))
  if (v.some((n) => n < 0) || !/^\d{6}$/.test(s.slice(2, 8))) return false
  const sum = weights.reduce((acc, w, i) => acc + v[i] * w, 0)
  if (alphabet[(31 - (sum % 31)) % 31] !== s[17]) return false
  return orgCheck(s.slice(8, 16)) === s[16]
}

// orgCheck is GB 11714's check character: letters count by their place in
// the full Latin alphabet (A=10 … Z=35).
function orgCheck(body: string): string {
  let sum = 0
  for (let i = 0; i < 8; i++) {
    const c = body[i]
    const n = c >= '0' && c <= '9' ? Number(c) : c.charCodeAt(0) - 55
    sum += n * orgWeights[i]
  }
  const r = 11 - (sum % 11)
  return r === 10 ? 'X' : r === 11 ? '0' : String(r)
}
