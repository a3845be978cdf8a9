package app

import (
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"signet/identity"
	"signet/internal/otp"
	"signet/internal/valid"
	"signet/pki"
)

// Real-name verification as applicants see it: a person verifies
// themselves (person routes), a tenant's managers verify the organisation
// (tenant routes). Every identifier in a response is masked.

type personVerificationDTO struct {
	ID          string     `json:"id"`
	State       string     `json:"state"`
	Method      string     `json:"method"`
	Name        string     `json:"name"`
	IDNumber    string     `json:"id_number"` // masked: 110105********002X
	Mobile      string     `json:"mobile"`    // masked: 138****5678
	Reason      string     `json:"reason,omitempty"`
	Rejections  int        `json:"rejections"`
	SubmittedAt *time.Time `json:"submitted_at"`
	DecidedAt   *time.Time `json:"decided_at"`
	ExpiresAt   *time.Time `json:"expires_at"`
}

func toPersonVerification(v identity.PersonVerification) personVerificationDTO {
	return personVerificationDTO{
		ID: v.ID, State: string(v.State), Method: v.Method, Name: v.Name, IDNumber: v.IDMasked, Mobile: v.MobileMasked,
		Reason: v.Reason, Rejections: v.Rejections, SubmittedAt: v.SubmittedAt, DecidedAt: v.DecidedAt, ExpiresAt: v.ExpiresAt,
	}
}

type orgVerificationDTO struct {
	ID               string     `json:"id"`
	State            string     `json:"state"`
	Method           string     `json:"method"`
	Name             string     `json:"name"`
	USCC             string     `json:"uscc"`
	LegalRepName     string     `json:"legal_rep_name"`
	LegalRepIDNumber string     `json:"legal_rep_id_number"` // masked
	ApplicantID      string     `json:"applicant_id"`
	BankName         string     `json:"bank_name,omitempty"`
	BankAccount      string     `json:"bank_account,omitempty"` // masked
	DepositSentAt    *time.Time `json:"deposit_sent_at"`
	DepositDeadline  *time.Time `json:"deposit_deadline"`
	DepositAttempts  int        `json:"deposit_attempts"`
	Reason           string     `json:"reason,omitempty"`
	Rejections       int        `json:"rejections"`
	SubmittedAt      *time.Time `json:"submitted_at"`
	DecidedAt        *time.Time `json:"decided_at"`
	ExpiresAt        *time.Time `json:"expires_at"`
}

func toOrgVerification(v identity.OrgVerification) orgVerificationDTO {
	return orgVerificationDTO{
		ID: v.ID, State: string(v.State), Method: v.Method, Name: v.Name, USCC: v.USCC, LegalRepName: v.LegalRepName,
		LegalRepIDNumber: v.LegalRepIDMasked, ApplicantID: v.ApplicantID, BankName: v.BankName, BankAccount: v.BankAccountMasked,
		DepositSentAt: v.DepositSentAt, DepositDeadline: v.DepositDeadline, DepositAttempts: v.DepositAttempts,
		Reason: v.Reason, Rejections: v.Rejections, SubmittedAt: v.SubmittedAt, DecidedAt: v.DecidedAt, ExpiresAt: v.ExpiresAt,
	}
}

type documentDTO struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	CreatedAt   time.Time `json:"created_at"`
}

func toDocument(d identity.Document) documentDTO {
	return documentDTO{ID: d.ID, Kind: d.Kind, ContentType: d.ContentType, Size: d.Size, CreatedAt: d.CreatedAt}
}

type mobileCodeRequest struct {
	Mobile string `json:"mobile"`
}

type mobileCodeDTO struct {
	Sent       bool      `json:"sent"`
	ExpiresAt  time.Time `json:"expires_at"`
	RetryAfter time.Time `json:"retry_after"`
}

type savePersonRequest struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
	Mobile   string `json:"mobile"`
	// Code proves the mobile; not needed for the number the caller signed in with by SMS.
	Code     string `json:"code,omitempty"`
	Method   string `json:"method,omitempty"`
	BankCard string `json:"bank_card,omitempty"`
}

type saveOrgRequest struct {
	Name             string `json:"name"`
	USCC             string `json:"uscc"`
	LegalRepName     string `json:"legal_rep_name"`
	LegalRepIDNumber string `json:"legal_rep_id_number"`
	Method           string `json:"method,omitempty"`
	BankName         string `json:"bank_name,omitempty"`
	BankAccount      string `json:"bank_account,omitempty"`
}

type confirmDepositRequest struct {
	Amount string `json:"amount"`
}

const multipartForm = "multipart/form-data"

func (a *App) identityRoutes(r *router) {
	r.add(route{Method: "POST", Path: "/api/identity/person/mobile-code", Tag: "identity", Summary: "Text a code that proves the person's mobile number",
		Access: person, Request: mobileCodeRequest{}, Response: mobileCodeDTO{}, Status: fiber.StatusAccepted, Handler: a.sendMobileCode})
	r.add(route{Method: "PUT", Path: "/api/identity/person", Tag: "identity", Summary: "Create or edit the person's verification application (draft)",
		Access: person, Request: savePersonRequest{}, Response: personVerificationDTO{}, Handler: a.savePerson})
	r.add(route{Method: "GET", Path: "/api/identity/person/history", Tag: "identity", Summary: "The submissions and decisions of the person's verification, oldest first, with rejections' reasons",
		Access: person, Response: []verificationStepDTO{}, Handler: a.personVerificationHistory})
	r.add(route{Method: "GET", Path: "/api/identity/organisation/history", Tag: "identity", Summary: "The submissions and decisions of the organisation's verification, oldest first, with rejections' reasons",
		Access: member, Scope: "identity:read", Response: []verificationStepDTO{}, Handler: a.orgVerificationHistory})
	r.add(route{Method: "GET", Path: "/api/identity/person", Tag: "identity", Summary: "The person's verification, masked",
		Access: person, Response: personVerificationDTO{}, Handler: a.getPersonVerification})
	r.add(route{Method: "POST", Path: "/api/identity/person/documents", Tag: "identity", Summary: "Upload an ID image (multipart: kind=id_front|id_back, file; JPEG or PNG, at most 10 MB)",
		Access: person, RawRequest: multipartForm, Response: documentDTO{}, Status: fiber.StatusCreated, Handler: a.addPersonDocument})
	r.add(route{Method: "POST", Path: "/api/identity/person/submit", Tag: "identity", Summary: "Submit (or resubmit) the person's application",
		Access: person, Response: personVerificationDTO{}, Handler: a.submitPerson})
	r.add(route{Method: "GET", Path: "/api/identity/person/certificate", Tag: "identity", Summary: "The verified person's signing certificate in PEM; ?alg=sm2 (default) or ecdsa",
		Access: person, Raw: "application/x-pem-file", Query: algQuery, Handler: a.personCertificate})

	r.add(route{Method: "PUT", Path: "/api/identity/organisation", Tag: "identity", Summary: "Create or edit the tenant's organisation verification (draft)",
		Access: manager, Request: saveOrgRequest{}, Response: orgVerificationDTO{}, Handler: a.saveOrg})
	r.add(route{Method: "GET", Path: "/api/identity/organisation", Tag: "identity", Summary: "The tenant's organisation verification, masked",
		Access: member, Scope: "identity:read", Response: orgVerificationDTO{}, Handler: a.getOrgVerification})
	r.add(route{Method: "POST", Path: "/api/identity/organisation/documents", Tag: "identity", Summary: "Upload the authorisation letter (multipart: kind=authorisation, file; PDF, JPEG or PNG, at most 10 MB)",
		Access: manager, RawRequest: multipartForm, Response: documentDTO{}, Status: fiber.StatusCreated, Handler: a.addOrgDocument})
	r.add(route{Method: "POST", Path: "/api/identity/organisation/submit", Tag: "identity", Summary: "Submit (or resubmit) the organisation's application",
		Access: manager, Response: orgVerificationDTO{}, Handler: a.submitOrg})
	r.add(route{Method: "POST", Path: "/api/identity/organisation/deposit", Tag: "identity", Summary: "Confirm the micro-deposit amount received (3 attempts, 7 days)",
		Access: manager, Request: confirmDepositRequest{}, Response: orgVerificationDTO{}, Handler: a.confirmDeposit})
	r.add(route{Method: "GET", Path: "/api/identity/organisation/certificate", Tag: "identity", Summary: "The verified organisation's signing certificate in PEM; ?alg=sm2 (default) or ecdsa",
		Access: member, Scope: "identity:read", Raw: "application/x-pem-file", Query: algQuery, Handler: a.orgCertificate})

	a.operatorIdentityRoutes(r)
}

func actorOf(c *fiber.Ctx) identity.Actor {
	return identity.Actor{Ref: principal(c).Actor(), IP: clientIP(c), UserAgent: string(c.Request().Header.UserAgent())}
}

func (a *App) sendMobileCode(c *fiber.Ctx) error {
	var in mobileCodeRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	mobile, err := normMobileField(in.Mobile)
	if err != nil {
		return err
	}
	pid := principal(c).PersonID
	t, err := a.OTP.Issue(c.UserContext(), otp.Request{Mobile: mobile, Intent: identity.MobileIntent(pid, mobile), IP: clientIP(c)})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(mobileCodeDTO{Sent: t.Sent, ExpiresAt: t.ExpiresAt, RetryAfter: t.RetryAfter})
}

func (a *App) savePerson(c *fiber.Ctx) error {
	var in savePersonRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	ctx, id := c.UserContext(), principal(c).PersonID
	proven, err := a.Tenants.ProvenMobile(ctx, id)
	if err != nil {
		return err
	}
	v, err := a.Identity.SavePerson(ctx, id, identity.PersonApplication{
		Name: in.Name, IDNumber: in.IDNumber, Mobile: in.Mobile, Code: in.Code, ProvenMobile: proven, Method: in.Method, BankCard: in.BankCard,
	}, actorOf(c))
	if err != nil {
		return err
	}
	return c.JSON(toPersonVerification(v))
}

// verificationStepDTO is one submission or decision of a verification.
type verificationStepDTO struct {
	State  string    `json:"state"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason,omitempty"`
}

func (a *App) personVerificationHistory(c *fiber.Ctx) error {
	return stepsJSON(c)(a.Identity.PersonSteps(c.UserContext(), principal(c).PersonID))
}

func (a *App) orgVerificationHistory(c *fiber.Ctx) error {
	return stepsJSON(c)(a.Identity.OrgSteps(c.UserContext()))
}

// stepsJSON answers a verification's steps, or the error reading them.
func stepsJSON(c *fiber.Ctx) func([]identity.Step, error) error {
	return func(steps []identity.Step, err error) error {
		if err != nil {
			return err
		}
		out := make([]verificationStepDTO, len(steps))
		for i, st := range steps {
			out[i] = verificationStepDTO{State: string(st.State), At: st.At, Reason: st.Reason}
		}
		return c.JSON(out)
	}
}

func (a *App) getPersonVerification(c *fiber.Ctx) error {
	v, err := a.Identity.Person(c.UserContext(), principal(c).PersonID)
	if err != nil {
		return err
	}
	return c.JSON(toPersonVerification(v))
}

// upload reads the multipart "kind" and "file" fields. The size is checked
// before reading; what the file is, is decided by the domain from its bytes.
func upload(c *fiber.Ctx) (kind string, data []byte, err error) {
	var v valid.Errors
	fh, ferr := c.FormFile("file")
	if ferr != nil {
		v.Add("file", "required", "send the file as the multipart field \"file\"")
		return "", nil, v
	}
	if fh.Size > identity.MaxDocumentSize {
		v.Add("file", "too_large", "must be at most 10 MB")
		return "", nil, v
	}
	f, err := fh.Open()
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	data, err = io.ReadAll(io.LimitReader(f, identity.MaxDocumentSize+1))
	if err != nil {
		return "", nil, err
	}
	return c.FormValue("kind"), data, nil
}

func (a *App) addPersonDocument(c *fiber.Ctx) error {
	kind, data, err := upload(c)
	if err != nil {
		return err
	}
	d, err := a.Identity.AddPersonDocument(c.UserContext(), principal(c).PersonID, kind, data, actorOf(c))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toDocument(d))
}

func (a *App) submitPerson(c *fiber.Ctx) error {
	v, err := a.Identity.SubmitPerson(c.UserContext(), principal(c).PersonID, actorOf(c))
	if err != nil {
		return err
	}
	return c.JSON(toPersonVerification(v))
}

func (a *App) personCertificate(c *fiber.Ctx) error {
	return a.partyCertificate(c, pki.Person, principal(c).PersonID)
}

func (a *App) orgCertificate(c *fiber.Ctx) error {
	return a.partyCertificate(c, pki.Organisation, principal(c).TenantID)
}

func (a *App) partyCertificate(c *fiber.Ctx, kind pki.PartyKind, partyID string) error {
	alg, err := pkiAlg(c)
	if err != nil {
		return err
	}
	cred, err := a.PKI.PartyCredential(c.UserContext(), kind, partyID, alg)
	if errors.Is(err, pki.ErrNotFound) {
		return newAPIError(http.StatusNotFound, "not_found", "no current certificate; complete real-name verification first")
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/x-pem-file")
	return c.Send(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cred.Certificate.Raw}))
}

func (a *App) saveOrg(c *fiber.Ctx) error {
	var in saveOrgRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	v, err := a.Identity.SaveOrg(c.UserContext(), principal(c).PersonID, identity.OrgApplication{
		Name: in.Name, USCC: in.USCC, LegalRepName: in.LegalRepName, LegalRepIDNumber: in.LegalRepIDNumber,
		Method: in.Method, BankName: in.BankName, BankAccount: in.BankAccount,
	}, actorOf(c))
	if err != nil {
		return err
	}
	return c.JSON(toOrgVerification(v))
}

func (a *App) getOrgVerification(c *fiber.Ctx) error {
	v, err := a.Identity.Organisation(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(toOrgVerification(v))
}

func (a *App) addOrgDocument(c *fiber.Ctx) error {
	kind, data, err := upload(c)
	if err != nil {
		return err
	}
	d, err := a.Identity.AddOrgDocument(c.UserContext(), kind, data, actorOf(c))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toDocument(d))
}

func (a *App) submitOrg(c *fiber.Ctx) error {
	v, err := a.Identity.SubmitOrg(c.UserContext(), actorOf(c))
	if err != nil {
		return err
	}
	return c.JSON(toOrgVerification(v))
}

func (a *App) confirmDeposit(c *fiber.Ctx) error {
	var in confirmDepositRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	v, err := a.Identity.ConfirmDeposit(c.UserContext(), in.Amount, actorOf(c))
	if err != nil {
		return err
	}
	return c.JSON(toOrgVerification(v))
}
