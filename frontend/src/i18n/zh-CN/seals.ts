// Texts of the console's seals screens (zh-CN).
export default {
  seals: {},
}
