// The console's integration screens (under /app): templates, auto-stamping
// (API keys, stamp batches) and webhooks.
import type { RouteRecordRaw } from 'vue-router'

export const routes: RouteRecordRaw[] = []
