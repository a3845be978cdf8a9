// Texts of the inbox screens, zh-CN (the source language).
export default {
  inbox: {},
}
