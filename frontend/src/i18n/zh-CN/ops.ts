// Texts of the console's ops screens (zh-CN).
export default {
  ops: {},
}
