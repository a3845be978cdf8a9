// Messages and confirmations of the seal screens, kept inside the desk
// frame: Element Plus puts them under <body> by default, where the lazily
// loaded Element Plus base styles reset the darkened colours of the desk
// theme (styles.css) to ones that fail WCAG contrast.
import { ElMessage, ElMessageBox, type ElMessageBoxOptions } from 'element-plus'
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'

function host(): HTMLElement {
  return (document.querySelector('.desk-theme') as HTMLElement | null) ?? document.body
}

export const toast = {
  success: (message: string) => ElMessage({ type: 'success', message, appendTo: host() }),
  error: (message: string) => ElMessage({ type: 'error', message, appendTo: host() }),
}

// confirmAction asks before a destructive step; it resolves true when the
// person confirms.
export async function confirmAction(message: string, title: string, confirm: string, cancel: string, opts: ElMessageBoxOptions = {}) {
  try {
    await ElMessageBox.confirm(message, title, {
      type: 'warning',
      confirmButtonText: confirm,
      cancelButtonText: cancel,
      confirmButtonClass: 'el-button--danger',
      appendTo: host(),
      ...opts,
    })
    return true
  } catch {
    return false
  }
}
