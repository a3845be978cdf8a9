// Texts of the verify screens, English; same keys as zh-CN/verify.ts.
export default {
  verify: {},
}
