// Toasts and confirmations of the desk screens. Element Plus puts both at
// the end of <body>; the desk theme's colours reach them from html:root
// (styles.css), so nothing here needs to move them.
import { ElMessage, ElMessageBox, type ElMessageBoxOptions } from 'element-plus'
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'

export const toast = {
  success: (message: string) => ElMessage({ type: 'success', message }),
  error: (message: string) => ElMessage({ type: 'error', message }),
}

// confirmDanger asks before a destructive step; it resolves true when the
// person confirms.
export async function confirmDanger(message: string, title: string, confirm: string, cancel: string, opts: ElMessageBoxOptions = {}) {
  try {
    await ElMessageBox.confirm(message, title, {
      type: 'warning',
      confirmButtonText: confirm,
      cancelButtonText: cancel,
      confirmButtonClass: 'el-button--danger',
      ...opts,
    })
    return true
  } catch {
    return false
  }
}
