package dunning_test

import (
	"strings"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/notice"
)

func names(ks []dunning.Contact) string {
	var out []string
	for _, k := range ks {
		out = append(out, k.Name)
	}
	return strings.Join(out, ",")
}

// Candidates: the step's roles in their order (case and spaces aside),
// then the others in the customer's order, only those the channel reaches.
func TestCandidatesByRole(t *testing.T) {
	c := dunning.Customer{ID: "c", Contacts: []dunning.Contact{
		{Name: "ceo", Role: "ceo", Email: "ceo@x", Phone: "+1"},
		{Name: "ap", Role: " Accounts-Payable ", Email: "ap@x"},
		{Name: "bill", Role: "billing", Email: "bill@x", Address: []string{"1 St"}},
		{Name: "esc", Role: "escalation", Email: "esc@x"},
		{Name: "am", Role: "account-manager", Email: "am@x"},
		{Name: "nomail", Role: "billing"},
	}}
	for _, tc := range []struct {
		step *dunning.Step
		ch   notice.Channel
		want string
	}{
		{nil, notice.Email, "bill,ap,ceo,esc,am"},
		{&dunning.Step{To: []string{"escalation", "billing"}}, notice.Email, "esc,bill,ceo,ap,am"},
		{nil, notice.SMS, "ceo"},
		{nil, notice.Letter, "bill"},
	} {
		if got := names(c.Candidates(tc.step, tc.ch)); got != tc.want {
			t.Errorf("%+v %s: %s, want %s", tc.step, tc.ch, got, tc.want)
		}
	}
	step := &dunning.Step{Cc: []string{"account-manager", "billing"}}
	to, cc, ok := c.Addressees(step, notice.Email, 0)
	if !ok || to.Name != "bill" || names(cc) != "am" { // billing is the addressee; "nomail" has no address
		t.Errorf("Addressees 0: %s cc %s %v", to.Name, names(cc), ok)
	}
	if to, cc, ok = c.Addressees(step, notice.Email, 1); !ok || to.Name != "ap" || names(cc) != "bill,am" {
		t.Errorf("Addressees 1: %s cc %s %v", to.Name, names(cc), ok)
	}
	if _, _, ok = c.Addressees(step, notice.Email, 5); ok {
		t.Error("a sixth email contact")
	}
	// A letter is copied to nobody; a customer whose contacts the channel
	// cannot reach gets its first contact (validation names what is missing).
	if _, cc, _ = c.Addressees(step, notice.Letter, 0); len(cc) != 0 {
		t.Errorf("letter cc %s", names(cc))
	}
	bare := dunning.Customer{ID: "b", Contacts: []dunning.Contact{{Name: "only", Email: "o@x"}}}
	if to, _, ok = bare.Addressees(nil, notice.SMS, 0); !ok || to.Name != "only" {
		t.Errorf("fallback %s %v", to.Name, ok)
	}
	if to, _, ok = (&dunning.Customer{}).Addressees(nil, notice.Email, 0); !ok || to.Email != "" {
		t.Errorf("no contacts: %+v %v", to, ok)
	}
}
