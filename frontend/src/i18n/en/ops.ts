// Texts of the console's ops screens (en).
export default {
  ops: {},
}
