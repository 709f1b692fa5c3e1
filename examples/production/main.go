// Command production shows how a billing app runs overdue in production:
// a runner loop that runs every hour, and an HTTP handler that feeds the
// app's payments and the mail provider's bounce, open and click webhooks
// back, each through one call (Runner.Apply) that records the event and
// applies it to the invoice, once per event ID.
//
//	go run ./examples/production                 # a demo over simulated hours
//	go run ./examples/production -serve 127.0.0.1:8080 -every 1h
//
// The demo runs hourly on a simulated clock from 09:00 UTC for a customer
// in Los Angeles, whose send window (09:00-17:00 local) opens at 16:00 UTC:
// the runs before it report the notice deferred with the time it may go.
// Then it posts webhooks to its own handler: a bounce (the letter fallback
// follows on the next run), a payment delivered twice (applied once), and
// a bad one (refused with the path and the value).
//
// With -serve it runs the same loop on the real clock against an in-memory
// store, serving POST /events until interrupted.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"sync"
	"time"
	_ "time/tzdata" // zone data in the binary: containers often have no /usr/share/zoneinfo

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/schedule"
	"github.com/overduehq/overdue/store/memory"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

func main() {
	serve := flag.String("serve", "", "address to serve POST /events on, running on the real clock (empty: the demo)")
	every := flag.Duration("every", time.Hour, "time between runs with -serve")
	flag.Parse()
	if *serve == "" {
		if err := demo(os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "production:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	app := NewApp(memory.New(), dunning.SystemClock{}, &printSender{w: os.Stdout}, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	srv := &http.Server{Addr: *serve, Handler: app, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Shutdown(context.Background())
	}()
	go func() {
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "production:", err)
			stop()
		}
	}()
	if err := Every(ctx, *every, 0, func(ctx context.Context) error { _, err := app.RunOnce(ctx); return err }, sleepCtx); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "production:", err)
		os.Exit(1)
	}
}

// App is the billing app's side: it owns the customers and invoices, and
// hands them to the runner on every run.
type App struct {
	Runner *dunning.Runner
	Log    *slog.Logger

	mu        sync.Mutex
	customers []dunning.Customer
	invoices  map[string]*dunning.Invoice
}

// NewApp returns an app with one customer in Los Angeles and one overdue
// invoice, dunned by the classic cadence within a 09:00-17:00 send window.
func NewApp(st dunning.Store, clock dunning.Clock, s dunning.Sender, log *slog.Logger) *App {
	pol := &dunning.Policy{
		Workflows:  []dunning.Workflow{dunning.DefaultWorkflow("standard")},
		SendWindow: &schedule.SendWindow{Start: 9 * time.Hour, End: 17 * time.Hour},
		Creditor:   notice.Party{Name: "Northwind Inc.", Address: []string{"1 Harbor Way", "Oakland, CA 94607"}},
		Payment:    dunning.PaymentInstructions{Text: "Pay online at https://pay.example.com.", URL: "https://pay.example.com"},
	}
	for i := range pol.Workflows[0].Steps {
		pol.Workflows[0].Steps[i].OnBounce = dunning.Letter
	}
	c := dunning.Customer{ID: "c-la", Name: "Sunset Bakery", Language: "en-US", TimeZone: "America/Los_Angeles",
		Contacts: []dunning.Contact{{Name: "Accounts payable", Email: "ap@sunset.example", Address: []string{"9 Vine St", "Los Angeles, CA 90028"}}}}
	amount := decimal.RequireFromString("900.00")
	inv := &dunning.Invoice{ID: "inv-1001", Number: "1001", CustomerID: c.ID, Currency: "USD",
		Issued: date.New(2026, time.March, 2), Due: date.New(2026, time.March, 31), Amount: amount,
		Lines: []dunning.Line{{Description: "Bread and pastries, March", Amount: amount}}}
	return &App{
		Runner:    &dunning.Runner{Policy: pol, Store: st, Sender: s, Clock: clock, Logger: log},
		Log:       log,
		customers: []dunning.Customer{c},
		invoices:  map[string]*dunning.Invoice{inv.ID: inv},
	}
}

// Portfolio is a copy of the app's customers and invoices for one run.
func (a *App) Portfolio() dunning.Portfolio {
	a.mu.Lock()
	defer a.mu.Unlock()
	pf := dunning.Portfolio{Customers: slices.Clone(a.customers)}
	for _, id := range slices.Sorted(func(yield func(string) bool) {
		for id := range a.invoices {
			if !yield(id) {
				return
			}
		}
	}) {
		pf.Invoices = append(pf.Invoices, *a.invoices[id])
	}
	return pf
}

// Invoice returns a copy of one invoice.
func (a *App) Invoice(id string) (dunning.Invoice, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	inv, ok := a.invoices[id]
	if !ok {
		return dunning.Invoice{}, false
	}
	return *inv, true
}

// RunOnce plans and carries out what is due now. The Runner logs every
// result (Debug sent, Warn deferred and retry, Error failed and problem);
// an error means the run stopped early (a store or sender that is down)
// and the next run picks up where it left off.
func (a *App) RunOnce(ctx context.Context) (dunning.Report, error) {
	return a.Runner.Run(ctx, a.Portfolio())
}

// Every calls run now and then every interval, runs times (0: until ctx
// ends). A failed run is logged by the caller's run and does not stop the
// loop: the next run retries what is still pending. sleep waits (tests and
// the demo pass a simulated one).
func Every(ctx context.Context, interval time.Duration, runs int, run func(context.Context) error, sleep func(context.Context, time.Duration) error) error {
	for i := 0; runs == 0 || i < runs; i++ {
		if i > 0 {
			if err := sleep(ctx, interval); err != nil {
				return err
			}
		}
		if err := run(ctx); err != nil && ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// maxEventBytes bounds one webhook's body.
const maxEventBytes = 1 << 20

// ServeHTTP takes POST /events with one dunning.Event as JSON: a payment or
// credit from the app's billing, a dispute, promise or hold from its
// collectors, or a bounce, open or click from the mail provider (with the
// notice's action key). The answer tells a provider whether to retry:
//
//	204  applied (or applied before: the same event ID changes nothing)
//	400  the event is invalid (the body names the field and the value): do not retry
//	404  no such invoice
//	503  the store failed: nothing was applied, retry
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/events" {
		http.Error(w, "POST /events", http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxEventBytes))
	if err != nil {
		http.Error(w, "reading the event: "+err.Error(), http.StatusBadRequest)
		return
	}
	var e dunning.Event
	if err := json.Unmarshal(body, &e); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	var inv *dunning.Invoice
	if e.InvoiceID != "" {
		orig, ok := a.invoices[e.InvoiceID]
		if !ok {
			http.Error(w, "no invoice "+e.InvoiceID, http.StatusNotFound)
			return
		}
		cp := *orig
		inv = &cp
	}
	switch err := a.Runner.Apply(r.Context(), inv, e); {
	case errors.Is(err, dunning.ErrInvalid):
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	case err != nil:
		a.Log.Error("recording an event", slog.String("event", e.ID), slog.String("error", err.Error()))
		http.Error(w, "the event was not recorded; retry", http.StatusServiceUnavailable)
		return
	}
	if inv != nil {
		a.invoices[inv.ID] = inv // the app saves its own invoice
	}
	w.WriteHeader(http.StatusNoContent)
}

// printSender writes one line per notice, as a real sender would call its
// mail provider with the key as the idempotency key.
type printSender struct {
	mu   sync.Mutex
	w    io.Writer
	sent []string // keys, in order
}

func (p *printSender) Send(_ context.Context, key string, n *notice.Notice) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, key)
	fmt.Fprintf(p.w, "  sent %s notice %s to %s: %s\n", n.Channel, n.Number, n.Debtor.Name, n.Subject)
	return "msg-" + n.Number, nil
}

func (p *printSender) keys() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.sent)
}
