package tenants

import (
	"context"
	"errors"
	"reflect"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ErrNoTenant is returned by any query on tenant-owned rows when ctx carries
// no tenant. It is a programming error, never a user error: a handler that
// reaches the data layer without a principal's tenant must not read anything.
var ErrNoTenant = errors.New("no tenant in context")

type ctxKey int

const (
	tenantKey ctxKey = iota
	unscopedKey
)

// WithTenant returns ctx carrying tenantID. Only the authentication middleware
// and the job runner call it: the tenant always comes from the principal,
// never from a request body or path.
func WithTenant(ctx context.Context, tenantID string) context.Context {
	return context.WithValue(ctx, tenantKey, tenantID)
}

// FromContext returns the tenant in ctx.
func FromContext(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(tenantKey).(string)
	return id, ok && id != ""
}

// Unscoped returns ctx that lifts tenant scoping for the few look-ups that must
// cross tenants before a tenant is known: finding a person's memberships at
// login, an API key by its hash, an invitation by its token. Its loud name is
// the point; grep for it.
func Unscoped(ctx context.Context) context.Context {
	return context.WithValue(ctx, unscopedKey, true)
}

func isUnscoped(ctx context.Context) bool {
	v, _ := ctx.Value(unscopedKey).(bool)
	return v
}

// DB returns db bound to ctx. Every store gets its handle here. Queries,
// updates and deletes on any model with a TenantID field are limited to the
// tenant in ctx, and creates stamp it, by the callbacks that [Plugin]
// registers; without a tenant they fail with [ErrNoTenant].
func DB(ctx context.Context, db *gorm.DB) *gorm.DB {
	return db.WithContext(ctx)
}

// Plugin is the GORM plugin that enforces tenant scoping. Register it once,
// when the database is opened: db.Use(tenants.Plugin{}).
type Plugin struct{}

// Name implements gorm.Plugin.
func (Plugin) Name() string { return "signet:tenant-scope" }

// Initialize implements gorm.Plugin.
func (Plugin) Initialize(db *gorm.DB) error {
	cb := db.Callback()
	if err := cb.Create().Before("gorm:create").Register("signet:tenant_create", stampTenant); err != nil {
		return err
	}
	if err := cb.Query().Before("gorm:query").Register("signet:tenant_query", whereTenant); err != nil {
		return err
	}
	if err := cb.Update().Before("gorm:update").Register("signet:tenant_update", whereTenant); err != nil {
		return err
	}
	if err := cb.Delete().Before("gorm:delete").Register("signet:tenant_delete", whereTenant); err != nil {
		return err
	}
	return cb.Row().Before("gorm:row").Register("signet:tenant_row", whereTenant)
}

const tenantColumn = "tenant_id"

func tenantScoped(db *gorm.DB) bool {
	return db.Statement.Schema != nil && db.Statement.Schema.LookUpField(tenantColumn) != nil
}

func whereTenant(db *gorm.DB) {
	if db.Error != nil || !tenantScoped(db) {
		return
	}
	ctx := db.Statement.Context
	if isUnscoped(ctx) {
		return
	}
	tid, ok := FromContext(ctx)
	if !ok {
		_ = db.AddError(ErrNoTenant)
		return
	}
	db.Statement.AddClause(clause.Where{Exprs: []clause.Expression{
		clause.Eq{Column: clause.Column{Table: clause.CurrentTable, Name: tenantColumn}, Value: tid},
	}})
}

func stampTenant(db *gorm.DB) {
	if db.Error != nil || !tenantScoped(db) {
		return
	}
	ctx := db.Statement.Context
	tid, ok := FromContext(ctx)
	if !ok {
		if isUnscoped(ctx) {
			return // the caller set TenantID itself, e.g. accepting an invitation
		}
		_ = db.AddError(ErrNoTenant)
		return
	}
	field := db.Statement.Schema.LookUpField(tenantColumn)
	rv := db.Statement.ReflectValue
	set := func(v reflect.Value) {
		cur, zero := field.ValueOf(ctx, v)
		if !zero && cur != tid {
			_ = db.AddError(ErrNoTenant)
			return
		}
		if err := field.Set(ctx, v, tid); err != nil {
			_ = db.AddError(err)
		}
	}
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		for i := 0; i < rv.Len(); i++ {
			set(reflect.Indirect(rv.Index(i)))
		}
	case reflect.Struct:
		set(rv)
	}
}
