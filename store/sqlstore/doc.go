// Package sqlstore is the production dunning.Store: PostgreSQL through
// database/sql.
//
// The package imports no driver; the app opens a *sql.DB with the driver it
// already uses (github.com/jackc/pgx/v5/stdlib, say) and passes it to New.
// Migrate creates or upgrades the tables from SQL migrations embedded in the
// package, recording the applied versions in overdue_schema_version under an
// advisory lock, so many processes may call it at start-up.
//
// Claims are a single INSERT ... ON CONFLICT DO UPDATE ... WHERE the key is
// not done and its lease expired, so of many runners claiming one key at
// most one wins. Lease expiry and retry times are computed and compared
// with the database's now() (runners pass only durations), so runners with
// skewed clocks never hold one key at once. Taking over a lease that ended
// neither completed nor released marks the key unknown (Claim.Unknown), and
// the claim keeps the planned action, listed by History while the outcome
// is unknown. Complete marks the key done, appends the ledger record and
// advances every invoice's progress (rows locked in key order, FOR UPDATE)
// in one transaction, and refuses with dunning.ErrLeaseLost if the claim was
// taken over; a done key keeps the owner and attempt that completed it, so a
// Complete retried after a commit whose reply was lost succeeds. Records,
// claims, tasks and events are checked (dunning.CheckRecord and friends)
// before anything is written, since PostgreSQL refuses NUL bytes and invalid
// UTF-8. The store passes store/storetest; its tests also kill a runner
// process with SIGKILL, cut its connections through a TCP proxy and skew
// runners' clocks.
//
// Tables (all prefixed overdue_, in the schema given to New):
// schema_version, actions (leases), records (the ledger), progress,
// events, tasks. Records, progress, events and tasks are kept as JSONB next
// to the columns they are looked up by.
package sqlstore
