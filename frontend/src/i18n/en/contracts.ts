// Texts of the console's contracts screens (en).
export default {
  contracts: {},
}
