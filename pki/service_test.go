package pki_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"signet/pki"
)

// parsePEMChain decodes Chain's output.
func parsePEMChain(t *testing.T, data []byte) []*smx509.Certificate {
	t.Helper()
	var out []*smx509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			t.Fatalf("PEM block %q", block.Type)
		}
		c, err := smx509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

func TestNew(t *testing.T) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		e := newEnv(t)
		for _, tc := range []struct {
			alg    pki.Algorithm
			sigAlg smx509.SignatureAlgorithm
			curve  elliptic.Curve
		}{
			{pki.SM2, smx509.SM2WithSM3, sm2.P256()},
			{pki.ECDSA, smx509.ECDSAWithSHA256, elliptic.P256()},
		} {
			data, err := e.svc.Chain(tc.alg)
			if err != nil {
				t.Fatal(err)
			}
			chain := parsePEMChain(t, data)
			if len(chain) != 2 {
				t.Fatalf("%s: chain has %d certificates", tc.alg, len(chain))
			}
			iss, root := chain[0], chain[1]
			if err := root.CheckSignatureFrom(root); err != nil {
				t.Errorf("%s root self-signature: %v", tc.alg, err)
			}
			if err := iss.CheckSignatureFrom(root); err != nil {
				t.Errorf("%s issuing CA not signed by root: %v", tc.alg, err)
			}
			for _, c := range chain {
				if !c.IsCA || c.KeyUsage != smx509.KeyUsageCertSign|smx509.KeyUsageCRLSign || c.SignatureAlgorithm != tc.sigAlg {
					t.Errorf("%s %s: CA=%v usage=%v sigalg=%v", tc.alg, c.Subject, c.IsCA, c.KeyUsage, c.SignatureAlgorithm)
				}
				if c.PublicKey.(*ecdsa.PublicKey).Curve != tc.curve {
					t.Errorf("%s %s: wrong curve", tc.alg, c.Subject)
				}
			}
			if !iss.MaxPathLenZero || iss.NotAfter.After(root.NotAfter) {
				t.Errorf("%s issuing CA: pathlen0=%v notAfter %v beyond root %v", tc.alg, iss.MaxPathLenZero, iss.NotAfter, root.NotAfter)
			}
			if want := "Signet Test " + map[pki.Algorithm]string{pki.SM2: "SM2", pki.ECDSA: "ECDSA"}[tc.alg] + " Issuing CA"; iss.Subject.CommonName != want {
				t.Errorf("issuing CN = %q, want %q", iss.Subject.CommonName, want)
			}
		}
		for _, p := range []struct {
			purpose pki.Purpose
			alg     pki.Algorithm
		}{{pki.PurposeEvidence, pki.SM2}, {pki.PurposeEvidence, pki.ECDSA}, {pki.PurposeSealMaker, pki.SM2}, {pki.PurposeTSA, pki.ECDSA}} {
			cred, err := e.svc.PlatformCredential(ctx, p.purpose, p.alg)
			if err != nil {
				t.Fatalf("%s %s: %v", p.purpose, p.alg, err)
			}
			mustVerifyChain(t, cred)
			mustSignVerify(t, cred)
			if ou := cred.Certificate.Subject.OrganizationalUnit; len(ou) != 1 || ou[0] != platformUSCC {
				t.Errorf("%s %s: OU = %v", p.purpose, p.alg, ou)
			}
		}
	})
	t.Run("ErrInvalid/PlatformCombination", func(t *testing.T) {
		e := newEnv(t)
		for _, p := range []pki.Purpose{pki.PurposeTSA, pki.PurposeParty} {
			if _, err := e.svc.PlatformCredential(ctx, p, pki.SM2); !errors.Is(err, pki.ErrInvalid) {
				t.Errorf("%s sm2: err = %v", p, err)
			}
		}
		if _, err := e.svc.Chain("rsa"); !errors.Is(err, pki.ErrInvalid) {
			t.Errorf("Chain(rsa): err = %v", err)
		}
	})
	t.Run("Reload", func(t *testing.T) {
		e := newEnv(t)
		tsa, err := e.svc.PlatformCredential(ctx, pki.PurposeTSA, pki.ECDSA)
		if err != nil {
			t.Fatal(err)
		}
		again, err := pki.New(ctx, e.store, mustKeyring(t, kek1), testConfig(e.clock))
		if err != nil {
			t.Fatal(err)
		}
		for _, alg := range pki.Algorithms() {
			a, _ := e.svc.Chain(alg)
			b, _ := again.Chain(alg)
			if !bytes.Equal(a, b) {
				t.Errorf("%s chain changed on reload", alg)
			}
		}
		tsa2, err := again.PlatformCredential(ctx, pki.PurposeTSA, pki.ECDSA)
		if err != nil || tsa2.ID != tsa.ID {
			t.Errorf("TSA after reload = %v, %v; want %s", tsa2, err, tsa.ID)
		}
	})
	t.Run("ConcurrentFirstStart", func(t *testing.T) {
		db := mustOpenSQLite(t)
		st := pki.NewGormStore(db)
		const n = 3
		chains := make([][]byte, n)
		errs := make([]error, n)
		keys := mustKeyring(t, kek1)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				svc, err := pki.New(ctx, st, keys, testConfig(nil))
				if err != nil {
					errs[i] = err
					return
				}
				chains[i], errs[i] = svc.Chain(pki.SM2)
			}()
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("start %d: %v", i, errs[i])
			}
			if !bytes.Equal(chains[i], chains[0]) {
				t.Fatalf("start %d got another hierarchy", i)
			}
		}
		var count int64
		db.Table("pki_authorities").Count(&count)
		if count != 4 {
			t.Errorf("%d authorities stored, want 4", count)
		}
	})
	t.Run("ErrInvalid/Config", func(t *testing.T) {
		st := pki.NewGormStore(mustOpenSQLite(t))
		for name, edit := range map[string]func(*pki.Config){
			"Organisation": func(c *pki.Config) { c.Organisation = "" },
			"USCC":         func(c *pki.Config) { c.USCC = "91110000600037341A" },
			"CRLURLs":      func(c *pki.Config) { c.CRLURLs = map[pki.Algorithm]string{pki.SM2: "ldap://x"} },
			"PartyValidity": func(c *pki.Config) {
				c.PartyValidity = -time.Hour
			},
		} {
			cfg := testConfig(nil)
			edit(&cfg)
			_, err := pki.New(ctx, st, mustKeyring(t, kek1), cfg)
			var fe *pki.FieldError
			if !errors.Is(err, pki.ErrInvalid) || !errors.As(err, &fe) || fe.Field != name {
				t.Errorf("%s: err = %v", name, err)
			}
		}
	})
}

// testHierarchy makes a root and issuing CA outside pki, as an operator
// bringing their own would, and returns them as PEM.
func testHierarchy(t *testing.T, alg pki.Algorithm, sec1 bool) pki.Import {
	t.Helper()
	gen := func() crypto.Signer {
		var k crypto.Signer
		var err error
		if alg == pki.SM2 {
			k, err = sm2.GenerateKey(rand.Reader)
		} else {
			k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		}
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	now := time.Now()
	rootKey, issKey := gen(), gen()
	rootTmpl := &smx509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Imported Root " + string(alg)},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(10 * 365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: smx509.KeyUsageCertSign | smx509.KeyUsageCRLSign,
	}
	rootDER, err := smx509.CreateCertificate(rand.Reader, rootTmpl, rootTmpl, rootKey.Public(), rootKey)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := smx509.ParseCertificate(rootDER)
	issTmpl := &smx509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Imported Issuing " + string(alg)},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(5 * 365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, MaxPathLenZero: true,
		KeyUsage: smx509.KeyUsageCertSign | smx509.KeyUsageCRLSign,
	}
	issDER, err := smx509.CreateCertificate(rand.Reader, issTmpl, root, issKey.Public(), rootKey)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := func(k crypto.Signer) []byte {
		if sec1 {
			var ek *ecdsa.PrivateKey
			switch k := k.(type) {
			case *sm2.PrivateKey:
				ek = &k.PrivateKey
			case *ecdsa.PrivateKey:
				ek = k
			}
			der, err := smx509.MarshalECPrivateKey(ek)
			if err != nil {
				t.Fatal(err)
			}
			return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
		}
		der, err := smx509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	certPEM := func(der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}) }
	return pki.Import{RootCert: certPEM(rootDER), RootKey: keyPEM(rootKey), IssuingCert: certPEM(issDER), IssuingKey: keyPEM(issKey)}
}

func TestImport(t *testing.T) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		imports := map[pki.Algorithm]pki.Import{
			pki.SM2:   testHierarchy(t, pki.SM2, false),
			pki.ECDSA: testHierarchy(t, pki.ECDSA, true),
		}
		e := newEnv(t, func(c *pki.Config) { c.Import = imports })
		for alg, imp := range imports {
			got, err := e.svc.Chain(alg)
			if err != nil {
				t.Fatal(err)
			}
			if want := append(bytes.Clone(imp.IssuingCert), imp.RootCert...); !bytes.Equal(got, want) {
				t.Errorf("%s chain is not the imported one", alg)
			}
			cred := mustIssue(t, e.svc, orgRequest(alg, "org-import"))
			mustVerifyChain(t, cred)
			mustSignVerify(t, cred)
			if cred.Chain[1].Subject.CommonName != "Imported Root "+string(alg) {
				t.Errorf("%s: issued under %s", alg, cred.Chain[1].Subject)
			}
		}
		// A later start with the same import loads what is stored.
		if _, err := pki.New(ctx, e.store, mustKeyring(t, kek1), func() pki.Config {
			c := testConfig(e.clock)
			c.Import = imports
			return c
		}()); err != nil {
			t.Fatalf("restart with same import: %v", err)
		}
	})
	t.Run("RootWithoutKey", func(t *testing.T) {
		imp := testHierarchy(t, pki.SM2, false)
		imp.RootKey = nil
		e := newEnv(t, func(c *pki.Config) { c.Import = map[pki.Algorithm]pki.Import{pki.SM2: imp} })
		mustSignVerify(t, mustIssue(t, e.svc, personRequest(pki.SM2, "p-offline-root")))
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		good := testHierarchy(t, pki.SM2, false)
		other := testHierarchy(t, pki.SM2, false)
		ecdsaH := testHierarchy(t, pki.ECDSA, false)
		for name, tc := range map[string]struct {
			imp   pki.Import
			field string
		}{
			"WrongIssuingKey":  {pki.Import{RootCert: good.RootCert, IssuingCert: good.IssuingCert, IssuingKey: other.IssuingKey}, "Import.IssuingKey"},
			"WrongRootKey":     {pki.Import{RootCert: good.RootCert, RootKey: other.RootKey, IssuingCert: good.IssuingCert, IssuingKey: good.IssuingKey}, "Import.RootKey"},
			"IssuerNotUnder":   {pki.Import{RootCert: other.RootCert, IssuingCert: good.IssuingCert, IssuingKey: good.IssuingKey}, "Import.IssuingCert"},
			"WrongAlgorithm":   {ecdsaH, "Import.RootCert"},
			"NotPEM":           {pki.Import{RootCert: []byte("not pem"), IssuingCert: good.IssuingCert, IssuingKey: good.IssuingKey}, "Import.RootCert"},
			"EncryptedKeyType": {pki.Import{RootCert: good.RootCert, IssuingCert: good.IssuingCert, IssuingKey: pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1}})}, "Import.IssuingKey"},
		} {
			st := pki.NewGormStore(mustOpenSQLite(t))
			cfg := testConfig(nil)
			cfg.Import = map[pki.Algorithm]pki.Import{pki.SM2: tc.imp}
			_, err := pki.New(ctx, st, mustKeyring(t, kek1), cfg)
			var fe *pki.FieldError
			if !errors.Is(err, pki.ErrInvalid) || !errors.As(err, &fe) || fe.Field != tc.field {
				t.Errorf("%s: err = %v, want field %s", name, err, tc.field)
			}
		}
	})
	t.Run("ErrInvalid/DiffersFromStored", func(t *testing.T) {
		e := newEnv(t) // generated hierarchies are stored
		cfg := testConfig(e.clock)
		cfg.Import = map[pki.Algorithm]pki.Import{pki.SM2: testHierarchy(t, pki.SM2, false)}
		if _, err := pki.New(ctx, e.store, mustKeyring(t, kek1), cfg); !errors.Is(err, pki.ErrInvalid) {
			t.Fatalf("err = %v, want ErrInvalid", err)
		}
	})
}

// retireIssuing clears the SM2 issuing CA's slot, as an operator retiring it would.
func retireIssuing(t *testing.T, e *env) {
	t.Helper()
	res := e.db.Table("pki_authorities").Where("current_slot = ?", "issuing/sm2").Update("current_slot", nil)
	if res.Error != nil || res.RowsAffected != 1 {
		t.Fatalf("retire issuing CA: %v, %d rows", res.Error, res.RowsAffected)
	}
}

func TestIssuingRollover(t *testing.T) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		e := newEnv(t)
		old := mustIssue(t, e.svc, personRequest(pki.SM2, "p-roll"))
		oldChain := mustChain(t, e.svc, pki.SM2)
		retireIssuing(t, e)
		svc, err := pki.New(ctx, e.store, mustKeyring(t, kek1), testConfig(e.clock))
		if err != nil {
			t.Fatal(err)
		}
		chain := mustChain(t, svc, pki.SM2)
		if !chain[1].Equal(oldChain[1]) || chain[0].Equal(oldChain[0]) {
			t.Fatal("want a new issuing CA under the same root")
		}
		fresh := mustIssue(t, svc, personRequest(pki.SM2, "p-roll"))
		if !fresh.Chain[0].Equal(chain[0]) {
			t.Error("new certificate not issued by the new issuing CA")
		}
		mustVerifyChain(t, fresh)
		// The earlier certificate keeps its own chain and still signs.
		again, err := svc.Credential(ctx, old.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !again.Chain[0].Equal(oldChain[0]) {
			t.Error("old certificate lost its issuer")
		}
		mustVerifyChain(t, again)
		mustSignVerify(t, again)
		crl := parseCRL(t, mustCRL(t, svc, pki.SM2))
		if err := crl.CheckSignatureFrom(chain[0]); err != nil || crl.Number.Int64() != 1 {
			t.Errorf("new issuing CA's CRL: number %v, %v", crl.Number, err)
		}
	})
	t.Run("ErrNoPrivateKey", func(t *testing.T) {
		imp := testHierarchy(t, pki.SM2, false)
		imp.RootKey = nil
		e := newEnv(t, func(c *pki.Config) { c.Import = map[pki.Algorithm]pki.Import{pki.SM2: imp} })
		retireIssuing(t, e)
		if _, err := pki.New(ctx, e.store, mustKeyring(t, kek1), testConfig(e.clock)); !errors.Is(err, pki.ErrNoPrivateKey) {
			t.Fatalf("rollover under a root without key: %v", err)
		}
	})
}
