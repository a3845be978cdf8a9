// Texts of the signer screens, zh-CN (the source language).
export default {
  signer: {},
}
