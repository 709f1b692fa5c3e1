package sim

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/notice"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// HistoryHeader is the header of a payment-history CSV: one invoice a row,
// paid empty when unpaid, dunned "yes" when the invoice was under dunning
// (it would have got notices had it stayed open) and "no" when it was not
// (a hold-out group, or the months before dunning started), notices as
// "stage@YYYY-MM-DD" separated by ";" (stages: friendly-reminder,
// overdue-notice, final-notice, letter-before-action).
const HistoryHeader = "customer_id,segment,invoice_id,issued,due,amount,paid,dunned,notices"

// HistoryRecord is one invoice of a payment history (the JSON form is an
// array of these).
type HistoryRecord struct {
	CustomerID string          `json:"customer_id"`
	Segment    string          `json:"segment"`
	InvoiceID  string          `json:"invoice_id"`
	Issued     date.Date       `json:"issued"`
	Due        date.Date       `json:"due"`
	Amount     decimal.Decimal `json:"amount"`
	Paid       date.Date       `json:"paid,omitzero"` // 0: unpaid
	// Dunned says the invoice was under dunning; false for the control
	// group, which gets no notices.
	Dunned  bool            `json:"dunned"`
	Notices []HistoryNotice `json:"notices,omitempty"`
}

// HistoryNotice is a notice an invoice received.
type HistoryNotice struct {
	Stage notice.Stage `json:"stage"`
	Date  date.Date    `json:"date"`
}

// Fit is a payment model fitted to a history, with what it was fitted
// from.
type Fit struct {
	Model Model
	AsOf  date.Date // the history's last date
	// Counts per segment, in Model order: invoices, the mature ones, the
	// mature ones that got no notice (the control group) and the notices
	// per stage to invoices still open.
	Invoices, Mature, Control []int
	Notices                   []map[notice.Stage]int
}

// Fitting assumptions (they are the model's, see Behaviour):
//   - Maturity: an invoice counts once its due date is at least
//     matureDays before the history's last date, so that "unpaid" means
//     "never paid".
//   - Natural behaviour (Early, OnTime, Never, LateMin..LateMax) comes
//     from mature invoices that were not under dunning: a control group
//     (a hold-out, or the months before dunning started), which must pay
//     like the rest would without notices. Invoices that were dunned but
//     paid before their first notice are not a control group (they are
//     the early payers only). Without at least minControl control invoices
//     per segment the fit refuses, because a dunned history alone cannot
//     tell paying late from paying after a notice. LateMin and LateMax are
//     the smallest and largest late delay.
//   - A notice is answered by a payment within respondWindow days of it,
//     and before the next notice; the history's notices should be at least
//     that far apart. The share of payments in that window, less the share
//     that the control group's natural payments would put there (method of
//     moments: E[paid in window] = n + r(1 − n) per notice), is the stage's
//     response rate. The response delay's range is the days of the window
//     where payments exceed the natural ones by more than a third of the
//     peak excess.
//   - The response rate is the average over everyone who got the notice,
//     never-payers included, so NeverFactor is 1. Promises and disputes are
//     not in the history: the fitted model has none.
const (
	matureDays    = 180
	minControl    = 20
	respondWindow = 14
)

// FitHistory reads a payment history (CSV under HistoryHeader, or a JSON
// array of HistoryRecord when isJSON) and fits the model per segment.
func FitHistory(r io.Reader, isJSON bool) (*Fit, error) {
	var recs []HistoryRecord
	var err error
	if isJSON {
		b, err := io.ReadAll(r)
		if err != nil {
			return nil, err
		}
		if err := dunning.CheckDates(b); err != nil { // date.Date would roll 2026-02-30 into March
			return nil, fmt.Errorf("sim: history JSON: %w", err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&recs); err != nil {
			return nil, fmt.Errorf("sim: history JSON: %w", err)
		}
		for i, h := range recs {
			if err := h.check(); err != nil {
				return nil, fmt.Errorf("sim: history[%d]: %w", i, err)
			}
		}
	} else if recs, err = readHistoryCSV(r); err != nil {
		return nil, err
	}
	return FitRecords(recs)
}

func (h HistoryRecord) check() error {
	switch {
	case h.InvoiceID == "":
		return errors.New("invoice_id: empty")
	case h.Segment == "":
		return fmt.Errorf("invoice %s: segment: empty", h.InvoiceID)
	case h.Issued == 0 || h.Due < h.Issued:
		return fmt.Errorf("invoice %s: due %s before issued %s", h.InvoiceID, h.Due, h.Issued)
	case h.Amount.Sign() <= 0:
		return fmt.Errorf("invoice %s: amount %s: want more than 0", h.InvoiceID, h.Amount)
	case h.Paid != 0 && h.Paid <= h.Issued:
		return fmt.Errorf("invoice %s: paid %s: want after issued %s", h.InvoiceID, h.Paid, h.Issued)
	}
	if !h.Dunned && len(h.Notices) > 0 {
		return fmt.Errorf("invoice %s: dunned: no, but %d notices", h.InvoiceID, len(h.Notices))
	}
	for _, n := range h.Notices {
		if !n.Stage.Valid() {
			return fmt.Errorf("invoice %s: notice stage %d: not a stage", h.InvoiceID, n.Stage)
		}
	}
	return nil
}

func readHistoryCSV(r io.Reader) ([]HistoryRecord, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 9
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("sim: history CSV header: %w", err)
	}
	if strings.Join(head, ",") != HistoryHeader {
		return nil, fmt.Errorf("sim: history CSV header %q: want %q", strings.Join(head, ","), HistoryHeader)
	}
	var recs []HistoryRecord
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return recs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("sim: history CSV: %w", err)
		}
		f := func(i int) string { return strings.TrimSpace(rec[i]) }
		bad := func(col, v string, err error) error {
			return fmt.Errorf("sim: history CSV line %d, %s %q: %v", line, col, v, err)
		}
		h := HistoryRecord{CustomerID: f(0), Segment: f(1), InvoiceID: f(2)}
		if h.Issued, err = ParseDay(f(3)); err != nil {
			return nil, bad("issued", f(3), err)
		}
		if h.Due, err = ParseDay(f(4)); err != nil {
			return nil, bad("due", f(4), err)
		}
		if h.Amount, err = decimal.NewFromString(f(5)); err != nil {
			return nil, bad("amount", f(5), err)
		}
		if f(6) != "" {
			if h.Paid, err = ParseDay(f(6)); err != nil {
				return nil, bad("paid", f(6), err)
			}
		}
		switch f(7) {
		case "yes":
			h.Dunned = true
		case "no":
		default:
			return nil, bad("dunned", f(7), errors.New("want yes or no"))
		}
		if f(8) != "" {
			for _, part := range strings.Split(f(8), ";") {
				st, day, ok := strings.Cut(strings.TrimSpace(part), "@")
				if !ok {
					return nil, bad("notices", part, errors.New("want stage@YYYY-MM-DD"))
				}
				var n HistoryNotice
				if n.Stage, err = notice.ParseStage(st); err != nil {
					return nil, bad("notices", part, err)
				}
				if n.Date, err = ParseDay(day); err != nil {
					return nil, bad("notices", part, err)
				}
				h.Notices = append(h.Notices, n)
			}
		}
		if err := h.check(); err != nil {
			return nil, fmt.Errorf("sim: history CSV line %d: %w", line, err)
		}
		recs = append(recs, h)
	}
}

// FitRecords fits the model to records (see the fitting assumptions).
// Segments appear in the order of their first record.
func FitRecords(recs []HistoryRecord) (*Fit, error) {
	if len(recs) == 0 {
		return nil, errors.New("sim: history: no invoices")
	}
	fit := &Fit{}
	var segs []string
	bySeg := map[string][]HistoryRecord{}
	custs := map[string]map[string]bool{}
	allCusts := map[string]bool{}
	for _, h := range recs {
		if _, ok := bySeg[h.Segment]; !ok {
			segs = append(segs, h.Segment)
			custs[h.Segment] = map[string]bool{}
		}
		bySeg[h.Segment] = append(bySeg[h.Segment], h)
		custs[h.Segment][h.CustomerID] = true
		allCusts[h.CustomerID] = true
		fit.AsOf = max(fit.AsOf, h.Issued, h.Paid)
		for _, n := range h.Notices {
			fit.AsOf = max(fit.AsOf, n.Date)
		}
	}
	for _, name := range segs {
		seg, st, err := fitSegment(name, bySeg[name], fit.AsOf)
		if err != nil {
			return nil, err
		}
		seg.Share = float64(len(custs[name])) / float64(len(allCusts))
		fit.Model.Segments = append(fit.Model.Segments, seg)
		fit.Invoices = append(fit.Invoices, len(bySeg[name]))
		fit.Mature = append(fit.Mature, st.mature)
		fit.Control = append(fit.Control, st.control)
		fit.Notices = append(fit.Notices, st.notices)
	}
	// Customers in two segments count in both; renormalise the shares.
	total := 0.0
	for _, s := range fit.Model.Segments {
		total += s.Share
	}
	for i := range fit.Model.Segments {
		fit.Model.Segments[i].Share /= total
	}
	if err := fit.Model.Validate(); err != nil {
		return nil, fmt.Errorf("sim: fitted model: %w", err)
	}
	return fit, nil
}

type fitStats struct {
	mature, control int
	notices         map[notice.Stage]int
}

func fitSegment(name string, hs []HistoryRecord, asOf date.Date) (Segment, fitStats, error) {
	seg := Segment{Name: name}
	st := fitStats{notices: map[notice.Stage]int{}}
	var net []int
	minA, maxA := hs[0].Amount, hs[0].Amount
	// Natural delays (paid − due) of the control group; never = MaxInt.
	var natural []int
	var treated []HistoryRecord
	for _, h := range hs {
		net = append(net, int(h.Due-h.Issued))
		if h.Amount.Cmp(minA) < 0 {
			minA = h.Amount
		}
		if h.Amount.Cmp(maxA) > 0 {
			maxA = h.Amount
		}
		if h.Due+matureDays > asOf {
			continue
		}
		st.mature++
		if !h.Dunned {
			st.control++
			if h.Paid == 0 {
				natural = append(natural, math.MaxInt)
			} else {
				natural = append(natural, int(h.Paid-h.Due))
			}
			continue
		}
		treated = append(treated, h)
	}
	slices.Sort(net)
	seg.NetDays = max(1, net[len(net)/2])
	seg.MinAmount = max(1, int(minA.Floor().IntPart()))
	seg.MaxAmount = max(seg.MinAmount, int(maxA.Ceil().IntPart()))
	if st.control < minControl {
		return seg, st, fmt.Errorf("sim: history: segment %q: %d mature invoices not under dunning, want at least %d to fit how it pays without dunning", name, st.control, minControl)
	}
	slices.Sort(natural)
	b := &seg.Behaviour
	n := float64(len(natural))
	var late []int
	for _, d := range natural {
		switch {
		case d < 0:
			b.Early++
		case d <= 2:
			b.OnTime++
		case d == math.MaxInt:
			b.Never++
		default:
			late = append(late, d)
		}
	}
	b.Early, b.OnTime, b.Never = b.Early/n, b.OnTime/n, b.Never/n
	b.LateMin, b.LateMax = 3, 3
	if len(late) > 0 {
		b.LateMin, b.LateMax = late[0], late[len(late)-1]
	}
	// surv(x): share of the control group not paid by due+x.
	surv := func(x int) float64 {
		k, _ := slices.BinarySearch(natural, x+1) // first delay > x
		return float64(len(natural)-k) / n
	}
	// hazard(x, y): natural payment in (due+x, due+y] given none by due+x.
	hazard := func(x, y int) float64 {
		s := surv(x)
		if s == 0 {
			return 0
		}
		return (s - surv(y)) / s
	}
	type acc struct{ sent, paid, nat float64 }
	stages := map[notice.Stage]*acc{}
	var excess [respondWindow + 1]float64
	for _, h := range treated {
		ns := slices.Clone(h.Notices)
		slices.SortFunc(ns, func(a, b HistoryNotice) int { return int(a.Date - b.Date) })
		for k, nt := range ns {
			if h.Paid != 0 && h.Paid < nt.Date {
				break // sent after payment: not a notice to an open invoice
			}
			end := nt.Date + respondWindow
			if k+1 < len(ns) {
				end = min(end, ns[k+1].Date-1)
			}
			a := stages[nt.Stage]
			if a == nil {
				a = &acc{}
				stages[nt.Stage] = a
			}
			st.notices[nt.Stage]++
			x := int(nt.Date - h.Due)
			a.sent++
			a.nat += hazard(x, int(end-h.Due))
			if h.Paid != 0 && h.Paid <= end {
				a.paid++
				excess[h.Paid-nt.Date]++
			}
			for j := 1; j <= int(end-nt.Date); j++ {
				excess[j] -= hazard(x+j-1, x+j) * surv(x+j-1) / max(surv(x), 1e-12)
			}
		}
	}
	b.Respond = map[notice.Stage]float64{}
	for s, a := range stages {
		r := 0.0
		if a.sent > a.nat {
			r = (a.paid - a.nat) / (a.sent - a.nat)
		}
		b.Respond[s] = min(1, max(0, r))
	}
	peak := slices.Max(excess[:])
	b.RespondMin, b.RespondMax = 0, 0
	if peak > 0 {
		first := true
		for j, e := range excess {
			if e > peak/3 {
				if first {
					b.RespondMin, first = j, false
				}
				b.RespondMax = j
			}
		}
	}
	b.NeverFactor = 1
	return seg, st, nil
}

// String lists the fitted parameters, one segment a paragraph.
func (f *Fit) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "history up to %s; natural behaviour from invoices not under dunning, responses net of natural payments\n", f.AsOf)
	for i, s := range f.Model.Segments {
		bh := s.Behaviour
		fmt.Fprintf(&b, "%s: %.0f %% of customers, %d invoices (%d mature, %d of them not dunned), terms %d days, amounts %s..%s EUR\n",
			s.Name, 100*s.Share, f.Invoices[i], f.Mature[i], f.Control[i], s.NetDays, group(fmt.Sprint(s.MinAmount)), group(fmt.Sprint(s.MaxAmount)))
		fmt.Fprintf(&b, "  without dunning: %.1f %% before due, %.1f %% on time (due to due+2), %.1f %% never, the rest %d to %d days late\n",
			100*bh.Early, 100*bh.OnTime, 100*bh.Never, bh.LateMin, bh.LateMax)
		b.WriteString("  pays after a notice:")
		for st := notice.FriendlyReminder; st <= notice.LetterBeforeAction; st++ {
			if v, ok := bh.Respond[st]; ok {
				fmt.Fprintf(&b, " %s %.1f %% (of %d),", st, 100*v, f.Notices[i][st])
			}
		}
		fmt.Fprintf(&b, " within %d to %d days\n", bh.RespondMin, bh.RespondMax)
	}
	return strings.TrimRight(b.String(), "\n")
}
