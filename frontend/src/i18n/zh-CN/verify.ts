// Texts of the verify screens, zh-CN (the source language).
export default {
  verify: {},
}
