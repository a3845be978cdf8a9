package notify

import "fmt"

// textsEN is every message in English.
//
// The 【】 signature makes every SMS UCS-2 (67 characters a part), and
// English needs more characters than Chinese to say the same, so the
// English SMS texts say less: the signature names the tenant, and those
// with a deadline leave out the sender. Emails say everything.
var textsEN = texts{
	lang:     LangEN,
	greeting: `Hello{{with .Name}} {{.}}{{end}},`,
	footer:   `Sent by Signet{{with .OnBehalf}} on behalf of {{.}}{{end}}. Please do not reply to this email.`,
	colon:    ": ",
	zone:     " (UTC+8)",
	minutes: func(n int) string {
		if n == 1 {
			return "1 minute"
		}
		return fmt.Sprintf("%d minutes", n)
	},
	kinds: map[Kind]kindText{
		KindInvitation: {
			SMS:     `Please sign “{{.Title}}”{{with .Deadline}} by {{.}}{{end}}: {{.URL}}`,
			Subject: `Please sign “{{.Title}}”`,
			Body: []string{
				`{{with .Sender}}{{.}} has invited you{{else}}You have been invited{{end}} to sign “{{.Title}}”.`,
				`{{with .Deadline}}Please sign by {{.}}; after that it can no longer be signed.{{else}}Please review and sign it using the link below.{{end}}`,
			},
			Action: "Review and sign",
		},
		KindOrgInvitation: {
			SMS:     `Please seal “{{.Title}}”{{with .Deadline}} by {{.}}{{end}}: {{.URL}}`,
			Subject: `Please sign “{{.Title}}” for {{with .Org}}{{.}}{{else}}your organisation{{end}}`,
			Body: []string{
				`{{with .Org}}{{.}}{{else}}Your organisation{{end}} has been invited{{with .Sender}} by {{.}}{{end}} to sign “{{.Title}}”.`,
				`Use the link below to sign up or sign in, verify the organisation, and apply its seal.{{with .Deadline}} Please finish by {{.}}.{{end}}`,
			},
			Action: "Verify and seal",
		},
		KindCode: {
			SMS:     `Your signing code is {{.Code}}{{with .TTL}}, valid for {{.}}{{end}}. If you did not request it, ignore this message. Never share it.`,
			Subject: `Your signing code`,
			Body: []string{
				`Your signing code is {{.Code}}{{with .TTL}}, valid for {{.}}{{end}}.`,
				`Entering it means you agree to sign{{with .Title}} “{{.}}”{{end}}. If you did not request it, ignore this email and never share the code.`,
			},
		},
		KindLoginCode: {
			SMS:     `Your verification code is {{.Code}}{{with .TTL}}, valid for {{.}}{{end}}. If you did not request it, ignore this message. Never share it.`,
			Subject: `Your verification code`,
			Body: []string{
				`Your verification code is {{.Code}}{{with .TTL}}, valid for {{.}}{{end}}. Use it to sign in or to verify your identity.`,
				`If you did not request it, ignore this email and never share the code.`,
			},
		},
		KindReminder: {
			SMS:     `Reminder: sign “{{.Title}}”{{with .Deadline}} by {{.}}{{end}}: {{.URL}}`,
			Subject: `Reminder: please sign “{{.Title}}”`,
			Body: []string{
				`“{{.Title}}”{{with .Sender}} from {{.}}{{end}} is still waiting for your signature.`,
				`{{with .Deadline}}Please sign by {{.}}; after that it can no longer be signed.{{else}}Please sign it using the link below.{{end}}`,
			},
			Action: "Sign now",
		},
		KindDeadlineWarning: {
			SMS:     `Due soon: sign “{{.Title}}”{{with .Deadline}} by {{.}}{{end}}: {{.URL}}`,
			Subject: `Signing “{{.Title}}” closes soon`,
			Body: []string{
				`You have not signed “{{.Title}}”{{with .Sender}} from {{.}}{{end}} yet{{with .Deadline}}, and signing closes at {{.}}{{end}}.`,
				`After the deadline it can no longer be signed.`,
			},
			Action: "Sign now",
		},
		KindCompleted: {
			SMS:     `“{{.Title}}” is signed by all parties. Download: {{.URL}}`,
			Subject: `“{{.Title}}” is signed by all parties`,
			Body: []string{
				`All parties have signed “{{.Title}}”.`,
				`Use the link below to view and download the signed document.`,
			},
			Action: "View and download",
		},
		KindRejected: {
			SMS:     `{{with .Party}}{{.}} rejected “{{$.Title}}”{{else}}“{{.Title}}” was rejected{{end}}{{with .Reason}}: {{.}}{{end}}.{{with .URL}} Details: {{.}}{{end}}`,
			Subject: `“{{.Title}}” was rejected`,
			Body: []string{
				`{{with .Party}}{{.}} rejected “{{$.Title}}”{{else}}“{{.Title}}” was rejected{{end}}, so signing has stopped.`,
				`{{with .Reason}}Reason: {{.}}.{{end}}`,
			},
			Action: "View details",
		},
		KindRevoked: {
			SMS:     `{{with .Sender}}{{.}} withdrew “{{$.Title}}”{{else}}“{{.Title}}” was withdrawn{{end}}{{with .Reason}}: {{.}}{{end}}.{{with .URL}} Details: {{.}}{{end}}`,
			Subject: `“{{.Title}}” was withdrawn`,
			Body: []string{
				`{{with .Sender}}{{.}} withdrew “{{$.Title}}”{{else}}“{{.Title}}” was withdrawn by its sender{{end}}. You no longer need to sign it.`,
				`{{with .Reason}}Reason: {{.}}.{{end}}`,
			},
			Action: "View details",
		},
		KindExpired: {
			SMS:     `Signing of “{{.Title}}” expired{{with .Reason}}: {{.}}{{end}}.{{with .URL}} Details: {{.}}{{end}}`,
			Subject: `“{{.Title}}” has expired`,
			Body: []string{
				`“{{.Title}}” expired{{with .Deadline}} at {{.}}{{end}} before all parties signed, so signing has stopped.`,
				`{{with .Reason}}Note: {{.}}.{{end}}`,
			},
			Action: "View details",
		},
		KindSealApproval: {
			SMS:     `Approve use of seal “{{.Seal}}” for “{{.Title}}”{{with .URL}}: {{.}}{{else}}.{{end}}`,
			Subject: `Seal approval: “{{.Title}}”`,
			Body: []string{
				`“{{.Title}}”{{with .Sender}} from {{.}}{{end}} needs the seal “{{.Seal}}”.`,
				`As the seal's custodian, please review the request and approve or decline it.`,
			},
			Action: "Review request",
		},
		KindVerificationApproved: {
			SMS:     `{{with .Org}}{{.}} is now verified{{else}}{{with .Name}}{{.}}, your{{else}}Your{{end}} identity is verified{{end}}{{with .URL}}. Continue: {{.}}{{else}}.{{end}}`,
			Subject: `{{if .Org}}Organisation verified{{else}}Identity verified{{end}}`,
			Body: []string{
				`{{with .Org}}{{.}} has passed real-name verification.{{else}}Your real-name verification has passed.{{end}}`,
				`You can now sign{{if .Org}} on its behalf{{end}}.`,
			},
			Action: "Continue",
		},
		KindVerificationRejected: {
			SMS:     `{{with .Org}}Verification of {{.}} failed{{else}}{{with .Name}}{{.}}, your{{else}}Your{{end}} verification failed{{end}}{{with .Reason}}: {{.}}{{end}}{{with .URL}}. Try again: {{.}}{{else}}. Please correct and resubmit.{{end}}`,
			Subject: `{{if .Org}}Organisation verification failed{{else}}Identity verification failed{{end}}`,
			Body: []string{
				`{{with .Org}}Real-name verification of {{.}} did not pass.{{else}}Your real-name verification did not pass.{{end}}`,
				`{{with .Reason}}Reason: {{.}}.{{end}}`,
				`Please correct the details and submit again.`,
			},
			Action: "Try again",
		},
	},
}
