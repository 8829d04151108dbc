package pickup

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A token names its employee, carries 256 random bits, and is matched only through its hash.
func TestATokenNamesItsEmployeeAndMatchesItsHash(t *testing.T) {
	token, hash, err := NewToken("E1001", nil)
	require.NoError(t, err)
	id, ok := EmployeeOf(token)
	require.True(t, ok)
	require.Equal(t, "E1001", id)
	require.True(t, Matches(token, hash))
	require.NotContains(t, hash, token)

	other, otherHash, err := NewToken("E1001", nil)
	require.NoError(t, err)
	require.NotEqual(t, token, other, "256 random bits each time")
	require.False(t, Matches(token, otherHash))
	require.False(t, Matches(token, ""))

	fixed, _, err := NewToken("E1", bytes.NewReader(make([]byte, 32)))
	require.NoError(t, err)
	require.Equal(t, "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAARTE", fixed, "version, secret, employee id")
}

// Anything that is not a token of this format names no employee; a bad employee id makes no token.
func TestOnlyTokensNameAnEmployee(t *testing.T) {
	for _, bad := range []string{"", "not a token", "AQ", strings.Repeat("A", 300), "AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAARTE"} {
		_, ok := EmployeeOf(bad)
		require.False(t, ok, bad)
	}
	_, _, err := NewToken("../etc", nil)
	require.Error(t, err)
	_, _, err = NewToken("", nil)
	require.Error(t, err)
}
