package tenants_test

import (
	"context"
	"errors"
	"testing"

	"signet/internal/dbtest"
	"signet/internal/ids"
	"signet/tenants"
)

func TestScope(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			db := dbtest.MustOpen(t, dialect).DB
			bg := context.Background()
			ctxA := tenants.WithTenant(bg, "tenant-a")
			ctxB := tenants.WithTenant(bg, "tenant-b")
			newMember := func(ctx context.Context) tenants.Membership {
				m := tenants.Membership{ID: ids.New(), PersonID: ids.New(), Role: tenants.RoleMember}
				if err := db.WithContext(ctx).Create(&m).Error; err != nil {
					t.Fatal(err)
				}
				return m
			}
			a := newMember(ctxA)
			b := newMember(ctxB)

			t.Run("CreateStampsTenant", func(t *testing.T) {
				if a.TenantID != "tenant-a" || b.TenantID != "tenant-b" {
					t.Fatalf("tenant ids = %q, %q", a.TenantID, b.TenantID)
				}
			})
			t.Run("CreateRefusesForeignTenant", func(t *testing.T) {
				m := tenants.Membership{ID: ids.New(), TenantID: "tenant-b", PersonID: ids.New(), Role: tenants.RoleMember}
				if err := db.WithContext(ctxA).Create(&m).Error; err == nil {
					t.Fatal("created a row for another tenant")
				}
			})
			t.Run("QuerySeesOwnTenantOnly", func(t *testing.T) {
				var rows []tenants.Membership
				if err := db.WithContext(ctxA).Find(&rows).Error; err != nil {
					t.Fatal(err)
				}
				if len(rows) != 1 || rows[0].ID != a.ID {
					t.Fatalf("tenant A sees %+v", rows)
				}
				var n int64
				if err := db.WithContext(ctxB).Model(&tenants.Membership{}).Where("id = ?", a.ID).Count(&n).Error; err != nil || n != 0 {
					t.Fatalf("tenant B counts A's row: %d, %v", n, err)
				}
			})
			t.Run("UpdateAndDeleteCannotCross", func(t *testing.T) {
				res := db.WithContext(ctxB).Model(&tenants.Membership{}).Where("id = ?", a.ID).Update("role", "owner")
				if res.Error != nil || res.RowsAffected != 0 {
					t.Fatalf("B updated A's row: %d, %v", res.RowsAffected, res.Error)
				}
				res = db.WithContext(ctxB).Where("id = ?", a.ID).Delete(&tenants.Membership{})
				if res.Error != nil || res.RowsAffected != 0 {
					t.Fatalf("B deleted A's row: %d, %v", res.RowsAffected, res.Error)
				}
				var still tenants.Membership
				if err := db.WithContext(ctxA).Where("id = ?", a.ID).First(&still).Error; err != nil || still.Role != tenants.RoleMember {
					t.Fatalf("A's row changed: %+v, %v", still, err)
				}
			})
			t.Run("ErrNoTenant", func(t *testing.T) {
				var rows []tenants.Membership
				if err := db.WithContext(bg).Find(&rows).Error; !errors.Is(err, tenants.ErrNoTenant) {
					t.Fatalf("query without tenant: %v", err)
				}
				if err := db.WithContext(bg).Model(&tenants.Membership{}).Where("1 = 1").Update("role", "x").Error; !errors.Is(err, tenants.ErrNoTenant) {
					t.Fatalf("update without tenant: %v", err)
				}
				if err := db.WithContext(bg).Where("1 = 1").Delete(&tenants.Membership{}).Error; !errors.Is(err, tenants.ErrNoTenant) {
					t.Fatalf("delete without tenant: %v", err)
				}
				m := tenants.Membership{ID: ids.New(), PersonID: ids.New(), Role: tenants.RoleMember}
				if err := db.WithContext(bg).Create(&m).Error; !errors.Is(err, tenants.ErrNoTenant) {
					t.Fatalf("create without tenant: %v", err)
				}
			})
			t.Run("UnscopedSeesAll", func(t *testing.T) {
				var rows []tenants.Membership
				if err := db.WithContext(tenants.Unscoped(bg)).Find(&rows).Error; err != nil || len(rows) != 2 {
					t.Fatalf("unscoped sees %d rows, %v", len(rows), err)
				}
			})
			t.Run("UnscopedGlobalTablesNeedNoTenant", func(t *testing.T) {
				var ps []tenants.Person
				if err := db.WithContext(bg).Find(&ps).Error; err != nil {
					t.Fatalf("people are global: %v", err)
				}
			})
		})
	}
}
