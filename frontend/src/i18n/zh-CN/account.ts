// Texts of the console's account screens (zh-CN).
export default {
  account: {},
}
