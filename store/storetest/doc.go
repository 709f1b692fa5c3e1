// Package storetest is the conformance suite for dunning.Store
// implementations, in the manner of testing/slogtest: a store passes if
// Run(t, newStore) passes. store/memory and store/sqlstore run it, and so
// should any store an app writes.
//
// Each case is a promise the runner's guarantees rest on (at most one
// record per key; a sent notice always recorded; no two holders of a key):
// a completed key is never claimed again; an unexpired lease excludes other
// owners, measured on the store's clock; an expired one can be taken over,
// the new claim is marked Unknown, and the old owner's Complete then fails
// with ErrLeaseLost, recording nothing; a Complete retried after a commit
// whose reply was lost succeeds without recording twice; Release holds the
// key for its RetryIn; the claim remembers the planned action and History
// lists it while the outcome is unknown; what the store cannot keep (NUL
// bytes, invalid UTF-8, numbers beyond 32 bits, times beyond the year
// 9999) is refused with ErrInvalid; ledger time filters compare to the
// microsecond; Complete advances each
// invoice's progress atomically with the record; bounces mark progress for a
// fallback; events are idempotent by ID; tasks upsert; and many goroutines
// claiming one key get exactly one claim. Optional capabilities
// (dunning.DoneChecker, dunning.StateChecker, dunning.PendingHistory, a
// clock the kit can advance) are skipped, not failed, when absent.
package storetest
