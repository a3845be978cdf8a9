import { describe, expect, it } from 'vitest'
import { certificates, pemBlocks } from '../../../src/console/evidence/pem'
import { recipeSteps } from '../../../src/console/evidence/recipe'

// A self-signed certificate made with
//   openssl req -x509 -utf8 -newkey ec ... -subj "/O=Signet 测试/CN=Signet Test Root"
// whose fingerprint OpenSSL printed as below.
const pem = `-----BEGIN CERTIFICATE-----
MIIBvDCCAWGgAwIBAgIUaf2alZp+zK6napfJBpn0gzzUEP0wCgYIKoZIzj0EAwIw
MzEWMBQGA1UECgwNU2lnbmV0IOa1i+ivlTEZMBcGA1UEAwwQU2lnbmV0IFRlc3Qg
Um9vdDAeFw0yNjEyMDIxNjExMjZaFw0zNjExMjkxNjExMjZaMDMxFjAUBgNVBAoM
DVNpZ25ldCDmtYvor5UxGTAXBgNVBAMMEFNpZ25ldCBUZXN0IFJvb3QwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAASX7oTZa7iMNOFi0croh5Bxu3p5Fl0tU22bnG6R
7HBRic7ANIezoyJEk6hMWOTxvGqnYfdz5Hf/fi4AJKwYwkdso1MwUTAdBgNVHQ4E
FgQUZxG/HroOlfmDBE7M9ZSF4F3iIpcwHwYDVR0jBBgwFoAUZxG/HroOlfmDBE7M
9ZSF4F3iIpcwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEAi9dR
hnWrAh2PlnCrZLXICElIM1Od8nuE230p7flV9zMCIQCo1+99vf4cbRwxmvs26aBg
5lSbnfaQHbwQIpklN+PEhw==
-----END CERTIFICATE-----
`
const opensslFingerprint = '1F:B0:A4:FC:28:87:EB:D7:29:57:22:27:BA:6F:CC:9D:16:B0:A3:08:82:23:DD:F2:13:66:0B:0E:C7:F3:97:80'

describe('pem', () => {
  it('reads the subject and the fingerprint as openssl prints them', async () => {
    const [c] = await certificates(pem)
    expect(c.fingerprint).toBe(opensslFingerprint)
    expect(c.subject).toBe('O=Signet 测试, CN=Signet Test Root')
  })

  it('splits a chain into its certificates and ignores other blocks', () => {
    expect(pemBlocks(pem + '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' + pem)).toHaveLength(2)
  })
})

describe('recipe', () => {
  it('takes the tested commands of RECIPE.md step by step', () => {
    const steps = recipeSteps()
    expect([...steps.keys()]).toEqual([1, 2, 3, 4, 5])
    expect(steps.get(1)?.[0]).toContain('unzip -q package.zip -d package')
    expect(steps.get(4)?.join('\n')).toContain('openssl dgst -sm3 -verify keys/evidence-sm2.pub.pem')
    expect(steps.get(4)?.join('\n')).toContain('openssl ts -verify -data manifest.json')
  })
})
