// Mounting helpers: the app's real messages, in a chosen language.
import { createI18n } from 'vue-i18n'
import { messages as base } from '../../src/i18n'
import { deskMessages } from '../../src/i18n/desk'

// Every message, the desk's included.
const messages = {
  'zh-CN': { ...base['zh-CN'], ...deskMessages['zh-CN'] },
  en: { ...base.en, ...deskMessages.en },
}

export function i18nFor(locale: 'zh-CN' | 'en' = 'zh-CN') {
  return createI18n({ legacy: false, locale, fallbackLocale: 'zh-CN', messages })
}

// flush waits for pending promises and the re-render they cause.
export async function flush(times = 3) {
  for (let i = 0; i < times; i++) await new Promise((r) => setTimeout(r, 0))
}
