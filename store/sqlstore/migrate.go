package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrateLock is the key of the transaction-scoped advisory lock every
// Migrate holds while it touches the schema.
const migrateLock = 7402318821

// maxIdentifier is PostgreSQL's identifier limit (NAMEDATALEN-1 bytes);
// a longer name would be truncated silently to another schema's name.
const maxIdentifier = 63

// Migration is one embedded schema migration.
type Migration struct {
	Version int
	Name    string // file name, e.g. "0001_init.sql"
	SQL     string // with the schema filled in
}

// Migrations returns the embedded migrations in version order, their SQL
// written for schema (empty: "public"), for teams that apply migrations
// with their own tool instead of Migrate. The schema name is used exactly
// as given, quoted as a PostgreSQL identifier the same way every query of
// the store quotes it (`victim"` is the schema named victim", never victim);
// a name PostgreSQL cannot hold as given (longer than 63 bytes, or with a
// NUL byte) is refused.
func Migrations(schema string) ([]Migration, error) {
	return New(nil, schema).migrations()
}

// migrations returns the embedded migrations with the store's quoted
// schema identifier filled in.
func (s *Store) migrations() ([]Migration, error) {
	if err := s.checkSchema(); err != nil {
		return nil, err
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	var out []Migration
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("sqlstore: migration %s: name must start with its version", base)
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: base, SQL: s.q(string(body))})
	}
	return out, nil
}

// checkSchema refuses a schema name PostgreSQL would not keep exactly.
func (s *Store) checkSchema() error {
	raw := strings.ReplaceAll(s.schema[1:len(s.schema)-1], `""`, `"`)
	switch {
	case len(raw) > maxIdentifier:
		return fmt.Errorf("sqlstore: schema %q is %d bytes long: PostgreSQL would truncate it to %d bytes, another schema's name", raw, len(raw), maxIdentifier)
	case strings.IndexByte(raw, 0) >= 0:
		return fmt.Errorf("sqlstore: schema %q contains a NUL byte", raw)
	}
	return nil
}

// Migrate applies the embedded migrations not yet recorded in
// overdue_schema_version and returns the schema version reached. Every
// step, including creating the schema and the version table, runs in a
// transaction that first takes one advisory lock, so any number of
// processes may call Migrate at once on a fresh database: one creates and
// migrates, the others wait for it and then find nothing left to do. Each
// migration commits on its own. The schema is the one given to New, used
// exactly (see Migrations).
func (s *Store) Migrate(ctx context.Context) (int, error) {
	ms, err := s.migrations()
	if err != nil {
		return 0, err
	}
	err = s.lockedTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`CREATE SCHEMA IF NOT EXISTS {{S}}`)); err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`CREATE TABLE IF NOT EXISTS {{S}}.overdue_schema_version (
		version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`)); err != nil {
			return fmt.Errorf("create version table: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sqlstore: %w", err)
	}
	version := 0
	for _, m := range ms {
		err = s.lockedTx(ctx, func(tx *sql.Tx) error {
			var done bool
			if err := tx.QueryRowContext(ctx, s.q(`SELECT EXISTS (SELECT 1 FROM {{S}}.overdue_schema_version WHERE version = $1)`), m.Version).Scan(&done); err != nil {
				return err
			}
			if done {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
			_, err := tx.ExecContext(ctx, s.q(`INSERT INTO {{S}}.overdue_schema_version (version) VALUES ($1)`), m.Version)
			return err
		})
		if err != nil {
			return version, fmt.Errorf("sqlstore: %w", err)
		}
		version = m.Version
	}
	return version, nil
}

// lockedTx runs f in a transaction that holds the migration lock from its
// first statement to its commit.
func (s *Store) lockedTx(ctx context.Context, f func(*sql.Tx) error) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrateLock)); err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		return f(tx)
	})
}
