// Mounting helpers: the app's real messages, in a chosen language.
import { createI18n } from 'vue-i18n'
import { messages } from '../../src/i18n'

export function i18nFor(locale: 'zh-CN' | 'en' = 'zh-CN') {
  return createI18n({ legacy: false, locale, fallbackLocale: 'zh-CN', messages })
}

// flush waits for pending promises and the re-render they cause.
export async function flush(times = 3) {
  for (let i = 0; i < times; i++) await new Promise((r) => setTimeout(r, 0))
}
