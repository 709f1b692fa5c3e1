package sim

import (
	"strings"
	"testing"

	"github.com/rickb777/date/v2"
)

func TestGenerateFollowsConfig(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Customers, cfg.Months = 40, 3
	w, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Customers) != 40 || len(w.Invoices) != 120 {
		t.Fatalf("%d customers, %d invoices; want 40, 120", len(w.Customers), len(w.Invoices))
	}
	for i, inv := range w.Invoices {
		if i > 0 && inv.Issued < w.Invoices[i-1].Issued {
			t.Fatalf("invoices not sorted by issue date at %d", i)
		}
		if inv.Issued < date.New(2026, 1, 1) || inv.Issued > date.New(2026, 3, 28) {
			t.Errorf("%s issued %s, outside Jan..Mar 2026", inv.ID, inv.Issued)
		}
		seg, _ := w.Model.segment(w.Model.Segments[w.fates[i].seg].Name)
		if got := int(inv.Due - inv.Issued); got != seg.NetDays {
			t.Errorf("%s: net %d days, segment %s has %d", inv.ID, got, seg.Name, seg.NetDays)
		}
		lo, hi := float64(seg.MinAmount), float64(seg.MaxAmount)
		if a := inv.Amount.InexactFloat64(); a < lo || a > hi {
			t.Errorf("%s: amount %s outside %v..%v", inv.ID, inv.Amount, lo, hi)
		}
		if f := w.fates[i]; !f.never && f.natural <= inv.Issued {
			t.Errorf("%s: paid %s, not after issue %s", inv.ID, f.natural, inv.Issued)
		}
	}
	w2, _ := Generate(cfg)
	for i := range w.fates {
		if w.fates[i] != w2.fates[i] {
			t.Fatalf("fate %d differs between two generations with one seed", i)
		}
	}
	cfg.Seed = 2
	w3, _ := Generate(cfg)
	same := 0
	for i := range w.fates {
		if w.fates[i] == w3.fates[i] {
			same++
		}
	}
	if same == len(w.fates) {
		t.Error("another seed gave the same fates")
	}
}

func TestModelValidateNamesTheField(t *testing.T) {
	for _, tc := range []struct {
		mutate func(*Model)
		want   string
	}{
		{func(m *Model) { m.Segments[0].Share = 0.5 }, "shares add up to"},
		{func(m *Model) { m.Segments[1].Behaviour.Early = 1.5 }, "model.segments[1].early: 1.5 is not a share"},
		{func(m *Model) { m.Segments[2].Behaviour.LateMax = 1 }, "model.segments[2].late: 10..1"},
		{func(m *Model) { m.Segments[0].NetDays = 0 }, "model.segments[0].net_days: 0"},
		{func(m *Model) { m.Segments[0].Name = "" }, "model.segments[0].name: empty"},
	} {
		m := DefaultModel()
		tc.mutate(&m)
		err := m.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("err = %v, want it to contain %q", err, tc.want)
		}
	}
	if err := DefaultModel().Validate(); err != nil {
		t.Errorf("default model: %v", err)
	}
}

func TestLoadCSV(t *testing.T) {
	in := CSVHeader + "\nC1,startup,I1,2026-01-05,2026-01-19,120.50,EUR\nC1,startup,I2,2026-02-05,2026-02-19,80,EUR\nC2,enterprise,I3,2026-01-10,2026-02-24,9000,EUR\n"
	w, err := LoadCSV(strings.NewReader(in), DefaultModel(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Customers) != 2 || len(w.Invoices) != 3 || w.Invoices[1].ID != "I3" {
		t.Fatalf("customers %d, invoices %v", len(w.Customers), w.Invoices)
	}
	if w.Model.Segments[w.fates[1].seg].Name != "enterprise" {
		t.Errorf("I3 got segment %s", w.Model.Segments[w.fates[1].seg].Name)
	}
	for _, tc := range []struct{ in, want string }{
		{"a,b\n", "wrong number of fields"},
		{CSVHeader + "\nC1,startup,I1,2026-13-05,2026-01-19,1,EUR\n", `line 2, issued "2026-13-05"`},
		{CSVHeader + "\nC1,startup,I1,2026-01-05,2026-01-19,abc,EUR\n", `line 2, amount "abc"`},
		{CSVHeader + "\nC1,startup,I1,2026-01-05,2026-01-19,1,EUR\nC1,startup,I1,2026-01-05,2026-01-19,1,EUR\n", `invoice id "I1" appears twice`},
		{strings.Replace(CSVHeader, "segment", "seg", 1) + "\n", "CSV header"},
	} {
		_, err := LoadCSV(strings.NewReader(tc.in), DefaultModel(), 1)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("LoadCSV(%q): err = %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestLoadJSON(t *testing.T) {
	in := `{"customers": [{"id": "C1", "name": "One", "attributes": {"segment": "smb"}}],
	        "invoices": [{"id": "I1", "number": "I1", "customer_id": "C1", "currency": "EUR", "issued": "2026-01-05", "due": "2026-02-04", "amount": "100.00"}]}`
	w, err := LoadJSON(strings.NewReader(in), DefaultModel(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Invoices) != 1 || w.Model.Segments[w.fates[0].seg].Name != "smb" {
		t.Errorf("loaded %+v", w.Invoices)
	}
	_, err = LoadJSON(strings.NewReader(`{"customers": [], "invoices": [{"id": "I1", "number": "I1", "customer_id": "C9", "currency": "EUR", "issued": "2026-01-05", "due": "2026-02-04", "amount": "1"}]}`), DefaultModel(), 1)
	if err == nil || !strings.Contains(err.Error(), `customer_id "C9"`) {
		t.Errorf("unknown customer: %v", err)
	}
	_, err = LoadJSON(strings.NewReader(strings.Replace(in, "2026-02-04", "2026-02-30", 1)), DefaultModel(), 1)
	if err == nil || !strings.Contains(err.Error(), `invoices[0].due`) {
		t.Errorf("impossible date: %v", err)
	}
	if _, err := LoadJSON(strings.NewReader(`{"customers": [], "bogus": 1}`), DefaultModel(), 1); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("unknown field: %v", err)
	}
}
