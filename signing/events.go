package signing

import "time"

// EventWillingnessVerified is the type of the contract-chain event that
// records a passed willingness check: [WillingnessEvent].
const EventWillingnessVerified = "signer.willingness_verified"

// WillingnessEvent is a passed willingness check: who approved which
// signing, when, from where and how. It is stored in the vault as the
// willingness record and, with the record's key and digest, on the
// contract's chain.
type WillingnessEvent struct {
	ContractID string `json:"contract_id"`
	PartyID    string `json:"party_id"`
	// Purpose and IntentSM3 name exactly what the code approved.
	Purpose   string `json:"purpose"`
	IntentSM3 string `json:"intent_sm3"`
	// Mobile is masked (138****5678).
	Mobile     string    `json:"mobile"`
	VerifiedAt time.Time `json:"verified_at"`
	IP         string    `json:"ip"`
	UserAgent  string    `json:"user_agent"`
	Actor      string    `json:"actor"`
	// Method is "sms_otp".
	Method string `json:"method"`
	// RecordKey and RecordSM3 locate the stored record; they are on the
	// chain's copy only.
	RecordKey string `json:"record_key,omitempty"`
	RecordSM3 string `json:"record_sm3,omitempty"`
}
