import { describe, expect, it } from 'vitest'
import { normalUSCC, validUSCC } from '../../src/onboarding/uscc'

describe('validUSCC', () => {
  it('accepts codes the server accepts, in any case and with spaces around', () => {
    for (const c of ['91110000600037341L', '91350100M000100Y43', '91110108MA0000PT31', ' 91350100m000100y43 ']) expect(validUSCC(c), c).toBe(true)
    expect(normalUSCC(' 91350100m000100y43 ')).toBe('91350100M000100Y43')
  })

  it('refuses typing mistakes', () => {
    for (const c of ['', '91110000600037341', '91110000600037341A', '9111000060003734IL', '91350100M000100Y44', '91AB0000600037341L', '91350100M000101Y43']) {
      expect(validUSCC(c), c).toBe(false)
    }
  })
})
