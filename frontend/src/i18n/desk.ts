// The desk screens' messages (company console, operator console, evidence
// desk), loaded by loadDesk in index.ts with the first desk screen.
import zhConsole from './zh-CN/console'
import zhContracts from './zh-CN/contracts'
import zhSeals from './zh-CN/seals'
import zhAccount from './zh-CN/account'
import zhOps from './zh-CN/ops'
import zhEvidence from './zh-CN/evidence'
import zhEditor from './zh-CN/editor'
import zhIntegrations from './zh-CN/integrations'
import enConsole from './en/console'
import enContracts from './en/contracts'
import enSeals from './en/seals'
import enAccount from './en/account'
import enOps from './en/ops'
import enEvidence from './en/evidence'
import enEditor from './en/editor'
import enIntegrations from './en/integrations'

export const deskMessages = {
  'zh-CN': { ...zhConsole, ...zhContracts, ...zhSeals, ...zhAccount, ...zhOps, ...zhEvidence, ...zhEditor, ...zhIntegrations },
  en: { ...enConsole, ...enContracts, ...enSeals, ...enAccount, ...enOps, ...enEvidence, ...enEditor, ...enIntegrations },
}
