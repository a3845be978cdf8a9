package pki

import (
	"context"
	"fmt"
)

// rewrapPage is how many keys RewrapKeys reads at a time.
const rewrapPage = 200

// RewrapKeys re-wraps every stored private key that is not yet under the
// keyring's active KEK, after a KEK rotation. Only the small data key of
// each envelope changes: the sealed private keys, the certificates and their
// serials stay as they are. It returns how many keys it re-wrapped. Run it
// with a keyring that still holds the old KEKs; once it returns nil, the old
// KEKs can be dropped.
func (s *Service) RewrapKeys(ctx context.Context) (int, error) {
	n, after := 0, ""
	for {
		page, err := s.store.Keys(ctx, after, rewrapPage)
		if err != nil {
			return n, fmt.Errorf("rewrap keys: %w", err)
		}
		for _, k := range page {
			if !s.keys.NeedsRewrap(k.Wrapped) {
				continue
			}
			wrapped, err := s.keys.Rewrap(keyLabel(k.ID), k.Wrapped)
			if err != nil {
				return n, fmt.Errorf("rewrap key %s: %w", k.ID, err)
			}
			if err := s.store.UpdateKey(ctx, k.ID, wrapped); err != nil {
				return n, fmt.Errorf("rewrap key %s: %w", k.ID, err)
			}
			n++
		}
		if len(page) < rewrapPage {
			return n, nil
		}
		after = page[len(page)-1].ID
	}
}
