import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import SettingsPage from '../../../src/console/account/SettingsPage.vue'
import { useSession } from '../../../src/stores/session'
import { fail, ok, render } from './mount'

const { GET, PATCH, POST, confirmDanger, notify } = vi.hoisted(() => ({
  GET: vi.fn(), PATCH: vi.fn(), POST: vi.fn(), confirmDanger: vi.fn(), notify: vi.fn(),
}))
vi.mock('../../../src/api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/api/client')>()
  return { ...real, api: { GET, PATCH, POST, use: vi.fn() } }
})
vi.mock('../../../src/console/shared/feedback', () => ({ confirmDanger, toast: { success: notify, error: vi.fn() } }))

const tenant = {
  id: 't1', name: '榕城数据', status: 'active', signature_algorithm: 'sm2', sms_signature: '', default_language: 'zh-CN', created_at: '2025-01-01T00:00:00Z',
}

describe('SettingsPage', () => {
  beforeEach(() => {
    for (const f of [GET, PATCH, POST, confirmDanger, notify]) f.mockReset()
    GET.mockResolvedValue(ok(tenant))
  })

  it('shows the settings, each control labelled, and explains both algorithms', async () => {
    const { w } = await render(SettingsPage, '/app/settings')
    await flushPromises()
    expect(GET).toHaveBeenCalledWith('/api/tenant')
    expect((w.get('input[data-testid="settings-name"]').element as HTMLInputElement).value).toBe('榕城数据')
    for (const id of ['settings-name', 'settings-sms']) {
      const input = w.get(`input[data-testid="${id}"]`)
      expect(w.find(`label[for="${input.attributes('id')}"]`).exists()).toBe(true)
    }
    expect(w.find('label[for="settings-language"]').exists()).toBe(true)
    expect(w.get('[data-testid="settings-algorithm-sm2"]').text()).toContain('国密')
    expect(w.get('[data-testid="settings-algorithm-ecdsa"]').text()).toContain('P-256')
    // Nothing changed yet: nothing to save.
    expect(w.get('[data-testid="settings-save"]').attributes('disabled')).toBeDefined()
  })

  it('sends only what changed and shows what the server saved', async () => {
    PATCH.mockResolvedValue(ok({ ...tenant, name: '榕城', signature_algorithm: 'ecdsa' }))
    const { w } = await render(SettingsPage, '/app/settings')
    await flushPromises()
    await w.get('input[data-testid="settings-name"]').setValue('榕城')
    await w.get('[data-testid="settings-algorithm-ecdsa"] input').setValue(true)
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(PATCH).toHaveBeenCalledWith('/api/tenant', { body: { name: '榕城', signature_algorithm: 'ecdsa' } })
    expect(notify).toHaveBeenCalledWith('设置已保存')
    expect(useSession().tenant?.name).toBe('榕城')
  })

  it('shows a refused SMS signature next to its field', async () => {
    PATCH.mockResolvedValue(fail(422, { code: 'validation_failed', errors: [{ field: 'sms_signature', code: 'invalid', message: 'must not contain brackets' }] }))
    const { w } = await render(SettingsPage, '/app/settings')
    await flushPromises()
    await w.get('input[data-testid="settings-sms"]').setValue('【榕城】')
    expect(w.get('[data-testid="settings-sms-preview"]').text()).toContain('【【榕城】】')
    await w.get('form').trigger('submit')
    await flushPromises()
    const input = w.get('input[data-testid="settings-sms"]')
    expect(input.attributes('aria-invalid')).toBe('true')
    expect(w.get(`#${input.attributes('aria-describedby')}`).text()).toContain('不含括号')
    expect(w.get('[data-testid="settings-error"]').text()).toContain('请检查')
  })

  it('lets a member who is no manager read, not change', async () => {
    const { w } = await render(SettingsPage, '/app/settings', 'member')
    await flushPromises()
    expect(w.find('[data-testid="settings-save"]').exists()).toBe(false)
    expect(w.get('input[data-testid="settings-name"]').attributes('disabled')).toBeDefined()
    expect(w.text()).toContain('只有所有者和管理员可以修改企业设置')
  })

  it('logs out everywhere only after a confirmation, then goes to log in', async () => {
    POST.mockResolvedValue(ok(undefined, 204))
    const { w, router } = await render(SettingsPage, '/app/settings')
    await flushPromises()
    confirmDanger.mockResolvedValueOnce(false)
    await w.get('[data-testid="revoke-all"]').trigger('click')
    await flushPromises()
    expect(POST).not.toHaveBeenCalled()

    confirmDanger.mockResolvedValueOnce(true)
    await w.get('[data-testid="revoke-all"]').trigger('click')
    await flushPromises()
    expect(POST).toHaveBeenCalledWith('/api/auth/revoke-all')
    expect(useSession().signedIn).toBe(false)
    expect(router.currentRoute.value.path).toBe('/login')
  })
})
