package requestlog

import "encoding/json"

// The wrapper reads a few members of events and responses that are often
// kilobytes long. Decoding them with encoding/json would cost more than
// the redirect itself, so these helpers walk the JSON once, skipping what
// they do not need, and allocate nothing.

// member returns the raw value of key in the JSON object obj and its
// offsets, or ok false when obj is not an object or lacks key. Keys are
// compared as written: the members read here are never escaped.
func member(obj []byte, key string) (raw []byte, start, end int, ok bool) {
	i := space(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return nil, 0, 0, false
	}
	i++
	for {
		i = space(obj, i)
		if i >= len(obj) || obj[i] != '"' {
			return nil, 0, 0, false
		}
		kEnd := skipString(obj, i)
		if kEnd < 0 {
			return nil, 0, 0, false
		}
		name := obj[i+1 : kEnd-1]
		i = space(obj, kEnd)
		if i >= len(obj) || obj[i] != ':' {
			return nil, 0, 0, false
		}
		i = space(obj, i+1)
		vEnd := skipValue(obj, i)
		if vEnd < 0 {
			return nil, 0, 0, false
		}
		if string(name) == key {
			return obj[i:vEnd], i, vEnd, true
		}
		i = space(obj, vEnd)
		if i >= len(obj) || obj[i] != ',' {
			return nil, 0, 0, false
		}
		i++
	}
}

// path follows keys through nested objects.
func path(obj []byte, keys ...string) []byte {
	for _, k := range keys {
		var ok bool
		if obj, _, _, ok = member(obj, k); !ok {
			return nil
		}
	}
	return obj
}

// text returns the string a raw JSON string value holds, or "" for any
// other value.
func text(raw []byte) string {
	if len(raw) < 2 || raw[0] != '"' {
		return ""
	}
	plain := true
	for _, c := range raw[1 : len(raw)-1] {
		if c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

func space(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the offset after the string starting at b[i], or -1.
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// skipValue returns the offset after the value starting at b[i], or -1.
// Numbers and literals are taken as far as the next delimiter: the input
// comes from encoding/json on both sides and is valid.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				if i = skipString(b, i); i < 0 {
					return -1
				}
				i--
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return -1
	default:
		for ; i < len(b); i++ {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i
			}
		}
		return i
	}
}
