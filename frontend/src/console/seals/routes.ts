// The console's seals screens (under /app).
import type { RouteRecordRaw } from 'vue-router'

export const routes: RouteRecordRaw[] = []
