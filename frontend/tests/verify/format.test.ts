import { describe, expect, it } from 'vitest'
import { commonName, dnAttributes, formatSize, formatTime } from '../../src/verify/format'

describe('format', () => {
  it('reads the CN of a subject as Go prints it', () => {
    expect(commonName('SERIALNUMBER=psn-1,CN=王五,C=CN')).toBe('王五')
    expect(commonName('CN=Acme\\, Inc.,O=Acme,C=US')).toBe('Acme, Inc.')
    expect(commonName('O=Only Org,C=CN')).toBe('Only Org')
    expect(dnAttributes('CN=a,2.5.4.97=#1318')).toEqual([['CN', 'a'], ['2.5.4.97', '#1318']])
  })
  it('formats sizes', () => {
    expect(formatSize(512)).toBe('512 B')
    expect(formatSize(2048)).toBe('2 KB')
    expect(formatSize(3 * 1024 * 1024)).toBe('3.0 MB')
  })
})

describe('formatTime', () => {
  it('puts the zone last', () => {
    expect(formatTime('2025-03-10T08:00:19Z', 'zh-CN')).toMatch(/^2025年3月10日 \d\d:00:19 \S+$/)
    expect(formatTime('2025-03-10T08:00:19Z', 'en')).toMatch(/^Mar 10, 2025 \d\d:00:19 \S+$/)
    expect(formatTime(undefined, 'en')).toBe('')
  })
})
