// Package pickup holds the pickup link: the single-use token an invitation carries (only its hash is kept
// anywhere), and the page a new hire opens to reveal their pass.
package pickup

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"strings"
)

// tokenVersion leads every token, so the format can change without old links being misread.
const tokenVersion = 2

// secretBytes is the token's random part: 256 bits; tagBytes its MAC's.
const (
	secretBytes = 32
	tagBytes    = 16
)

// employeeIDPattern is the HR contract's employee id: what a token may carry after its secret.
var employeeIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// NewToken makes a link token for an employee: a version byte, 256 random bits, the employee id (which names
// the employee's workflow; it is no secret) and a MAC under the key, base64url without padding. It returns the
// token, for the link only, and its hash, which is all that is kept. The MAC lets the page refuse a forged token
// before it asks any journey.
func (k Key) NewToken(employeeID string, random io.Reader) (token, hash string, err error) {
	if len(k) == 0 {
		return "", "", errors.New("pickup token: no pickup key (TAPFLOW_PICKUP_KEY)")
	}
	if !employeeIDPattern.MatchString(employeeID) {
		return "", "", errors.New("pickup token: the employee id is not an HR employee id")
	}
	if random == nil {
		random = rand.Reader
	}
	b := make([]byte, 1+secretBytes, 1+secretBytes+len(employeeID)+tagBytes)
	b[0] = tokenVersion
	if _, err := io.ReadFull(random, b[1:]); err != nil {
		return "", "", fmt.Errorf("pickup token: read random bytes: %w", err)
	}
	b = append(b, employeeID...)
	b = append(b, k.tag(b)...)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, Hash(token), nil
}

// EmployeeOf reads the employee id a token names; ok is false for anything that is not a token this key made
// (a token is checked against its hash only by the employee's workflow).
func (k Key) EmployeeOf(token string) (employeeID string, ok bool) {
	if len(token) > 200 || len(k) == 0 {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) <= 1+secretBytes+tagBytes || b[0] != tokenVersion {
		return "", false
	}
	body, tag := b[:len(b)-tagBytes], b[len(b)-tagBytes:]
	if !hmac.Equal(tag, k.tag(body)) {
		return "", false
	}
	id := string(body[1+secretBytes:])
	return id, employeeIDPattern.MatchString(id)
}

// tag is a token's MAC.
func (k Key) tag(b []byte) []byte {
	m := hmac.New(sha256.New, k)
	m.Write([]byte("tapflow pickup token/"))
	m.Write(b)
	return m.Sum(nil)[:tagBytes]
}

// Hash is the token's SHA-256, hex: what the journey keeps, and what a request is matched against.
func Hash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Matches reports in constant time whether token hashes to hash.
func Matches(token, hash string) bool {
	return hash != "" && subtle.ConstantTimeCompare([]byte(Hash(token)), []byte(hash)) == 1
}

// MaxWrongCodes is how many wrong codes burn a link.
const MaxWrongCodes = 5

// NewCode is a one-time code of six digits for the second channel, uniformly drawn.
func NewCode(random io.Reader) (string, error) {
	if random == nil {
		random = rand.Reader
	}
	n, err := rand.Int(random, big.NewInt(1000000))
	if err != nil {
		return "", fmt.Errorf("pickup code: read random bytes: %w", err)
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// Key binds codes to links: a secret the workers (which send codes) and the page (which checks them) share
// (TAPFLOW_PICKUP_KEY). What the journey keeps, and what a reveal sends, is an HMAC under it, so neither the
// history nor a brute force of the six digits gives the code away.
type Key []byte

// ParseKey reads a key: base64 of at least 32 bytes.
func ParseKey(s string) (Key, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) < 32 {
		return nil, errors.New("TAPFLOW_PICKUP_KEY: base64 of at least 32 random bytes (openssl rand -base64 32)")
	}
	return Key(b), nil
}

// NewKey makes a random key (the dev stack's, shared in one process).
func NewKey() Key {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return Key(b)
}

// CodeDigest is the HMAC of a link's hash and a code under the key, hex ("" for an empty code or key).
func (k Key) CodeDigest(linkHash, code string) string {
	if len(k) == 0 || code == "" {
		return ""
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte(linkHash + "/" + code))
	return hex.EncodeToString(m.Sum(nil))
}

// DigestMatches reports in constant time whether a reveal's code digest is the link's.
func DigestMatches(digest, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(digest), []byte(want)) == 1
}

// WellFormedCode says a typed code has the code's shape (six digits): anything else is refused by the page
// without counting as a try.
func WellFormedCode(code string) bool {
	if len(code) != 6 {
		return false
	}
	for _, r := range code {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
