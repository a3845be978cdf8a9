import { describe, expect, it } from 'vitest'
import { defineComponent, h, ref } from 'vue'
import { mount } from '@vue/test-utils'
import OtpInput from '../../src/components/OtpInput.vue'
import { flush, i18nFor } from '../signer/mount'

// A parent holding the v-model, as the screens do.
function render(initial = '') {
  const value = ref(initial)
  const completed: string[] = []
  const Host = defineComponent({
    setup: () => () =>
      h(OtpInput, {
        modelValue: value.value,
        'onUpdate:modelValue': (v: string) => (value.value = v),
        onComplete: (v: string) => completed.push(v),
        label: 'code',
      }),
  })
  const w = mount(Host, { attachTo: document.body, global: { plugins: [i18nFor('en')] } })
  return { w, value, completed, boxes: () => w.findAll('input') }
}

describe('OtpInput', () => {
  it('renders six labelled numeric boxes, the first offering one-time-code autofill', () => {
    const { w, boxes } = render()
    expect(w.get('[data-testid="otp-input"]').attributes('role')).toBe('group')
    expect(boxes()).toHaveLength(6)
    for (const [i, b] of boxes().entries()) {
      expect(b.attributes('inputmode')).toBe('numeric')
      expect(b.attributes('aria-label')).toBe(`Digit ${i + 1} of 6`)
    }
    expect(boxes()[0].attributes('autocomplete')).toBe('one-time-code')
    expect(boxes()[1].attributes('autocomplete')).toBe('off')
    w.unmount()
  })

  it('types digit by digit, moving to the next box, and reports the complete code', async () => {
    const { w, value, completed, boxes } = render()
    for (const [i, d] of ['1', '2', '3', '4', '5', '6'].entries()) {
      await boxes()[i].trigger('keydown', { key: d })
      await flush(1)
    }
    expect(value.value).toBe('123456')
    expect(completed).toEqual(['123456'])
    expect(boxes().map((b) => (b.element as HTMLInputElement).value)).toEqual(['1', '2', '3', '4', '5', '6'])
    w.unmount()
  })

  it('takes input events too (mobile keyboards), ignoring letters', async () => {
    const { w, value, boxes } = render()
    await boxes()[0].setValue('7')
    await boxes()[1].setValue('x')
    await boxes()[1].setValue('8')
    expect(value.value).toBe('78')
    w.unmount()
  })

  it('fills every box from a pasted code, whatever box has focus', async () => {
    const { w, value, completed, boxes } = render()
    const paste = new Event('paste', { bubbles: true, cancelable: true }) as ClipboardEvent
    Object.defineProperty(paste, 'clipboardData', { value: { getData: () => ' 654 321 ' } })
    boxes()[3].element.dispatchEvent(paste)
    await flush(1)
    expect(value.value).toBe('654321')
    expect(completed).toEqual(['654321'])
    expect(paste.defaultPrevented).toBe(true)
    w.unmount()
  })

  it('fills every box when the browser autofills the whole code into the first', async () => {
    const { w, value, boxes } = render()
    await boxes()[0].setValue('246810')
    expect(value.value).toBe('246810')
    w.unmount()
  })

  it('Backspace clears the box, and in an empty box clears and goes back to the one before', async () => {
    const { w, value, boxes } = render('1234')
    await flush(1)
    await boxes()[3].trigger('keydown', { key: 'Backspace' })
    expect(value.value).toBe('123')
    await flush(1)
    await boxes()[3].trigger('keydown', { key: 'Backspace' })
    expect(value.value).toBe('12')
    await flush(1)
    expect(document.activeElement).toBe(boxes()[2].element)
    w.unmount()
  })
})
