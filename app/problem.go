package app

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"signet/contracts"
	"signet/evidence"
	"signet/evidence/exports"
	"signet/evidence/tsa"
	"signet/identity"
	"signet/internal/convert"
	"signet/internal/database"
	"signet/internal/otp"
	"signet/internal/page"
	"signet/internal/pdfsig"
	"signet/internal/valid"
	"signet/notify/messages"
	"signet/notify/webhooks"
	"signet/seals"
	"signet/seals/imageproc"
	"signet/signing"
	"signet/tenants"
)

// Problem is an RFC 7807 problem document. Code is stable and
// machine-readable; clients match on it, never on Title or Detail.
type Problem struct {
	Type      string             `json:"type"`
	Title     string             `json:"title"`
	Status    int                `json:"status"`
	Code      string             `json:"code"`
	Detail    string             `json:"detail,omitempty"`
	Instance  string             `json:"instance,omitempty"`
	RequestID string             `json:"request_id,omitempty"`
	Errors    []valid.FieldError `json:"errors,omitempty"`
	// TriesLeft is how many more entries a wrong SMS code allows (otp_mismatch).
	TriesLeft *int `json:"tries_left,omitempty"`
}

// apiError is an error raised by the HTTP layer itself with its own code.
type apiError struct {
	status int
	code   string
	detail string
}

func (e *apiError) Error() string { return e.code + ": " + e.detail }

func newAPIError(status int, code, detail string) error {
	return &apiError{status: status, code: code, detail: detail}
}

var (
	errUnauthenticated = newAPIError(http.StatusUnauthorized, "unauthenticated", "send a valid access token or API key in the Authorization header")
	errForbidden       = newAPIError(http.StatusForbidden, "forbidden", "your role does not allow this")
	errNoTenant        = newAPIError(http.StatusForbidden, "tenant_required", "this endpoint acts within a tenant; log in to one")
)

// sentinel maps a domain error to its HTTP status and stable code.
type sentinel struct {
	err    error
	status int
	code   string
	detail string
}

var sentinels = []sentinel{
	{tenants.ErrNotFound, http.StatusNotFound, "not_found", "no such object"},
	{tenants.ErrEmailTaken, http.StatusConflict, "email_taken", "an account with this email exists; log in instead"},
	{tenants.ErrAlreadyMember, http.StatusConflict, "already_member", "this person is already a member"},
	{tenants.ErrInvalidCredentials, http.StatusUnauthorized, "invalid_credentials", "email or password is wrong"},
	{tenants.ErrTokenInvalid, http.StatusUnauthorized, "invalid_token", "the token is unknown, expired or revoked"},
	{tenants.ErrTokenReused, http.StatusUnauthorized, "token_reused", "this refresh token was already used; the session has been revoked"},
	{tenants.ErrForbidden, http.StatusForbidden, "forbidden", "your role does not allow this"},
	{tenants.ErrLastOwner, http.StatusConflict, "last_owner", "a tenant must keep at least one owner"},
	{page.ErrBadCursor, http.StatusBadRequest, "bad_cursor", "the cursor is not one this API returned"},
	{identity.ErrNotFound, http.StatusNotFound, "not_found", "no such object"},
	{identity.ErrState, http.StatusConflict, "invalid_state", "the application's current state does not allow this"},
	{identity.ErrDuplicate, http.StatusConflict, "identity_taken", "this identity is already verified for another account"},
	{identity.ErrApplicantUnverified, http.StatusConflict, "applicant_unverified", "complete your own real-name verification first"},
	{identity.ErrDocumentsMissing, http.StatusConflict, "documents_missing", "upload the required documents first"},
	{identity.ErrDepositMismatch, http.StatusUnprocessableEntity, "deposit_mismatch", "the amount does not match the deposit"},
	{identity.ErrDepositFailed, http.StatusConflict, "deposit_failed", "the deposit check failed and the application was rejected; you may resubmit"},
	{identity.ErrDepositNotSent, http.StatusConflict, "deposit_not_sent", "the deposit has not been sent yet"},
	{identity.ErrSelfReview, http.StatusForbidden, "self_review", "another operator must review your own application or your organisation's"},
	{otp.ErrMismatch, http.StatusUnprocessableEntity, "otp_mismatch", "the SMS code is wrong"},
	{otp.ErrNoCode, http.StatusUnprocessableEntity, "otp_expired", "no valid SMS code; request a new one"},
	{otp.ErrExhausted, http.StatusUnprocessableEntity, "otp_exhausted", "too many wrong codes; request a new one"},
	{otp.ErrNumberLimit, http.StatusTooManyRequests, "otp_number_limit", "too many codes for this number today"},
	{otp.ErrIPLimit, http.StatusTooManyRequests, "otp_ip_limit", "too many codes from this address today"},
	{seals.ErrNotFound, http.StatusNotFound, "not_found", "no such object"},
	{seals.ErrState, http.StatusConflict, "invalid_state", "the seal's current state does not allow this"},
	{seals.ErrUnverified, http.StatusConflict, "owner_unverified", "the organisation (or person) must be verified before a seal can be made"},
	{seals.ErrForbidden, http.StatusForbidden, "forbidden", "your role does not allow this"},
	{seals.ErrNotUsable, http.StatusConflict, "seal_not_usable", "the seal is not active or outside its validity"},
	{seals.ErrNotAuthorised, http.StatusForbidden, "seal_not_authorised", "you are not authorised to use this seal now"},
	{seals.ErrPINWrong, http.StatusUnprocessableEntity, "pin_wrong", "the seal PIN is wrong"},
	{seals.ErrPINLocked, http.StatusLocked, "pin_locked", "too many wrong PINs; ask an administrator to unlock you"},
	{seals.ErrPINNotSet, http.StatusConflict, "pin_not_set", "set your PIN for this seal first"},
	{seals.ErrApprovalPending, http.StatusConflict, "approval_pending", "this use waits for the seal custodian's approval"},
	{messages.ErrForged, http.StatusForbidden, "callback_rejected", "the callback's signature or content does not check out"},
	{messages.ErrReplayed, http.StatusForbidden, "callback_replayed", "this status report was already received"},
	{messages.ErrRefused, http.StatusUnprocessableEntity, "sms_refused", "the SMS provider refused this number; check it and try again"},
	{webhooks.ErrNotFound, http.StatusNotFound, "not_found", "no such object"},
	{webhooks.ErrState, http.StatusConflict, "invalid_state", "the delivery is being sent; try again shortly"},
	{webhooks.ErrUnknownEvent, http.StatusUnprocessableEntity, "unknown_event", "no such event type"},
	{contracts.ErrNotFound, http.StatusNotFound, "not_found", "no such object"},
	{contracts.ErrState, http.StatusConflict, "invalid_state", "the contract's or signer's current state does not allow this"},
	{contracts.ErrNotYourTurn, http.StatusConflict, "not_your_turn", "earlier signers in the signing order have not signed yet"},
	{contracts.ErrTooSoon, http.StatusTooManyRequests, "nudge_too_soon", "this signer was reminded less than 30 minutes ago"},
	{contracts.ErrLinkInvalid, http.StatusNotFound, "link_invalid", "this signing link is unknown, expired or revoked; ask the sender for a new one"},
	{contracts.ErrNotSigner, http.StatusForbidden, "not_signer", "log in with the mobile number this contract was sent to"},
	{contracts.ErrBadPDF, http.StatusUnprocessableEntity, "invalid_pdf", "the file is not a valid PDF"},
	{contracts.ErrEncryptedPDF, http.StatusUnprocessableEntity, "encrypted_pdf", "the PDF is password-protected; upload it without encryption"},
	{contracts.ErrBadOFD, http.StatusUnprocessableEntity, "invalid_ofd", "the file is not an OFD Signet can read"},
	{contracts.ErrEncryptedOFD, http.StatusUnprocessableEntity, "encrypted_ofd", "the OFD is encrypted; upload it without encryption"},
	{contracts.ErrUnsupportedFormat, http.StatusUnprocessableEntity, "unsupported_format", "upload a PDF, OFD, DOCX or ODT file"},
	{contracts.ErrConversionUnavailable, http.StatusUnprocessableEntity, "conversion_unavailable", "document conversion is unavailable on this server (LibreOffice is not installed); upload a PDF"},
	{contracts.ErrConversionFailed, http.StatusUnprocessableEntity, "conversion_failed", "the document could not be converted to PDF"},
	{contracts.ErrTooLarge, http.StatusRequestEntityTooLarge, "document_too_large", "documents may be at most 50 MB"},
	{exports.ErrNotFound, http.StatusNotFound, "not_found", "no such object"},
	{exports.ErrForbidden, http.StatusForbidden, "forbidden", "only the legal role, owners and admins may export evidence packages"},
	{exports.ErrNotCompleted, http.StatusConflict, "invalid_state", "only a completed contract has an evidence package"},
	{exports.ErrNotReady, http.StatusConflict, "invalid_state", "the export is not finished; poll it until its state is done"},
	{exports.ErrIDsOrFilter, http.StatusUnprocessableEntity, "ids_or_filter", "send contract_ids or a filter, not both"},
	{exports.ErrTooManyContracts, http.StatusUnprocessableEntity, "too_many_contracts", "the filter matches more than 200 contracts; narrow it"},
	{signing.ErrBatchNotFound, http.StatusNotFound, "not_found", "no such object"},
	{signing.ErrNoMobile, http.StatusConflict, "no_verified_mobile", "complete real-name verification with your mobile number first"},
	{signing.ErrNoCertificate, http.StatusConflict, "no_certificate", "the signer has no certificate; complete real-name verification first"},
	{signing.ErrMark, http.StatusUnprocessableEntity, "wrong_mark", "an organisation signs with seal_id, an individual with signature_png"},
	{signing.ErrAutoStamp, http.StatusConflict, "auto_stamp_not_allowed", "this party is not set up for auto-stamping"},
	{imageproc.ErrNotImage, http.StatusUnprocessableEntity, "not_an_image", "send a PNG or JPEG image"},
	{imageproc.ErrTooLarge, http.StatusUnprocessableEntity, "image_too_large", "the image must be at most 5 MB and 4096×4096 pixels"},
	{imageproc.ErrTooSmall, http.StatusUnprocessableEntity, "image_too_small", "the image is too small to make a seal from"},
	{imageproc.ErrEmpty, http.StatusUnprocessableEntity, "image_empty", "no seal was found in the image"},
	{imageproc.ErrInvalid, http.StatusUnprocessableEntity, "image_invalid", "the image cannot be used as a seal"},
	{pdfsig.ErrTooComplex, http.StatusUnprocessableEntity, "pdf_too_complex", "the PDF's streams decompress to far more than its size; it cannot be read here"},
	{convert.ErrTooComplex, http.StatusUnprocessableEntity, "document_too_complex", "the document unpacks to far more than its size or has too many parts; it cannot be converted"},
}

// statusCodes names the codes of errors Fiber raises itself.
var statusCodes = map[int]string{
	http.StatusBadRequest:            "bad_request",
	http.StatusNotFound:              "not_found",
	http.StatusMethodNotAllowed:      "method_not_allowed",
	http.StatusRequestEntityTooLarge: "payload_too_large",
	http.StatusUnsupportedMediaType:  "unsupported_media_type",
	http.StatusTooManyRequests:       "rate_limited",
	http.StatusRequestTimeout:        "request_timeout",
}

// errorHandler is Fiber's one error handler: every error any handler returns
// becomes a problem+json response here.
func errorHandler(log *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		p := Problem{Instance: c.OriginalURL(), RequestID: requestID(c)}
		var (
			fv     valid.Errors
			ae     *apiError
			fe     *fiber.Error
			locked *tenants.LockedError
			wrong  *otp.MismatchError
			tsaOut *tsa.UnavailableError
		)
		switch {
		case errors.As(err, &fv):
			p.Status, p.Code, p.Detail, p.Errors = http.StatusUnprocessableEntity, "validation_failed", "some fields are invalid", fv
		case errors.As(err, &ae):
			p.Status, p.Code, p.Detail = ae.status, ae.code, ae.detail
		case errors.As(err, &locked):
			// The same for every email, with or without an account.
			p.Status, p.Code = http.StatusTooManyRequests, "login_locked"
			p.Detail = "too many failed logins for this email; try again after " + locked.Until.UTC().Format(time.RFC3339)
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(1, int(time.Until(locked.Until).Seconds()+0.999))))
		case errors.Is(err, pdfsig.ErrBusy), errors.Is(err, convert.ErrBusy):
			// Reading PDFs and converting documents are bounded per
			// process; nothing was done, and the request may be repeated.
			p.Status, p.Code = http.StatusServiceUnavailable, "server_busy"
			p.Detail = "too many documents are being processed right now; try again shortly"
			c.Set(fiber.HeaderRetryAfter, "10")
		case errors.As(err, &tsaOut):
			// Signing never goes ahead without a time-stamp: the request
			// failed whole, and may simply be repeated.
			p.Status, p.Code = http.StatusServiceUnavailable, "tsa_unavailable"
			p.Detail = "the time-stamping authority did not answer, so nothing was signed; try again shortly"
			c.Set(fiber.HeaderRetryAfter, "30")
			log.WarnContext(c.UserContext(), "time-stamping unavailable", "request_id", p.RequestID, "err", err)
		case errors.Is(err, evidence.ErrFull):
			// Storage errors are mapped here and nowhere else. Every artefact
			// is stored before a row points at it, so nothing was recorded.
			p.Status, p.Code = http.StatusInsufficientStorage, "storage_full"
			p.Detail = "the document store is full, so nothing was saved; try again later"
			log.ErrorContext(c.UserContext(), "vault full", "request_id", p.RequestID, "err", err)
		case errors.Is(err, evidence.ErrUnavailable):
			p.Status, p.Code = http.StatusServiceUnavailable, "storage_unavailable"
			p.Detail = "the document store did not answer, so nothing was saved; try again shortly"
			c.Set(fiber.HeaderRetryAfter, "30")
			log.WarnContext(c.UserContext(), "vault unavailable", "request_id", p.RequestID, "err", err)
		case database.Unavailable(err):
			// A restart or failover: what the request wrote did not commit.
			p.Status, p.Code = http.StatusServiceUnavailable, "database_unavailable"
			p.Detail = "the database did not answer, so nothing was saved; try again shortly"
			c.Set(fiber.HeaderRetryAfter, "5")
			log.WarnContext(c.UserContext(), "database unavailable", "request_id", p.RequestID, "err", err)
		case database.Deadlock(err):
			// A write conflict that outlasted the domain's retries (on
			// Galera: certification failures): rolled back whole.
			p.Status, p.Code = http.StatusServiceUnavailable, "database_conflict"
			p.Detail = "the change conflicted with a concurrent one and was rolled back; try again"
			c.Set(fiber.HeaderRetryAfter, "1")
			log.WarnContext(c.UserContext(), "write conflict", "request_id", p.RequestID, "err", err)
		case errors.As(err, &fe):
			p.Status, p.Detail = fe.Code, fe.Message
			p.Code = statusCodes[fe.Code]
			if p.Code == "" {
				p.Code = "http_" + strconv.Itoa(fe.Code)
			}
		case errors.As(err, &wrong):
			p.Status, p.Code, p.Detail, p.TriesLeft = http.StatusUnprocessableEntity, "otp_mismatch", "the SMS code is wrong", &wrong.TriesLeft
		default:
			for _, s := range sentinels {
				if errors.Is(err, s.err) {
					p.Status, p.Code, p.Detail = s.status, s.code, s.detail
					break
				}
			}
		}
		if p.Status == 0 {
			p.Status, p.Code, p.Detail = http.StatusInternalServerError, "internal_error", "something went wrong on our side; quote the request id if you report it"
			log.ErrorContext(c.UserContext(), "request failed", "request_id", p.RequestID, "method", c.Method(), "path", c.Path(), "err", err)
		}
		p.Title = http.StatusText(p.Status)
		p.Type = "https://signet.dev/problems/" + p.Code
		c.Set(fiber.HeaderContentType, "application/problem+json")
		body, merr := jsonMarshal(p)
		if merr != nil {
			return c.Status(http.StatusInternalServerError).SendString(`{"status":500,"code":"internal_error"}`)
		}
		return c.Status(p.Status).Send(body)
	}
}
