import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import InviteDialog from '../../../src/console/account/InviteDialog.vue'
import { i18nFor } from '../../verify/mount'
import { fail, ok } from './mount'

const { POST, notify } = vi.hoisted(() => ({ POST: vi.fn(), notify: vi.fn() }))
vi.mock('../../../src/api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/api/client')>()
  return { ...real, api: { POST, GET: vi.fn(), use: vi.fn() } }
})
vi.mock('../../../src/console/shared/feedback', () => ({ toast: { success: notify, error: vi.fn() }, confirmDanger: vi.fn() }))

const created = {
  id: 'i1', email: 'wu@example.com', role: 'legal', status: 'pending', created_at: '2025-03-01T08:00:00Z', expires_at: '2025-03-08T08:00:00Z',
  token: 'sit_abc', accept_url: 'https://signet.example/invite?token=sit_abc',
}

async function open(owner = true) {
  const w = mount(InviteDialog, { props: { modelValue: false, owner }, global: { plugins: [i18nFor('zh-CN')] }, attachTo: document.body })
  await w.setProps({ modelValue: true })
  await flushPromises()
  return w
}
function q<T extends Element = HTMLElement>(sel: string) {
  return document.body.querySelector<T>(sel)
}

describe('InviteDialog', () => {
  beforeEach(() => {
    POST.mockReset()
    notify.mockReset()
    document.body.innerHTML = ''
  })

  it('labels its fields and offers owner only to owners', async () => {
    let w = await open(true)
    const email = q('input[data-testid="invite-email"]')!
    expect(q(`label[for="${email.id}"]`)).not.toBeNull()
    expect(q('label[for="invite-role"]')).not.toBeNull()
    expect(w.findAllComponents({ name: 'ElOption' }).map((o) => o.props('value'))).toEqual(['owner', 'admin', 'member', 'legal'])
    w.unmount()
    w = await open(false)
    expect(w.findAllComponents({ name: 'ElOption' }).map((o) => o.props('value'))).toEqual(['admin', 'member', 'legal'])
  })

  it('checks the address before asking the server', async () => {
    await open()
    q<HTMLButtonElement>('[data-testid="invite-submit"]')!.click()
    await flushPromises()
    expect(POST).not.toHaveBeenCalled()
    expect(q('input[data-testid="invite-email"]')!.getAttribute('aria-invalid')).toBe('true')
  })

  it('creates the invitation and shows its one-time link with a copy button', async () => {
    POST.mockResolvedValue(ok(created, 201))
    const writeText = vi.fn().mockResolvedValue(undefined)
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
    const w = await open()
    const input = w.find<HTMLInputElement>('input[data-testid="invite-email"]')
    await input.setValue('wu@example.com')
    w.findComponent({ name: 'ElSelect' }).vm.$emit('update:modelValue', 'legal')
    await flushPromises()
    q<HTMLButtonElement>('[data-testid="invite-submit"]')!.click()
    await flushPromises()
    expect(POST).toHaveBeenCalledWith('/api/invitations', { body: { email: 'wu@example.com', role: 'legal' } })
    expect(q<HTMLInputElement>('[data-testid="invite-url"]')!.value).toBe(created.accept_url)
    expect(w.emitted('invited')![0][0]).toMatchObject({ id: 'i1' })
    q<HTMLButtonElement>('[data-testid="invite-copy"]')!.click()
    await flushPromises()
    expect(writeText).toHaveBeenCalledWith(created.accept_url)
    expect(notify).toHaveBeenCalled()
  })

  it('says so when the person is already a member', async () => {
    POST.mockResolvedValue(fail(409, { code: 'already_member' }))
    const w = await open()
    await w.find('input[data-testid="invite-email"]').setValue('me@example.com')
    q<HTMLButtonElement>('[data-testid="invite-submit"]')!.click()
    await flushPromises()
    expect(q('[data-testid="invite-error"]')!.textContent).toContain('已是本企业成员')
    expect(q('[data-testid="invite-url"]')).toBeNull()
  })
})
