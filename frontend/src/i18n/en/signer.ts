// Texts of the signer screens, English; same keys as zh-CN/signer.ts.
export default {
  signer: {},
}
