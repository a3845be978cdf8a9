import { createI18n } from 'vue-i18n'
import zhCommon from './zh-CN/common'
import zhSigner from './zh-CN/signer'
import zhVerify from './zh-CN/verify'
import zhInbox from './zh-CN/inbox'
import zhOnboarding from './zh-CN/onboarding'
import enCommon from './en/common'
import enSigner from './en/signer'
import enVerify from './en/verify'
import enInbox from './en/inbox'
import enOnboarding from './en/onboarding'

// Messages are split by screen group so each group's keys live in one file
// per language; zh-CN is the source and en must have the same keys (a unit
// test compares them). These are the ones the signer's phone and the public
// pages need; the desk screens' (console, operators, evidence) are in
// desk.ts and load with the first desk screen, so a signing link does not
// download them.
export const messages = {
  'zh-CN': { ...zhCommon, ...zhSigner, ...zhVerify, ...zhInbox, ...zhOnboarding },
  en: { ...enCommon, ...enSigner, ...enVerify, ...enInbox, ...enOnboarding },
}

export type Locale = keyof typeof messages
export const locales: Locale[] = ['zh-CN', 'en']
const storageKey = 'signet.locale'

// initialLocale is the one the person chose before, else the browser's
// language when it is English, else Chinese.
export function initialLocale(): Locale {
  const saved = globalThis.localStorage?.getItem(storageKey)
  if (saved === 'en' || saved === 'zh-CN') return saved
  const nav = globalThis.navigator?.language ?? ''
  return nav.toLowerCase().startsWith('en') ? 'en' : 'zh-CN'
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'zh-CN',
  messages,
})

export function setLocale(l: Locale) {
  i18n.global.locale.value = l
  globalThis.localStorage?.setItem(storageKey, l)
}

let desk: Promise<void> | null = null

// loadDesk adds the desk screens' messages, once.
export function loadDesk(): Promise<void> {
  desk ??= import('./desk').then(({ deskMessages }) => {
    for (const l of locales) i18n.global.mergeLocaleMessage(l, deskMessages[l])
  })
  return desk
}
