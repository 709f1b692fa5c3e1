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

// Migration is one embedded schema migration.
type Migration struct {
	Version int
	Name    string // file name, e.g. "0001_init.sql"
	SQL     string // with the schema filled in
}

// Migrations returns the embedded migrations in version order, their SQL
// written for schema (empty: "public"), for teams that apply migrations
// with their own tool instead of Migrate.
func Migrations(schema string) ([]Migration, error) {
	s := New(nil, schema)
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

// Migrate applies the embedded migrations not yet recorded in
// overdue_schema_version, each in its own transaction under an advisory
// lock. It returns the schema version reached.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	ms, err := Migrations(strings.ReplaceAll(strings.Trim(s.schema, `"`), `""`, `"`))
	if err != nil {
		return 0, err
	}
	if _, err := s.db.ExecContext(ctx, s.q(`CREATE SCHEMA IF NOT EXISTS {{S}}`)); err != nil {
		return 0, fmt.Errorf("sqlstore: create schema: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, s.q(`CREATE TABLE IF NOT EXISTS {{S}}.overdue_schema_version (
		version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`)); err != nil {
		return 0, fmt.Errorf("sqlstore: create version table: %w", err)
	}
	version := 0
	for _, m := range ms {
		v, base, body := m.Version, m.Name, m.SQL
		err = s.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7402318821)`); err != nil {
				return err
			}
			var done bool
			if err := tx.QueryRowContext(ctx, s.q(`SELECT EXISTS (SELECT 1 FROM {{S}}.overdue_schema_version WHERE version = $1)`), v).Scan(&done); err != nil {
				return err
			}
			if done {
				return nil
			}
			if _, err := tx.ExecContext(ctx, body); err != nil {
				return fmt.Errorf("migration %s: %w", base, err)
			}
			_, err := tx.ExecContext(ctx, s.q(`INSERT INTO {{S}}.overdue_schema_version (version) VALUES ($1)`), v)
			return err
		})
		if err != nil {
			return version, fmt.Errorf("sqlstore: %w", err)
		}
		version = v
	}
	return version, nil
}
