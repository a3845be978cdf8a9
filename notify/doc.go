// Package notify says things to people: the senders of each channel (SMS
// through the [Console] in the embedded default or [Twilio]; email through
// [Mailer] over SMTP) and the words of every message ([Render], in zh-CN
// and en, with [Segments] to keep SMS short). Messages are queued and sent
// by notify/messages, the outbox; webhooks to systems live in
// notify/webhooks.
//
// Invariant: a sender never logs a message body that carries a secret code
// unless it is the console sender, whose whole purpose is to show it to the
// developer running Signet locally.
package notify
