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
// not done and its lease expired, so of many runners claiming one key exactly
// one wins; Complete marks the key done, appends the ledger record and
// advances every invoice's progress (rows locked in key order, FOR UPDATE)
// in one transaction, and refuses with dunning.ErrLeaseLost if the claim was
// taken over. Many runners on one database therefore split a day's actions
// and each action is completed once. The store passes store/storetest.
//
// Tables (all prefixed overdue_, in the schema given to New):
// schema_version, actions (leases), records (the ledger), progress,
// events, tasks. Records, progress, events and tasks are kept as JSONB next
// to the columns they are looked up by.
package sqlstore
