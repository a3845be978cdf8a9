import { describe, expect, it } from 'vitest'
import { validMobile, validResidentID } from '../../src/signer/idcard'

describe('ID card and mobile checks', () => {
  it('accepts a resident ID with the right check character', () => {
    expect(validResidentID('11010519491231002X')).toBe(true)
    expect(validResidentID('11010519491231002x')).toBe(true)
    expect(validResidentID('110105194912310021')).toBe(false)
    expect(validResidentID('1101051949123100')).toBe(false)
  })

  it('accepts mainland mobile numbers with or without +86', () => {
    expect(validMobile('13812345678')).toBe(true)
    expect(validMobile('+86 138 1234 5678')).toBe(true)
    expect(validMobile('12812345678')).toBe(false)
  })
})
