// Texts of the templates, auto-stamping and webhook screens (en).
export default {
  integrations: {},
}
