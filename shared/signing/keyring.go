package signing

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync"
	"unicode/utf8"
)

// Key is one signing key and the id that names it in a token.
type Key struct {
	ID     string
	Secret []byte
	// macs keeps keyed HMAC states for reuse: keying one costs two hash
	// blocks and several allocations, on the redirect's hot path.
	macs *sync.Pool
}

// macState is a keyed HMAC with scratch space for its input and output.
type macState struct {
	h   hash.Hash
	in  []byte
	sum []byte
}

// Keyring holds the keys that verify tokens; the first one signs.
type Keyring struct {
	keys []Key
}

// ParseKeyring reads a comma list of "kid:secret" entries. A bare secret
// stands for kid "0". Key ids are 1–16 characters of [A-Za-z0-9_-]; secrets
// must be at least 16 characters, so a typo cannot leave a guessable key.
func ParseKeyring(s string) (*Keyring, error) {
	var kr Keyring
	seen := map[string]bool{}
	for _, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		id, secret, found := strings.Cut(entry, ":")
		if !found {
			id, secret = "0", entry
		}
		if !validKeyID(id) {
			return nil, fmt.Errorf("signing: key id %q must be 1-16 characters of A-Z a-z 0-9 _ -", id)
		}
		if utf8.RuneCountInString(secret) < 16 {
			return nil, fmt.Errorf("signing: secret of key %q is shorter than 16 characters", id)
		}
		if seen[id] {
			return nil, fmt.Errorf("signing: key id %q appears twice", id)
		}
		seen[id] = true
		key := []byte(secret)
		kr.keys = append(kr.keys, Key{ID: id, Secret: key, macs: &sync.Pool{New: func() any {
			return &macState{h: hmac.New(sha256.New, key), in: make([]byte, 0, 256), sum: make([]byte, 0, sha256.Size)}
		}}})
	}
	if len(kr.keys) == 0 {
		return nil, errors.New("signing: no key given")
	}
	return &kr, nil
}

func validKeyID(id string) bool {
	if len(id) == 0 || len(id) > 16 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func (kr *Keyring) key(id string) *Key {
	for i := range kr.keys {
		if kr.keys[i].ID == id {
			return &kr.keys[i]
		}
	}
	return nil
}

// mac hands f the HMAC of a token's signed text under k; the slice is only
// valid during the call.
func (k *Key) mac(purpose, payload string, f func(sum []byte)) {
	m := k.macs.Get().(*macState)
	m.h.Reset()
	// The purpose is part of what is signed, so a token made for one use
	// (an unsubscribe link, say) never verifies as another (a cookie).
	m.in = append(append(append(append(append(m.in[:0], purpose...), 0), k.ID...), '.'), payload...)
	m.h.Write(m.in)
	m.sum = m.h.Sum(m.sum[:0])
	f(m.sum)
	k.macs.Put(m)
}

// macBytes is mac for a payload held as bytes.
func (k *Key) macBytes(purpose string, payload []byte, f func(sum []byte)) {
	m := k.macs.Get().(*macState)
	m.h.Reset()
	m.in = append(append(append(append(append(m.in[:0], purpose...), 0), k.ID...), '.'), payload...)
	m.h.Write(m.in)
	m.sum = m.h.Sum(m.sum[:0])
	f(m.sum)
	k.macs.Put(m)
}

// Strict: a signature has exactly one text form, so no two tokens verify alike.
var b64 = base64.RawURLEncoding.Strict()

// Seal returns "kid.payload.signature" for a payload of URL-safe characters
// without dots (callers pass base64url text). It is safe for concurrent use.
func (kr *Keyring) Seal(purpose, payload string) string {
	k := &kr.keys[0]
	var sig [sha256.Size]byte
	k.mac(purpose, payload, func(sum []byte) { copy(sig[:], sum) })
	return k.ID + "." + payload + "." + b64.EncodeToString(sig[:])
}

// AppendSeal appends what Seal returns for payload to dst, allocating
// nothing when dst has room: the redirect seals a cookie per click.
func (kr *Keyring) AppendSeal(dst []byte, purpose string, payload []byte) []byte {
	k := &kr.keys[0]
	var sig [sha256.Size]byte
	k.macBytes(purpose, payload, func(sum []byte) { copy(sig[:], sum) })
	dst = append(append(append(append(dst, k.ID...), '.'), payload...), '.')
	return b64.AppendEncode(dst, sig[:])
}

// Open verifies a token made by Seal for the same purpose under any key of
// the ring and returns its payload. Tokens signed with an unknown key id,
// tampered or malformed are refused (ok false).
func (kr *Keyring) Open(purpose, token string) (payload string, ok bool) {
	kid, rest, found := strings.Cut(token, ".")
	if !found {
		return "", false
	}
	payload, sigText, found := strings.Cut(rest, ".")
	if !found || strings.IndexByte(sigText, '.') >= 0 {
		return "", false
	}
	k := kr.key(kid)
	if k == nil {
		return "", false
	}
	var sig [sha256.Size]byte
	if b64.DecodedLen(len(sigText)) != len(sig) {
		return "", false
	}
	if n, err := b64.Decode(sig[:], []byte(sigText)); err != nil || n != len(sig) {
		return "", false
	}
	k.mac(purpose, payload, func(sum []byte) { ok = hmac.Equal(sig[:], sum) })
	if !ok {
		return "", false
	}
	return payload, true
}
