package contracts

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"signet/internal/database"
	"signet/internal/ids"
	"signet/internal/migrate"
	"signet/internal/page"
	"signet/internal/testenv"
	"signet/tenants"
)

// BenchmarkList1M measures Service.List on MariaDB with 1,000,000 contracts
// in one tenant (and 27,000 in nine others, so that tenant scoping matters),
// through the real query path: the tenant plugin, page.Apply and the
// contract_terms joins. Each sub-benchmark reports p50, p95 and p99 latency
// in milliseconds; the issue asks for p99 under 50 ms. With -v it also logs
// the SQL of each case with MariaDB's EXPLAIN, and how the data was made.
//
// The data set is generated once into the database signet_bench_1m, which
// is kept between runs: a rerun whose schema still matches the migrations
// reuses it and starts measuring within seconds, while a changed contracts
// or contract_terms table rebuilds it. Generating it takes about 11 minutes
// on two cores and 8 GB of disk (68 million contract_terms rows). Drop it
// with
//
//	mysql -h127.0.0.1 -uroot -e 'DROP DATABASE signet_bench_1m'
//
// SIGNET_BENCH_CONTRACTS=20000 makes a smaller data set (in its own
// database, signet_bench_20000) to try changes quickly. Without MariaDB the
// benchmark skips loudly, and fails when CI=true, like every integration test.
//
//	go test ./contracts -run '^$' -bench BenchmarkList1M -benchtime 200x -timeout 60m -v
func BenchmarkList1M(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("SIGNET_BENCH_CONTRACTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1000 {
			b.Fatalf("SIGNET_BENCH_CONTRACTS=%q: want a number ≥ 1000", v)
		}
	}
	db, set := openListBench(b, n)
	svc := NewService(Deps{DB: db.DB})

	month := func(m int) Filter {
		from := time.Date(2025, time.Month(m), 1, 0, 0, 0, 0, time.UTC)
		to := from.AddDate(0, 1, 0)
		return Filter{States: []State{StateCompleted}, From: &from, To: &to}
	}
	var months, names, mobiles []Filter
	for i := range 12 {
		months = append(months, month(i+1))
	}
	for i := range 12 {
		p := set.persons[(i*7919)%len(set.persons)]
		names = append(names, Filter{Party: p.name})
		mobiles = append(mobiles, Filter{Party: strings.TrimPrefix(p.mobile, "+86")})
	}
	kw := func(words ...string) []Filter {
		var fs []Filter
		for _, w := range words {
			fs = append(fs, Filter{Keyword: w})
		}
		return fs
	}
	mid := base64.RawURLEncoding.EncodeToString([]byte(ids.Floor(time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC))))
	cases := []struct {
		name    string
		filters []Filter
		deep    int    // pages to follow before the timed call
		cursor  string // or a cursor to start from
		tenant  int
	}{
		{"first_page", []Filter{{}}, 0, "", 0},
		{"status_in_progress", []Filter{{States: []State{StateInProgress}}}, 0, "", 0},
		{"completed_one_month", months, 0, "", 0},
		{"keyword_2_han", kw("租赁", "保密", "采购", "劳动"), 0, "", 0},
		{"keyword_4_han", kw("技术服务", "房屋租赁", "物业服务", "设备租赁"), 0, "", 0},
		{"keyword_latin_prefix", kw("saa", "erp", "oe", "ap"), 0, "", 0},
		{"keyword_rare_org", kw(set.orgs[11].name[6:18], set.orgs[23].name[6:18]), 0, "", 0},
		{"party_name", names, 0, "", 0},
		{"party_mobile", mobiles, 0, "", 0},
		{"keyword_and_party", []Filter{{Keyword: "合同", Party: names[0].Party}, {Keyword: "协议", Party: names[1].Party}}, 0, "", 0},
		{"keyword_sparse_pair", kw("欧阳 仓储", "司马 借款"), 0, "", 0},
		{"deep_page_20", []Filter{{}}, 20, "", 0},
		{"deep_page_20_keyword", kw("租赁"), 20, "", 0},
		{"cursor_mid_history", []Filter{{}}, 0, mid, 0},
		{"cursor_mid_history_completed", []Filter{{States: []State{StateCompleted}}}, 0, mid, 0},
		{"two_states", []Filter{{States: []State{StateRejected, StateRevoked}}}, 0, "", 0},
		{"small_tenant_first_page", []Filter{{}}, 0, "", 3},
		{"small_tenant_keyword", kw("租赁"), 0, "", 3},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			// Follow the cursors untimed: a deep page costs what its own query costs.
			ctx := tenants.WithTenant(context.Background(), benchTenant(c.tenant))
			reqs := make([]page.Request, len(c.filters))
			for i, f := range c.filters {
				reqs[i].Cursor = c.cursor
				for range c.deep {
					p, err := svc.List(ctx, f, reqs[i])
					if err != nil {
						b.Fatal(err)
					}
					if p.NextCursor == "" {
						b.Fatalf("%s: fewer than %d pages", c.name, c.deep+1)
					}
					reqs[i].Cursor = p.NextCursor
				}
			}
			if b.N == 1 && testing.Verbose() {
				explainList(b, db.DB, svc, ctx, c.filters[0], reqs[0])
			}
			lat := make([]time.Duration, 0, b.N)
			items := 0
			b.ResetTimer()
			for i := range b.N {
				start := time.Now()
				p, err := svc.List(ctx, c.filters[i%len(c.filters)], reqs[i%len(reqs)])
				lat = append(lat, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				items += len(p.Items)
			}
			b.StopTimer()
			if items == 0 {
				b.Fatalf("%s: no contract matched", c.name)
			}
			slices.Sort(lat)
			q := func(p float64) float64 {
				return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))]) / 1e6
			}
			b.ReportMetric(q(0.50), "p50-ms")
			b.ReportMetric(q(0.95), "p95-ms")
			b.ReportMetric(q(0.99), "p99-ms")
			b.ReportMetric(float64(items)/float64(b.N), "items/op")
		})
	}
}

// explainList logs the SQL Service.List runs for f and MariaDB's plan of it.
func explainList(b *testing.B, db *gorm.DB, svc *Service, ctx context.Context, f Filter, r page.Request) {
	b.Helper()
	rec := &sqlRecorder{Interface: logger.Discard}
	probe := *svc
	probe.db = db.Session(&gorm.Session{Logger: rec})
	if _, err := probe.List(ctx, f, r); err != nil {
		b.Fatal(err)
	}
	rows, err := db.Raw("EXPLAIN " + rec.sql).Rows()
	if err != nil {
		b.Fatalf("explain %s: %v", rec.sql, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var plan []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			b.Fatal(err)
		}
		var cells []string
		for i, c := range cols {
			if c == "table" || c == "type" || c == "key" || c == "key_len" || c == "rows" || c == "Extra" {
				cells = append(cells, c+"="+vals[i].String)
			}
		}
		plan = append(plan, strings.Join(cells, " "))
	}
	b.Logf("SQL: %s\nEXPLAIN:\n  %s", rec.sql, strings.Join(plan, "\n  "))
}

// sqlRecorder is a GORM logger that keeps the last statement, with its
// arguments inlined, for EXPLAIN.
type sqlRecorder struct {
	logger.Interface
	sql string
}

func (r *sqlRecorder) LogMode(logger.LogLevel) logger.Interface { return r }

func (r *sqlRecorder) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	r.sql, _ = fc()
}

// benchVersion names the generator; change it when the data set changes, so
// that a kept database is rebuilt.
const benchVersion = "list-v1"

// benchTenant returns the id of tenant i; tenant 0 owns the million.
func benchTenant(i int) string {
	return fmt.Sprintf("01900000-0000-7000-8000-%012d", i+1)
}

// openListBench returns the kept benchmark database for n contracts,
// generating it first when it is missing, incomplete or its schema no longer
// matches a freshly migrated database.
func openListBench(b *testing.B, n int) (*database.DB, *benchSet) {
	b.Helper()
	// A throwaway database checks the server is there (skip or CI failure)
	// and gives the schema the kept one must have.
	refDSN := testenv.MySQLDSN(b)
	ref := openMigrated(b, refDSN)
	want := benchSchema(b, ref.DB)

	cfg, err := mysql.ParseDSN(strings.TrimPrefix(refDSN, "mysql://"))
	if err != nil {
		b.Fatal(err)
	}
	name := "signet_bench_1m"
	if n != 1_000_000 {
		name = fmt.Sprintf("signet_bench_%d", n)
	}
	cfg.DBName = ""
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	testenv.MustExec(b, admin, "CREATE DATABASE IF NOT EXISTS `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
	cfg.DBName = name
	dsn := "mysql://" + cfg.FormatDSN()
	set := newBenchSet(n)

	db := openMigrated(b, dsn)
	var done struct {
		Version   string
		Contracts int
		Seconds   float64
		CreatedAt time.Time
	}
	if db.Migrator().HasTable("bench_dataset") {
		db.Table("bench_dataset").Take(&done)
	}
	if done.Version == benchVersion && done.Contracts == n && benchSchema(b, db.DB) == want {
		b.Logf("reusing %s: %d contracts generated %s in %.0f s", name, n, done.CreatedAt.Format(time.DateOnly), done.Seconds)
		return db, set
	}

	b.Logf("generating %s: %d contracts (drop it to regenerate: DROP DATABASE %s)", name, n, name)
	db.Close()
	testenv.MustExec(b, admin, "DROP DATABASE `"+name+"`")
	testenv.MustExec(b, admin, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
	db = openMigrated(b, dsn)
	checkIndexTerms(b, db.DB, set)
	start := time.Now()
	raw, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	if err := set.load(b, raw); err != nil {
		b.Fatal(err)
	}
	secs := time.Since(start).Seconds()
	testenv.MustExec(b, raw, "CREATE TABLE bench_dataset (version VARCHAR(20), contracts INT, seconds DOUBLE, created_at DATETIME)")
	testenv.MustExec(b, raw, "INSERT INTO bench_dataset VALUES (?, ?, ?, UTC_TIMESTAMP())", benchVersion, n, secs)
	b.Logf("generated %s in %.0f s", name, secs)
	return db, set
}

func openMigrated(b *testing.B, dsn string) *database.DB {
	b.Helper()
	db, err := database.Open(dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Use(tenants.Plugin{}); err != nil {
		b.Fatal(err)
	}
	if _, err := migrate.Run(context.Background(), db, migrate.All); err != nil {
		b.Fatal(err)
	}
	return db
}

var autoIncrement = regexp.MustCompile(` AUTO_INCREMENT=\d+`)

// benchSchema is the DDL of the tables List reads.
func benchSchema(b *testing.B, db *gorm.DB) string {
	b.Helper()
	var out []string
	for _, t := range []string{"contracts", "contract_terms"} {
		var name, ddl string
		if err := db.Raw("SHOW CREATE TABLE "+t).Row().Scan(&name, &ddl); err != nil {
			b.Fatal(err)
		}
		out = append(out, autoIncrement.ReplaceAllString(ddl, ""))
	}
	return strings.Join(out, "\n")
}

// checkIndexTerms makes sure benchTerms writes what Service.index writes,
// by indexing a few generated contracts for real and rolling back.
func checkIndexTerms(b *testing.B, db *gorm.DB, set *benchSet) {
	b.Helper()
	ctx := tenants.WithTenant(context.Background(), benchTenant(0))
	rng := rand.New(rand.NewPCG(7, 7))
	errRollback := errors.New("rollback")
	err := tenants.DB(ctx, db).Transaction(func(tx *gorm.DB) error {
		for range 50 {
			c, parties := set.contract(rng, 0, time.Now())
			if !ids.Valid(c.ID) || c.ID < ids.Floor(c.CreatedAt) || c.ID >= ids.Floor(c.CreatedAt.Add(time.Millisecond)) {
				return fmt.Errorf("id %s does not match created_at %s", c.ID, c.CreatedAt)
			}
			if err := (&Service{}).index(tx, c, parties); err != nil {
				return err
			}
			var got []string
			if err := tx.Model(&Term{}).Where("contract_id = ?", c.ID).Order("term").Pluck("term", &got).Error; err != nil {
				return err
			}
			want := benchTerms(c, parties)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				return fmt.Errorf("benchTerms drifted from Service.index for %q:\n got %q\nwant %q", c.Title, got, want)
			}
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		b.Fatal(err)
	}
}

// benchTerms are the terms Service.index writes for c, built from the same
// functions.
func benchTerms(c Contract, parties []Party) []string {
	set := map[string]bool{}
	for _, t := range textTerms(c.Title) {
		set[t] = true
	}
	for _, p := range parties {
		for _, text := range []string{p.Name, p.OrgName} {
			for _, t := range textTerms(text) {
				set[t] = true
			}
		}
		for _, whole := range []string{p.Name, p.OrgName, p.OrgUSCC, p.Mobile, nationalNumber(p.Mobile)} {
			if n := normTerm(whole); n != "" {
				set["p:"+n] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for t := range set {
		out = append(out, t)
	}
	return out
}

type benchPerson struct{ name, mobile string }

type benchOrg struct{ name, uscc string }

// benchSet describes the generated data set; the same seed gives the same
// people and organisations on every run, so a kept database matches it.
type benchSet struct {
	n       int
	persons []benchPerson
	orgs    []benchOrg
	members [10][]benchPerson // each tenant's own staff
}

const benchOtherTenants, benchPerOther = 9, 3000

func newBenchSet(n int) *benchSet {
	rng := rand.New(rand.NewPCG(1, 2))
	s := &benchSet{n: n}
	seen := map[string]bool{}
	mobile := func() string {
		for {
			m := fmt.Sprintf("+861%d%09d", 3+rng.IntN(7), rng.IntN(1e9))
			if !seen[m] {
				seen[m] = true
				return m
			}
		}
	}
	name := func() string {
		return benchSurnames[rng.IntN(len(benchSurnames))] + benchGiven[rng.IntN(len(benchGiven))]
	}
	for range 60_000 {
		s.persons = append(s.persons, benchPerson{name(), mobile()})
	}
	const alnum = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	for len(s.orgs) < 8_000 {
		org := benchCities[rng.IntN(len(benchCities))] + benchBrands[rng.IntN(len(benchBrands))] +
			benchBrands[rng.IntN(len(benchBrands))] + benchTrades[rng.IntN(len(benchTrades))] + benchSuffixes[rng.IntN(len(benchSuffixes))]
		if seen[org] {
			continue
		}
		seen[org] = true
		u := []byte("91" + strconv.Itoa(110000+rng.IntN(540000)))
		for len(u) < 18 {
			u = append(u, alnum[rng.IntN(len(alnum))])
		}
		s.orgs = append(s.orgs, benchOrg{org, string(u)})
	}
	for t := range s.members {
		for range 20 {
			s.members[t] = append(s.members[t], benchPerson{name(), mobile()})
		}
	}
	return s
}

// tenantOrg is the organisation of tenant t; it is a party to most of its
// contracts, as the initiator usually signs too.
func (s *benchSet) tenantOrg(t int) benchOrg {
	if t == 0 {
		return benchOrg{"上海鼎信科技集团有限公司", "91310000MA1K4TQX8B"}
	}
	return s.orgs[len(s.orgs)-t]
}

// contract makes one contract of tenant t created at created, with its parties.
func (s *benchSet) contract(rng *rand.Rand, t int, created time.Time) (Contract, []Party) {
	var u uuid.UUID
	ms := uint64(created.UnixMilli())
	for i := range 6 {
		u[5-i] = byte(ms >> (8 * i))
	}
	r := rng.Uint64()
	u[6] = 0x70 | byte(r>>60)
	u[7] = byte(r >> 52)
	r = rng.Uint64()
	u[8] = 0x80 | byte(r>>58)
	for i := 9; i < 16; i++ {
		u[i] = byte(r >> (8 * (15 - i)))
	}
	title := benchTypes[rng.IntN(len(benchTypes))]
	switch x := rng.IntN(10); {
	case x < 2:
		title = strconv.Itoa(created.Year()) + "年度" + title
	case x < 4:
		title = benchProjects[rng.IntN(len(benchProjects))] + title
	}
	member := s.members[t][rng.IntN(len(s.members[t]))]
	c := Contract{ID: u.String(), TenantID: benchTenant(t), Title: title, CreatedBy: "person:" + member.mobile,
		Algorithm: "sm2", DeadlineDays: 30, RemindEveryHours: 24, Version: 1, CreatedAt: created, UpdatedAt: created}
	var parties []Party
	if rng.IntN(10) < 9 {
		own := s.tenantOrg(t)
		parties = append(parties, Party{Kind: Organisation, Name: member.name, Mobile: member.mobile, OrgName: own.name, OrgUSCC: own.uscc})
	}
	for len(parties) < 2 || (len(parties) < 4 && rng.IntN(3) == 0) {
		p := s.persons[rng.IntN(len(s.persons))]
		party := Party{Kind: Person, Name: p.name, Mobile: p.mobile}
		if rng.IntN(100) < 45 {
			o := s.orgs[rng.IntN(len(s.orgs))]
			party.Kind, party.OrgName, party.OrgUSCC = Organisation, o.name, o.uscc
		}
		parties = append(parties, party)
	}
	return c, parties
}

// settle gives c a state and the times that go with it, as of now.
func settle(rng *rand.Rand, c *Contract, now time.Time) {
	age := now.Sub(c.CreatedAt)
	x := rng.IntN(100)
	switch {
	case age < 30*24*time.Hour:
		c.State = pick(x, 35, StateInProgress, 20, StateDraft, 35, StateCompleted, 6, StateRejected, 4, StateRevoked)
	case age < 90*24*time.Hour:
		c.State = pick(x, 8, StateInProgress, 4, StateDraft, 70, StateCompleted, 6, StateRejected, 4, StateRevoked, 8, StateExpired)
	default:
		c.State = pick(x, 3, StateDraft, 82, StateCompleted, 5, StateRejected, 3, StateRevoked, 7, StateExpired)
	}
	if c.State == StateDraft {
		return
	}
	sent := c.CreatedAt.Add(time.Duration(rng.IntN(3600)) * time.Second)
	deadline := sent.Add(DefaultDeadline)
	c.SentAt, c.Deadline, c.Round = &sent, &deadline, 1
	c.UpdatedAt = sent
	var ended time.Time
	switch c.State {
	case StateInProgress:
		return
	case StateExpired:
		ended = deadline
	default:
		ended = sent.Add(time.Duration(rng.IntN(10*24*3600)) * time.Second)
	}
	c.EndedAt, c.UpdatedAt = &ended, ended
}

func pick(x int, weightsAndStates ...any) State {
	for i := 0; i < len(weightsAndStates); i += 2 {
		w := weightsAndStates[i].(int)
		if x < w {
			return weightsAndStates[i+1].(State)
		}
		x -= w
	}
	return weightsAndStates[len(weightsAndStates)-1].(State)
}

// load writes the contracts and their terms with LOAD DATA LOCAL INFILE,
// each table in one transaction into an empty table, which MariaDB bulk
// loads; terms go in primary key order.
func (s *benchSet) load(b *testing.B, raw *sql.DB) error {
	rng := rand.New(rand.NewPCG(3, 4))
	total := s.n + benchOtherTenants*benchPerOther
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	first := now.AddDate(-3, 0, 0)
	step := now.Sub(first) / time.Duration(total)

	vocab := map[string]uint32{}
	var words []string
	var contractIDs []string
	keys := make([][]uint64, 1+benchOtherTenants) // per tenant: term<<32 | contract
	left := benchOtherTenants * benchPerOther
	quota := make([]int, benchOtherTenants)

	start := time.Now()
	err := loadData(raw, "contracts", "id, tenant_id, title, state, created_by, algorithm, deadline_days, deadline, extensions, round, verify_code, template_id, reason, sent_at, ended_at, remind_every_hours, version, created_at, updated_at",
		func(w *bufio.Writer) {
			for i := range total {
				t := 0
				if rng.IntN(total-i) < left {
					for t == 0 || quota[t-1] == benchPerOther {
						t = 1 + rng.IntN(benchOtherTenants)
					}
					quota[t-1]++
					left--
				}
				created := first.Add(time.Duration(i)*step + time.Duration(rng.Int64N(int64(step/2)))).Truncate(time.Microsecond)
				c, parties := s.contract(rng, t, created)
				settle(rng, &c, now)
				c.VerifyCode = fmt.Sprintf("%012X", (uint64(i)*0x9E3779B97F4A7C15)&(1<<48-1))
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t0\t%d\t%s\t\t\t%s\t%s\t%d\t%d\t%s\t%s\n",
					c.ID, c.TenantID, c.Title, c.State, c.CreatedBy, c.Algorithm, c.DeadlineDays, sqlTime(c.Deadline),
					c.Round, c.VerifyCode, sqlTime(c.SentAt), sqlTime(c.EndedAt), c.RemindEveryHours, c.Version,
					sqlTime(&c.CreatedAt), sqlTime(&c.UpdatedAt))
				idx := uint64(len(contractIDs))
				contractIDs = append(contractIDs, c.ID)
				for _, term := range benchTerms(c, parties) {
					id, ok := vocab[term]
					if !ok {
						id = uint32(len(words))
						vocab[term] = id
						words = append(words, term)
					}
					keys[t] = append(keys[t], uint64(id)<<32|idx)
				}
			}
		})
	if err != nil {
		return err
	}
	b.Logf("contracts: %d rows loaded in %.0f s", total, time.Since(start).Seconds())

	// Number the terms in byte order (utf8mb4_bin) and sort each tenant's
	// rows into primary key order: (tenant_id, term, contract_id).
	start = time.Now()
	order := make([]uint32, len(words))
	for i := range order {
		order[i] = uint32(i)
	}
	slices.SortFunc(order, func(x, y uint32) int { return strings.Compare(words[x], words[y]) })
	rank := make([]uint64, len(words))
	for r, id := range order {
		rank[id] = uint64(r)
	}
	rows := 0
	for t := range keys {
		for i, k := range keys[t] {
			keys[t][i] = rank[k>>32]<<32 | k&(1<<32-1)
		}
		slices.Sort(keys[t])
		rows += len(keys[t])
	}
	b.Logf("contract_terms: %d rows, %d distinct terms, sorted in %.0f s", rows, len(words), time.Since(start).Seconds())

	start = time.Now()
	err = loadData(raw, "contract_terms", "tenant_id, term, contract_id", func(w *bufio.Writer) {
		for t := range keys { // benchTenant ids sort in t order
			tenant := benchTenant(t)
			for _, k := range keys[t] {
				w.WriteString(tenant)
				w.WriteByte('\t')
				w.WriteString(words[order[k>>32]])
				w.WriteByte('\t')
				w.WriteString(contractIDs[k&(1<<32-1)])
				w.WriteByte('\n')
			}
			keys[t] = nil
		}
	})
	if err != nil {
		return err
	}
	b.Logf("contract_terms: loaded in %.0f s", time.Since(start).Seconds())
	start = time.Now()
	if _, err := raw.Exec("ANALYZE TABLE contracts, contract_terms"); err != nil {
		return err
	}
	b.Logf("analyze: %.0f s", time.Since(start).Seconds())
	return nil
}

// loadData streams what gen writes into table in one transaction.
func loadData(raw *sql.DB, table, columns string, gen func(w *bufio.Writer)) error {
	ctx := context.Background()
	conn, err := raw.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// An empty table, no unique or foreign key checks and one transaction
	// let InnoDB bulk load instead of logging every row.
	if _, err := conn.ExecContext(ctx, "SET unique_checks = 0, foreign_key_checks = 0"); err != nil {
		return err
	}
	pr, pw := io.Pipe()
	handler := "bench_" + table
	mysql.RegisterReaderHandler(handler, func() io.Reader { return pr })
	defer mysql.DeregisterReaderHandler(handler)
	go func() {
		w := bufio.NewWriterSize(pw, 1<<20)
		gen(w)
		pw.CloseWithError(w.Flush())
	}()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.Exec("LOAD DATA LOCAL INFILE 'Reader::" + handler + "' INTO TABLE " + table +
		" CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' LINES TERMINATED BY '\\n' (" + columns + ")"); err != nil {
		pr.CloseWithError(err)
		return fmt.Errorf("load %s: %w", table, err)
	}
	return tx.Commit()
}

func sqlTime(t *time.Time) string {
	if t == nil {
		return `\N`
	}
	return t.UTC().Format("2006-01-02 15:04:05.000000")
}

var (
	benchSurnames = strings.Fields(`王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐
		许 韩 冯 邓 曹 彭 曾 肖 田 董 袁 潘 于 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁 任 沈 姚 卢 姜 崔 钟 谭 陆 汪 范 金
		石 廖 贾 夏 韦 付 方 白 邹 孟 熊 秦 邱 江 尹 薛 闫 段 雷 侯 龙 史 陶 黎 贺 顾 毛 郝 龚 邵 万 钱 严 欧阳 司马`)
	benchGiven = strings.Fields(`伟 芳 娜 秀英 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀兰 霞 平 刚 桂英 建华
		文 华 金凤 鑫 浩 宇 婷 欣怡 子涵 梓轩 晨 博文 一鸣 思远 雨桐 佳琪 志强 海燕 国庆 红梅 晓东 俊杰 雪 琳`)
	benchCities = strings.Fields(`上海 北京 深圳 杭州 广州 成都 南京 苏州 武汉 西安 重庆 天津 合肥 厦门 青岛 长沙`)
	benchBrands = strings.Fields(`明远 华信 启航 星辰 恒通 鼎盛 嘉禾 瑞丰 宏图 金桥 博雅 天成 聚源 汇智 中联 新元
		长城 东方 远景 蓝海 云帆 盛世 永安 同创 睿达 锦程 凯越 高科 正泰 安达`)
	benchTrades   = strings.Fields(`科技 贸易 物流 建设工程 医药 咨询 餐饮管理 文化传媒 电子 新能源 信息技术 实业 供应链 环保 教育科技`)
	benchSuffixes = []string{"有限公司", "有限公司", "有限公司", "股份有限公司", "集团有限公司"}
	benchTypes    = strings.Fields(`房屋租赁合同 劳动合同 采购合同 销售合同 技术服务合同 软件开发合同 保密协议 合作框架协议
		借款合同 委托代理协议 设备租赁合同 装修工程合同 物业服务合同 广告发布合同 货物运输合同 咨询服务协议
		授权许可协议 股权转让协议 供货协议 培训服务协议 劳务派遣协议 仓储服务合同 车辆租赁合同 战略合作协议
		SaaS订阅服务协议 ERP系统实施合同 OEM代工协议 IT运维服务合同 API接口服务协议 NDA保密协议 竞业限制协议 离职协议`)
	benchProjects = strings.Fields(`浦东新区办公楼 华东区域 智慧园区项目 数据中心 二期工程 年度框架 门店扩张 研发中心`)
)
