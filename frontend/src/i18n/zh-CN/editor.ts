// Texts of the new-contract editor: documents, parties, field placement (zh-CN).
export default {
  editor: {},
}
