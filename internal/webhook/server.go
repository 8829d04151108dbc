package webhook

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// NewServer wraps a handler in an HTTP server with every timeout set: a slow or stuck client cannot hold a
// connection open.
func NewServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
}

// SplitSecrets reads TAPFLOW_WEBHOOK_SECRET: one secret, or several separated by commas or spaces.
func SplitSecrets(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
}

// NewSecret makes a fresh signing secret, for the dev stack when none is configured.
func NewSecret() (string, error) {
	key := make([]byte, 24)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("generate a webhook secret: %w", err)
	}
	return "whsec_" + base64.StdEncoding.EncodeToString(key), nil
}
