// Where a page goes once it is done (?next=): only a path of this app,
// never another site ("//host", "/\host" or "https://…" are refused).
export function safeNext(value: unknown, fallback: string): string {
  const n = Array.isArray(value) ? value[0] : value
  return typeof n === 'string' && n.startsWith('/') && !n.startsWith('//') && !n.startsWith('/\\') ? n : fallback
}

// queryText is a query parameter as one trimmed string ('' when absent).
export function queryText(value: unknown, max = 200): string {
  const v = Array.isArray(value) ? value[0] : value
  return typeof v === 'string' ? v.trim().slice(0, max) : ''
}
