package messages

// EventNotificationPrefix begins the type of the contract-chain events
// that record a message's statuses: "notification.sent",
// "notification.failed", "notification.delivered" and so on, each with a
// [NotificationEvent].
const EventNotificationPrefix = "notification."

// NotificationEvent is one status of a message to a contract's party, as
// its chain records it: the recipient masked, never a link token or a
// code.
type NotificationEvent struct {
	MessageID string `json:"message_id"`
	PartyID   string `json:"party_id"`
	Channel   string `json:"channel"`
	Kind      string `json:"kind"`
	// To is the masked number or address.
	To     string `json:"to"`
	Status string `json:"status"`
	// ErrorCode is the provider's or the sender's error code, if any.
	ErrorCode  string `json:"error_code,omitempty"`
	ProviderID string `json:"provider_id,omitempty"`
	// RecordKey and RecordSM3 locate the stored receipt (the text as
	// sent, without the link token), written when the message was sent
	// or failed.
	RecordKey string `json:"record_key,omitempty"`
	RecordSM3 string `json:"record_sm3,omitempty"`
}
