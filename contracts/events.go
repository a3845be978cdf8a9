package contracts

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"signet/evidence"
	"signet/identity"
)

// The types of the events on a contract's chain that other packages read.
// Each has its payload type here; readers decode with [evidence.Decode].
const (
	// EventSigned is a party's signature of every document: [SignedEvent].
	EventSigned = "signer.signed"
	// EventRejected is a party's refusal: [PartyEvent] with a reason.
	EventRejected = "signer.rejected"
)

// PartyEvent is what events say about a party: its name and role, never a
// full mobile number.
type PartyEvent struct {
	ContractID string    `json:"contract_id"`
	PartyID    string    `json:"party_id"`
	Role       Role      `json:"role"`
	Kind       PartyKind `json:"kind"`
	Order      int       `json:"order"`
	Name       string    `json:"name"`
	OrgName    string    `json:"org_name,omitempty"`
	OrgUSCC    string    `json:"org_uscc,omitempty"`
	// Mobile is masked (138****5678).
	Mobile string `json:"mobile,omitempty"`
	// Reason is a rejection's reason.
	Reason string `json:"reason,omitempty"`
}

// partyEvent is p as events describe it.
func partyEvent(p Party) PartyEvent {
	e := PartyEvent{ContractID: p.ContractID, PartyID: p.ID, Role: p.Role, Kind: p.Kind, Order: p.Order, Name: p.Name}
	if p.Kind == Organisation {
		e.OrgName, e.OrgUSCC = p.OrgName, p.OrgUSCC
	}
	if p.Mobile != "" {
		e.Mobile = identity.MaskMobile(p.Mobile)
	}
	return e
}

// SignedEvent is the payload of [EventSigned].
type SignedEvent struct {
	PartyEvent
	Revisions []SignedRevision `json:"revisions"`
}

// SignedRevision is one document's new revision in a [SignedEvent].
type SignedRevision struct {
	DocumentID string            `json:"document_id"`
	Revision   int               `json:"revision"`
	BeforeSM3  string            `json:"before_sm3"`
	AfterSM3   string            `json:"after_sm3"`
	Signature  SignatureEvidence `json:"signature"`
}

// SignatureEvidence describes one signature of a document: the
// certificate, and the seal's use or the drawn signature's digest.
type SignatureEvidence struct {
	// Algorithm is "sm2" or "ecdsa".
	Algorithm   string `json:"algorithm"`
	CertSerial  string `json:"cert_serial"`
	CertSubject string `json:"cert_subject"`
	// WillingnessSM3 is the SM3 of the willingness record that approved
	// the signing; empty for an auto-stamp.
	WillingnessSM3 string `json:"willingness_sm3,omitempty"`
	SealID         string `json:"seal_id,omitempty"`
	SealUseID      string `json:"seal_use_id,omitempty"`
	AutoStamp      bool   `json:"auto_stamp,omitempty"`
	// SESSignatureKey is the vault key of the GB/T 38540 SES_Signature.
	SESSignatureKey string `json:"ses_signature_key,omitempty"`
	// SignatureImageSM3 is the SM3 of a person's drawn signature.
	SignatureImageSM3 string `json:"signature_image_sm3,omitempty"`
}

// Describe says in a few words who or what an event of a contract's chain
// is about, for the lifecycle of an evidence report: the party's name (its
// organisation's for a company) and a rejection's or an ending's reason.
func Describe(e evidence.Event) string {
	if e.Type == EventArchived {
		var a ArchivedEvent
		if json.Unmarshal(e.Payload, &a) != nil {
			return ""
		}
		return fmt.Sprintf("archive time-stamp, revision %d; renew before %s / 归档时间戳", a.Revision, a.Until.UTC().Format(time.DateOnly))
	}
	var p PartyEvent
	if json.Unmarshal(e.Payload, &p) != nil {
		return ""
	}
	who := p.OrgName
	if who == "" {
		who = p.Name
	}
	if p.Reason == "" {
		return who
	}
	return strings.TrimPrefix(who+"; "+p.Reason, "; ")
}
