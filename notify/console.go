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

// SendSMS logs msg and always succeeds.
func (c Console) SendSMS(ctx context.Context, msg SMS) error {
	c.Log.InfoContext(ctx, "sms (console sender)", "to", msg.To, "body", msg.Body)
	return nil
}
