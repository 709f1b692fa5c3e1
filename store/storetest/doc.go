// Package storetest is the conformance suite for dunning.Store
// implementations, in the manner of testing/slogtest: a store passes if
// Run(t, newStore) passes. store/memory and store/sqlstore run it, and so
// should any store an app writes.
//
// The suite checks the ledger's promises, on which the runner's exactly-once
// guarantee rests: a completed key is never claimed again, an unexpired
// lease excludes other owners, an expired one can be taken over (and the
// old owner's Complete then fails with ErrLeaseLost, recording nothing),
// Release holds the key until its retry time, Complete advances each
// invoice's progress atomically with the record, bounces mark progress for a
// fallback, events are idempotent by ID, tasks upsert, and many goroutines
// claiming one key get exactly one claim.
package storetest
