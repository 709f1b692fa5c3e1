package memory_test

import (
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/store/memory"
	"github.com/overduehq/overdue/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) dunning.Store { return memory.New() })
}
