import { describe, expect, it } from 'vitest'
import { messages as base } from '../src/i18n'
import { deskMessages } from '../src/i18n/desk'

const messages = {
  'zh-CN': { ...base['zh-CN'], ...deskMessages['zh-CN'] },
  en: { ...base.en, ...deskMessages.en },
}

type Tree = { [k: string]: string | Tree }

// leaves lists every message of a tree as [dotted key, text].
function leaves(t: Tree, prefix = ''): [string, string][] {
  return Object.entries(t).flatMap(([k, v]) => (typeof v === 'string' ? [[prefix + k, v] as [string, string]] : leaves(v, `${prefix}${k}.`)))
}

// params is the set of {named} placeholders a message uses.
function params(s: string): string[] {
  return [...new Set([...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]))].sort()
}

describe('messages', () => {
  const zh = new Map(leaves(messages['zh-CN'] as unknown as Tree))
  const en = new Map(leaves(messages.en as unknown as Tree))

  it('zh-CN and en have exactly the same keys', () => {
    expect([...en.keys()].sort()).toEqual([...zh.keys()].sort())
  })

  it('every message is non-empty', () => {
    for (const [k, v] of [...zh, ...en]) expect(v.trim(), k).not.toBe('')
  })

  it('both languages use the same placeholders', () => {
    for (const [k, v] of zh) {
      if (en.has(k)) expect(params(en.get(k)!), k).toEqual(params(v))
    }
  })
})
