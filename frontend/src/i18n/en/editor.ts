// Texts of the new-contract editor: documents, parties, field placement (en).
export default {
  editor: {},
}
