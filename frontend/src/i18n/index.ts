import { createI18n } from 'vue-i18n'
import zhCommon from './zh-CN/common'
import zhSigner from './zh-CN/signer'
import zhVerify from './zh-CN/verify'
import zhInbox from './zh-CN/inbox'
import zhOnboarding from './zh-CN/onboarding'
import zhConsole from './zh-CN/console'
import zhContracts from './zh-CN/contracts'
import zhSeals from './zh-CN/seals'
import zhAccount from './zh-CN/account'
import zhOps from './zh-CN/ops'
import zhEvidence from './zh-CN/evidence'
import zhEditor from './zh-CN/editor'
import zhIntegrations from './zh-CN/integrations'
import enCommon from './en/common'
import enSigner from './en/signer'
import enVerify from './en/verify'
import enInbox from './en/inbox'
import enOnboarding from './en/onboarding'
import enConsole from './en/console'
import enContracts from './en/contracts'
import enSeals from './en/seals'
import enAccount from './en/account'
import enOps from './en/ops'
import enEvidence from './en/evidence'
import enEditor from './en/editor'
import enIntegrations from './en/integrations'

// Messages are split by screen group so each group's keys live in one file
// per language; zh-CN is the source and en must have the same keys (a unit
// test compares them).
export const messages = {
  'zh-CN': {
    ...zhCommon, ...zhSigner, ...zhVerify, ...zhInbox, ...zhOnboarding,
    ...zhConsole, ...zhContracts, ...zhSeals, ...zhAccount, ...zhOps, ...zhEvidence, ...zhEditor, ...zhIntegrations,
  },
  en: {
    ...enCommon, ...enSigner, ...enVerify, ...enInbox, ...enOnboarding,
    ...enConsole, ...enContracts, ...enSeals, ...enAccount, ...enOps, ...enEvidence, ...enEditor, ...enIntegrations,
  },
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
