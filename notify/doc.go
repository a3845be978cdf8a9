// Package notify delivers messages to people and systems: SMS (console in
// the embedded default; Twilio later). Webhooks live in notify/webhooks.
//
// Invariant: a sender never logs a message body that carries a secret code
// unless it is the console sender, whose whole purpose is to show it to the
// developer running Signet locally.
package notify
