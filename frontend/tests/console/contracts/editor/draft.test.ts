import { describe, expect, it } from 'vitest'
import { check, placeApiField, request, useDraft, validMobile } from '../../../../src/console/contracts/editor/draft'

function ready(d: ReturnType<typeof useDraft>, name: string, id: string, pages = 3) {
  d.state.documents.push({ key: `k-${id}`, name, size: 1000, state: 'ready', progress: 100, office: false, error: '', id, pages })
  return `k-${id}`
}

describe('draft', () => {
  it('numbers signing steps, with parallel signers in the same step', () => {
    const d = useDraft()
    const a = d.addParty('signer', 'person')
    const b = d.addParty('signer', 'organization')
    const c = d.addParty('signer', 'organization')
    expect(d.orders()).toEqual([1, 2, 3])
    d.state.signers[2].parallel = true
    expect(d.orders()).toEqual([1, 2, 2])
    // Moving the parallel signer to the top makes it sign first, alone.
    d.moveSigner(c.key, -1)
    d.moveSigner(c.key, -1)
    expect(d.state.signers.map((p) => p.key)).toEqual([c.key, a.key, b.key])
    expect(d.orders()).toEqual([1, 2, 3])
    d.reorder(2, 0)
    expect(d.state.signers.map((p) => p.key)).toEqual([b.key, c.key, a.key])
  })

  it('builds the request in the API’s terms: document indexes, orders, fields in points', () => {
    const d = useDraft()
    const doc1 = ready(d, 'a.pdf', 'F1')
    const doc2 = ready(d, 'b.pdf', 'F2', 1)
    d.state.title = '  采购合同 '
    const org = d.addParty('signer', 'organization', { orgName: '闽江贸易', orgUscc: '91350100m000100y43', name: '陈静', mobile: '138 0000 0009' })
    const person = d.addParty('signer', 'person', { name: '王五', mobile: '13800000002', lang: 'en', parallel: true })
    d.addParty('cc', 'person', { name: '李四', mobile: '13800000004' })
    d.addField({ party: org.key, kind: 'seal', doc: doc2, page: 1, x: 10, y: 20, w: 119, h: 119 })
    d.addField({ party: person.key, kind: 'signature', doc: doc1, page: 3, x: 1, y: 2, w: 120, h: 48 })
    d.addField({ party: person.key, kind: 'date', doc: doc1, page: 0, x: 0, y: 0, w: 110, h: 16, anchor: 'Date:', anchorIndex: 2, offsetX: 40, offsetY: -2 })
    d.setCrossPage(org.key, true)
    d.state.remind = false
    const { body, map } = request(d, true)
    expect(body).toEqual({
      title: '采购合同',
      document_ids: ['F1', 'F2'],
      deadline_days: 30,
      remind_every_hours: 0,
      send: true,
      parties: [
        {
          role: 'signer', kind: 'organization', order: 1, name: '陈静', mobile: '13800000009', org_name: '闽江贸易', org_uscc: '91350100M000100Y43',
          // The cross-page seal only on the document with two pages or more.
          fields: [{ kind: 'seal', document: 1, page: 1, x: 10, y: 20, w: 119, h: 119 }, { kind: 'cross_page', document: 0 }],
        },
        {
          role: 'signer', kind: 'person', order: 1, name: '王五', mobile: '13800000002', lang: 'en',
          fields: [
            { kind: 'signature', document: 0, page: 3, x: 1, y: 2, w: 120, h: 48 },
            { kind: 'date', document: 0, anchor: 'Date:', anchor_index: 2, offset_x: 40, offset_y: -2 },
          ],
        },
        { role: 'cc', kind: 'person', name: '李四', mobile: '13800000004' },
      ],
    })
    expect(map.docs).toEqual([doc1, doc2])
    expect(map.parties[1]).toBe(person.key)
    expect(placeApiField('parties[1].mobile', map)).toBe(`party:${person.key}.mobile`)
    expect(placeApiField('parties[1].fields[1].anchor', map)).toBe(`field:${map.fields[1][1]}`)
    expect(placeApiField('document_ids[1]', map)).toBe(`doc:${doc2}`)
    expect(placeApiField('document_ids', map)).toBe('documents')
    expect(placeApiField('parties[7].name', map)).toBe('')
  })

  it('finds what the API would refuse before sending', () => {
    const d = useDraft()
    expect(check(d)).toEqual({ title: 'editor.errors.title', documents: 'editor.errors.noDocuments', parties: 'editor.errors.noSigners' })
    const doc = ready(d, 'a.pdf', 'F1')
    const doc2 = ready(d, 'b.pdf', 'F2')
    d.state.title = '合同'
    const p = d.addParty('signer', 'person', { name: '王五', mobile: '12345' })
    const o = d.addParty('signer', 'organization', { orgName: '某公司', orgUscc: '91350100M000100Y44' })
    const own = d.addParty('signer', 'organization', { own: true, orgName: '本公司', orgUscc: '91350100M000100Y43' })
    d.addField({ party: p.key, kind: 'date', doc, page: 1, x: 0, y: 0, w: 110, h: 16 })
    d.addField({ party: own.key, kind: 'seal', doc, page: 1, x: 0, y: 0, w: 119, h: 119 })
    expect(check(d)).toEqual({
      [`party:${p.key}.mobile`]: 'editor.errors.mobile',
      // A date alone is not a signature.
      [`party:${p.key}.fields`]: 'editor.errors.needSignature',
      [`party:${o.key}.org_uscc`]: 'editor.errors.uscc',
      [`party:${o.key}.mobile`]: 'editor.errors.contactMobile',
      [`party:${o.key}.fields`]: 'editor.errors.needSeal',
      [`doc:${doc2}`]: 'editor.errors.unsignedDocument',
    })
    d.state.documents[0].state = 'processing'
    expect(check(d).documents).toBe('editor.errors.uploading')
  })

  it('drops the fields of a removed party or document, and of the other kind', () => {
    const d = useDraft()
    const doc = ready(d, 'a.pdf', 'F1')
    const p = d.addParty('signer', 'person')
    d.addField({ party: p.key, kind: 'signature', doc, page: 1, x: 0, y: 0, w: 1, h: 1 })
    d.addField({ party: p.key, kind: 'date', doc, page: 1, x: 0, y: 0, w: 1, h: 1 })
    d.setKind(p.key, 'organization')
    expect(d.state.fields.map((f) => f.kind)).toEqual(['date'])
    d.removeDocument(doc)
    expect(d.state.fields).toEqual([])
    // A cross-page seal chosen before a document arrives covers it too.
    const o = d.addParty('signer', 'organization')
    d.setCrossPage(o.key, true)
    expect(d.state.fields).toEqual([])
    ready(d, 'b.pdf', 'F2', 2)
    d.refreshCrossPages()
    expect(d.state.fields.map((f) => [f.kind, f.doc])).toEqual([['cross_page', 'k-F2']])
  })

  it('knows a mobile number when it sees one', () => {
    expect(validMobile('138 0000 0002')).toBe(true)
    expect(validMobile('+86 13800000002')).toBe(true)
    expect(validMobile('+442071234567')).toBe(true)
    expect(validMobile('12800000002')).toBe(false)
    expect(validMobile('010-12345678')).toBe(false)
  })
})
