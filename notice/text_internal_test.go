package notice

import (
	"fmt"
	"testing"
	"unicode"
	"unicode/utf8"

	"pgregory.net/rapid"
)

// textProblemModel is textProblem rune by rune, with no fast path.
func textProblemModel(s string, multiline bool) string {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			return fmt.Sprintf("is not valid UTF-8 (byte %d)", i)
		case r == '\n' && multiline:
		case r < 0x20 || r >= 0x7f && r < 0xa0 || r == 0x2028 || r == 0x2029 || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069:
			return refusedRune(r, i)
		}
		i += n
	}
	return ""
}

// The word-at-a-time scan of textProblem finds what a scan rune by rune
// finds, at the same byte, for strings mostly of printable ASCII with
// every kind of refused character, multi-byte letters and broken UTF-8
// mixed in at any place.
func TestTextProblemMatchesModel(t *testing.T) {
	special := []string{"\x7f", "\x00", "\x1f", "\t", "\n", "\r", "ü", "株", "\u0085", "\u00a0", "\u2028", "\u202e", "\u2066", "\u200f", "\xff", "\xc3", "\x80", "\xfe"}
	printable := rapid.StringOfN(rapid.RuneFrom(nil, &unicode.RangeTable{R16: []unicode.Range16{{Lo: 0x20, Hi: 0x7e, Stride: 1}}}), 0, 20, -1)
	rapid.Check(t, func(t *rapid.T) {
		s := printable.Draw(t, "ascii")
		for range rapid.IntRange(0, 3).Draw(t, "n") {
			s += rapid.SampledFrom(special).Draw(t, "special") + printable.Draw(t, "ascii")
		}
		for _, ml := range []bool{false, true} {
			if got, want := textProblem(s, ml), textProblemModel(s, ml); got != want {
				t.Fatalf("textProblem(%q, %v) = %q, model %q", s, ml, got, want)
			}
		}
	})
}
