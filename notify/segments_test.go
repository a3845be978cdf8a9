package notify

import (
	"strings"
	"testing"
)

func TestSegments(t *testing.T) {
	t.Parallel()
	r := strings.Repeat
	for _, tt := range []struct {
		name  string
		text  string
		parts int
		ucs2  bool
	}{
		{"Empty", "", 1, false},
		{"GSM/160", r("a", 160), 1, false},
		{"GSM/161", r("a", 161), 2, false},
		{"GSM/306", r("a", 306), 2, false},
		{"GSM/307", r("a", 307), 3, false},
		{"GSM/WholeAlphabet", gsmBasic, 1, false},
		{"GSM/Euro80", r("€", 80), 1, false},
		{"GSM/EuroCountsTwo", r("a", 159) + "€", 2, false},
		{"GSM/ExtensionTable", "^{}\\[~]|€\f", 1, false},
		// 152 septets, then an escaped € that would straddle: part 2 holds
		// € and 151 more, the last 'a' starts part 3.
		{"GSM/EscapeNotSplit", r("a", 152) + "€" + r("a", 152), 3, false},
		{"UCS2/OneBracket", "【", 1, true},
		{"UCS2/BracketForcesUCS2", "【Signet】" + r("a", 62), 1, true},
		{"UCS2/BracketForcesUCS2Split", "【Signet】" + r("a", 63), 2, true},
		{"UCS2/Chinese70", r("签", 70), 1, true},
		{"UCS2/Chinese71", r("签", 71), 2, true},
		{"UCS2/Chinese134", r("签", 134), 2, true},
		{"UCS2/Chinese135", r("签", 135), 3, true},
		{"UCS2/Emoji35", r("😀", 35), 1, true},
		{"UCS2/Emoji36", r("😀", 36), 2, true},
		{"UCS2/EmojiCountsTwo", r("签", 69) + "😀", 2, true},
		// 66 units, then a pair that would straddle: it starts part 2,
		// which then overflows by one unit into part 3.
		{"UCS2/SurrogateNotSplit", r("签", 66) + "😀" + r("签", 66), 3, true},
		{"UCS2/Accent", "café ç", 1, true}, // ç is not GSM-7 (only Ç is)
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			parts, ucs2 := Segments(tt.text)
			if parts != tt.parts || ucs2 != tt.ucs2 {
				t.Errorf("Segments(%d runes) = %d, %v; want %d, %v", len([]rune(tt.text)), parts, ucs2, tt.parts, tt.ucs2)
			}
		})
	}
}
