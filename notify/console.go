package notify

import (
	"context"
	"log/slog"
)

// SMS is one text message to a phone number in E.164 form.
type SMS struct {
	To   string
	Body string
}

// Console is the embedded default's SMS sender: it writes each message to the
// log instead of a phone network, so `make run` needs no SMS account.
type Console struct {
	Log *slog.Logger
}

// SendSMS logs msg and always succeeds. The number is masked, as in every
// log line; the body is shown because reading it is the point.
func (c Console) SendSMS(ctx context.Context, msg SMS) error {
	c.Log.InfoContext(ctx, "sms (console sender)", "to", maskNumber(msg.To), "body", msg.Body)
	return nil
}

// maskNumber keeps the last 4 digits of a number for log lines; notify
// stays free of domain imports, so it does not use identity.MaskMobile.
func maskNumber(to string) string {
	if len(to) <= 4 {
		return "****"
	}
	return "****" + to[len(to)-4:]
}
