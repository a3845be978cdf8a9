// Texts of the inbox screens, English; same keys as zh-CN/inbox.ts.
export default {
  inbox: {},
}
