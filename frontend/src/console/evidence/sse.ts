// Server-sent events over fetch. EventSource cannot send the Authorization
// header our API needs, so the stream is read from a fetch body and parsed
// here, as the HTML standard describes it: lines of "field: value", an
// event ending at a blank line, several data lines joined with "\n",
// comments (":") ignored.
import { tokens } from '../../api/tokens'

export interface ServerEvent {
  event: string
  data: string
}

// parseEvents feeds text chunks in and hands complete events out; a chunk
// may end anywhere, even inside a line or between "\r" and "\n".
export function eventParser(onEvent: (e: ServerEvent) => void) {
  let buffer = ''
  let event = ''
  let data: string[] = []
  return (chunk: string) => {
    buffer += chunk
    for (;;) {
      const m = /\r\n|\r|\n/.exec(buffer)
      // A lone "\r" at the end may be the first half of "\r\n".
      if (!m || (m[0] === '\r' && m.index === buffer.length - 1)) return
      const line = buffer.slice(0, m.index)
      buffer = buffer.slice(m.index + m[0].length)
      if (line === '') {
        if (data.length) onEvent({ event: event || 'message', data: data.join('\n') })
        event = ''
        data = []
        continue
      }
      if (line.startsWith(':')) continue
      const colon = line.indexOf(':')
      const field = colon < 0 ? line : line.slice(0, colon)
      let value = colon < 0 ? '' : line.slice(colon + 1)
      if (value.startsWith(' ')) value = value.slice(1)
      if (field === 'event') event = value
      else if (field === 'data') data.push(value)
    }
  }
}

// streamEvents reads an event stream from path with the session's token
// until the server ends it or signal aborts; it resolves then, and rejects
// on a failed request.
export async function streamEvents(path: string, onEvent: (e: ServerEvent) => void, signal?: AbortSignal): Promise<void> {
  const headers: Record<string, string> = { Accept: 'text/event-stream' }
  const token = await tokens.accessToken()
  if (token) headers.Authorization = `Bearer ${token}`
  const res = await fetch(path, { headers, signal })
  if (!res.ok || !res.body) throw new Error(`event stream ${path}: ${res.status}`)
  const feed = eventParser(onEvent)
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      feed(value)
    }
  } finally {
    reader.releaseLock()
  }
}
