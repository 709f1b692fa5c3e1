package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/overduehq/overdue/dunning"
	"github.com/rickb777/date/v2"
)

var _ dunning.BatchStore = (*Store)(nil)

// checkOwner refuses an owner the database cannot keep as given.
func checkOwner(owner string) error {
	if owner == "" || !utf8.ValidString(owner) || strings.IndexByte(owner, 0) >= 0 {
		return &dunning.FieldError{Field: "owner", Value: owner, Reason: "must be non-empty valid UTF-8 without NUL"}
	}
	return nil
}

// ClaimMany implements dunning.BatchStore in one or two statements
// whatever the number of keys: the keys new to the store are inserted
// already claimed by p.Owner (attempt 1, expiry now() + p.Lease; in byte
// order, ON CONFLICT DO NOTHING); for the keys the store had, one
// statement picks the eligible ones (not done, lease expired or none,
// retry time reached, all compared with the database's now()) with FOR
// UPDATE SKIP LOCKED, so runners never wait on each other's rows, leases
// them to p.Owner with expiry now() + p.Lease, and reports for each key
// asked whether it was taken, or else whether it is done (from the
// statement's snapshot). A key whose row another transaction holds is
// reported ErrClaimed. Taking over a lease that was neither completed nor
// released marks the key unknown.
func (s *Store) ClaimMany(ctx context.Context, p dunning.ClaimManyParams) ([]dunning.ClaimResult, error) {
	out := make([]dunning.ClaimResult, len(p.Keys))
	if err := checkOwner(p.Owner); err != nil {
		for i := range out {
			out[i].Err = err
		}
		return out, nil
	}
	type claimRow struct {
		key     string
		planned *dunning.Pending
	}
	rows := make([]claimRow, 0, len(p.Keys))
	at := make(map[string]int, len(p.Keys))
	for i, k := range p.Keys {
		if err := dunning.CheckKey(k.Key); err != nil {
			out[i].Err = err
			continue
		}
		if _, dup := at[k.Key]; dup {
			out[i].Err = &dunning.FieldError{Field: "key", Value: k.Key, Reason: "is asked for twice in one batch"}
			continue
		}
		if k.Planned != nil {
			if err := dunning.CheckPending(*k.Planned); err != nil {
				out[i].Err = err
				continue
			}
		}
		at[k.Key] = i
		rows = append(rows, claimRow{k.Key, k.Planned})
	}
	if len(rows) == 0 {
		return out, nil
	}
	slices.SortFunc(rows, func(a, b claimRow) int { return strings.Compare(a.key, b.key) })
	// The rows as a JSON recordset [{"key":...,"planned":{...}}, ...].
	encode := func(rows []claimRow) string {
		b := make([]byte, 0, 256*len(rows))
		b = append(b, '[')
		for n, r := range rows {
			if n > 0 {
				b = append(b, ',')
			}
			b = appendString(append(b, `{"key":`...), r.key)
			if r.planned != nil {
				b = appendPending(append(b, `,"planned":`...), r.planned)
			}
			b = append(b, '}')
		}
		return string(append(b, ']'))
	}
	body := encode(rows)
	fail := func(err error) ([]dunning.ClaimResult, error) {
		err = fmt.Errorf("sqlstore: claim %d keys: %w", len(rows), err)
		for _, i := range at {
			out[i].Err = err
		}
		return out, err
	}
	// Keys new to the store are inserted claimed (attempt 1): one
	// statement, one row version, for the usual first claim of a key.
	// Keys the statement's snapshot has are left out before the insert:
	// the unique check of a key would wait for a transaction that is
	// completing it (another runner's CompleteMany), where the claim of
	// the keys the store had reports it held at once.
	ins, err := s.db.QueryContext(ctx, s.q(`INSERT INTO {{S}}.overdue_actions (key, owner, expires, attempt, planned)
		SELECT x.key, $2, now() + $3::bigint * interval '1 microsecond', 1, x.planned
		FROM jsonb_to_recordset($1::jsonb) AS x(key text, planned jsonb)
		WHERE NOT EXISTS (SELECT 1 FROM {{S}}.overdue_actions a WHERE a.key = x.key)
		ORDER BY x.key COLLATE "C"
		ON CONFLICT (key) DO NOTHING
		RETURNING key, attempt, expires`), body, p.Owner, micros(p.Lease))
	if err != nil {
		return fail(err)
	}
	won := 0
	for ins.Next() {
		var key string
		var attempt int
		var expires time.Time
		if err := ins.Scan(&key, &attempt, &expires); err != nil {
			ins.Close()
			return fail(err)
		}
		if i, ok := at[key]; ok && out[i].Claim.Key == "" {
			out[i].Claim = dunning.Claim{Key: key, Owner: p.Owner, Expires: expires, Attempt: attempt}
			won++
		}
	}
	ins.Close()
	if err := ins.Err(); err != nil {
		return fail(err)
	}
	if won == len(rows) {
		return out, nil
	}
	// The keys the store had already: claimed if eligible.
	rest := rows[:0:0]
	for _, r := range rows {
		if out[at[r.key]].Claim.Key == "" {
			rest = append(rest, r)
		}
	}
	body = encode(rest)
	res, err := s.db.QueryContext(ctx, s.q(`
		WITH x AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(key text, planned jsonb)),
		pick AS (
			SELECT a.key FROM {{S}}.overdue_actions a WHERE a.key = ANY(ARRAY(SELECT key FROM x))
				AND NOT a.done AND (a.owner IS NULL OR a.expires <= now()) AND (a.not_before IS NULL OR a.not_before <= now())
			ORDER BY a.key COLLATE "C" FOR UPDATE OF a SKIP LOCKED),
		upd AS (
			UPDATE {{S}}.overdue_actions a SET owner = $2, expires = now() + $3::bigint * interval '1 microsecond', not_before = NULL,
				attempt = a.attempt + 1, unknown = a.unknown OR a.owner IS NOT NULL, planned = COALESCE(x.planned, a.planned)
			FROM x WHERE a.key = x.key AND a.key = ANY(ARRAY(SELECT key FROM pick))
			RETURNING a.key, a.attempt, a.expires, a.unknown)
		SELECT x.key, u.attempt, u.expires, u.unknown, (SELECT a.done FROM {{S}}.overdue_actions a WHERE a.key = x.key)
		FROM x LEFT JOIN upd u ON u.key = x.key`),
		body, p.Owner, micros(p.Lease))
	if err != nil {
		return fail(err)
	}
	defer res.Close()
	seen := 0
	for res.Next() {
		var key string
		var attempt sql.NullInt64
		var expires sql.NullTime
		var unknown, done sql.NullBool
		if err := res.Scan(&key, &attempt, &expires, &unknown, &done); err != nil {
			return fail(err)
		}
		i, ok := at[key]
		if !ok {
			continue
		}
		seen++
		switch {
		case attempt.Valid:
			out[i].Claim = dunning.Claim{Key: key, Owner: p.Owner, Expires: expires.Time, Attempt: int(attempt.Int64), Unknown: unknown.Bool}
		case done.Valid && done.Bool:
			out[i].Err = dunning.ErrAlreadyDone
		default:
			out[i].Err = dunning.ErrClaimed
		}
	}
	if err := res.Err(); err != nil {
		return fail(err)
	}
	if seen != len(rest) {
		return fail(fmt.Errorf("%d answers for %d keys", seen, len(rest)))
	}
	return out, nil
}

// errOwn marks a completion whose record this very claim already stored.
var errOwn = errors.New("own record")

// CompleteMany implements dunning.BatchStore in one transaction of a fixed
// number of statements whatever the number of completions: one statement
// from a JSON recordset marks done the keys whose claim (owner and
// attempt) is still current, locking them in byte order, stores the
// records of the claims that held, in the order given, and tells the
// others apart (this very claim's record already stored: nil; otherwise
// ErrLeaseLost); the progress rows of their invoices are locked in id
// order and rewritten in place by one UPDATE (see writeProgress).
func (s *Store) CompleteMany(ctx context.Context, cs []dunning.Completion) ([]error, error) {
	out := make([]error, len(cs))
	// The completions as one JSON recordset, each with its claim's fence
	// (owner, attempt), the record's columns and the record itself.
	fb := make([]byte, 0, 640*len(cs))
	fb = append(fb, '[')
	var fenced []int // indexes into cs of the completions in fb
	recs := make([]dunning.Record, len(cs))
	seen := make(map[string]bool, len(cs))
	for i, c := range cs {
		rec := c.Record
		rec.Key, rec.Attempts = c.Claim.Key, c.Claim.Attempt
		if err := dunning.CheckRecord(rec); err != nil {
			out[i] = err
			continue
		}
		if seen[rec.Key] {
			out[i] = &dunning.FieldError{Field: "key", Value: rec.Key, Reason: "is completed twice in one batch"}
			continue
		}
		seen[rec.Key] = true
		recs[i] = rec
		if len(fenced) > 0 {
			fb = append(fb, ',')
		}
		fb = strconv.AppendInt(append(fb, `{"i":`...), int64(i), 10)
		fb = appendString(append(fb, `,"key":`...), c.Claim.Key)
		fb = appendString(append(fb, `,"owner":`...), c.Claim.Owner)
		fb = strconv.AppendInt(append(fb, `,"attempt":`...), int64(c.Claim.Attempt), 10)
		fb = appendString(append(fb, `,"customer_id":`...), rec.CustomerID)
		// The at column, which RecordsWhere filters on, holds At
		// truncated to the microsecond (dunning.StoredTime): PostgreSQL
		// would round the nanoseconds of the text. In UTC, since a zone
		// whose offset has seconds is written without them.
		at := dunning.StoredTime(rec.At).UTC()
		var ok bool
		if fb, ok = appendTime(append(fb, `,"at":`...), at); !ok {
			js, err := at.MarshalJSON()
			if err != nil {
				return nil, err
			}
			fb = append(fb, js...)
		}
		fb = appendString(append(fb, `,"outcome":`...), string(rec.Outcome))
		var err error
		if fb, err = appendRecord(append(fb, `,"record":`...), &recs[i]); err != nil {
			return nil, err
		}
		fb = append(fb, '}')
		fenced = append(fenced, i)
	}
	if len(fenced) == 0 {
		return out, nil
	}
	fb = append(fb, ']')
	held := make([]bool, len(cs))
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for i := range held {
			held[i] = false
		}
		// One statement marks done the keys whose claim still holds and
		// stores their records, in the order given. The keys are looked up
		// as key = ANY(ARRAY(...)), an index scan of the primary key: a
		// join with the recordset (estimated at 100 rows) is planned as a
		// hash join over every row of the table, twice per statement.
		rows, err := tx.QueryContext(ctx, s.q(`
			WITH x AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(i integer, key text, owner text, attempt integer,
				customer_id text, at timestamptz, outcome text, record jsonb)),
			lk AS (SELECT a.key FROM {{S}}.overdue_actions a WHERE a.key = ANY(ARRAY(SELECT key FROM x)) ORDER BY a.key COLLATE "C" FOR UPDATE OF a),
			upd AS (
				UPDATE {{S}}.overdue_actions a SET done = true, expires = NULL, planned = NULL
				FROM x WHERE a.key = x.key AND a.key = ANY(ARRAY(SELECT key FROM lk)) AND a.owner = x.owner AND a.attempt = x.attempt AND NOT a.done
				RETURNING x.i),
			ins AS (
				INSERT INTO {{S}}.overdue_records (key, customer_id, at, outcome, record)
				SELECT x.key, x.customer_id, x.at, x.outcome, x.record FROM x WHERE x.i IN (SELECT i FROM upd) ORDER BY x.i)
			SELECT x.i, u.i IS NOT NULL,
				CASE WHEN u.i IS NULL THEN COALESCE((SELECT a.done AND a.owner = x.owner AND a.attempt = x.attempt
					FROM {{S}}.overdue_actions a WHERE a.key = x.key), false) ELSE false END
			FROM x LEFT JOIN upd u ON u.i = x.i`), string(fb))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var i int
			var ok, own bool
			if err := rows.Scan(&i, &ok, &own); err != nil {
				return err
			}
			switch {
			case ok:
				held[i], out[i] = true, nil
			case own:
				out[i] = nil
			default:
				out[i] = dunning.ErrLeaseLost
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		// A completion whose key another transaction marked done while this
		// statement waited for its lock (the commit of an earlier try whose
		// reply was lost, on a backend not yet gone) was judged by the
		// statement's snapshot, from before that commit: a new statement
		// reads it as committed.
		if err := s.ownAfterWait(ctx, tx, cs, out); err != nil {
			return err
		}
		var done []dunning.Record
		for i := range cs {
			if held[i] {
				done = append(done, recs[i])
			}
		}
		if len(done) == 0 {
			return nil
		}
		return s.writeProgress(ctx, tx, done, dunning.Advance)
	})
	if err != nil {
		err = fmt.Errorf("sqlstore: complete %d records: %w", len(fenced), err)
		for _, i := range fenced {
			out[i] = err
		}
		return out, err
	}
	return out, nil
}

// ownAfterWait clears ErrLeaseLost in out for the completions whose key
// is done by their very claim (owner and attempt), as a new statement of
// tx reads it.
func (s *Store) ownAfterWait(ctx context.Context, tx *sql.Tx, cs []dunning.Completion, out []error) error {
	type lost struct {
		I       int    `json:"i"`
		Key     string `json:"key"`
		Owner   string `json:"owner"`
		Attempt int    `json:"attempt"`
	}
	var ls []lost
	for i, err := range out {
		if errors.Is(err, dunning.ErrLeaseLost) {
			ls = append(ls, lost{i, cs[i].Claim.Key, cs[i].Claim.Owner, cs[i].Claim.Attempt})
		}
	}
	if len(ls) == 0 {
		return nil
	}
	b, err := json.Marshal(ls)
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, s.q(`SELECT x.i FROM jsonb_to_recordset($1::jsonb) AS x(i integer, key text, owner text, attempt integer)
		JOIN {{S}}.overdue_actions a ON a.key = x.key WHERE a.done AND a.owner = x.owner AND a.attempt = x.attempt`), string(b))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var i int
		if err := rows.Scan(&i); err != nil {
			return err
		}
		if i >= 0 && i < len(out) {
			out[i] = nil
		}
	}
	return rows.Err()
}

// progressJSON is a progress row as a JSON object in dunning.Progress's
// own encoding (NULL columns left out).
const progressJSON = `jsonb_strip_nulls(jsonb_build_object('invoice_id', invoice_id, 'cycle', cycle, 'workflow', workflow,
	'step', step, 'last', last, 'step_on', step_on, 'fees', fees::text, 'compensated', compensated, 'held', held,
	'bounced_listed', bounced_listed, 'bounced', bounced, 'block', block,
	'notices', CASE WHEN has_notices THEN jsonb_strip_nulls(jsonb_build_object('count', notice_count, 'recent', recent, 'refunded', refunded)) END))`

// progressRow is a progress row as writeProgress sends it.
type progressRow struct {
	InvoiceID     string      `json:"invoice_id"`
	CustomerID    string      `json:"customer_id,omitempty"`
	Cycle         int         `json:"cycle"`
	Workflow      string      `json:"workflow"`
	Step          int         `json:"step"`
	Last          *date.Date  `json:"last,omitempty"`
	StepOn        *date.Date  `json:"step_on,omitempty"`
	Fees          string      `json:"fees"`
	Compensated   bool        `json:"compensated"`
	Held          bool        `json:"held"`
	BouncedListed bool        `json:"bounced_listed"`
	Bounced       string      `json:"bounced"`
	HasNotices    bool        `json:"has_notices"`
	NoticeCount   int         `json:"notice_count"`
	Recent        []date.Date `json:"recent,omitempty"`
	Refunded      string      `json:"refunded"`
	// Block is kept as dunning.Block's own JSON (NULL: none).
	Block *dunning.Block `json:"block,omitempty"`
}

// writeProgress applies f to the progress of every invoice of recs (in
// order, so two records of one invoice both count) and writes the rows
// back, in one statement when every invoice is new to the store and three
// otherwise, whatever their number. First the invoices' progress is worked
// out as if each were new and inserted in id order, ON CONFLICT DO
// NOTHING; the rows that were there already (or that a concurrent
// transaction inserted first: the insert waits for it) are then locked in
// id order and read, their progress worked out again from what is stored,
// and one UPDATE from a JSON recordset rewrites them in place. A
// transaction holds only the rows it inserted until its inserts are done,
// and locks the others in id order, so concurrent ones cannot deadlock. An
// invoice that f leaves untouched on new progress (a bounce for an unknown
// invoice) gets no row.
func (s *Store) writeProgress(ctx context.Context, tx *sql.Tx, recs []dunning.Record, f func(*dunning.Progress, dunning.Record, int)) error {
	cust := map[string]string{}
	for _, rec := range recs {
		for _, id := range rec.InvoiceIDs {
			if _, ok := cust[id]; !ok {
				cust[id] = rec.CustomerID
			}
		}
	}
	if len(cust) == 0 {
		return nil
	}
	ids := make([]string, 0, len(cust))
	for id := range cust {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	// apply works out the progress of the invoices in only (all when nil)
	// from base.
	apply := func(base map[string]*dunning.Progress, only map[string]bool) {
		for _, rec := range recs {
			for i, id := range rec.InvoiceIDs {
				if only == nil || only[id] {
					f(base[id], rec, i)
				}
			}
		}
	}
	progress := make(map[string]*dunning.Progress, len(ids))
	for _, id := range ids {
		progress[id] = &dunning.Progress{}
	}
	apply(progress, nil)
	var fresh []progressRow
	for _, id := range ids {
		if p := progress[id]; p.InvoiceID != "" {
			fresh = append(fresh, rowOf(id, cust[id], p))
		}
	}
	stored := make(map[string]bool, len(ids)) // invoices to read back: all but those inserted
	for _, id := range ids {
		stored[id] = true
	}
	if len(fresh) > 0 {
		fb, err := appendProgressRows(nil, fresh)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, s.q(`INSERT INTO {{S}}.overdue_progress (invoice_id, customer_id, cycle, workflow, step,
			last, step_on, fees, compensated, held, bounced_listed, bounced, has_notices, notice_count, recent, refunded, block)
			SELECT x.invoice_id, NULLIF(x.customer_id, ''), x.cycle, x.workflow, x.step, x.last, x.step_on, x.fees, x.compensated, x.held,
				x.bounced_listed, x.bounced, x.has_notices, x.notice_count, x.recent, x.refunded, x.block
			FROM jsonb_to_recordset($1::jsonb) AS x(invoice_id text, customer_id text, cycle integer, workflow text, step integer,
				last date, step_on date, fees numeric, compensated boolean, held boolean, bounced_listed boolean, bounced text,
				has_notices boolean, notice_count integer, recent jsonb, refunded text, block jsonb)
			ORDER BY x.invoice_id COLLATE "C"
			ON CONFLICT (invoice_id) DO NOTHING
			RETURNING invoice_id`), string(fb))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			delete(stored, id)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
	}
	if len(stored) == 0 {
		return nil
	}
	rest := make([]string, 0, len(stored))
	for _, id := range ids {
		if stored[id] {
			rest = append(rest, id)
		}
	}
	rows, err := tx.QueryContext(ctx, s.q(`SELECT invoice_id, cycle IS NULL, `+progressJSON+` FROM {{S}}.overdue_progress
		WHERE invoice_id = ANY(ARRAY(SELECT jsonb_array_elements_text($1::jsonb)))
		ORDER BY invoice_id COLLATE "C" FOR UPDATE`), string(appendStrings(nil, rest)))
	if err != nil {
		return err
	}
	defer rows.Close()
	found := make(map[string]*dunning.Progress, len(rest))
	for rows.Next() {
		var id string
		var placeholder bool
		var b []byte
		if err := rows.Scan(&id, &placeholder, &b); err != nil {
			return err
		}
		p := &dunning.Progress{}
		if !placeholder {
			if err := json.Unmarshal(b, p); err != nil {
				return fmt.Errorf("progress of %s: %w", id, err)
			}
		}
		found[id] = p
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	for _, id := range rest {
		if found[id] == nil && progress[id].InvoiceID != "" {
			return fmt.Errorf("progress of %s: neither inserted nor found", id)
		}
	}
	only := make(map[string]bool, len(found))
	for id := range found {
		only[id] = true
	}
	apply(found, only)
	var upd []progressRow
	for _, id := range rest {
		if p := found[id]; p != nil && p.InvoiceID != "" {
			upd = append(upd, rowOf(id, cust[id], p))
		}
	}
	if len(upd) == 0 {
		return nil
	}
	ub, err := appendProgressRows(nil, upd)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, s.q(`UPDATE {{S}}.overdue_progress AS p SET
		customer_id = COALESCE(NULLIF(x.customer_id, ''), p.customer_id), cycle = x.cycle, workflow = x.workflow, step = x.step,
		last = x.last, step_on = x.step_on, fees = x.fees, compensated = x.compensated, held = x.held, bounced_listed = x.bounced_listed,
		bounced = x.bounced, has_notices = x.has_notices, notice_count = x.notice_count, recent = x.recent, refunded = x.refunded,
		block = x.block
		FROM jsonb_to_recordset($1::jsonb) AS x(invoice_id text, customer_id text, cycle integer, workflow text, step integer,
			last date, step_on date, fees numeric, compensated boolean, held boolean, bounced_listed boolean, bounced text,
			has_notices boolean, notice_count integer, recent jsonb, refunded text, block jsonb)
		WHERE p.invoice_id = x.invoice_id`), string(ub))
	return err
}

// rowOf is invoice id's progress p as writeProgress sends it.
func rowOf(id, customerID string, p *dunning.Progress) progressRow {
	r := progressRow{InvoiceID: id, CustomerID: customerID, Cycle: p.Cycle, Workflow: p.Workflow, Step: p.Step,
		Fees: p.Fees.String(), Compensated: p.Compensated, Held: p.Held, BouncedListed: p.BouncedListed, Bounced: p.Bounced, Block: p.Block}
	if p.Last != 0 {
		l := p.Last
		r.Last = &l
	}
	if p.StepOn != 0 {
		d := p.StepOn
		r.StepOn = &d
	}
	if n := p.Notices; n != nil {
		r.HasNotices, r.NoticeCount, r.Recent, r.Refunded = true, n.Count, n.Recent, n.Refunded
	}
	return r
}
