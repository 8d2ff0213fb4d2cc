package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Tolerance is how far webhook-timestamp may be from now, either way.
const Tolerance = 5 * time.Minute

// maxIDLen bounds webhook-id; ids are stored as idempotency keys.
const maxIDLen = 255

// maxTimestampLen is enough digits for any int64, so longer timestamps
// are refused before parsing.
const maxTimestampLen = 19

// ErrInvalidSignature is returned for every refused delivery: missing or
// malformed headers, stale timestamps and signatures that do not match.
// Callers answer 401 invalid_signature without saying which.
var ErrInvalidSignature = errors.New("webhook: invalid signature")

// Verifier checks signatures against every configured secret, so a
// secret can be rotated by configuring the new and the old together.
type Verifier struct {
	secrets [][]byte
	now     func() time.Time
}

// ParseSecret decodes a "whsec_<base64>" secret into its key bytes.
func ParseSecret(s string) ([]byte, error) {
	b64, ok := strings.CutPrefix(strings.TrimSpace(s), "whsec_")
	if !ok {
		return nil, errors.New(`webhook: secrets look like "whsec_<base64>"`)
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(key) < 16 {
		return nil, errors.New("webhook: a secret must be whsec_ and at least 16 bytes in base64")
	}
	return key, nil
}

// NewVerifier returns a Verifier for the given whsec_ secrets. now may be
// nil for time.Now.
func NewVerifier(secrets []string, now func() time.Time) (*Verifier, error) {
	if now == nil {
		now = time.Now
	}
	v := &Verifier{now: now}
	for _, s := range secrets {
		key, err := ParseSecret(s)
		if err != nil {
			return nil, err
		}
		v.secrets = append(v.secrets, key)
	}
	if len(v.secrets) == 0 {
		return nil, errors.New("webhook: no secret configured")
	}
	return v, nil
}

// Verify checks a delivery on its raw body, before anything parses it.
func (v *Verifier) Verify(id, timestamp, signatures string, body []byte) error {
	if !validID(id) || !digits(timestamp) {
		return ErrInvalidSignature
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || ts <= 0 {
		return ErrInvalidSignature
	}
	if d := v.now().Sub(time.Unix(ts, 0)); d > Tolerance || d < -Tolerance {
		return ErrInvalidSignature
	}
	sigs := ParseSignatures(signatures)
	if len(sigs) == 0 {
		return ErrInvalidSignature
	}
	for _, key := range v.secrets {
		want := mac(key, id, timestamp, body)
		for _, sig := range sigs {
			if hmac.Equal(sig, want) {
				return nil
			}
		}
	}
	return ErrInvalidSignature
}

// validID reports whether id is 1-255 printable ASCII characters without
// spaces: '.' and ':' included, as Standard Webhooks senders make them.
func validID(id string) bool {
	if id == "" || len(id) > maxIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return false
		}
	}
	return true
}

// digits reports whether s is plain decimal digits: strconv.ParseInt
// alone also takes a sign ("+1614265330").
func digits(s string) bool {
	if s == "" || len(s) > maxTimestampLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// maxSignatures bounds the work one header can ask for.
const maxSignatures = 16

// ParseSignatures reads a webhook-signature header: space-separated
// "v1,<base64>" entries. Entries of other versions or malformed ones are
// skipped; only decodable 32-byte v1 signatures are returned.
func ParseSignatures(header string) [][]byte {
	var out [][]byte
	for _, entry := range strings.Fields(header) {
		version, b64, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" {
			continue
		}
		// Strict: a signature has one text form, so no variant of a
		// seen header passes as a different one.
		sig, err := base64.StdEncoding.Strict().DecodeString(b64)
		if err != nil || len(sig) != sha256.Size {
			continue
		}
		out = append(out, sig)
		if len(out) == maxSignatures {
			break
		}
	}
	return out
}

func mac(key []byte, id, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Sign returns the webhook-signature header value for a delivery, as a
// sender computes it.
func Sign(secret, id string, timestamp int64, body []byte) (string, error) {
	key, err := ParseSecret(secret)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("v1,%s", base64.StdEncoding.EncodeToString(mac(key, id, strconv.FormatInt(timestamp, 10), body))), nil
}
