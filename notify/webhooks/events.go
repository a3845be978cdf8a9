package webhooks

import (
	"slices"
	"strings"
)

// EventType is one kind of event a tenant can subscribe to.
type EventType struct {
	Name        string
	Description string
}

// TestEvent is the type of the event [Service.SendTest] sends. Endpoints
// cannot subscribe to it; it goes only to the endpoint being tested.
const TestEvent = "webhook.test"

// EventTypes is the registry of known event types. [Service.Enqueue] accepts
// only these, and endpoints subscribe to these, to "<prefix>.*" or to "*".
var EventTypes = []EventType{
	{"contract.created", "a contract was drafted"},
	{"contract.sent", "a contract was sent to its signers"},
	{"contract.completed", "every signer signed; the contract is complete"},
	{"contract.revoked", "the initiator withdrew the contract"},
	{"contract.expired", "the contract passed its deadline unsigned"},
	{"contract.rejected", "a signer refused, which ended the contract"},
	{"contract.extended", "the initiator extended the deadline"},
	{"signer.notified", "a signer was notified"},
	{"signer.reminded", "a signer was reminded, by a nudge or on schedule"},
	{"signer.viewed", "a signer opened the contract"},
	{"signer.signed", "a signer signed"},
	{"signer.rejected", "a signer refused to sign"},
	{"seal.approved", "a seal was approved and made"},
	{"seal.rejected", "a seal application was rejected"},
	{"seal.frozen", "a seal was frozen"},
	{"seal.unfrozen", "a seal was unfrozen"},
	{"seal.lost", "a seal was reported lost"},
	{"seal.revoked", "a seal was revoked"},
	{"seal.expired", "a seal reached the end of its validity"},
	{"seal.used", "a seal was used"},
	{TestEvent, "a test event sent on request"},
}

// Registered reports whether name is a known event type.
func Registered(name string) bool {
	return slices.ContainsFunc(EventTypes, func(t EventType) bool { return t.Name == name })
}

// validPattern reports whether p may appear in a subscription: a registered
// type other than the test event, "<prefix>.*" naming a registered prefix,
// or "*".
func validPattern(p string) bool {
	if p == "*" {
		return true
	}
	if prefix, ok := strings.CutSuffix(p, ".*"); ok {
		return slices.ContainsFunc(EventTypes, func(t EventType) bool {
			return t.Name != TestEvent && strings.HasPrefix(t.Name, prefix+".")
		})
	}
	return p != TestEvent && Registered(p)
}

// matches reports whether a subscription to patterns covers eventType.
func matches(patterns []string, eventType string) bool {
	if eventType == TestEvent {
		return false
	}
	for _, p := range patterns {
		if p == "*" || p == eventType {
			return true
		}
		if prefix, ok := strings.CutSuffix(p, "*"); ok && strings.HasPrefix(eventType, prefix) {
			return true
		}
	}
	return false
}
