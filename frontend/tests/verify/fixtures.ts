// Reports shaped like POST /api/verify's, for component tests.
import type { Check, SignatureReport, VerificationReport } from '../../src/composables/useVerify'

const pass = (id: string, detail: string): Check => ({ id, status: 'pass', detail })

export function signature(over: Partial<SignatureReport> = {}): SignatureReport {
  return {
    kind: 'signature',
    field: 'Signet-1',
    signer: 'CN=示例科技有限公司,OU=91110000600037341L,O=示例科技有限公司,C=CN',
    issuer: 'CN=Signet Platform SM2 Issuing CA,O=Signet,C=CN',
    serial: '3ce4608de5ef61cab340e3ec19b79670',
    algorithm: 'ECDSA',
    signing_time: '2025-03-01T08:00:19Z',
    timestamp_time: '2025-03-01T08:00:20Z',
    intact: true,
    trusted: true,
    revoked_at_signing: false,
    changed_after: 'unchanged',
    seal: { present: true, seal_name: '示例科技有限公司合同专用章', esid: 'e-1', signature_valid: true, signer_matches: true, picture_matches: true },
    level: 'B-LTA',
    proven_at: '2025-03-01T08:10:00Z',
    revocation: [],
    warnings: [],
    valid: true,
    checks: [
      pass('signer', 'CN=示例科技有限公司,OU=91110000600037341L,O=示例科技有限公司,C=CN'),
      pass('certificate', 'issued by CN=Signet Platform SM2 Issuing CA; valid 2025-01-01 to 2027-01-01; chains to the platform\'s root'),
      pass('revocation', 'not revoked when the signature was made'),
      pass('integrity', 'the signed digest matches bytes 0–69121 of 69999'),
      pass('changes', 'unchanged'),
      pass('seal', 'seal "示例科技有限公司合同专用章" (e-1): its SES signature verifies'),
      pass('timestamp', '2025-03-01T08:00:20Z by CN=Signet TSA'),
      pass('longterm', 'PAdES B-LTA: the document carries the revocation status (signer ocsp, tsa crl), and a document time-stamp at 2025-03-01T08:10:00Z covers it'),
    ],
    ...over,
  }
}

// The SM3 of the final PDF in these tests.
export const finalSM3 = '12aabc1315509fa12bb65761004a8d96a655202bde71c63375c948b6985f86f8'

export const validReport: VerificationReport = {
  verdict: 'valid',
  sm3: finalSM3,
  signatures: [
    signature(),
    signature({
      field: 'Signet-2',
      signer: 'SERIALNUMBER=psn-1,CN=王五,C=CN',
      seal: { present: false, signature_valid: false, signer_matches: false, picture_matches: false },
      checks: signature().checks.map((c) =>
        c.id === 'seal' ? { id: 'seal', status: 'n/a', detail: 'this signature carries no electronic seal' } : c.id === 'changes' ? { ...c, detail: 'further signatures only' } : c,
      ),
    }),
  ],
}

export const tamperedReport: VerificationReport = {
  verdict: 'invalid',
  sm3: '9c1f1bd4e8a4b0fe3b6a1e6f2d9de0c8f4d7d1e6b1e3c0a2f7b5d9e8c6a4b2f0',
  signatures: [
    signature({
      intact: false,
      valid: false,
      changed_after: 'modified',
      problem: 'the document was modified after this signature: page 1 content changed',
      checks: signature().checks.map((c) =>
        c.id === 'integrity'
          ? { id: 'integrity', status: 'fail', detail: 'the signed digest does not match the document' }
          : c.id === 'changes'
            ? { id: 'changes', status: 'fail', detail: 'the document was modified after this signature: page 1 content changed' }
            : c,
      ),
    }),
  ],
}

export const unsignedReport: VerificationReport = { verdict: 'unsigned', sm3: 'c772dcbf4f68acd0b90acb59d2128b2c95ecc8e91983979c80bf9f4bbcfaba7e', signatures: [] }

// A completed contract's final PDF: a signature, then the archive's
// document time-stamp, after which only validation data was added.
export const archivedReport: VerificationReport = {
  verdict: 'valid',
  sm3: finalSM3,
  signatures: [
    signature({ checks: signature().checks.map((c) => (c.id === 'changes' ? { ...c, detail: 'further signatures only' } : c)) }),
    signature({
      kind: 'document-timestamp',
      field: 'DocTimeStamp2',
      signer: 'CN=Signet Platform TSA,O=Signet,C=CN',
      algorithm: 'ECDSA',
      signing_time: undefined,
      level: undefined,
      changed_after: 'validation data only',
      seal: { present: false, signature_valid: false, signer_matches: false, picture_matches: false },
      checks: signature().checks.map((c) =>
        c.id === 'seal'
          ? { id: 'seal', status: 'n/a', detail: 'a document time-stamp carries no electronic seal' }
          : c.id === 'changes'
            ? { ...c, detail: 'validation data only' }
            : c,
      ),
    }),
  ],
}
