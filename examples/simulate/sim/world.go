package sim

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/segment"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// Config says what portfolio to generate.
type Config struct {
	Seed      uint64
	Customers int
	// Start is the first day of the first invoicing month; Months is how
	// many months each customer is invoiced (one invoice a month).
	Start  date.Date
	Months int
	Model  Model
}

// DefaultConfig is 1,000 customers invoiced monthly for 12 months from
// 2026-01-01 under DefaultModel.
func DefaultConfig() Config {
	return Config{Seed: 1, Customers: 1000, Start: date.New(2026, 1, 1), Months: 12, Model: DefaultModel()}
}

// World is a portfolio and, for every invoice, its fate: the random draws
// that decide how its customer pays. Every policy simulated on a world
// meets the same customers making the same draws (common random numbers),
// so differences between policies are the policies' doing.
type World struct {
	Customers []dunning.Customer
	Invoices  []dunning.Invoice // sorted by issue date
	// Unapplied are payments received and never matched to an invoice.
	Unapplied []dunning.Unapplied
	Model     Model
	fates     []fate
}

// maxNotices is how many notices per invoice have pre-drawn responses;
// later ones get none.
const maxNotices = 8

type fate struct {
	seg     int16
	natural date.Date // paid on this day without dunning; 0 = never
	never   bool
	dispute date.Date // dispute opens (0 = none)
	u       [maxNotices]float32
	promise [maxNotices]float32
	broken  [maxNotices]float32
	delay   [maxNotices]uint8
}

// Generate makes a synthetic portfolio from cfg.Seed: the same config gives
// the same world.
func Generate(cfg Config) (*World, error) {
	if cfg.Customers < 1 {
		return nil, fmt.Errorf("sim: config.customers: %d: want at least 1", cfg.Customers)
	}
	if cfg.Months < 1 {
		return nil, fmt.Errorf("sim: config.months: %d: want at least 1", cfg.Months)
	}
	if cfg.Start == 0 {
		return nil, errors.New("sim: config.start: not set")
	}
	if err := cfg.Model.Validate(); err != nil {
		return nil, err
	}
	industries := []string{"manufacturing", "retail", "software", "logistics", "healthcare", "construction"}
	regions := []struct{ country, lang string }{{"DE", "de-DE"}, {"GB", "en-GB"}, {"FR", "en"}, {"US", "en-US"}, {"AT", "de-AT"}}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5eed))
	w := &World{Model: cfg.Model}
	y, m, _ := cfg.Start.Date()
	for c := range cfg.Customers {
		si := pickSegment(cfg.Model, rng.Float64())
		seg := &cfg.Model.Segments[si]
		reg := regions[rng.IntN(len(regions))]
		id := fmt.Sprintf("C%05d", c+1)
		cu := dunning.Customer{
			ID: id, Name: "Customer " + id, Language: reg.lang,
			Contacts: []dunning.Contact{{Name: "Accounts payable", Email: strings.ToLower(id) + "@example.com", Address: []string{"1 Example Street", "Example Town"}}},
			Attributes: segment.Attrs{
				"segment":  segment.String(seg.Name),
				"industry": segment.String(industries[rng.IntN(len(industries))]),
				"country":  segment.String(reg.country),
			},
		}
		w.Customers = append(w.Customers, cu)
		billDay := 1 + rng.IntN(28)
		for k := range cfg.Months {
			issued := date.New(y, m+time.Month(k), billDay) // month overflow rolls into the next year
			cents := int64(seg.MinAmount)*100 + rng.Int64N(int64(seg.MaxAmount-seg.MinAmount)*100+1)
			amt := decimal.New(cents, -2)
			inv := dunning.Invoice{
				ID: fmt.Sprintf("%s-%02d", id, k+1), Number: fmt.Sprintf("INV-%s-%02d", id, k+1), CustomerID: id,
				Currency: "EUR", Issued: issued, Due: issued + date.Date(seg.NetDays), Amount: amt,
				Lines: []dunning.Line{{Description: "Services, month " + strconv.Itoa(k+1), Amount: amt}},
			}
			if c%10 == 0 && k == 0 && seg.NetDays >= 2 {
				// Every tenth customer's first invoice is payable in two
				// instalments, dunned one by one.
				half := decimal.New(cents/2, -2)
				inv.Schedule = []dunning.Instalment{{Due: issued + date.Date(seg.NetDays/2), Amount: half}, {Due: inv.Due, Amount: amt.Sub(half)}}
			}
			if c%10 == 5 && k == 1 {
				// Every tenth customer (from the sixth) sent EUR 100.00 that
				// was never matched to an invoice: its notices deduct it.
				w.Unapplied = append(w.Unapplied, dunning.Unapplied{ID: "U-" + id, CustomerID: id, Kind: dunning.UnappliedPayment, Currency: "EUR", Date: issued, Amount: decimal.NewFromInt(100), Ref: "unmatched transfer"})
			}
			w.Invoices = append(w.Invoices, inv)
		}
	}
	w.sortAndDraw(cfg.Seed)
	return w, nil
}

func pickSegment(m Model, u float64) int {
	acc := 0.0
	for i, s := range m.Segments {
		acc += s.Share
		if u < acc {
			return i
		}
	}
	return len(m.Segments) - 1
}

// sortAndDraw orders invoices by issue date (then ID) and draws each
// invoice's fate from a generator seeded by the seed and the invoice's ID,
// so a fate does not depend on the other invoices.
func (w *World) sortAndDraw(seed uint64) {
	slices.SortStableFunc(w.Invoices, func(a, b dunning.Invoice) int {
		if a.Issued != b.Issued {
			return int(a.Issued - b.Issued)
		}
		return strings.Compare(a.ID, b.ID)
	})
	segOf := map[string]int{}
	for _, c := range w.Customers {
		si := 0
		if v, ok := c.Attributes["segment"]; ok {
			for i, s := range w.Model.Segments {
				if s.Name == v.Str() {
					si = i
				}
			}
		}
		segOf[c.ID] = si
	}
	w.fates = make([]fate, len(w.Invoices))
	for i := range w.Invoices {
		inv := &w.Invoices[i]
		h := uint64(14695981039346656037)
		for _, b := range []byte(inv.ID) {
			h = (h ^ uint64(b)) * 1099511628211
		}
		rng := rand.New(rand.NewPCG(seed, h))
		si := segOf[inv.CustomerID]
		b := &w.Model.Segments[si].Behaviour
		f := &w.fates[i]
		f.seg = int16(si)
		u := rng.Float64()
		switch {
		case u < b.Early:
			span := max(1, int(inv.Due-inv.Issued)-1)
			f.natural = inv.Issued + 1 + date.Date(rng.IntN(span))
		case u < b.Early+b.OnTime:
			f.natural = inv.Due + date.Date(rng.IntN(3))
		case u < b.Early+b.OnTime+b.Never:
			f.never = true
		default:
			f.natural = inv.Due + date.Date(b.LateMin+rng.IntN(b.LateMax-b.LateMin+1))
		}
		if rng.Float64() < b.DisputeRate {
			f.dispute = inv.Due + 5
			inv.Dispute = &dunning.Dispute{Opened: f.dispute, Resolved: f.dispute + date.Date(b.DisputeDays), Reason: "quantity queried"}
			if f.natural != 0 && f.natural < inv.Dispute.Resolved {
				f.natural = inv.Dispute.Resolved + date.Date(rng.IntN(5))
			}
		}
		for k := range maxNotices {
			f.u[k] = rng.Float32()
			f.promise[k] = rng.Float32()
			f.broken[k] = rng.Float32()
			f.delay[k] = uint8(b.RespondMin + rng.IntN(b.RespondMax-b.RespondMin+1))
		}
	}
}

// portfolioFile is the JSON a user can load: dunning's own JSON for
// customers and invoices.
type portfolioFile struct {
	Customers []dunning.Customer `json:"customers"`
	Invoices  []dunning.Invoice  `json:"invoices"`
}

// LoadJSON reads a portfolio ({"customers": [...], "invoices": [...]} in
// dunning's JSON) and draws fates for it under m from seed. A customer's
// "segment" attribute picks its behaviour (the model's first segment when
// absent or unknown). Payments already on the invoices are dropped: the
// simulation decides them.
func LoadJSON(r io.Reader, m Model, seed uint64) (*World, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if err := dunning.CheckDates(b); err != nil {
		return nil, fmt.Errorf("sim: portfolio JSON: %w", err)
	}
	var pf portfolioFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&pf); err != nil {
		return nil, fmt.Errorf("sim: portfolio JSON: %w", err)
	}
	return build(pf.Customers, pf.Invoices, m, seed)
}

// CSVHeader is the header LoadCSV wants.
const CSVHeader = "customer_id,segment,invoice_id,issued,due,amount,currency"

// LoadCSV reads invoices, one a row under CSVHeader (dates as YYYY-MM-DD,
// amounts as decimals), and makes a customer for every customer_id.
func LoadCSV(r io.Reader, m Model, seed uint64) (*World, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 7
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("sim: CSV header: %w", err)
	}
	if strings.Join(head, ",") != CSVHeader {
		return nil, fmt.Errorf("sim: CSV header %q: want %q", strings.Join(head, ","), CSVHeader)
	}
	var custs []dunning.Customer
	seen := map[string]bool{}
	var invs []dunning.Invoice
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("sim: CSV: %w", err)
		}
		field := func(i int) string { return strings.TrimSpace(rec[i]) }
		bad := func(col, v string, err error) error {
			return fmt.Errorf("sim: CSV line %d, %s %q: %v", line, col, v, err)
		}
		issued, err := ParseDay(field(3))
		if err != nil {
			return nil, bad("issued", field(3), err)
		}
		due, err := ParseDay(field(4))
		if err != nil {
			return nil, bad("due", field(4), err)
		}
		amt, err := decimal.NewFromString(field(5))
		if err != nil {
			return nil, bad("amount", field(5), err)
		}
		cid := field(0)
		if !seen[cid] {
			seen[cid] = true
			custs = append(custs, dunning.Customer{ID: cid, Name: "Customer " + cid, Language: "en",
				Contacts:   []dunning.Contact{{Email: strings.ToLower(cid) + "@example.com"}},
				Attributes: segment.Attrs{"segment": segment.String(field(1))}})
		}
		invs = append(invs, dunning.Invoice{ID: field(2), Number: field(2), CustomerID: cid, Currency: dunning.Currency(field(6)),
			Issued: issued, Due: due, Amount: amt, Lines: []dunning.Line{{Description: "Invoice " + field(2), Amount: amt}}})
	}
	return build(custs, invs, m, seed)
}

func build(custs []dunning.Customer, invs []dunning.Invoice, m Model, seed uint64) (*World, error) {
	known := map[string]bool{}
	for _, c := range custs {
		known[c.ID] = true
	}
	ids := map[string]bool{}
	for i := range invs {
		inv := &invs[i]
		if err := inv.Validate(); err != nil {
			return nil, err
		}
		if !known[inv.CustomerID] {
			return nil, fmt.Errorf("sim: invoice %s: customer_id %q is not among the customers", inv.ID, inv.CustomerID)
		}
		if ids[inv.ID] {
			return nil, fmt.Errorf("sim: invoice id %q appears twice", inv.ID)
		}
		ids[inv.ID] = true
		inv.Payments, inv.Credits, inv.Promise = nil, nil, nil
	}
	w := &World{Customers: custs, Invoices: invs, Model: m}
	w.sortAndDraw(seed)
	return w, nil
}

// ParseDay reads YYYY-MM-DD strictly: date.ParseISO would roll 2026-13-05
// over into 2027.
func ParseDay(s string) (date.Date, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return 0, errors.New("want a date as YYYY-MM-DD")
	}
	return date.NewAt(t), nil
}
