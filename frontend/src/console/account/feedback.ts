// Toasts and confirmations of the account screens. Element Plus puts both
// at the end of <body>, outside the console's desk theme, so they carry
// the theme's class themselves: its darker colours are the ones that pass
// the contrast check.
import { ElMessage, ElMessageBox } from 'element-plus'
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'

export function notify(message: string) {
  ElMessage({ type: 'success', message, customClass: 'desk-theme' })
}

// confirmDanger asks before a destructive action; it resolves true when
// the person confirmed.
export async function confirmDanger(body: string, title: string, confirm: string, cancel: string): Promise<boolean> {
  try {
    await ElMessageBox.confirm(body, title, {
      type: 'warning',
      confirmButtonText: confirm,
      cancelButtonText: cancel,
      confirmButtonClass: 'el-button--danger',
      customClass: 'desk-theme',
    })
    return true
  } catch {
    return false
  }
}
