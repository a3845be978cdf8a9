// Texts of the console's contracts screens (zh-CN).
export default {
  contracts: {},
}
