// Package codec encrypts every Temporal payload tapflow writes (workflow inputs and results, activity
// arguments and results, signals, updates, queries, memos and failure messages) with AES-256-GCM. Keys have
// ids so they can rotate: the first key encrypts, every key decrypts. It also serves the codec HTTP endpoint
// the Temporal Web UI and CLI use to show decoded payloads to those allowed.
package codec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
)

// Metadata keys and the encoding name of an encrypted payload.
const (
	EncodingEncrypted = "binary/encrypted"
	MetadataKeyID     = "encryption-key-id"
	metadataEncoding  = "encoding"
)

var keyID = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,32}$`)

// Keyring holds the keys: the first one encrypts, all decrypt.
type Keyring struct {
	active string
	aeads  map[string]cipher.AEAD
}

// ParseKeys reads "id=base64key,id2=base64key2" (spaces or newlines also separate): 32-byte AES-256 keys.
// Errors name the key by its id or position, never its value.
func ParseKeys(spec string) (*Keyring, error) {
	k := &Keyring{aeads: map[string]cipher.AEAD{}}
	fields := strings.FieldsFunc(spec, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
	for i, f := range fields {
		id, b64, ok := strings.Cut(f, "=")
		if !ok || !keyID.MatchString(id) {
			// Never echo the text: a key pasted without its id would be printed.
			return nil, fmt.Errorf("encryption key %d: write it as id=base64key, the id 1-32 letters, digits, . _ - "+
				"(e.g. k1=$(openssl rand -base64 32))", i+1)
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(raw) != 32 {
			return nil, fmt.Errorf("encryption key %q: must be the base64 of exactly 32 random bytes", id)
		}
		if _, dup := k.aeads[id]; dup {
			return nil, fmt.Errorf("encryption key %q appears twice", id)
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, fmt.Errorf("encryption key %q: %w", id, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("encryption key %q: %w", id, err)
		}
		k.aeads[id] = aead
		if k.active == "" {
			k.active = id
		}
	}
	if k.active == "" {
		return nil, errors.New("no encryption key given")
	}
	return k, nil
}

// LoadKeys reads keys from the environment value, or else from a file (the same format, one per line).
func LoadKeys(spec, file string) (*Keyring, error) {
	if spec != "" && file != "" {
		return nil, errors.New("set TAPFLOW_ENCRYPTION_KEYS or TAPFLOW_ENCRYPTION_KEY_FILE, not both")
	}
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read TAPFLOW_ENCRYPTION_KEY_FILE: %w", err)
		}
		spec = string(data)
	}
	return ParseKeys(spec)
}

// Active is the id of the key that encrypts.
func (k *Keyring) Active() string { return k.active }

// Codec is the AES-256-GCM payload codec.
type Codec struct {
	keys       *Keyring
	allowPlain bool
}

// New builds the codec. It refuses to decode a payload that is not encrypted: whoever can write to the
// namespace without the key (a CLI, the Web UI) cannot slip plain events in.
func New(keys *Keyring) *Codec { return &Codec{keys: keys} }

// NewAllowingPlain builds a codec that also reads unencrypted payloads: for histories written before encryption
// was turned on (TAPFLOW_ALLOW_PLAIN_PAYLOADS) and for replaying old fixtures.
func NewAllowingPlain(keys *Keyring) *Codec { return &Codec{keys: keys, allowPlain: true} }

var _ converter.PayloadCodec = (*Codec)(nil)

// Encode encrypts each payload whole (data and metadata) under the active key; the nonce leads the ciphertext.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	aead := c.keys.aeads[c.keys.active]
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("encode payload: %w", err)
		}
		nonce := make([]byte, aead.NonceSize())
		if _, err := rand.Read(nonce); err != nil {
			return nil, fmt.Errorf("encrypt payload: %w", err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{metadataEncoding: []byte(EncodingEncrypted), MetadataKeyID: []byte(c.keys.active)},
			Data:     aead.Seal(nonce, nonce, plain, []byte(c.keys.active)),
		}
	}
	return out, nil
}

// Decode decrypts encrypted payloads with the key their metadata names and passes others through (histories
// written before encryption was turned on still read).
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[metadataEncoding]) != EncodingEncrypted {
			if !c.allowPlain {
				return nil, errors.New("refused an unencrypted payload: every payload must be encrypted with a tapflow key " +
					"(TAPFLOW_ALLOW_PLAIN_PAYLOADS=true reads ones written before encryption was on)")
			}
			out[i] = p
			continue
		}
		id := string(p.GetMetadata()[MetadataKeyID])
		aead, ok := c.keys.aeads[id]
		if !ok {
			return nil, fmt.Errorf("payload encrypted with key %q, which is not loaded: add it to TAPFLOW_ENCRYPTION_KEYS", id)
		}
		data := p.GetData()
		if len(data) < aead.NonceSize() {
			return nil, errors.New("encrypted payload too short")
		}
		plain, err := aead.Open(nil, data[:aead.NonceSize()], data[aead.NonceSize():], []byte(id))
		if err != nil {
			return nil, fmt.Errorf("decrypt payload with key %q: %w", id, err)
		}
		var decoded commonpb.Payload
		if err := proto.Unmarshal(plain, &decoded); err != nil {
			return nil, fmt.Errorf("decode decrypted payload: %w", err)
		}
		out[i] = &decoded
	}
	return out, nil
}

// DataConverter wraps the default converter with the codec.
func (c *Codec) DataConverter() converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}

// FailureConverter encodes failure messages and stack traces through the codec too.
func (c *Codec) FailureConverter() converter.FailureConverter {
	return temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
		DataConverter: c.DataConverter(), EncodeCommonAttributes: true})
}
