// Mounting helpers for the signer tests: the app's real messages in a
// chosen language, and a way to let pending promises settle.
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

export async function flush(times = 4) {
  for (let i = 0; i < times; i++) await new Promise((r) => setTimeout(r, 0))
}
