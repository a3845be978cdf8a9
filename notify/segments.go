package notify

import "unicode/utf16"

// SMS sizes. A concatenated part gives up 7 septets (GSM-7) or 3 code units
// (UCS-2) to the header that tells the handset how to reassemble it.
const (
	gsmSingle  = 160 // septets in a message that travels alone
	gsmPart    = 153 // septets in each part of a concatenated message
	ucs2Single = 70  // UTF-16 code units in a message that travels alone
	ucs2Part   = 67  // UTF-16 code units in each part of a concatenated message
)

// gsmBasic is the GSM 03.38 default alphabet: one septet each. The escape
// code that introduces the extension table is not a character of its own.
const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ" +
	" !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§" +
	"¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsmExtension is the GSM 03.38 extension table: an escape septet and the
// character's own, so two septets each.
const gsmExtension = "\f^{}\\[~]|€"

// gsmSeptets maps each GSM-7 character to the septets it takes.
var gsmSeptets = func() map[rune]int {
	m := make(map[rune]int, len(gsmBasic)+len(gsmExtension))
	for _, r := range gsmBasic {
		m[r] = 1
	}
	for _, r := range gsmExtension {
		m[r] = 2
	}
	return m
}()

// Segments reports how many SMS parts text takes and whether it must travel
// as UCS-2. Text made only of GSM-7 characters fits 160 septets alone or 153
// per part; anything else, such as one Chinese character or a 【】 signature,
// makes the whole message UCS-2: 70 UTF-16 code units alone or 67 per part.
// A character is never split across parts, so an escaped GSM character or a
// surrogate pair that would straddle a boundary starts the next part, as
// handsets expect. Empty text still takes one part.
func Segments(text string) (parts int, ucs2 bool) {
	for _, r := range text {
		if gsmSeptets[r] == 0 {
			ucs2 = true
			break
		}
	}
	if ucs2 {
		return countParts(text, utf16.RuneLen, ucs2Single, ucs2Part), true
	}
	return countParts(text, func(r rune) int { return gsmSeptets[r] }, gsmSingle, gsmPart), false
}

// countParts counts the parts text takes when each rune takes width(r)
// units, a message alone holds single units and each concatenated part per.
func countParts(text string, width func(rune) int, single, per int) int {
	total := 0
	for _, r := range text {
		total += width(r)
	}
	if total <= single {
		return 1
	}
	parts, fill := 1, 0
	for _, r := range text {
		w := width(r)
		if fill+w > per {
			parts++
			fill = 0
		}
		fill += w
	}
	return parts
}
