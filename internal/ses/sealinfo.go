package ses

import (
	"fmt"
	"math"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Header is SES_Header. Its id ("ES", [HeaderID]) and version (4, [Version])
// are fixed, so only the vendor id is a field.
type Header struct {
	// VendorID is vid, the seal vendor's identifier (IA5String, not empty).
	VendorID string
}

// CertDigest is CertDigestObj, one entry of a digest certList.
type CertDigest struct {
	// Type names the digest algorithm (PrintableString), e.g. "sm3".
	Type string
	// Value is the digest of the DER certificate.
	Value []byte
}

// PropertyInfo is SES_ESPropertyInfo.
type PropertyInfo struct {
	// Type is SealTypeOrganization or SealTypePersonal (Signet makes only
	// these; another producer's seal may carry another positive value).
	Type int
	// Name is the seal's name (UTF8String, not empty).
	Name string
	// CertListType is CertListCertificates (Certs is used) or CertListDigests
	// (CertDigests is used); the other list must be empty.
	CertListType int
	// Certs are the DER certificates of those who may sign with the seal.
	Certs [][]byte
	// CertDigests are digests of those certificates.
	CertDigests []CertDigest
	// CreateDate is when the seal was made.
	CreateDate time.Time
	// ValidStart and ValidEnd bound when the seal may be used.
	ValidStart, ValidEnd time.Time
}

// PictrueInfo is SES_ESPictrueInfo, spelt as the standard spells it so that
// the name can be found there.
type PictrueInfo struct {
	// Type is the image format (IA5String), e.g. "png" or "svg".
	Type string
	// Data is the image.
	Data []byte
	// Width and Height are the printed size in millimetres.
	Width, Height int
}

// SealInfo is SES_SealInfo, the part of a seal that its maker signs.
type SealInfo struct {
	// Header is header.
	Header Header
	// ESID is esID, the seal's identifier (IA5String, not empty).
	ESID string
	// Property is property.
	Property PropertyInfo
	// Picture is picture.
	Picture PictrueInfo
	// ExtDatas is the optional extDatas; nil when absent.
	ExtDatas []ExtData
}

// Marshal returns the DER encoding of h.
func (h *Header) Marshal() ([]byte, error) { return build(h.add) }

// Unmarshal sets h from DER; see the package invariants.
func (h *Header) Unmarshal(der []byte) error {
	var v Header
	if err := unmarshal(der, "header", v.read, v.Marshal); err != nil {
		return err
	}
	*h = v
	return nil
}

func (h *Header) add(b *cryptobyte.Builder) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		addString(b, cbasn1.IA5String, HeaderID, isIA5, "header id")
		b.AddASN1Int64(Version)
		addString(b, cbasn1.IA5String, h.VendorID, nonEmpty(isIA5), "header vid")
	})
}

func (h *Header) read(s *cryptobyte.String) error {
	var seq cryptobyte.String
	var id string
	var version int64
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) ||
		!readString(&seq, cbasn1.IA5String, isIA5, &id) ||
		!seq.ReadASN1Integer(&version) ||
		!readString(&seq, cbasn1.IA5String, nonEmpty(isIA5), &h.VendorID) || !seq.Empty() {
		return malformed("header")
	}
	if id != HeaderID {
		return malformed(fmt.Sprintf("header id %q", id))
	}
	if version != Version {
		return fmt.Errorf("%w: seal header version %d", ErrUnsupportedVersion, version)
	}
	return nil
}

// Marshal returns the DER encoding of p.
func (p *PropertyInfo) Marshal() ([]byte, error) { return build(p.add) }

// Unmarshal sets p from DER; see the package invariants.
func (p *PropertyInfo) Unmarshal(der []byte) error {
	var v PropertyInfo
	if err := unmarshal(der, "property info", v.read, v.Marshal); err != nil {
		return err
	}
	*p = v
	return nil
}

func (p *PropertyInfo) check() error {
	switch {
	// GB/T 38540 names 1 (organisation) and 2 (personal); other producers
	// number their kinds further (ofdrw writes 3), and such seals are read
	// and reported as they are.
	case p.Type < 1 || p.Type > 255:
		return fmt.Errorf("property info: seal type %d", p.Type)
	case p.CertListType == CertListCertificates && len(p.CertDigests) > 0,
		p.CertListType == CertListDigests && len(p.Certs) > 0:
		return fmt.Errorf("property info: cert list type %d with the other list filled", p.CertListType)
	case p.CertListType != CertListCertificates && p.CertListType != CertListDigests:
		return fmt.Errorf("property info: cert list type %d", p.CertListType)
	case !p.ValidStart.Before(p.ValidEnd):
		return fmt.Errorf("property info: validity %v to %v is empty", p.ValidStart, p.ValidEnd)
	}
	return nil
}

func (p *PropertyInfo) add(b *cryptobyte.Builder) {
	if err := p.check(); err != nil {
		b.SetError(err)
		return
	}
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(int64(p.Type))
		addString(b, cbasn1.UTF8String, p.Name, nonEmpty(isUTF8), "property name")
		b.AddASN1Int64(int64(p.CertListType))
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for _, c := range p.Certs {
				addOctets(b, c)
			}
			for _, d := range p.CertDigests {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					addString(b, cbasn1.PrintableString, d.Type, nonEmpty(isPrintable), "cert digest type")
					addOctets(b, d.Value)
				})
			}
		})
		addTime(b, p.CreateDate, "createDate")
		addTime(b, p.ValidStart, "validStart")
		addTime(b, p.ValidEnd, "validEnd")
	})
}

func (p *PropertyInfo) read(s *cryptobyte.String) error {
	var seq, list cryptobyte.String
	var typ, listType int64
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) ||
		!seq.ReadASN1Integer(&typ) ||
		!readString(&seq, cbasn1.UTF8String, nonEmpty(isUTF8), &p.Name) ||
		!seq.ReadASN1Integer(&listType) ||
		!seq.ReadASN1(&list, cbasn1.SEQUENCE) {
		return malformed("property info")
	}
	p.Type, p.CertListType = int(typ), int(listType)
	for !list.Empty() {
		switch listType {
		case CertListCertificates:
			var c []byte
			if !list.ReadASN1Bytes(&c, cbasn1.OCTET_STRING) {
				return malformed("property info: cert list")
			}
			p.Certs = append(p.Certs, c)
		case CertListDigests:
			var obj cryptobyte.String
			var d CertDigest
			if !list.ReadASN1(&obj, cbasn1.SEQUENCE) ||
				!readString(&obj, cbasn1.PrintableString, nonEmpty(isPrintable), &d.Type) ||
				!obj.ReadASN1Bytes(&d.Value, cbasn1.OCTET_STRING) || !obj.Empty() {
				return malformed("property info: cert digest list")
			}
			p.CertDigests = append(p.CertDigests, d)
		default:
			return malformed(fmt.Sprintf("property info: cert list type %d", listType))
		}
	}
	if !seq.ReadASN1GeneralizedTime(&p.CreateDate) ||
		!seq.ReadASN1GeneralizedTime(&p.ValidStart) ||
		!seq.ReadASN1GeneralizedTime(&p.ValidEnd) || !seq.Empty() {
		return malformed("property info: dates")
	}
	if err := p.check(); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return nil
}

// Marshal returns the DER encoding of p.
func (p *PictrueInfo) Marshal() ([]byte, error) { return build(p.add) }

// Unmarshal sets p from DER; see the package invariants.
func (p *PictrueInfo) Unmarshal(der []byte) error {
	var v PictrueInfo
	if err := unmarshal(der, "picture info", v.read, v.Marshal); err != nil {
		return err
	}
	*p = v
	return nil
}

func (p *PictrueInfo) add(b *cryptobyte.Builder) {
	if p.Width <= 0 || p.Height <= 0 || p.Width > math.MaxInt32 || p.Height > math.MaxInt32 || len(p.Data) == 0 {
		b.SetError(fmt.Errorf("picture info: empty picture or size %dx%d mm", p.Width, p.Height))
		return
	}
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		addString(b, cbasn1.IA5String, p.Type, nonEmpty(isIA5), "picture type")
		addOctets(b, p.Data)
		b.AddASN1Int64(int64(p.Width))
		b.AddASN1Int64(int64(p.Height))
	})
}

func (p *PictrueInfo) read(s *cryptobyte.String) error {
	var seq cryptobyte.String
	var w, h int32
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) ||
		!readString(&seq, cbasn1.IA5String, nonEmpty(isIA5), &p.Type) ||
		!seq.ReadASN1Bytes(&p.Data, cbasn1.OCTET_STRING) ||
		!seq.ReadASN1Integer(&w) || !seq.ReadASN1Integer(&h) || !seq.Empty() {
		return malformed("picture info")
	}
	p.Width, p.Height = int(w), int(h)
	return nil
}

// Marshal returns DER(SES_SealInfo), the bytes a seal maker signs.
func (si *SealInfo) Marshal() ([]byte, error) { return build(si.add) }

// Unmarshal sets si from DER; see the package invariants.
func (si *SealInfo) Unmarshal(der []byte) error {
	var v SealInfo
	if err := unmarshal(der, "seal info", v.read, v.Marshal); err != nil {
		return err
	}
	*si = v
	return nil
}

func (si *SealInfo) add(b *cryptobyte.Builder) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		si.Header.add(b)
		addString(b, cbasn1.IA5String, si.ESID, nonEmpty(isIA5), "esID")
		si.Property.add(b)
		si.Picture.add(b)
		if si.ExtDatas != nil {
			addExtDatas(b, si.ExtDatas)
		}
	})
}

func (si *SealInfo) read(s *cryptobyte.String) error {
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) {
		return malformed("seal info")
	}
	if err := si.Header.read(&seq); err != nil {
		return err
	}
	if !readString(&seq, cbasn1.IA5String, nonEmpty(isIA5), &si.ESID) {
		return malformed("seal info: esID")
	}
	if err := si.Property.read(&seq); err != nil {
		return err
	}
	if err := si.Picture.read(&seq); err != nil {
		return err
	}
	if !seq.Empty() {
		if err := readExtDatas(&seq, &si.ExtDatas); err != nil {
			return err
		}
	}
	if !seq.Empty() {
		return malformed("seal info: trailing fields")
	}
	return nil
}
