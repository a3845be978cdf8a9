// Texts of the console's account screens (en).
export default {
  account: {},
}
