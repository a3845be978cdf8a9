// Every account screen reads in English too: no message key shows raw.
import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import type { Component } from 'vue'
import MembersPage from '../../../src/console/account/MembersPage.vue'
import SettingsPage from '../../../src/console/account/SettingsPage.vue'
import IdentityPage from '../../../src/console/account/IdentityPage.vue'
import AcceptInvitationPage from '../../../src/console/account/AcceptInvitationPage.vue'
import { useSession } from '../../../src/stores/session'
import { i18nFor } from '../../verify/mount'
import { ok } from './mount'

const { GET } = vi.hoisted(() => ({ GET: vi.fn() }))
vi.mock('../../../src/api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/api/client')>()
  return { ...real, api: { GET, POST: vi.fn(), use: vi.fn() } }
})

const tenant = { id: 't1', name: 'Rongcheng', status: 'active', signature_algorithm: 'sm2', sms_signature: '', default_language: 'en', created_at: '2025-01-01T00:00:00Z' }
const answers: Record<string, unknown> = {
  '/api/members': { items: [{ id: 'm1', role: 'owner', created_at: '2025-01-01T00:00:00Z', person: { id: 'p-me', email: 'me@example.com', name: 'Ming' } }] },
  '/api/invitations': { items: [{ id: 'i1', email: 'a@example.com', role: 'legal', status: 'pending', created_at: '2025-01-01T00:00:00Z', expires_at: '2025-01-08T00:00:00Z' }] },
  '/api/tenant': tenant,
  '/api/identity/organisation/history': [{ state: 'submitted', at: '2025-01-03T00:00:00Z' }],
  '/api/identity/person/history': [
    { state: 'submitted', at: '2025-01-01T00:00:00Z' },
    { state: 'rejected', at: '2025-01-02T00:00:00Z', reason: 'blurred' },
  ],
  '/api/identity/person': { id: 'v1', state: 'rejected', method: 'manual', name: 'Ming', id_number: '1101**0089', mobile: '138****0021', rejections: 1, reason: 'blurred', submitted_at: '2025-01-01T00:00:00Z', decided_at: '2025-01-02T00:00:00Z', expires_at: null },
  '/api/identity/organisation': { id: 'o1', state: 'submitted', method: 'review', name: 'Rongcheng', uscc: '91350100M000100Y43', legal_rep_name: 'Lin', legal_rep_id_number: 'x', applicant_id: 'p-me', deposit_attempts: 0, rejections: 0, submitted_at: null, decided_at: null, expires_at: null, deposit_sent_at: null, deposit_deadline: null },
}

async function text(page: Component, path: string) {
  GET.mockImplementation((p: string) => Promise.resolve(ok(answers[p])))
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:rest(.*)*', component: page }] })
  await router.push(path)
  const pinia = createPinia()
  setActivePinia(pinia)
  useSession().profile = { person: { id: 'p-me', email: 'me@example.com', name: 'Ming' }, tenant, role: 'owner' }
  const w = mount(page, { global: { plugins: [i18nFor('en'), router, pinia] } })
  await flushPromises()
  return w.text()
}

describe('the account screens in English', () => {
  it.each([
    ['members', MembersPage, '/app/members', 'Invitations'],
    ['settings', SettingsPage, '/app/settings', 'Signature algorithm'],
    ['identity', IdentityPage, '/app/identity', 'Reason: blurred'],
    ['accept', AcceptInvitationPage, '/invite?token=sit_x', 'Accept the invitation'],
  ])('%s', async (_, page, path, expected) => {
    const s = await text(page as Component, path)
    expect(s).toContain(expected)
    expect(s).not.toMatch(/\baccount\.[a-z]/)
    // The language switch names Chinese in Chinese; nothing else is.
    expect(s.replaceAll('中文', '')).not.toMatch(/[\u4e00-\u9fff]/)
  })
})
