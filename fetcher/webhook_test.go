package fetcher

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestValidHMAC(t *testing.T) {
	t.Parallel()
	mac := hmac.New(sha256.New, []byte("s3cret"))
	mac.Write([]byte("body"))
	sum := mac.Sum(nil)
	for _, sig := range []string{hex.EncodeToString(sum), base64.StdEncoding.EncodeToString(sum), base64.RawURLEncoding.EncodeToString(sum)} {
		require.True(t, ValidHMAC("s3cret", []byte("body"), sig), sig)
		require.False(t, ValidHMAC("other", []byte("body"), sig), sig)
		require.False(t, ValidHMAC("s3cret", []byte("body!"), sig), sig)
	}
	require.False(t, ValidHMAC("", []byte("body"), hex.EncodeToString(sum)), "no secret verifies nothing")
	require.False(t, ValidHMAC("s3cret", []byte("body"), ""))
}

func TestCheckWebhookAge(t *testing.T) {
	t.Parallel()
	now := time.Now()
	require.NoError(t, CheckWebhookAge(now.Add(-4*time.Minute), now))
	require.ErrorContains(t, CheckWebhookAge(now.Add(-6*time.Minute), now), "stale")
	require.ErrorContains(t, CheckWebhookAge(now.Add(6*time.Minute), now), "stale")
}
