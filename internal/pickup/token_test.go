package pickup

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A token names its employee, carries 256 random bits and a MAC, and is matched only through its hash.
func TestATokenNamesItsEmployeeAndMatchesItsHash(t *testing.T) {
	key := NewKey()
	token, hash, err := key.NewToken("E1001", nil)
	require.NoError(t, err)
	id, ok := key.EmployeeOf(token)
	require.True(t, ok)
	require.Equal(t, "E1001", id)
	require.True(t, Matches(token, hash))
	require.NotContains(t, hash, token)

	other, otherHash, err := key.NewToken("E1001", nil)
	require.NoError(t, err)
	require.NotEqual(t, token, other, "256 random bits each time")
	require.False(t, Matches(token, otherHash))
	require.False(t, Matches(token, ""))

	fixed, _, err := Key(bytes.Repeat([]byte{7}, 32)).NewToken("E1", bytes.NewReader(make([]byte, 32)))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(fixed, "AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAART"), "version, secret, employee id, then the MAC")
}

// Anything that is not a token this key made names no employee: a forged or altered one never reaches a journey.
func TestOnlyTokensOfThisKeyNameAnEmployee(t *testing.T) {
	key := NewKey()
	token, _, err := key.NewToken("E1001", nil)
	require.NoError(t, err)
	altered := []byte(token)
	altered[10] ^= 1
	for _, bad := range []string{"", "not a token", "AQ", strings.Repeat("A", 300), string(altered),
		"AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAARTE"} {
		_, ok := key.EmployeeOf(bad)
		require.False(t, ok, bad)
	}
	_, ok := NewKey().EmployeeOf(token)
	require.False(t, ok, "another key's token")
	_, _, err = key.NewToken("../etc", nil)
	require.Error(t, err)
	_, _, err = Key(nil).NewToken("E1001", nil)
	require.Error(t, err, "no key, no token")
}

// Codes: six digits, an HMAC bound to the link under the key; the page refuses anything else unread.
func TestCodesAreBoundToTheirLink(t *testing.T) {
	key := NewKey()
	code, err := NewCode(nil)
	require.NoError(t, err)
	require.True(t, WellFormedCode(code))
	d := key.CodeDigest("hash-1", code)
	require.True(t, DigestMatches(key.CodeDigest("hash-1", code), d))
	require.False(t, DigestMatches(key.CodeDigest("hash-2", code), d), "another link's")
	require.False(t, DigestMatches(NewKey().CodeDigest("hash-1", code), d), "another key's")
	for _, bad := range []string{"", "12345", "1234567", "12a456", "１２３４５６"} {
		require.False(t, WellFormedCode(bad), bad)
	}
	_, err = ParseKey("c2hvcnQ=")
	require.Error(t, err, "a key needs 32 bytes")
}
