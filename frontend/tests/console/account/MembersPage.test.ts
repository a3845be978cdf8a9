import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import MembersPage from '../../../src/console/account/MembersPage.vue'
import { fail, ok, render } from './mount'

const { GET, PATCH, DELETE, POST, confirmDanger, notify } = vi.hoisted(() => ({
  GET: vi.fn(), PATCH: vi.fn(), DELETE: vi.fn(), POST: vi.fn(), confirmDanger: vi.fn(), notify: vi.fn(),
}))
vi.mock('../../../src/api/client', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/api/client')>()
  return { ...real, api: { GET, PATCH, DELETE, POST, use: vi.fn() } }
})
vi.mock('../../../src/console/shared/feedback', () => ({ confirmDanger, toast: { success: notify, error: vi.fn() } }))

const member = (id: string, name: string, role: string) => ({
  id, role, created_at: '2025-03-01T08:00:00Z', person: { id: 'p-' + id, email: `${id}@example.com`, name },
})
const me = { ...member('me', '郑明', 'owner'), person: { id: 'p-me', email: 'me@example.com', name: '郑明' } }
const invitation = (id: string, email: string, status: string) => ({
  id, email, role: 'member', status, created_at: '2025-03-01T08:00:00Z', expires_at: '2025-03-08T08:00:00Z',
})

function lists(members: unknown[], invitations: unknown[] = [], next = '') {
  GET.mockImplementation((path: string) =>
    Promise.resolve(path === '/api/members' ? ok({ items: members, next_cursor: next }) : ok({ items: invitations })),
  )
}

describe('MembersPage', () => {
  beforeEach(() => {
    for (const f of [GET, PATCH, DELETE, POST, confirmDanger, notify]) f.mockReset()
  })

  it('lists the members and, for a manager, the invitations', async () => {
    lists([me, member('m2', '吴芳', 'legal')], [invitation('i1', 'a@example.com', 'pending'), invitation('i2', 'b@example.com', 'accepted')])
    const { w } = await render(MembersPage, '/app/members')
    await flushPromises()
    expect(GET).toHaveBeenCalledWith('/api/members', { params: { query: { limit: 50 } } })
    const rows = w.findAll('[data-testid="member-row"]')
    expect(rows.map((r) => r.attributes('data-role'))).toEqual(['owner', 'legal'])
    expect(rows[0].text()).toContain('（我）')
    // Nobody removes themselves from here; the colleague can be removed.
    expect(rows[0].find('[data-testid="member-remove"]').exists()).toBe(false)
    expect(rows[1].find('[data-testid="member-remove"]').exists()).toBe(true)
    const invites = w.findAll('[data-testid="invitation-row"]')
    expect(invites[0].text()).toContain('待接受')
    expect(invites[0].find('[data-testid="invitation-revoke"]').exists()).toBe(true)
    expect(invites[1].find('[data-testid="invitation-revoke"]').exists()).toBe(false)
    // Every role control has a name.
    for (const s of w.findAll('[data-testid="member-role"] input')) expect(s.attributes('aria-label')).toMatch(/的角色$/)
  })

  it('shows a member who is no manager the list only', async () => {
    lists([me, member('m2', '吴芳', 'owner')])
    const { w } = await render(MembersPage, '/app/members', 'legal')
    await flushPromises()
    expect(GET).toHaveBeenCalledTimes(1) // no invitations: the API refuses them to non-managers
    expect(w.find('[data-testid="member-role"]').exists()).toBe(false)
    expect(w.find('[data-testid="invite-open"]').exists()).toBe(false)
    expect(w.text()).toContain('只有所有者和管理员可以变更成员')
  })

  it('does not let an admin touch an owner', async () => {
    lists([member('o1', '郑明', 'owner'), member('m2', '吴芳', 'member')])
    const { w } = await render(MembersPage, '/app/members', 'admin')
    await flushPromises()
    const rows = w.findAll('[data-testid="member-row"]')
    expect(rows[0].find('[data-testid="member-role"]').exists()).toBe(false)
    expect(rows[0].get('[data-testid="member-role-text"]').text()).toBe('所有者')
    expect(rows[1].find('[data-testid="member-role"]').exists()).toBe(true)
  })

  it('changes a role and shows the saved one', async () => {
    lists([me, member('m2', '吴芳', 'legal')])
    PATCH.mockResolvedValue(ok(member('m2', '吴芳', 'admin')))
    const { w } = await render(MembersPage, '/app/members')
    await flushPromises()
    const select = w.findAllComponents({ name: 'ElSelect' })[1]
    select.vm.$emit('update:modelValue', 'admin')
    await flushPromises()
    expect(PATCH).toHaveBeenCalledWith('/api/members/{memberID}', { params: { path: { memberID: 'm2' } }, body: { role: 'admin' } })
    expect(w.findAll('[data-testid="member-row"]')[1].attributes('data-role')).toBe('admin')
    expect(notify).toHaveBeenCalledWith(expect.stringContaining('管理员'))
  })

  it('says why the API refused a role change and keeps the old role', async () => {
    lists([me, member('m2', '吴芳', 'legal')])
    PATCH.mockResolvedValue(fail(409, { code: 'last_owner' }))
    const { w } = await render(MembersPage, '/app/members')
    await flushPromises()
    w.findAllComponents({ name: 'ElSelect' })[0].vm.$emit('update:modelValue', 'admin')
    await flushPromises()
    expect(w.get('[data-testid="members-error"]').text()).toContain('至少要保留一位所有者')
    expect(w.findAll('[data-testid="member-row"]')[0].attributes('data-role')).toBe('owner')
    expect(w.findAllComponents({ name: 'ElSelect' })[0].props('modelValue')).toBe('owner')
  })

  it('removes a member only after a confirmation', async () => {
    lists([me, member('m2', '吴芳', 'legal')])
    DELETE.mockResolvedValue(ok(undefined, 204))
    const { w } = await render(MembersPage, '/app/members')
    await flushPromises()
    confirmDanger.mockResolvedValueOnce(false)
    await w.get('[data-testid="member-remove"]').trigger('click')
    await flushPromises()
    expect(DELETE).not.toHaveBeenCalled()

    confirmDanger.mockResolvedValueOnce(true)
    await w.get('[data-testid="member-remove"]').trigger('click')
    await flushPromises()
    expect(confirmDanger.mock.calls[1][0]).toContain('吴芳')
    expect(DELETE).toHaveBeenCalledWith('/api/members/{memberID}', { params: { path: { memberID: 'm2' } } })
    expect(w.findAll('[data-testid="member-row"]')).toHaveLength(1)
  })

  it('revokes a pending invitation after a confirmation', async () => {
    lists([me], [invitation('i1', 'a@example.com', 'pending')])
    DELETE.mockResolvedValue(ok(invitation('i1', 'a@example.com', 'revoked')))
    confirmDanger.mockResolvedValue(true)
    const { w } = await render(MembersPage, '/app/members')
    await flushPromises()
    await w.get('[data-testid="invitation-revoke"]').trigger('click')
    await flushPromises()
    expect(DELETE).toHaveBeenCalledWith('/api/invitations/{invitationID}', { params: { path: { invitationID: 'i1' } } })
    expect(w.get('[data-testid="invitation-row"]').attributes('data-status')).toBe('revoked')
  })

  it('loads more members', async () => {
    lists([me], [], 'c2')
    const { w } = await render(MembersPage, '/app/members')
    await flushPromises()
    GET.mockResolvedValueOnce(ok({ items: [member('m3', '黄磊', 'member')] }))
    await w.get('[data-testid="members-more"]').trigger('click')
    await flushPromises()
    expect(GET).toHaveBeenLastCalledWith('/api/members', { params: { query: { cursor: 'c2', limit: 50 } } })
    expect(w.findAll('[data-testid="member-row"]')).toHaveLength(2)
    expect(w.find('[data-testid="members-more"]').exists()).toBe(false)
  })
})
