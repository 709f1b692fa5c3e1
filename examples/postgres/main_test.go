package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestDefaultDSN: the example reads the tests' variable when its own is
// unset, so one variable serves both.
func TestDefaultDSN(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"OVERDUE_POSTGRES": "a", "OVERDUE_TEST_POSTGRES": "b"}, "a"},
		{map[string]string{"OVERDUE_TEST_POSTGRES": "b"}, "b"},
		{nil, "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"},
	} {
		if got := defaultDSN(func(k string) string { return tc.env[k] }); got != tc.want {
			t.Errorf("env %v: %q, want %q", tc.env, got, tc.want)
		}
	}
}

func TestRunSplitsThePlan(t *testing.T) {
	dsn := os.Getenv("OVERDUE_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("OVERDUE_TEST_POSTGRES is not set: skipping (.ci/run sets it)")
	}
	var out strings.Builder
	schema := fmt.Sprintf("overdue_example_test_%d", time.Now().UnixNano())
	if err := run(&out, dsn, schema, 3, 300); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	t.Cleanup(func() {
		// run leaves its schema for inspection; the test drops it.
		_ = dropSchema(dsn, schema)
	})
	for _, want := range []string{"planned 300, sent 300, keys sent more than once 0, ledger records 300", "runner-3"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
