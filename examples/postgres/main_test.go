package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

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
