package devrevtest

import (
	"math/bits"
	"strconv"
	"strings"
)

// Object IDs are DONs (DevRev Object Names) like the real API serves; display
// IDs are the short human form (CONV-123). IDs are derived from small integers
// rather than stored, so that 200k timeline entries do not cost 200k strings.
const (
	coreDON     = "don:core:dvrv-us-1:devo/0:"
	identityDON = "don:identity:dvrv-us-1:devo/0:"
)

func conversationID(n int) string        { return coreDON + "conversation/" + strconv.Itoa(n) }
func conversationDisplayID(n int) string { return "CONV-" + strconv.Itoa(n) }

// entryID nests the entry under its conversation, as DevRev does for comments
// (…:ticket/123:comment/456), which also lets a lookup go straight to the
// conversation without a global index.
func entryID(conv int, kind entryKind, n int) string {
	return conversationID(conv) + ":" + kind.idSegment() + "/" + strconv.Itoa(n)
}

func trackerID(n int) string        { return coreDON + "sla_tracker/" + strconv.Itoa(n) }
func trackerDisplayID(n int) string { return "SLAT-" + strconv.Itoa(n) }
func artifactID(n int) string       { return coreDON + "artifact/" + strconv.Itoa(n) }
func artifactDisplay(n int) string  { return "ARTIFACT-" + strconv.Itoa(n) }

// chatCode turns a chat's sequence number into an 8-character code like the
// real CHAN-AbCdEfGh ids. Multiplying by a constant coprime with 62^8, modulo
// 62^8, is a bijection, so codes are unique and look random without a table.
func chatCode(n int) string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	const space = 218340105584896 // 62^8
	const mult = 137438953447     // prime, so coprime with 2 and 31
	hi, lo := bits.Mul64(uint64(n), mult)
	v := bits.Rem64(hi, lo, space)
	var b [8]byte
	for i := 7; i >= 0; i-- {
		b[i] = alphabet[v%62]
		v /= 62
	}
	return string(b[:])
}

func chatID(code string) string        { return coreDON + "dm/" + code }
func chatDisplayID(code string) string { return "CHAN-" + code }

// cutRef strips a display-ID prefix (CONV-) or a DON prefix from s and
// returns the rest, which must not be empty.
func cutRef(s, displayPrefix, donPrefix string) (string, bool) {
	for _, prefix := range [...]string{displayPrefix, donPrefix} {
		if rest, ok := strings.CutPrefix(s, prefix); ok && rest != "" {
			return rest, true
		}
	}
	return "", false
}

// numberRef is cutRef for objects numbered from 1.
func numberRef(s, displayPrefix, donPrefix string) (int, bool) {
	rest, ok := cutRef(s, displayPrefix, donPrefix)
	if !ok {
		return 0, false
	}
	return atoiPositive(rest)
}

// parseConversationRef accepts a conversation DON or display ID and returns its
// number.
func parseConversationRef(s string) (int, bool) {
	return numberRef(s, "CONV-", coreDON+"conversation/")
}

// parseEntryRef splits a timeline entry DON into its conversation's number,
// its kind's segment ("comment") and its own number.
func parseEntryRef(s string) (conv int, segment string, entry int, ok bool) {
	rest, ok := strings.CutPrefix(s, coreDON+"conversation/")
	if !ok {
		return 0, "", 0, false
	}
	convPart, entryPart, ok := strings.Cut(rest, ":")
	if !ok {
		return 0, "", 0, false
	}
	segment, num, ok := strings.Cut(entryPart, "/")
	if !ok {
		return 0, "", 0, false
	}
	c, ok1 := atoiPositive(convPart)
	e, ok2 := atoiPositive(num)
	return c, segment, e, ok1 && ok2
}

// parseChatRef accepts a chat DON or CHAN- display ID and returns its code.
func parseChatRef(s string) (string, bool) { return cutRef(s, "CHAN-", coreDON+"dm/") }

func parseTrackerRef(s string) (int, bool) { return numberRef(s, "SLAT-", coreDON+"sla_tracker/") }

func parseTagRef(s string) (int, bool) { return numberRef(s, "TAG-", coreDON+"tag/") }

func atoiPositive(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0
}
