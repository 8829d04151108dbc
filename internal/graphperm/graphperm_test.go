package graphperm

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLookupMatchesParametersAndMethods(t *testing.T) {
	c, ok := Lookup("POST", []string{"users", "ada@contoso.example", "authentication", "temporaryAccessPassMethods"})
	require.True(t, ok)
	require.Equal(t, "issue a TAP", c.Feature)
	require.True(t, c.Write)
	c, ok = Lookup("PATCH", []string{"users", "u1"})
	require.True(t, ok)
	require.Equal(t, "disable a leaver's account", c.Feature)
	c, ok = Lookup("GET", []string{"users", "u1"})
	require.True(t, ok)
	require.Equal(t, "read the user", c.Feature)
	_, ok = Lookup("GET", []string{"groups", "g1"})
	require.False(t, ok)
}

func TestAllows(t *testing.T) {
	c, _ := Lookup("POST", []string{"users", "u", "sendMail"})
	require.False(t, c.Allows([]string{"User.Read.All"}))
	require.True(t, c.Allows([]string{"User.Read.All", "mail.send"}), "permission names compare case-insensitively")
	require.Contains(t, All(), "UserAuthMethod-TAP.ReadWrite.All")
}
