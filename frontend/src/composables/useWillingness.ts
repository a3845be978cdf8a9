// The willingness check's state, shared by the phone and desktop screens:
// ask for the SMS code, count down to when it may be sent again, sign
// with it, and say what went wrong in words.
import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { problemMessage, toApiError } from '../api/errors'
import { useCountdown } from './useCountdown'

export interface WillingnessAPI {
  requestCode: () => Promise<{ retry_after: string }>
  sign: (code: string) => Promise<unknown>
}

// Failures after which the code that was typed is still good. A wrong
// seal PIN is refused before the server looks at the code.
const keepsCode = ['otp_mismatch', 'pin_wrong', 'network', 'rate_limited', 'validation_failed', 'malformed_json']

export function useWillingness(api: () => WillingnessAPI, onSigned: () => void) {
  const { t, te } = useI18n()
  const code = ref('')
  const sent = ref(false)
  const sending = ref(false)
  const signing = ref(false)
  const error = ref('')
  // spent says the last code was used up by a failed signing: a new one is needed.
  const spent = ref(false)
  // The problem code of the last failure, for screens that branch on it.
  const errorCode = ref('')
  const countdown = useCountdown()

  function fail(e: unknown) {
    error.value = problemMessage(e, t, te)
    errorCode.value = toApiError(e).code
  }

  async function send(): Promise<boolean> {
    sending.value = true
    error.value = ''
    errorCode.value = ''
    try {
      const r = await api().requestCode()
      sent.value = true
      spent.value = false
      code.value = ''
      countdown.start(r.retry_after)
      return true
    } catch (e) {
      fail(e)
      return false
    } finally {
      sending.value = false
    }
  }

  async function sign() {
    if (code.value.length !== 6 || signing.value) return
    signing.value = true
    error.value = ''
    errorCode.value = ''
    spent.value = false
    try {
      await api().sign(code.value)
      onSigned()
    } catch (e) {
      fail(e)
      // Only a mistyped code can be corrected; after anything else the
      // server has used the code up (or never had one), so ask for a new one.
      if (!keepsCode.includes(errorCode.value)) {
        code.value = ''
        spent.value = true
      }
    } finally {
      signing.value = false
    }
  }

  // reset forgets a sent code, e.g. when the mark it was bound to changes.
  function reset() {
    sent.value = false
    spent.value = false
    code.value = ''
    error.value = ''
    errorCode.value = ''
    countdown.stop()
  }

  return { code, sent, spent, sending, signing, error, errorCode, countdown, send, sign, reset }
}
