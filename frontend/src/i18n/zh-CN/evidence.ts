// Texts of the console's evidence screens (zh-CN).
export default {
  evidence: {},
}
