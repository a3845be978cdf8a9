// The operator console's screens (under /ops, platform operators only).
import type { RouteRecordRaw } from 'vue-router'

export const routes: RouteRecordRaw[] = []
