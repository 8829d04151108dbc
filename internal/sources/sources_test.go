package sources

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/tapflow/tapflow/internal/hrvendor"
)

// fakeAdapter answers the credential check with err.
type fakeAdapter struct{ err error }

func (f fakeAdapter) Name() string                                       { return hrvendor.VendorBambooHR }
func (f fakeAdapter) Verify(http.Header, []byte, time.Time) error        { return nil }
func (f fakeAdapter) Parse([]byte, time.Time) ([]hrvendor.Notice, error) { return nil, nil }
func (f fakeAdapter) Fetch(context.Context, string) (hrvendor.Record, error) {
	return nil, nil
}
func (f fakeAdapter) CheckCredentials(context.Context) error { return f.err }

func TestAVendorSourceShowsItsCredentialCheck(t *testing.T) {
	ctx := context.Background()
	ok := Vendor(ctx, nil, "bamboohr", fakeAdapter{})
	assert.Equal(t, CredentialsOK, ok.Credentials)
	assert.True(t, ok.Healthy)
	assert.Equal(t, "POST /v1/hooks/bamboohr", ok.Endpoint)

	refused := Vendor(ctx, nil, "bamboohr", fakeAdapter{err: hrvendor.ErrCredentials})
	assert.Equal(t, CredentialsRefused, refused.Credentials)
	assert.False(t, refused.Healthy)

	down := Vendor(ctx, nil, "bamboohr", fakeAdapter{err: errors.New("connection refused")})
	assert.Equal(t, CredentialsFailed, down.Credentials)

	receiverOnly := Vendor(ctx, nil, "hibob", nil)
	assert.Equal(t, CredentialsNotChecked, receiverOnly.Credentials)

	_, on := Directory(ctx, nil, false)
	assert.False(t, on, "an unconfigured directory source is not listed")
	assert.Equal(t, "accepted 2, duplicate 1", counts(map[string]int{"duplicate": 1, "accepted": 2}))
	assert.Equal(t, "none", counts(nil))
}
