// The embedded web app's files, as a browser fetches them: gzipped, several
// at a time over kept-alive connections, in any order. Each answer must be
// the file it names; a wrong chunk breaks the app with "does not provide an
// export named ..." long after the request that poisoned it.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { gunzipSync } from 'node:zlib'
import { startServer } from './harness.mjs'

let srv
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 })

before(async () => {
  srv = await startServer('assets')
})

after(async () => {
  agent.destroy()
  await srv?.stop()
})

function get(path, gzip) {
  return new Promise((res, rej) => {
    const headers = gzip ? { 'accept-encoding': 'gzip' } : {}
    http
      .get(srv.url + path, { agent, headers }, (r) => {
        const chunks = []
        r.on('data', (c) => chunks.push(c))
        r.on('end', () => {
          const body = Buffer.concat(chunks)
          res({ status: r.statusCode, body: r.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body })
        })
      })
      .on('error', rej)
  })
}

// assets is every file under /assets/ that index.html leads to.
async function assets() {
  const index = (await get('/', false)).body.toString()
  const seen = new Set()
  const queue = [...index.matchAll(/\/assets\/[^"'\s]+/g)].map((m) => m[0])
  while (queue.length) {
    const p = queue.pop()
    if (seen.has(p)) continue
    seen.add(p)
    if (!p.endsWith('.js')) continue
    const js = (await get(p, false)).body.toString()
    for (const m of js.matchAll(/["'`(]\.?\/?(?:assets\/)?([\w.-]+-[\w-]{8}\.(?:js|css|mjs))/g)) queue.push(`/assets/${m[1]}`)
  }
  return [...seen]
}

test('every gzipped asset is the file it names, however the requests interleave', async () => {
  const names = await assets()
  assert.ok(names.length > 5, `index.html leads to the app's chunks: ${names.join(' ')}`)
  const plain = new Map()
  for (const p of names) {
    const r = await get(p, false)
    assert.equal(r.status, 200, p)
    plain.set(p, r.body)
  }
  const wrong = new Map()
  for (let round = 0; round < 15; round++) {
    const order = names.slice().sort(() => Math.random() - 0.5)
    const got = await Promise.all(order.map(async (p) => [p, (await get(p, true)).body]))
    for (const [p, body] of got) {
      if (!body.equals(plain.get(p)) && !wrong.has(p)) wrong.set(p, `${p}: from round ${round}, ${body.length} bytes instead of ${plain.get(p).length}`)
    }
  }
  assert.deepEqual([...wrong.values()], [], 'gzipped answers that are another file')
})
