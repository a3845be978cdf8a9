// Package pdfsig signs PDF documents with incremental updates and verifies
// their signatures. The signing domain wraps it; it knows nothing of
// tenants, seals or storage.
//
// Sign appends one update holding a signature field, its visible stamps,
// the signature dictionary and a cross-reference section; a SignerFunc
// supplied by the caller (ECDSASigner, SM2Signer or an HSM-backed one)
// turns the signed bytes into a detached CMS. Verify checks every signature
// field: the byte range, the CMS, the chain, the RFC 3161 time-stamp over
// the signature value, and what later updates changed.
//
// # Invariants
//
//   - Sign only appends. The result starts with every byte of its input,
//     so earlier signatures, which cover only their own ByteRange, stay
//     valid. Stamps are drawn in the same update the signature covers;
//     nothing is ever stamped into a signed revision.
//   - A placeholder is found by offset. The /Contents and /ByteRange holes
//     are located where the writer put them in the appended bytes, never by
//     searching the file: an earlier signature's zero padding looks the same.
//   - A signature that does not fit its placeholder fails with
//     ErrContentsTooLarge; it is never truncated and the placeholder never grows.
//   - The new cross-reference section is of the kind the previous one was:
//     a classic table after a table, an xref stream after a stream (so
//     readers that do not know streams never meet one they did not before),
//     with /Prev pointing back.
//   - Verify trusts nothing by default: no roots given, nothing is Trusted.
//     It fetches nothing: revocation is checked only from what the document
//     carries (its /DSS and the CMS's revocationInfoArchival).
//
// # What is written
//
// The first Placement is the signature field's widget (/FT /Sig merged
// with its /Widget annotation, /V pointing at the signature dictionary).
// Further placements, such as the slices of a cross-page seal, are /Stamp
// annotations flagged print, locked and locked-contents, added in the same
// update and so covered by the same signature; removing one later is a
// modification Verify reports. Each placement's PNG becomes an RGB image
// XObject, with a soft mask when it has transparency, drawn by a form
// XObject that is the annotation's normal appearance (/AP /N).
//
// The signature dictionary is /Filter /Adobe.PPKLite with the /SubFilter
// Request.SubFilter names. CAdESSigner makes PAdES baseline signatures
// (/ETSI.CAdES.detached, ETSI EN 319 142-1): a detached CMS whose signed
// attributes are contentType, messageDigest and signingCertificateV2, with
// no signingTime, and optionally Adobe's revocationInfoArchival; Signet's
// ECDSA signatures are these. The older signers write
// /adbe.pkcs7.detached: ECDSASigner makes PKCS #7/CMS SignedData with
// SHA-256, the format Adobe Reader reads; poppler's pdfsig validates it
// (tested here, with the chain trusted through an NSS database). SM2Signer uses the
// same SubFilter with GM CMS (GB/T 35275 OIDs, SM2 with SM3), because no
// SubFilter names SM2: Chinese readers that know GM CMS check it, while
// poppler 22 reports "Unknown Validation Failure" (checked), and other
// readers that do not know SM2, Adobe Reader among them, cannot validate
// it either. Verify checks both kinds.
//
// Both signers put an RFC 3161 time-stamp token over the signature value
// into the unsigned attribute id-aa-timeStampToken (SHA-256 imprint for
// ECDSA, SM3 for SM2), and an ESS signingCertificateV2 into the signed
// attributes. The CMS is built with github.com/emmansun/gmsm/pkcs7, which
// already handles SM2 and exposes the signer info, so the time-stamp can be
// added after the signature exists; internal/cms does not fit, as it
// encapsulates content and has no unsigned attributes.
//
// # The electronic seal
//
// A seal's signing in Signet is two signatures: the PDF signature, and a
// GB/T 38540 SES_Signature whose dataHash is the SM3 of the document before
// this update and whose SESeal holds the seal's picture. Request.SES puts
// the latter's DER into the signature dictionary as the private entry
// /Signet.SES, next to /Signet.SESByteRange [0 n]: the SES signs the first
// n bytes, the revision Sign was given. The length is written because the
// bytes cannot tell it: when the input does not end with a line end, Sign
// adds one, and the result looks like an input that did. Both entries lie
// inside the ByteRange, so the CMS covers them, and the CMS is what binds
// the SES to this signature and its widget; readers that do not know the
// entries ignore them (poppler's pdfsig still validates, tested here).
// When the widget's picture is an ink picture ([inkpng]) that the SES
// embeds, the picture is written once: the widget's soft mask is the PNG's
// own pixel data, and the /Signet.SES stream leaves those bytes out and
// names them with /Signet.SESPicture [mask offset]; Verify puts them back.
// Verify reports the DER (SignatureReport.SES, after checking it is one
// DER SEQUENCE and that n is where this update begins), RevisionStart and
// the widget's picture (WidgetImage, decoded only from the one layout
// Sign writes) and leaves checking the SES to the caller, which knows the
// roots and the seal.
//
// # Reading PDF
//
// The parser is this package's own and small: trailers, startxref, classic
// and stream cross-references (with /W, /Index, /Prev, hybrid /XRefStm, Flate
// and PNG predictors), object streams, and the object syntax. A library such
// as github.com/pdfcpu/pdfcpu could read, but writing must be byte-exact
// appending anyway, and comparing one revision with the next needs access
// to each cross-reference section, which such libraries merge away. Not
// supported: encrypted documents, and repairing broken cross-references.
//
// Reading is bounded, against decompression bombs: every filter streams
// with its output cut off at DecodeRatio times the encoded size, and the
// whole parse of a document has a budget ([MinBudget] to [MaxBudget]) for
// what it decodes and builds; past either, reading fails with
// [ErrTooComplex], even where a lookup on the way swallowed the error.
// Verify, Inspect and FindText hold their budget in a process-wide gate
// sized from the memory the process may use; one that cannot get in
// within [MaxQueueWait] (or its context) fails with [ErrBusy].
//
// # What Verify reports
//
// For each signature, Change compares every object that later updates
// write with its previous revision: new signature dictionaries, widgets,
// stamps, XObjects, extended /Annots and /Fields and /SigFlags are
// FurtherSignaturesOnly, provided each such update adds a signature;
// anything else, and bytes appended outside any revision, is Modified.
// Signatures are gathered from every revision, so one that a later update
// dropped from the form is still reported (as Modified).
//
// # Reading and drawing before signing
//
// Inspect validates an upload (header, cross-references, catalog, the
// whole page tree and every page's content streams) and reports page
// count, visible boxes and rotation; it fails with ErrNotPDF, ErrEncrypted
// or ErrCorrupt and never panics (FuzzInspect). FindText interprets page
// content, forms included, to find keyword anchors for placements.
// Flatten and AppendPage append one incremental update that draws images
// into page content or onto a new last page; they are for unsigned
// documents, since any later update that is not a signature makes Verify
// report Modified. Existing content is wrapped in q … Q so that its
// graphics state cannot move what is drawn after it.
//
// # Long-term validation
//
// AddDSS and AddDocTimeStamp (ltv.go) make PAdES B-LT and B-LTA documents;
// Verify accepts their updates after a signature (a revision may add or
// extend the /DSS, and a document time-stamp counts as a signature) and
// reports, per signature, the Level reached, the revocation status of the
// signer's and the TSA's certificates, and ProvenAt, the time its
// time-stamp is relied on at. The model is in longTerm's comment: each
// time-stamp's certificate must be valid when the next document
// time-stamp proves it existed, and VerifyOptions.Now stands in for the
// clock to check a document as a validator will years from now.
//
// Not handled: certification (DocMDP) signatures and their permissions,
// revocation of CA certificates (only end-entity certificates, the
// signer's and the TSA's, are checked), and encrypted documents (Sign
// refuses them).
package pdfsig
