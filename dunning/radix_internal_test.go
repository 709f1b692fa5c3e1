package dunning

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestRadixSort: radixSort orders any slice as slices.Sort does, including
// slices where some bytes are the same in every value (skipped passes).
func TestRadixSort(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		mask := rapid.Uint64().Draw(t, "mask")
		hs := rapid.SliceOfN(rapid.Uint64(), 0, 2000).Draw(t, "hs")
		for i := range hs {
			hs[i] &= mask
		}
		want := slices.Clone(hs)
		slices.Sort(want)
		radixSort(hs)
		if !slices.Equal(hs, want) {
			t.Fatalf("radixSort gave %v, want %v", hs, want)
		}
	})
}

// TestMergeRuns: runs sorted on their own (as each part of screening sorts
// its hashes) and merged by mergeRuns come out as slices.Sort orders the
// whole, for any number and length of runs, empty ones included.
func TestMergeRuns(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		hs := rapid.SliceOfN(rapid.Uint64Range(0, 50), 0, 300).Draw(t, "hs")
		parts := rapid.IntRange(1, 9).Draw(t, "parts")
		bounds := []int{0}
		for k := 1; k < parts; k++ {
			bounds = append(bounds, rapid.IntRange(bounds[k-1], len(hs)).Draw(t, "bound"))
		}
		bounds = append(bounds, len(hs))
		want := slices.Clone(hs)
		slices.Sort(want)
		for k := 0; k+1 < len(bounds); k++ {
			radixSort(hs[bounds[k]:bounds[k+1]])
		}
		if got := mergeRuns(hs, make([]uint64, len(hs)), bounds); !slices.Equal(got, want) {
			t.Fatalf("mergeRuns(%v) gave %v, want %v", bounds, got, want)
		}
	})
}

// BenchmarkRadixSort sorts 1,000,000 random hashes (the screening of
// BenchmarkPlan's portfolio); BenchmarkSlicesSort is the comparison sort
// it replaced, in the same run.
func BenchmarkRadixSort(b *testing.B)  { benchSort(b, radixSort) }
func BenchmarkSlicesSort(b *testing.B) { benchSort(b, slices.Sort[[]uint64]) }

func benchSort(b *testing.B, sort func([]uint64)) {
	src := make([]uint64, 1_000_000)
	x := uint64(88172645463325252)
	for i := range src {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		src[i] = x
	}
	hs := make([]uint64, len(src))
	b.ReportAllocs()
	for b.Loop() {
		copy(hs, src)
		sort(hs)
	}
	if !slices.IsSorted(hs) {
		b.Fatal("not sorted")
	}
}
