// Texts of the console's seals screens (en).
export default {
  seals: {},
}
