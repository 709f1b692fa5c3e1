// Command crashrunner is the runner the SQL store's SIGKILL test starts,
// kills and restarts: it runs one day's plan of -n customers on PostgreSQL
// (schema -schema) with a sender that appends every accepted notice to
// -sends, one line "send <pid> <key> <attempt>", and fsyncs it before
// reporting success, as a provider's durable acceptance. With -lookup the
// sender is a dunning.Looker that answers from that file.
//
// It exits 0 when every action of the plan is completed, 3 when some are
// still pending (held by a lease of a killed process, say), 1 on an error.
package main

import (
	"bufio"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/store/sqlstore"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// attempts remembers the attempt of each key's last claim, so the sender
// can write it next to the key.
type attempts struct {
	dunning.Store
	mu sync.Mutex
	m  map[string]int
}

func (s *attempts) Claim(ctx context.Context, p dunning.ClaimParams) (dunning.Claim, error) {
	c, err := s.Store.Claim(ctx, p)
	if err == nil {
		s.mu.Lock()
		s.m[c.Key] = c.Attempt
		s.mu.Unlock()
	}
	return c, err
}

func (s *attempts) Done(ctx context.Context, keys []string) (map[string]bool, error) {
	return s.Store.(dunning.DoneChecker).Done(ctx, keys)
}

// fileSender appends and fsyncs one line per accepted notice.
type fileSender struct {
	f   *os.File
	st  *attempts
	pid int
}

func (s *fileSender) Send(ctx context.Context, key string, n *notice.Notice) (string, error) {
	s.st.mu.Lock()
	a := s.st.m[key]
	s.st.mu.Unlock()
	if _, err := fmt.Fprintf(s.f, "send %d %s %d\n", s.pid, key, a); err != nil {
		return "", err
	}
	if err := s.f.Sync(); err != nil {
		return "", err
	}
	return "msg-" + key, nil
}

// lookupSender is a fileSender that answers look-ups from the file.
type lookupSender struct{ *fileSender }

func (s lookupSender) Lookup(ctx context.Context, key string) (string, bool, error) {
	f, err := os.Open(s.f.Name())
	if err != nil {
		return "", false, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fs := strings.Fields(sc.Text()); len(fs) == 4 && fs[2] == key {
			return "msg-" + key, true, nil
		}
	}
	return "", false, sc.Err()
}

func main() {
	dsn := flag.String("dsn", "", "PostgreSQL DSN")
	schema := flag.String("schema", "", "schema")
	n := flag.Int("n", 300, "customers (one action each)")
	sends := flag.String("sends", "", "file the sender appends to")
	lookup := flag.Bool("lookup", false, "the sender answers look-ups")
	lease := flag.Duration("lease", time.Second, "lease")
	flag.Parse()
	if err := run(*dsn, *schema, *n, *sends, *lookup, *lease); err != nil {
		fmt.Fprintln(os.Stderr, "crashrunner:", err)
		if err == errPending {
			os.Exit(3)
		}
		os.Exit(1)
	}
}

var errPending = fmt.Errorf("actions still pending")

func run(dsn, schema string, n int, sends string, lookup bool, lease time.Duration) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	st := &attempts{Store: sqlstore.New(db, schema), m: map[string]int{}}
	f, err := os.OpenFile(sends, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	fs := &fileSender{f: f, st: st, pid: os.Getpid()}
	var snd dunning.Sender = fs
	if lookup {
		snd = lookupSender{fs}
	}
	var pf dunning.Portfolio
	for i := range n {
		id := "c" + strconv.Itoa(i)
		pf.Customers = append(pf.Customers, dunningtest.Customer(id))
		pf.Invoices = append(pf.Invoices, dunningtest.Invoice("i"+id, id, dunningtest.Day("2026-03-02"), dunningtest.Day("2026-03-31"), "120.00", "EUR"))
	}
	r := &dunning.Runner{Policy: dunningtest.Policy(dunning.DefaultWorkflow("standard")), Store: st, Sender: snd,
		Clock: dunningtest.ClockAt(dunningtest.Day("2026-04-14")), Owner: fmt.Sprintf("pid-%d", os.Getpid()), Lease: lease}
	rep, err := r.Run(context.Background(), pf)
	if err != nil {
		return err
	}
	for _, res := range rep.Results {
		switch res.Status {
		case dunning.StatusSent, dunning.StatusDone, dunning.StatusResent, dunning.StatusRecovered:
		default:
			return errPending
		}
	}
	return nil
}
