package notify

import "fmt"

// textsZH is every message in Simplified Chinese, the default language.
// SMS texts keep to the short style of Chinese e-sign platforms: who, which
// contract (《》), by when, then the link last so that no character sticks
// to it.
var textsZH = texts{
	lang:     LangZH,
	greeting: `{{with .Name}}{{.}}，{{end}}您好：`,
	footer:   `本邮件由 Signet {{with .OnBehalf}}代{{.}}{{end}}发送，请勿直接回复。`,
	colon:    "：",
	minutes:  func(n int) string { return fmt.Sprintf("%d 分钟", n) },
	kinds: map[Kind]kindText{
		KindInvitation: {
			SMS:     `{{.Sender}}邀请您签署《{{.Title}}》{{with .Deadline}}，请于 {{.}} 前完成{{else}}，请查看并签署{{end}}：{{.URL}}`,
			Subject: `请签署《{{.Title}}》`,
			Body: []string{
				`{{with .Sender}}{{.}}邀请您{{else}}请您{{end}}签署《{{.Title}}》。`,
				`{{with .Deadline}}请于 {{.}} 前完成签署，逾期将无法签署。{{else}}请通过下方链接查看并签署。{{end}}`,
			},
			Action: "查看并签署",
		},
		KindOrgInvitation: {
			SMS:     `{{.Sender}}邀请{{with .Org}}{{.}}{{else}}贵司{{end}}签署《{{.Title}}》，请认证后盖章{{with .Deadline}}，截止 {{.}}{{end}}：{{.URL}}`,
			Subject: `{{.Sender}}邀请{{with .Org}}{{.}}{{else}}贵司{{end}}签署《{{.Title}}》`,
			Body: []string{
				`{{.Sender}}邀请{{with .Org}}{{.}}{{else}}贵司{{end}}以企业身份签署《{{.Title}}》。`,
				`请通过下方链接注册或登录，完成企业实名认证后加盖企业印章。{{with .Deadline}}请于 {{.}} 前完成。{{end}}`,
			},
			Action: "认证并盖章",
		},
		KindCode: {
			SMS:     `您的签署验证码为 {{.Code}}{{with .TTL}}，{{.}}内有效{{end}}。如非本人操作请忽略，切勿告诉他人。`,
			Subject: `您的签署验证码`,
			Body: []string{
				`您的签署验证码为 {{.Code}}{{with .TTL}}，{{.}}内有效{{end}}。`,
				`输入验证码即表示您同意签署{{with .Title}}《{{.}}》{{end}}。如非本人操作请忽略，切勿告诉他人。`,
			},
		},
		KindLoginCode: {
			SMS:     `您的验证码为 {{.Code}}，用于登录或验证手机号{{with .TTL}}，{{.}}内有效{{end}}。如非本人操作请忽略，切勿告诉他人。`,
			Subject: `您的验证码`,
			Body: []string{
				`您的验证码为 {{.Code}}{{with .TTL}}，{{.}}内有效{{end}}，用于登录或验证身份。`,
				`如非本人操作请忽略，切勿告诉他人。`,
			},
		},
		KindReminder: {
			SMS:     `提醒：{{with .Sender}}{{.}}发起的{{end}}《{{.Title}}》待您签署{{with .Deadline}}，请于 {{.}} 前完成{{end}}：{{.URL}}`,
			Subject: `提醒：《{{.Title}}》待您签署`,
			Body: []string{
				`{{with .Sender}}{{.}}发起的{{end}}《{{.Title}}》仍在等待您签署。`,
				`{{with .Deadline}}请于 {{.}} 前完成签署，逾期将无法签署。{{else}}请通过下方链接尽快完成签署。{{end}}`,
			},
			Action: "立即签署",
		},
		KindDeadlineWarning: {
			SMS:     `{{with .Sender}}{{.}}发起的{{end}}《{{.Title}}》{{with .Deadline}}将于 {{.}} 截止签署{{else}}即将截止签署{{end}}，请尽快完成：{{.URL}}`,
			Subject: `《{{.Title}}》即将截止签署`,
			Body: []string{
				`{{with .Sender}}{{.}}发起的{{end}}《{{.Title}}》{{with .Deadline}}将于 {{.}} 截止签署{{else}}即将截止签署{{end}}，您尚未签署。`,
				`逾期将无法签署，请尽快完成。`,
			},
			Action: "立即签署",
		},
		KindCompleted: {
			SMS:     `《{{.Title}}》各方均已签署，查看并下载：{{.URL}}`,
			Subject: `《{{.Title}}》已完成签署`,
			Body: []string{
				`《{{.Title}}》的所有签署方均已完成签署。`,
				`您可以通过下方链接查看并下载签署完成的文件。`,
			},
			Action: "查看并下载",
		},
		KindRejected: {
			SMS:     `{{with .Party}}{{.}}拒签了《{{$.Title}}》{{else}}《{{.Title}}》已被拒签{{end}}{{with .Reason}}，原因：{{.}}{{end}}。{{with .URL}}详情：{{.}}{{end}}`,
			Subject: `《{{.Title}}》已被拒签`,
			Body: []string{
				`{{with .Party}}{{.}}拒绝签署《{{$.Title}}》{{else}}《{{.Title}}》已被签署方拒签{{end}}，签署流程已终止。`,
				`{{with .Reason}}拒签原因：{{.}}。{{end}}`,
			},
			Action: "查看详情",
		},
		KindRevoked: {
			SMS:     `{{with .Sender}}{{.}}已撤回《{{$.Title}}》{{else}}《{{.Title}}》已被发起方撤回{{end}}{{with .Reason}}，原因：{{.}}{{end}}，无需继续签署。{{with .URL}}详情：{{.}}{{end}}`,
			Subject: `《{{.Title}}》已撤回`,
			Body: []string{
				`{{with .Sender}}{{.}}已撤回《{{$.Title}}》{{else}}《{{.Title}}》已被发起方撤回{{end}}，您无需继续签署。`,
				`{{with .Reason}}撤回原因：{{.}}。{{end}}`,
			},
			Action: "查看详情",
		},
		KindExpired: {
			SMS:     `《{{.Title}}》{{with .Deadline}}已于 {{.}} 截止{{else}}已过签署截止时间{{end}}，未能完成签署{{with .Reason}}，原因：{{.}}{{end}}。{{with .URL}}详情：{{.}}{{end}}`,
			Subject: `《{{.Title}}》已过期`,
			Body: []string{
				`《{{.Title}}》{{with .Deadline}}已于 {{.}} 截止{{else}}已过签署截止时间{{end}}，因未在截止前完成全部签署，签署流程已终止。`,
				`{{with .Reason}}说明：{{.}}。{{end}}`,
			},
			Action: "查看详情",
		},
		KindSealApproval: {
			SMS:     `{{with .Sender}}{{.}}发起的{{end}}《{{.Title}}》申请使用印章“{{.Seal}}”，请您审批{{with .URL}}：{{.}}{{else}}。{{end}}`,
			Subject: `用印审批：《{{.Title}}》`,
			Body: []string{
				`{{with .Sender}}{{.}}发起的{{end}}《{{.Title}}》申请使用印章“{{.Seal}}”。`,
				`您是该印章的管理人，请审核后批准或驳回。`,
			},
			Action: "去审批",
		},
		KindVerificationApproved: {
			SMS:     `{{with .Org}}{{.}}的企业认证已通过{{else}}{{with .Name}}{{.}}，{{end}}您的实名认证已通过{{end}}{{with .URL}}，继续操作：{{.}}{{else}}。{{end}}`,
			Subject: `{{if .Org}}企业认证已通过{{else}}实名认证已通过{{end}}`,
			Body: []string{
				`{{with .Org}}{{.}}的企业实名认证已通过审核。{{else}}您的个人实名认证已通过审核。{{end}}`,
				`现在可以{{if .Org}}以企业身份{{end}}签署文件了。`,
			},
			Action: "继续",
		},
		KindVerificationRejected: {
			SMS:     `{{with .Org}}{{.}}的企业认证未通过{{else}}{{with .Name}}{{.}}，{{end}}您的实名认证未通过{{end}}{{with .Reason}}，原因：{{.}}{{end}}{{with .URL}}。请修改后重新提交：{{.}}{{else}}，请修改后重新提交。{{end}}`,
			Subject: `{{if .Org}}企业认证未通过{{else}}实名认证未通过{{end}}`,
			Body: []string{
				`{{with .Org}}{{.}}的企业实名认证未通过审核。{{else}}您的个人实名认证未通过审核。{{end}}`,
				`{{with .Reason}}原因：{{.}}。{{end}}`,
				`请修改资料后重新提交。`,
			},
			Action: "重新提交",
		},
	},
}
