// Package messages is the outbox every SMS and email leaves Signet
// through. A domain decides to tell someone something inside the
// transaction of the change that caused it ([Service.Enqueue]); the row
// commits or rolls back with that change. The dispatcher
// ([Service.Dispatch], run by the job runner and woken by [Service.Kick])
// then renders nothing new: it sends the words fixed at enqueue time,
// retries with backoff, and records what the provider answered. Delivery
// statuses reported later by the provider (Twilio status callbacks,
// [Service.TwilioStatus]) are stored per message and recorded on the
// contract's evidence chain as receipts.
//
// Invariants:
//   - A message is sent at most once per row at a time: only the holder of
//     the row's lease (internal/lease) sends it. A worker that dies after
//     handing a message to the provider but before recording it leaves the
//     row "in flight" (sending_since set); the next attempt asks the
//     provider whether it already has the message when the provider can
//     answer ([Finder], Twilio), and otherwise sends again (SMTP: the copy
//     carries the same Message-ID). It asks before it checks the expiry
//     and the rate limits: a copy the provider has is sent, not expired
//     or held back. README "Notifications" says so.
//   - The recipient and the words are stored sealed by the keyring and are
//     wiped once the row is final; what stays is the masked recipient, a
//     keyed digest of it (for rate limits) and the statuses.
//   - Willingness and sign-in codes never reach a log line, a receipt, a
//     webhook or a metric: receipts of secret kinds carry no text at all.
//   - Rate limits per recipient (per clock hour) and per tenant (per clock
//     minute) are counters in the database taken by a conditional UPDATE,
//     so they hold exactly across replicas; a message over a limit waits
//     for the next window, it is not dropped.
package messages
