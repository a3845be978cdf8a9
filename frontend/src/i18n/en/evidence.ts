// Texts of the console's evidence screens (en).
export default {
  evidence: {},
}
