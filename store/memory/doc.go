// Package memory is the embedded in-memory implementation of dunning.Store:
// for tests, examples and small apps that keep their dunning ledger in one
// process.
//
// It keeps the ledger of completed actions, leases on pending ones, each
// invoice's progress through its workflow, events and collector tasks, all
// behind one mutex. It passes the same conformance suite (store/storetest)
// as the SQL store, so code tested against it meets the SQL store's
// behaviour in what that suite checks (the cases of storetest.Run), and
// only there: many processes, the database's clock, lost connections and
// failed commits are outside it. Nothing is persisted: a process restart
// forgets everything.
//
// Snapshots returned by History are copies: planning reads a consistent view
// while runners keep completing actions.
package memory
