// Texts of the templates, auto-stamping and webhook screens (zh-CN).
export default {
  integrations: {},
}
