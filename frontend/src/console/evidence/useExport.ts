// A bulk evidence export followed to the end: started with a filter or a
// list of contracts, its progress read from the server's event stream
// (falling back to polling when the stream breaks, say behind a proxy that
// buffers it), and its zip downloaded once done. The ids of recent exports
// are remembered per company in localStorage, so a reload or a later
// visit finds them again.
import { ref, shallowRef } from 'vue'
import { api, fetchBlob, must, type Schemas } from '../../api/client'
import { streamEvents } from './sse'

export type EvidenceExport = Schemas['EvidenceExport']
export type ExportRequest = Schemas['CreateEvidenceExportRequest']

const finished = (x: EvidenceExport) => x.state === 'done' || x.state === 'failed'
const recentKey = (tenantID: string) => `signet.exports.${tenantID}`

export function recentExports(tenantID: string): string[] {
  try {
    const v = JSON.parse(globalThis.localStorage?.getItem(recentKey(tenantID)) ?? '[]')
    return Array.isArray(v) ? v.filter((x) => typeof x === 'string').slice(0, 10) : []
  } catch {
    return []
  }
}

function remember(tenantID: string, id: string) {
  const ids = [id, ...recentExports(tenantID).filter((x) => x !== id)].slice(0, 10)
  globalThis.localStorage?.setItem(recentKey(tenantID), JSON.stringify(ids))
}

export const getExport = (id: string) => must(api.GET('/api/evidence/exports/{exportID}', { params: { path: { exportID: id } } }))
export const downloadExport = (id: string) => fetchBlob(`/api/evidence/exports/${id}/download`)

export function useExport(tenantID: string, pollEvery = 1500) {
  const current = shallowRef<EvidenceExport | null>(null)
  const following = ref(false)
  let stop: AbortController | null = null

  async function start(body: ExportRequest) {
    const x = await must(api.POST('/api/evidence/exports', { body }))
    remember(tenantID, x.id)
    current.value = x
    void follow(x.id)
    return x
  }

  // follow reads progress until the export finishes or cancel() is called.
  async function follow(id: string) {
    cancel()
    const ctl = new AbortController()
    stop = ctl
    following.value = true
    try {
      try {
        await streamEvents(
          `/api/evidence/exports/${id}/events`,
          (e) => {
            if (e.event === 'progress') current.value = JSON.parse(e.data) as EvidenceExport
          },
          ctl.signal,
        )
      } catch (e) {
        if (ctl.signal.aborted) return
        void e // the stream failed: polling below carries on
      }
      while (!ctl.signal.aborted && !(current.value && current.value.id === id && finished(current.value))) {
        current.value = await getExport(id)
        if (finished(current.value)) break
        await new Promise((r) => setTimeout(r, pollEvery))
      }
    } finally {
      if (stop === ctl) following.value = false
    }
  }

  function cancel() {
    stop?.abort()
    stop = null
  }

  return { current, following, start, follow, cancel }
}
