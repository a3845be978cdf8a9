import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { VantResolver } from '@vant/auto-import-resolver'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import { cpSync, createReadStream, statSync } from 'node:fs'
import { join, normalize, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Plugin } from 'vite'

// pdfjsAssets puts what pdf.js fetches at run time (CMaps for CJK text,
// the standard fonts, its WebAssembly decoders and ICC profile) under
// /pdfjs/ in dist/, so the viewer needs no CDN; `npm run dev` serves them
// from node_modules.
function pdfjsAssets(): Plugin {
  const from = fileURLToPath(new URL('./node_modules/pdfjs-dist/', import.meta.url))
  const dirs = ['cmaps', 'standard_fonts', 'wasm', 'iccs']
  let outDir = 'dist'
  return {
    name: 'signet-pdfjs-assets',
    configResolved(c) {
      outDir = resolve(c.root, c.build.outDir)
    },
    writeBundle() {
      for (const d of dirs) cpSync(join(from, d), join(outDir, 'pdfjs', d), { recursive: true })
    },
    configureServer(server) {
      server.middlewares.use('/pdfjs', (req, res, next) => {
        const rel = normalize(decodeURIComponent((req.url ?? '').split('?')[0])).replace(/^([/\\]|\.\.)+/, '')
        const file = join(from, rel)
        if (!file.startsWith(from) || !dirs.includes(rel.split(/[/\\]/)[0])) return next()
        try {
          if (!statSync(file).isFile()) return next()
        } catch {
          return next()
        }
        createReadStream(file).pipe(res)
      })
    },
  }
}

// vantIconNoCDN drops the fallback URLs of Vant's icon font on
// at.alicdn.com: the font is inlined as a data: URL first, and the CSP
// (rightly) refuses every other origin, which browsers report as errors.
function vantIconNoCDN(): Plugin {
  return {
    name: 'signet-vant-icon-no-cdn',
    enforce: 'pre',
    transform(code, id) {
      if (!id.includes('vant/es/icon/index.css')) return null
      return code.replace(/,url\(\/\/at\.alicdn\.com[^)]*\) format\("[a-z0-9]+"\)/g, '')
    },
  }
}

// The app is served by the signet binary from its embedded dist/; `npm run
// dev` proxies the API to a signet serve on :8080.
export default defineConfig({
  plugins: [
    vue(),
    // Vant (phone screens) and Element Plus (desktop screens) are imported
    // per component with their styles, so a route only loads what it shows.
    Components({
      resolvers: [VantResolver(), ElementPlusResolver()],
      dts: false,
    }),
    pdfjsAssets(),
    vantIconNoCDN(),
  ],
  build: {
    target: 'es2022',
    assetsDir: 'assets',
    chunkSizeWarningLimit: 1500,
  },
  server: {
    // The evidence guide shows the tested OpenSSL recipe itself.
    fs: { allow: ['.', '../evidence/bundle'] },
    proxy: {
      '/api': 'http://localhost:8080',
      '/pki': 'http://localhost:8080',
      '/dev/sms': 'http://localhost:8080',
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['tests/**/*.test.ts'],
    server: { deps: { inline: ['vant', 'element-plus'] } },
  },
})
