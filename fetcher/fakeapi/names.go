package fakeapi

import "strings"

// Fold reduces a name to what an email address or a handle can carry:
// lower-case ASCII letters and digits. The accented Latin letters of the
// vocabularies fold to their base letter (Zoë → zoe, Łukasz → lukasz);
// everything else (spaces, apostrophes, punctuation, other scripts) is
// dropped. Display names keep their accents: only addresses are folded.
func Fold(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			b.WriteRune(r)
		default:
			if base := baseLetter(r); base != 0 {
				b.WriteByte(base)
			}
		}
	}
	return b.String()
}

// baseLetter is the base letter of an accented lower-case Latin letter, or
// 0 for any other rune.
func baseLetter(r rune) byte {
	for _, f := range [...]struct {
		base     byte
		accented string
	}{
		{'a', "àáâãäå"}, {'c', "ç"}, {'e', "èéêëễ"}, {'i', "ìíîï"},
		{'l', "ł"}, {'n', "ñ"}, {'o', "òóôõöø"}, {'u', "ùúûüū"},
	} {
		if strings.ContainsRune(f.accented, r) {
			return f.base
		}
	}
	return 0
}

// EmailLocal makes an email local part from the parts of a name: each part
// folded, the non-empty ones joined with dots ("Zoë", "O'Brien" →
// zoe.obrien). It is "" when nothing of the name survives folding.
func EmailLocal(parts ...string) string {
	folded := make([]string, 0, len(parts))
	for _, p := range parts {
		if f := Fold(p); f != "" {
			folded = append(folded, f)
		}
	}
	return strings.Join(folded, ".")
}
