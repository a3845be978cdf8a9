import { describe, expect, it } from 'vitest'
import { eventParser, type ServerEvent } from '../../../src/console/evidence/sse'

function parse(chunks: string[]): ServerEvent[] {
  const got: ServerEvent[] = []
  const feed = eventParser((e) => got.push(e))
  for (const c of chunks) feed(c)
  return got
}

describe('eventParser', () => {
  it('reads events split anywhere across chunks', () => {
    const text = 'event: progress\ndata: {"done":1}\n\n: keep-alive\n\nevent: progress\r\ndata: {"done":2}\r\n\r\n'
    const whole = parse([text])
    expect(whole).toEqual([
      { event: 'progress', data: '{"done":1}' },
      { event: 'progress', data: '{"done":2}' },
    ])
    // Every split point, including between "\r" and "\n", gives the same.
    for (let i = 1; i < text.length; i++) expect(parse([text.slice(0, i), text.slice(i)])).toEqual(whole)
  })

  it('joins data lines, defaults the type, and waits for the blank line', () => {
    expect(parse(['data: a\ndata:b\n\n', 'data: unfinished\n'])).toEqual([{ event: 'message', data: 'a\nb' }])
  })
})
