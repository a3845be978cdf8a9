// How fast a signing link opens on a slow phone: the time from navigation
// to the first page of a 10-page contract drawn on the canvas, with the CPU
// slowed 4x and Chrome DevTools' "Slow 4G" network, from a cold cache; and
// how much JavaScript the phone downloads before that first page.
//
//   SIGNET_BIN=../bin/signet npm run bench:phone     (BENCH_RUNS=5)
//
// The server is started as the end-to-end tests start it (e2e/harness.mjs).
// The signer is signed in through the API beforehand and the session put in
// localStorage the way the app keeps it (src/api/tokens.ts, stores/session.ts),
// so the timing is of the contract screen, not of typing a code.
import { writeFile } from 'node:fs/promises'
import http from 'node:http'
import { join } from 'node:path'
import { ARTIFACTS, DEMO, PHONE, launch, startServer } from '../e2e/harness.mjs'

const RUNS = Number(process.env.BENCH_RUNS || 5)
const CPU_SLOWDOWN = 4
// Chrome DevTools' "Slow 4G" preset (front_end/core/sdk/NetworkManager.ts):
// 1.6 Mbit/s down and 750 kbit/s up, each times 0.9, and 150 ms x 3.75.
const SLOW_4G = {
  offline: false,
  latency: 150 * 3.75, // 562.5 ms
  downloadThroughput: ((1.6 * 1000 * 1000) / 8) * 0.9, // 180,000 B/s
  uploadThroughput: ((750 * 1000) / 8) * 0.9, // 84,375 B/s
}
const FIRST_PAGE = '[data-testid="pdf-page"][data-page="1"] canvas'
const isPdfjs = (url) => /\/assets\/pdf-[\w-]+\.m?js$/.test(url)
const isPdfWorker = (url) => /\/assets\/pdf\.worker[\w.-]*\.m?js$/.test(url)

const srv = await startServer('bench')
const browser = await launch()
try {
  const demo = await srv.api.demo({ pages: 10, verify_signer: true })
  const token = demo.signing_link.split('/s/')[1]
  const s = await srv.api.linkSession(token, DEMO.signerMobile)
  const storageState = {
    cookies: [],
    origins: [
      {
        origin: srv.url,
        localStorage: [
          {
            name: 'signet.session',
            value: JSON.stringify({ access_token: s.access_token, refresh_token: s.refresh_token, expires_at: Date.now() + s.expires_in * 1000 }),
          },
          { name: 'signet.profile', value: JSON.stringify({ person: s.person, tenant: s.tenant, role: s.role }) },
        ],
      },
    ],
  }

  const runs = []
  for (let i = 0; i < RUNS; i++) {
    const r = await run(storageState, token)
    // The worker's own script is logged with its headers only; its size is
    // that of the gzipped file the server sends.
    r.worker = r.workerURL ? await gzippedSize(r.workerURL) : 0
    runs.push(r)
    console.error(`run ${i + 1}: first page ${r.firstPage} ms, app JS ${kb(r.appJS)}, pdf.js ${kb(r.pdfjs)} + worker ${kb(r.worker)}`)
  }
  const md = table(runs)
  console.log(md)
  await writeFile(join(ARTIFACTS, 'bench-phone.md'), `${md}\n`)
} finally {
  await browser.close()
  await srv.stop()
}

// run opens the link once in a fresh context (no cache) and measures.
async function run(storageState, token) {
  const ctx = await browser.newContext({ ...PHONE, baseURL: srv.url, storageState })
  try {
    // The moment the viewer puts page 1's canvas into the page: it does so
    // only once pdf.js has finished drawing it.
    await ctx.addInitScript((sel) => {
      if (!location.pathname.startsWith('/s/')) return
      const obs = new MutationObserver(() => {
        if (document.querySelector(sel)) {
          window.__firstPage = performance.now()
          obs.disconnect()
        }
      })
      obs.observe(document, { childList: true, subtree: true })
    }, FIRST_PAGE)
    const page = await ctx.newPage()
    const cdp = await ctx.newCDPSession(page)
    const requests = new Map()
    const network = (from, method, e) => {
      const key = `${from}/${e.requestId}`
      if (method === 'Network.requestWillBeSent') requests.set(key, { url: e.request.url, type: e.type, sent: e.timestamp, from })
      const r = requests.get(key)
      if (!r) return
      if (method === 'Network.responseReceived') r.type = e.type
      if (method === 'Network.loadingFinished') Object.assign(r, { bytes: e.encodedDataLength, done: e.timestamp })
    }
    for (const m of ['Network.requestWillBeSent', 'Network.responseReceived', 'Network.loadingFinished']) cdp.on(m, (e) => network('page', m, e))
    // pdf.js's worker fetches the CMaps itself: its requests are logged by
    // its own target (the page's throttling applies to them; the worker's
    // own emulateNetworkConditions answers "Not supported").
    let msg = 1 << 20
    let workerURL
    cdp.on('Target.attachedToTarget', async (e) => {
      const send = (method) =>
        cdp.send('Target.sendMessageToTarget', { sessionId: e.sessionId, message: JSON.stringify({ id: msg++, method, params: {} }) }).catch(() => {})
      if (e.targetInfo.type === 'worker') {
        workerURL ??= isPdfWorker(e.targetInfo.url) ? e.targetInfo.url : undefined
        await send('Network.enable')
      }
      await send('Runtime.runIfWaitingForDebugger')
    })
    cdp.on('Target.receivedMessageFromTarget', (e) => {
      const m = JSON.parse(e.message)
      if (m.method?.startsWith('Network.')) network(e.sessionId, m.method, m.params)
    })
    await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: false })
    await cdp.send('Network.enable')
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
    await cdp.send('Network.emulateNetworkConditions', SLOW_4G)
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN })

    await page.goto(`/s/${token}`, { waitUntil: 'commit' })
    await page.waitForFunction(() => window.__firstPage, null, { timeout: 180_000, polling: 500 })
    const m = await page.evaluate((sel) => {
      const c = document.querySelector(sel)
      const g = c.getContext('2d')
      const d = g.getImageData(0, 0, c.width, c.height).data
      let ink = 0
      for (let i = 0; i < d.length; i += 4 * 13) if (d[i + 3] > 0 && d[i] < 160) ink++
      const nav = performance.getEntriesByType('navigation')[0]
      const fcp = performance.getEntriesByName('first-contentful-paint')[0]
      return { firstPage: window.__firstPage, fetchStart: nav.fetchStart, fcp: fcp?.startTime ?? null, ink }
    }, FIRST_PAGE)
    if (!m.ink) throw new Error('page 1 was put in place blank')

    // Network times are monotonic seconds; the page's are ms from its
    // time origin. The document's request is sent at fetchStart.
    const doc = [...requests.values()].find((r) => r.type === 'Document')
    const renderAt = doc.sent + (m.firstPage - m.fetchStart) / 1000
    const before = [...requests.values()].filter((r) => r.done !== undefined && r.done <= renderAt && /\.m?js(\?|$)/.test(r.url))
    const sum = (f) => before.filter(f).reduce((n, r) => n + r.bytes, 0)
    const all = [...requests.values()].filter((r) => r.done !== undefined)
    const cmaps = before.length && [...requests.values()].filter((r) => r.done !== undefined && r.done <= renderAt && r.url.includes('/pdfjs/'))
    // When the milestones of the load finished, in ms from navigation.
    const at = (f) => {
      const done = [...requests.values()].filter((r) => r.done !== undefined && f(r.url)).map((r) => r.done)
      return done.length ? Math.round((Math.max(...done) - doc.sent) * 1000) : null
    }
    const timeline = {
      'index.html': at((u) => u === doc.url),
      'SignPage chunk': at((u) => /\/assets\/SignPage-/.test(u)),
      'link info (/api/links/…/info)': at((u) => /\/api\/links\/[^/]+\/info$/.test(u)),
      'signer view (/api/links/…)': at((u) => /\/api\/links\/[^/]+$/.test(u)),
      'pdf.js': at(isPdfjs),
      'contract PDF': at((u) => /\/files\/[^/]+\/pdf$/.test(u)),
      CMaps: at((u) => u.includes('/pdfjs/cmaps/')),
      'first page drawn': Math.round(m.firstPage - m.fetchStart),
    }
    return {
      timeline,
      files: before.slice().sort((a, b) => a.done - b.done).map((r) => ({ url: new URL(r.url).pathname, bytes: r.bytes })),
      cmaps: cmaps.reduce((n, r) => n + r.bytes, 0),
      firstPage: Math.round(m.firstPage - m.fetchStart),
      fcp: m.fcp === null ? null : Math.round(m.fcp - m.fetchStart),
      appJS: sum((r) => !isPdfjs(r.url) && !isPdfWorker(r.url)),
      appFiles: before.filter((r) => !isPdfjs(r.url) && !isPdfWorker(r.url)).length,
      pdfjs: sum((r) => isPdfjs(r.url)),
      workerURL,
      totalBytes: all.filter((r) => r.done <= renderAt).reduce((n, r) => n + r.bytes, 0),
    }
  } finally {
    await ctx.close()
  }
}

function gzippedSize(url) {
  return new Promise((res, rej) => {
    http
      .get(url, { headers: { 'accept-encoding': 'gzip' } }, (r) => {
        let n = 0
        r.on('data', (c) => (n += c.length))
        r.on('end', () => res(n))
      })
      .on('error', rej)
  })
}

function kb(n) {
  return `${(n / 1024).toFixed(1)} KB`
}

function stats(xs) {
  const v = xs.filter((x) => x !== null).sort((a, b) => a - b)
  return { min: v[0], median: v[Math.floor(v.length / 2)], max: v[v.length - 1] }
}

function table(runs) {
  const t = stats(runs.map((r) => r.firstPage))
  const f = stats(runs.map((r) => r.fcp))
  const last = runs[runs.length - 1]
  const median = runs.slice().sort((a, b) => a.firstPage - b.firstPage)[Math.floor(runs.length / 2)]
  const bytes = (k) => {
    const { min, max } = stats(runs.map((r) => r[k]))
    return kb(min) === kb(max) ? kb(max) : `${kb(min)}–${kb(max)}`
  }
  return [
    `Signing link on a phone: 390×844 @2x, CPU ${CPU_SLOWDOWN}x slower, "Slow 4G" (latency ${SLOW_4G.latency} ms, ` +
      `down ${SLOW_4G.downloadThroughput} B/s, up ${SLOW_4G.uploadThroughput} B/s), cold cache, 10-page contract, ${runs.length} runs.`,
    '',
    '| Measure | min | median | max |',
    '|---|---:|---:|---:|',
    `| First PDF page drawn (ms from navigation) | ${t.min} | ${t.median} | ${t.max} |`,
    `| First contentful paint (ms) | ${f.min} | ${f.median} | ${f.max} |`,
    '',
    '| Downloaded before the first page is drawn (gzip, CDP encodedDataLength) | bytes |',
    '|---|---:|',
    `| App JavaScript, without pdf.js (${last.appFiles} files) | ${bytes('appJS')} |`,
    `| pdf.js | ${bytes('pdfjs')} |`,
    `| pdf.js worker (the gzipped file) | ${last.workerURL ? bytes('worker') : 'not loaded'} |`,
    `| CMaps for the Chinese fonts (fetched by the worker) | ${bytes('cmaps')} |`,
    `| Everything the page's network log has (HTML, JS, CSS, API answers, PDF, CMaps; not the worker's script) | ${bytes('totalBytes')} |`,
    '',
    `Timeline of the median run (ms from navigation to the end of each download):`,
    '',
    '| Step | ms |',
    '|---|---:|',
    ...Object.entries(median.timeline).map(([k, v]) => `| ${k} | ${v ?? '—'} |`),
    '',
    '<details><summary>JavaScript files of the last run, in the order they finished</summary>',
    '',
    '| File | gzip bytes |',
    '|---|---:|',
    ...last.files.map((f) => `| ${f.url.replace(/-[\w-]{8}(\.m?js)$/, '-*$1')} | ${f.bytes} |`),
    '',
    '</details>',
  ].join('\n')
}
