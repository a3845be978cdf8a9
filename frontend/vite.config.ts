import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { VantResolver } from '@vant/auto-import-resolver'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

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
  ],
  build: {
    target: 'es2022',
    assetsDir: 'assets',
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: {
      '/api': 'http://localhost:8080',
      '/pki': 'http://localhost:8080',
      '/dev/sms.json': 'http://localhost:8080',
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['tests/**/*.test.ts'],
    server: { deps: { inline: ['vant', 'element-plus'] } },
  },
})
