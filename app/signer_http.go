package app

import (
	"context"
	"encoding/hex"
	"errors"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/gofiber/fiber/v2"

	"signet/contracts"
	"signet/identity"
	"signet/internal/otp"
	"signet/internal/valid"
	"signet/seals"
	"signet/signing"
	"signet/tenants"
)

// The signing side. Individuals sign in with mobile number and SMS code
// and reach a contract through the link sent to that number; organisation
// counterparties act through members of the tenant verified under the
// credit code the contract names (their inbox).

type smsLoginCodeRequest struct {
	Mobile string `json:"mobile"`
}

type smsLoginRequest struct {
	Mobile string `json:"mobile"`
	Code   string `json:"code"`
	// Name is required the first time a number signs in: it names the new account.
	Name string `json:"name,omitempty"`
}

// linkInfoDTO is what a signing link's page shows before sign-in.
type linkInfoDTO struct {
	// State is open, completed, rejected, revoked or expired.
	State         string     `json:"state"`
	Sender        string     `json:"sender"`
	ContractTitle string     `json:"contract_title"`
	ContractState string     `json:"contract_state"`
	Deadline      *time.Time `json:"deadline,omitempty"`
	// PartyKind is person or organisation; an organisation's members sign
	// from their inbox after logging in.
	PartyKind string `json:"party_kind"`
	PartyName string `json:"party_name"`
	OrgName   string `json:"org_name,omitempty"`
	// PartyID and OrgUSCC are given for organisation parties only: the
	// contact person's link leads through sign-up and organisation
	// verification (under this credit code) to the contract in the
	// organisation's inbox, /app/inbox/{party_id}.
	PartyID    string `json:"party_id,omitempty"`
	OrgUSCC    string `json:"org_uscc,omitempty"`
	PartyState string `json:"party_state"`
	// Mobile is the number the link was sent to, masked; sign-in codes go there.
	Mobile string `json:"mobile"`
}

type linkLoginRequest struct {
	Code string `json:"code"`
}

// signerViewDTO is what a signer or CC recipient sees of a contract.
type signerViewDTO struct {
	// Sender is the name of the company that sent the contract.
	Sender    string            `json:"sender"`
	Contract  contractDTO       `json:"contract"`
	You       partyDTO          `json:"you"`
	Parties   []partyDTO        `json:"parties"`
	Documents []contractFileDTO `json:"documents"`
	// YourTurn says whether you can sign now.
	YourTurn bool `json:"your_turn"`
}

// markRequest names the mark: an organisation's seal_id, or an
// individual's signature image (PNG, base64 in JSON).
type markRequest struct {
	SealID       string `json:"seal_id,omitempty"`
	SignaturePNG []byte `json:"signature_png,omitempty"`
}

type signRequest struct {
	SealID       string `json:"seal_id,omitempty"`
	SignaturePNG []byte `json:"signature_png,omitempty"`
	// Code is the willingness code sent for exactly this signing.
	Code string `json:"code"`
	// PIN is the seal holder's PIN, for seals that have one.
	PIN string `json:"pin,omitempty"`
}

type autoStampRequest struct {
	SealID string `json:"seal_id"`
}

type typedSignatureRequest struct {
	// Font is a name from fonts; empty is the default.
	Font string `json:"font,omitempty"`
}

// typedSignatureDTO is the caller's verified name drawn in a font, ready
// to send as a link signing's signature_png.
type typedSignatureDTO struct {
	PNG   []byte   `json:"png"`
	Font  string   `json:"font"`
	Fonts []string `json:"fonts"`
}

type inboxItemDTO struct {
	// Sender is the name of the company that sent the contract.
	Sender   string      `json:"sender"`
	Contract contractDTO `json:"contract"`
	Party    partyDTO    `json:"party"`
}

func (a *App) signerRoutes(r *router) {
	const tag = "signing"
	limit := a.authLimiter()
	r.add(route{Method: "POST", Path: "/api/auth/mobile/code", Tag: "auth", Summary: "Send an SMS sign-in code to a mobile number",
		Access: public, Request: smsLoginCodeRequest{}, Response: mobileCodeDTO{}, Status: fiber.StatusAccepted, Before: limit, Handler: a.sendLoginCode})
	r.add(route{Method: "POST", Path: "/api/auth/mobile", Tag: "auth", Summary: "Sign in with mobile number and SMS code; the first sign-in creates the account",
		Access: public, Request: smsLoginRequest{}, Response: sessionDTO{}, Before: limit, Handler: a.mobileLogin})

	r.add(route{Method: "GET", Path: "/api/links/:token/info", Tag: tag, Summary: "What a signing link leads to, before sign-in: its state, the contract, the sender and the (masked) number to sign in with",
		Access: public, Response: linkInfoDTO{}, Before: a.perMinute("link-info", 60, "look-ups"), Handler: a.linkInfo})
	r.add(route{Method: "POST", Path: "/api/links/:token/login-code", Tag: "auth", Summary: "Send an SMS sign-in code to the number the signing link was sent to",
		Access: public, Response: mobileCodeDTO{}, Status: fiber.StatusAccepted, Before: limit, Handler: a.linkLoginCode})
	r.add(route{Method: "POST", Path: "/api/links/:token/login", Tag: "auth", Summary: "Sign in as the link's signer with the SMS code sent to its number; the first sign-in creates the account",
		Access: public, Request: linkLoginRequest{}, Response: sessionDTO{}, Before: limit, Handler: a.linkLogin})
	r.add(route{Method: "POST", Path: "/api/signatures/typed", Tag: "seals", Summary: "Draw the caller's verified name as a typed signature in a font (for signing from a link)",
		Access: person, Request: typedSignatureRequest{}, Response: typedSignatureDTO{}, Handler: a.typedSignature})
	r.add(route{Method: "GET", Path: "/api/links/:token", Tag: tag, Summary: "Open a signing link: the contract as its signer sees it (records the first view)",
		Access: person, Response: signerViewDTO{}, Handler: a.openLink})
	r.add(route{Method: "GET", Path: "/api/links/:token/files/:fileID/pdf", Tag: tag, Summary: "A document of the linked contract, at its latest revision",
		Access: person, Raw: "application/pdf", Handler: a.linkFilePDF, Query: []queryParam{previewQuery}})
	r.add(route{Method: "POST", Path: "/api/links/:token/reject", Tag: tag, Summary: "Refuse to sign, with a reason; this ends the contract",
		Access: person, Request: reasonRequest{}, Response: contractDTO{}, Handler: a.linkReject})

	r.add(route{Method: "POST", Path: "/api/links/:token/code", Tag: tag, Summary: "Send the willingness code (SMS) that approves signing exactly this contract with this signature",
		Access: person, Request: markRequest{}, Response: mobileCodeDTO{}, Status: fiber.StatusAccepted, Handler: a.linkCode})
	r.add(route{Method: "POST", Path: "/api/links/:token/sign", Tag: tag, Summary: "Sign with the willingness code: every document gets the signature, visibly and cryptographically",
		Access: person, Request: signRequest{}, Response: partyDTO{}, Handler: a.linkSign})
	r.add(route{Method: "POST", Path: "/api/inbox/:partyID/code", Tag: tag, Summary: "Send the willingness code that approves stamping this contract with this seal",
		Access: member, Scope: "contracts:write", Request: markRequest{}, Response: mobileCodeDTO{}, Status: fiber.StatusAccepted, Handler: a.inboxCode})
	r.add(route{Method: "POST", Path: "/api/inbox/:partyID/sign", Tag: tag, Summary: "Stamp for the organisation with the willingness code (and seal PIN)",
		Access: member, Scope: "contracts:write", Request: signRequest{}, Response: partyDTO{}, Handler: a.inboxSign})
	r.add(route{Method: "POST", Path: "/api/inbox/:partyID/auto-stamp", Tag: tag, Summary: "Stamp for the organisation with no human step, under an auto-stamp authorisation",
		Access: member, Scope: "seals:use contracts:write", Request: autoStampRequest{}, Response: partyDTO{}, Handler: a.inboxAutoStamp})
	r.add(route{Method: "GET", Path: "/api/inbox", Tag: tag, Summary: "Contracts other tenants sent to this tenant's verified organisation",
		Access: member, Scope: "contracts:read", Response: listDTO[inboxItemDTO]{}, Paged: true, Handler: a.listInbox})
	r.add(route{Method: "GET", Path: "/api/inbox/:partyID", Tag: tag, Summary: "One contract in the inbox, as the organisation signer sees it",
		Access: member, Scope: "contracts:read", Response: signerViewDTO{}, Handler: a.openInbox})
	r.add(route{Method: "GET", Path: "/api/inbox/:partyID/files/:fileID/pdf", Tag: tag, Summary: "A document of an inbox contract, at its latest revision",
		Access: member, Scope: "contracts:read", Raw: "application/pdf", Handler: a.inboxFilePDF, Query: []queryParam{previewQuery}})
	r.add(route{Method: "POST", Path: "/api/inbox/:partyID/reject", Tag: tag, Summary: "Refuse to sign for the organisation, with a reason; this ends the contract",
		Access: member, Scope: "contracts:write", Request: reasonRequest{}, Response: contractDTO{}, Handler: a.inboxReject})
}

// loginIntent binds a sign-in code to the number it signs in.
func loginIntent(mobile string) otp.Intent {
	h := sm3.Sum([]byte("signet/login/mobile/v1\x00" + mobile))
	return otp.Intent{Purpose: "login.mobile", Digest: hex.EncodeToString(h[:])}
}

func normMobileField(raw string) (string, error) {
	mobile, err := identity.NormalizeMobile(raw, "")
	if err != nil {
		var v valid.Errors
		var ie *identity.Error
		if errors.As(err, &ie) {
			v.Add("mobile", ie.Code, ie.Detail)
		} else {
			v.Add("mobile", "invalid", "is not a mobile number")
		}
		return "", v
	}
	return mobile, nil
}

func (a *App) sendLoginCode(c *fiber.Ctx) error {
	var in smsLoginCodeRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	mobile, err := normMobileField(in.Mobile)
	if err != nil {
		return err
	}
	t, err := a.OTP.Issue(c.UserContext(), otp.Request{Mobile: mobile, Intent: loginIntent(mobile), IP: clientIP(c)})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(mobileCodeDTO{Sent: t.Sent, ExpiresAt: t.ExpiresAt, RetryAfter: t.RetryAfter})
}

func (a *App) mobileLogin(c *fiber.Ctx) error {
	var in smsLoginRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	mobile, err := normMobileField(in.Mobile)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if err := a.OTP.Verify(ctx, otp.Check{Mobile: mobile, Intent: loginIntent(mobile), Code: in.Code}); err != nil {
		return err
	}
	p, _, err := a.Tenants.PersonByMobile(ctx, mobile, in.Name)
	if err != nil {
		return err
	}
	return a.startSession(c, p, "", fiber.StatusOK)
}

func (a *App) linkInfo(c *fiber.Ctx) error {
	ctx := c.UserContext()
	info, err := a.Contracts.LinkInfo(ctx, c.Params("token"))
	if err != nil {
		return err
	}
	sender, err := a.senderName(ctx, info.TenantID)
	if err != nil {
		return err
	}
	out := linkInfoDTO{State: string(info.State), Sender: sender, ContractTitle: info.ContractTitle, ContractState: string(info.ContractState),
		Deadline: info.Deadline, PartyKind: string(info.PartyKind), PartyName: identity.MaskName(info.PartyName), OrgName: info.OrgName,
		PartyState: string(info.PartyState), Mobile: identity.MaskMobile(info.Mobile)}
	if info.PartyKind == contracts.Organisation {
		out.PartyID, out.OrgUSCC = info.PartyID, info.OrgUSCC
	}
	return c.JSON(out)
}

// senderName is the name of the tenant that sent a contract.
func (a *App) senderName(ctx context.Context, tenantID string) (string, error) {
	t, err := a.Tenants.Tenant(tenants.WithTenant(ctx, tenantID))
	return t.Name, err
}

// linkMobile is the number a live (or completed) link may sign in with.
func (a *App) linkMobile(c *fiber.Ctx) (contracts.LinkInfo, error) {
	info, err := a.Contracts.LinkInfo(c.UserContext(), c.Params("token"))
	if err != nil {
		return info, err
	}
	if (info.State != contracts.LinkOpen && info.State != contracts.LinkCompleted) || info.Mobile == "" {
		return info, contracts.ErrLinkInvalid
	}
	return info, nil
}

func (a *App) linkLoginCode(c *fiber.Ctx) error {
	info, err := a.linkMobile(c)
	if err != nil {
		return err
	}
	t, err := a.OTP.Issue(c.UserContext(), otp.Request{Mobile: info.Mobile, Intent: loginIntent(info.Mobile), IP: clientIP(c)})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(mobileCodeDTO{Sent: t.Sent, ExpiresAt: t.ExpiresAt, RetryAfter: t.RetryAfter})
}

func (a *App) linkLogin(c *fiber.Ctx) error {
	var in linkLoginRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	info, err := a.linkMobile(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if err := a.OTP.Verify(ctx, otp.Check{Mobile: info.Mobile, Intent: loginIntent(info.Mobile), Code: in.Code}); err != nil {
		return err
	}
	// A new account is named as the sender named the signer; real-name
	// verification sets the legal name later.
	p, _, err := a.Tenants.PersonByMobile(ctx, info.Mobile, info.PartyName)
	if err != nil {
		return err
	}
	return a.startSession(c, p, "", fiber.StatusOK)
}

func (a *App) typedSignature(c *fiber.Ctx) error {
	var in typedSignatureRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	name, err := a.verifiedName(c)
	if err != nil {
		return err
	}
	fonts := seals.SignatureFonts()
	img, _, err := seals.SignatureImage(seals.SignatureInput{Typed: name, Font: in.Font})
	if err != nil {
		return err
	}
	font := in.Font
	if font == "" && len(fonts) > 0 {
		font = fonts[0]
	}
	return c.JSON(typedSignatureDTO{PNG: img, Font: font, Fonts: fonts})
}

// linkAccess authorises the caller through the :token link.
func (a *App) linkAccess(c *fiber.Ctx) (contracts.Access, error) {
	ctx := c.UserContext()
	pr := principal(c)
	mobile, err := a.Tenants.ProvenMobile(ctx, pr.PersonID)
	if err != nil {
		return contracts.Access{}, err
	}
	return a.Contracts.OpenLink(ctx, c.Params("token"), contracts.Caller{Actor: contractActorOf(c), Mobile: mobile})
}

// inboxAccess authorises a member of the organisation named by :partyID.
func (a *App) inboxAccess(c *fiber.Ctx) (contracts.Access, error) {
	id, err := idParam(c, "partyID")
	if err != nil {
		return contracts.Access{}, err
	}
	return a.Contracts.OrgParty(c.UserContext(), id)
}

func (a *App) signerView(c *fiber.Ctx, acc contracts.Access) error {
	d, err := a.Contracts.View(acc, contractActorOf(c))
	if err != nil {
		return err
	}
	sender, err := a.senderName(c.UserContext(), d.Contract.TenantID)
	if err != nil {
		return err
	}
	out := signerViewDTO{Sender: sender, Contract: toSignerContract(d.Contract), Documents: make([]contractFileDTO, len(d.Documents)), Parties: []partyDTO{}}
	for i, doc := range d.Documents {
		out.Documents[i] = toContractFile(doc)
	}
	for _, p := range d.Parties {
		if p.ID == acc.Party.ID {
			out.You = toParty(p, d.Fields)
			out.YourTurn = d.Contract.State == contracts.StateInProgress && p.Role == contracts.RoleSigner &&
				p.Order == d.Contract.Round && p.State != contracts.PartySigned && p.State != contracts.PartyRejected
		}
		// Other parties are shown without their fields or contact numbers.
		pd := toParty(p, nil)
		pd.Mobile = ""
		out.Parties = append(out.Parties, pd)
	}
	return c.JSON(out)
}

// toSignerContract is the contract as a signer sees it: without who in
// the sending tenant drafted it.
func toSignerContract(k contracts.Contract) contractDTO {
	d := toContract(k)
	d.CreatedBy = ""
	return d
}

func (a *App) openLink(c *fiber.Ctx) error {
	acc, err := a.linkAccess(c)
	if err != nil {
		return err
	}
	return a.signerView(c, acc)
}

func (a *App) accessFilePDF(c *fiber.Ctx, acc contracts.Access) error {
	id, err := idParam(c, "fileID")
	if err != nil {
		return err
	}
	d, data, err := a.Contracts.AccessDocument(acc, id)
	if err != nil {
		return err
	}
	return sendPDF(c, d.Name, data)
}

func (a *App) linkFilePDF(c *fiber.Ctx) error {
	acc, err := a.linkAccess(c)
	if err != nil {
		return err
	}
	return a.accessFilePDF(c, acc)
}

func (a *App) linkReject(c *fiber.Ctx) error {
	acc, err := a.linkAccess(c)
	if err != nil {
		return err
	}
	return a.rejectAs(c, acc)
}

func (a *App) rejectAs(c *fiber.Ctx, acc contracts.Access) error {
	var in reasonRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	k, err := a.Contracts.Reject(acc, contractActorOf(c), in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(toContract(k))
}

func (a *App) listInbox(c *fiber.Ctx) error {
	pr, err := pageRequest(c)
	if err != nil {
		return err
	}
	p, err := a.Contracts.Inbox(c.UserContext(), pr)
	if err != nil {
		return err
	}
	// A page names few senders: look each up once.
	senders := map[string]string{}
	for _, i := range p.Items {
		if _, ok := senders[i.Contract.TenantID]; !ok {
			if senders[i.Contract.TenantID], err = a.senderName(c.UserContext(), i.Contract.TenantID); err != nil {
				return err
			}
		}
	}
	return c.JSON(toList(p, func(i contracts.InboxItem) inboxItemDTO {
		pd := toParty(i.Party, nil)
		pd.Mobile = ""
		return inboxItemDTO{Sender: senders[i.Contract.TenantID], Contract: toSignerContract(i.Contract), Party: pd}
	}))
}

func (a *App) openInbox(c *fiber.Ctx) error {
	acc, err := a.inboxAccess(c)
	if err != nil {
		return err
	}
	return a.signerView(c, acc)
}

func (a *App) inboxFilePDF(c *fiber.Ctx) error {
	acc, err := a.inboxAccess(c)
	if err != nil {
		return err
	}
	return a.accessFilePDF(c, acc)
}

func (a *App) inboxReject(c *fiber.Ctx) error {
	acc, err := a.inboxAccess(c)
	if err != nil {
		return err
	}
	// Refusing for the organisation ends the contract: its owners and
	// admins may, and its systems' API keys; plain members may not.
	if p := principal(c); p.APIKeyID == "" && !p.Role.Manages() {
		return errForbidden
	}
	return a.rejectAs(c, acc)
}

func signerOf(c *fiber.Ctx) signing.Signer {
	return signing.Signer{Actor: contractActorOf(c), Ctx: c.UserContext()}
}

func (a *App) code(c *fiber.Ctx, acc contracts.Access) error {
	var in markRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	t, err := a.Signing.RequestCode(acc, signerOf(c), signing.Mark{SealID: in.SealID, SignaturePNG: in.SignaturePNG})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(mobileCodeDTO{Sent: t.Sent, ExpiresAt: t.ExpiresAt, RetryAfter: t.RetryAfter})
}

func (a *App) signAs(c *fiber.Ctx, acc contracts.Access) error {
	var in signRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	p, err := a.Signing.Sign(acc, signerOf(c), signing.Request{Mark: signing.Mark{SealID: in.SealID, SignaturePNG: in.SignaturePNG}, Code: in.Code, PIN: in.PIN})
	if err != nil {
		return err
	}
	return c.JSON(toParty(p, nil))
}

func (a *App) linkCode(c *fiber.Ctx) error {
	acc, err := a.linkAccess(c)
	if err != nil {
		return err
	}
	return a.code(c, acc)
}

func (a *App) linkSign(c *fiber.Ctx) error {
	acc, err := a.linkAccess(c)
	if err != nil {
		return err
	}
	return a.signAs(c, acc)
}

func (a *App) inboxCode(c *fiber.Ctx) error {
	acc, err := a.inboxAccess(c)
	if err != nil {
		return err
	}
	return a.code(c, acc)
}

func (a *App) inboxSign(c *fiber.Ctx) error {
	acc, err := a.inboxAccess(c)
	if err != nil {
		return err
	}
	return a.signAs(c, acc)
}

func (a *App) inboxAutoStamp(c *fiber.Ctx) error {
	acc, err := a.inboxAccess(c)
	if err != nil {
		return err
	}
	var in autoStampRequest
	if err := decode(c, &in); err != nil {
		return err
	}
	p, err := a.Signing.AutoStamp(acc, signerOf(c), in.SealID)
	if err != nil {
		return err
	}
	return c.JSON(toParty(p, nil))
}
