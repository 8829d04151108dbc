// Package pickup holds the pickup link: the single-use token an invitation carries (only its hash is kept
// anywhere), and the page a new hire opens to reveal their pass.
package pickup

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
)

// tokenVersion leads every token, so the format can change without old links being misread.
const tokenVersion = 1

// secretBytes is the token's random part: 256 bits.
const secretBytes = 32

// employeeIDPattern is the HR contract's employee id: what a token may carry after its secret.
var employeeIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// NewToken makes a link token for an employee: a version byte, 256 random bits and the employee id (which names
// the employee's workflow; it is no secret), base64url without padding. It returns the token, for the link
// only, and its hash, which is all that is kept.
func NewToken(employeeID string, random io.Reader) (token, hash string, err error) {
	if !employeeIDPattern.MatchString(employeeID) {
		return "", "", errors.New("pickup token: the employee id is not an HR employee id")
	}
	if random == nil {
		random = rand.Reader
	}
	b := make([]byte, 1+secretBytes, 1+secretBytes+len(employeeID))
	b[0] = tokenVersion
	if _, err := io.ReadFull(random, b[1:]); err != nil {
		return "", "", fmt.Errorf("pickup token: read random bytes: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(append(b, employeeID...))
	return token, Hash(token), nil
}

// EmployeeOf reads the employee id a token names; ok is false for anything that is not a token of this format
// (a token is checked against its hash only by the employee's workflow).
func EmployeeOf(token string) (employeeID string, ok bool) {
	if len(token) > 200 {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) <= 1+secretBytes || b[0] != tokenVersion {
		return "", false
	}
	id := string(b[1+secretBytes:])
	return id, employeeIDPattern.MatchString(id)
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

// NewCode is a one-time code of six digits for the second channel, and its hash bound to the link's hash (a
// code alone, or a code for another link, matches nothing).
func NewCode(linkHash string, random io.Reader) (code, hash string, err error) {
	if random == nil {
		random = rand.Reader
	}
	b := make([]byte, 4)
	if _, err := io.ReadFull(random, b); err != nil {
		return "", "", fmt.Errorf("pickup code: read random bytes: %w", err)
	}
	n := (uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])) % 1000000
	code = fmt.Sprintf("%06d", n)
	return code, CodeHash(linkHash, code), nil
}

// CodeHash binds a code to its link: SHA-256 of the link's hash and the code, hex.
func CodeHash(linkHash, code string) string {
	sum := sha256.Sum256([]byte(linkHash + "/" + code))
	return hex.EncodeToString(sum[:])
}

// CodeMatches reports in constant time whether code is the link's.
func CodeMatches(linkHash, code, codeHash string) bool {
	return codeHash != "" && subtle.ConstantTimeCompare([]byte(CodeHash(linkHash, code)), []byte(codeHash)) == 1
}
