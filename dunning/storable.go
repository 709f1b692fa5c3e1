package dunning

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/overduehq/overdue/dunning/money"
	"github.com/shopspring/decimal"
)

// What every store keeps of a number and of a time, beside the limits on
// text (MaxKeyLen and the others, checked by checkText): the SQL store
// keeps cycles, step indexes and claim attempts in integer columns (32
// bits), and times as JSON (time.Time's MarshalJSON) and as timestamptz.

// int32OK reports whether n fits an integer column.
func int32OK(n int) bool { return n >= math.MinInt32 && n <= math.MaxInt32 }

// int32Reason is why a number that int32OK refuses is refused.
var int32Reason = fmt.Sprintf("is outside %d..%d, the 32-bit range the stores keep", math.MinInt32, math.MaxInt32)

// checkInts returns a *FieldError for the first of ns that int32OK
// refuses, named prefix+name (with its index when indexed).
func checkInts(prefix, name string, indexed bool, ns ...int) error {
	for i, n := range ns {
		if !int32OK(n) {
			if indexed {
				name = fmt.Sprintf("%s[%d]", name, i)
			}
			return &FieldError{Field: prefix + name, Value: strconv.Itoa(n), Reason: int32Reason}
		}
	}
	return nil
}

// checkNumbers returns a *FieldError for the first of ds outside the
// bounds of money.CheckBounds, named prefix+name with its index.
func checkNumbers(prefix, name string, ds []decimal.Decimal) error {
	for i, d := range ds {
		if money.CheckBounds(d) != nil {
			return checkNumber(loc{field: fmt.Sprintf("%s%s[%d]", prefix, name, i)}, d)
		}
	}
	return nil
}

// timeOK reports whether every store can keep t as it is: in the years 1
// to 9999 both in UTC and in t's own zone (JSON keeps no other year,
// PostgreSQL reads no year 0), in a zone less than a day off UTC (JSON
// keeps no other). The zero time is one of them.
func timeOK(t time.Time) bool {
	if y := t.Year(); y < 1 || y > 9999 {
		return false
	}
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return false
	}
	_, off := t.Zone()
	return off > -24*3600 && off < 24*3600
}

// checkTime returns a *FieldError named field when timeOK refuses t.
func checkTime(field string, t time.Time) error {
	if timeOK(t) {
		return nil
	}
	return &FieldError{Field: field, Value: t.Format(time.RFC3339Nano), Reason: "is outside the years 1 to 9999 (in UTC or in its zone, or the zone is a day or more off UTC): the stores cannot keep it"}
}

// StoredTime is t as the ledger filters (RecordFilter, EventFilter)
// compare it, in every store: truncated to the microsecond, which is all
// PostgreSQL keeps of a timestamptz, in t's location, without a
// monotonic clock reading.
func StoredTime(t time.Time) time.Time {
	return time.Unix(t.Unix(), int64(t.Nanosecond()/1000*1000)).In(t.Location())
}
