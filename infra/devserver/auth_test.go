package main

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// sign returns an HS256 token of claims signed with key.
func sign(t *testing.T, key []byte, claims jwt.MapClaims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// unsigned builds an "alg: none" token by hand: jwt refuses to make one
// unless asked with its UnsafeAllowNoneSignatureType key.
func unsigned(t *testing.T, claims jwt.MapClaims) string {
	t.Helper()
	c, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc(c) + "."
}

func TestAuthorizerRefusesBadTokens(t *testing.T) {
	ts := newTestStack(t)
	const sub = "u-refused"
	now := time.Now()
	claims := func(change func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{
			"sub": sub, "email": sub + "@example.com", "scope": "partners",
			"iss": localIssuer, "aud": localAudience, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		}
		if change != nil {
			change(c)
		}
		return c
	}
	key := ts.stack.auth.key
	otherKey := []byte("another-key-another-key-another-key")
	expired := ts.token(map[string]any{"sub": sub, "exp": now.Add(-time.Minute).Unix()})

	tests := []struct {
		name   string
		header string // Authorization; empty: none sent
	}{
		{"missing header", ""},
		{"bearer without token", "Bearer "},
		{"garbage", "Bearer not.a.jwt"},
		{"other key", "Bearer " + sign(t, otherKey, claims(nil))},
		{"alg none", "Bearer " + unsigned(t, claims(nil))},
		{"alg none with admin scope", "Bearer " + unsigned(t, claims(func(c jwt.MapClaims) { c["scope"] = "partners partners:admin" }))},
		{"expired", "Bearer " + expired},
		{"wrong audience", "Bearer " + sign(t, key, claims(func(c jwt.MapClaims) { c["aud"] = "someone-else" }))},
		{"no audience", "Bearer " + sign(t, key, claims(func(c jwt.MapClaims) { delete(c, "aud") }))},
		{"wrong issuer", "Bearer " + sign(t, key, claims(func(c jwt.MapClaims) { c["iss"] = "https://evil.example/" }))},
		{"not yet valid", "Bearer " + sign(t, key, claims(func(c jwt.MapClaims) { c["nbf"] = now.Add(10 * time.Minute).Unix() }))},
		{"issued in the future", "Bearer " + sign(t, key, claims(func(c jwt.MapClaims) { c["iat"] = now.Add(10 * time.Minute).Unix() }))},
		{"no expiry", "Bearer " + sign(t, key, claims(func(c jwt.MapClaims) { delete(c, "exp") }))},
		{"tampered claims", "Bearer " + tamper(t, sign(t, key, claims(nil)))},
	}
	routes := []struct{ method, path, body string }{
		{http.MethodGet, "/partners/me", ""},
		{http.MethodPost, "/partners", `{"code":"refused-code"}`},
		{http.MethodPatch, "/partners/me", `{"status":"suspended"}`},
	}
	for _, tt := range tests {
		for _, rt := range routes {
			t.Run(tt.name+"/"+rt.method, func(t *testing.T) {
				header := http.Header{}
				if tt.header != "" {
					header.Set("Authorization", tt.header)
				}
				wantGateway(t, ts.do(rt.method, rt.path, header, rt.body), http.StatusUnauthorized, "Unauthorized")
			})
		}
	}

	// Nothing was written: the user has no partner and the code is free.
	ts.wantNotPartner(ts.user(sub, false))
	if got, want := ts.enroll(ts.user("u-other", false), `{"code":"refused-code"}`).Code, "refused-code"; got != want {
		t.Errorf("code after refused enrollments = %q, want %q (free)", got, want)
	}
}

// tamper swaps the token's claims for ones naming an admin, keeping the
// original signature.
func tamper(t *testing.T, tok string) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	c, err := json.Marshal(jwt.MapClaims{"sub": "u-refused", "iss": localIssuer, "aud": localAudience,
		"exp": time.Now().Add(time.Hour).Unix(), "scope": "partners partners:admin"})
	if err != nil {
		t.Fatal(err)
	}
	parts[1] = base64.RawURLEncoding.EncodeToString(c)
	return strings.Join(parts, ".")
}

func TestAuthorizerAcceptsValidTokens(t *testing.T) {
	ts := newTestStack(t)
	tok := ts.user("u-valid", false)
	// API Gateway takes the token with or without the Bearer scheme.
	first := ts.do(http.MethodPost, "/partners", http.Header{"Authorization": {tok}}, "")
	if got, want := first.StatusCode, http.StatusCreated; got != want {
		t.Fatalf("POST /partners with a bare token: status %d, want %d; body %s", got, want, first.body)
	}
	var e enrolled
	decode(t, first, &e)
	tests := []struct{ name, header string }{
		{"bare", tok},
		{"Bearer", "Bearer " + tok},
		{"lower-case bearer", "bearer " + tok},
		{"extra spaces", "  Bearer   " + tok + " "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := ts.do(http.MethodGet, "/partners/me", http.Header{"Authorization": {tt.header}}, "")
			if got, want := resp.StatusCode, http.StatusOK; got != want {
				t.Fatalf("GET /partners/me: status %d, want %d; body %s", got, want, resp.body)
			}
			var p profile
			decode(t, resp, &p)
			if got, want := p.PartnerID, e.PartnerID; got != want {
				t.Errorf("partner_id = %q, want %q", got, want)
			}
		})
	}
}

func TestLocalToken(t *testing.T) {
	ts := newTestStack(t)
	tests := []struct {
		name      string
		req       map[string]any
		wantAdmin bool
	}{
		{"partner", map[string]any{"sub": "u1", "email": "a@example.com", "admin": false}, false},
		{"admin omitted", map[string]any{"sub": "u1"}, false},
		{"admin", map[string]any{"sub": "u1", "email": "a@example.com", "admin": true}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := ts.token(tt.req)
			claims := jwt.MapClaims{}
			tok, err := jwt.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return ts.stack.auth.key, nil })
			if err != nil {
				t.Fatalf("token does not verify with the local key: %v", err)
			}
			if got, want := tok.Method.Alg(), "HS256"; got != want {
				t.Errorf("alg = %q, want %q", got, want)
			}
			if got, want := claims["sub"], "u1"; got != want {
				t.Errorf("sub = %v, want %q", got, want)
			}
			scope, _ := claims["scope"].(string)
			if got, want := slices.Contains(strings.Fields(scope), "partners:admin"), tt.wantAdmin; got != want {
				t.Errorf("scope %q has partners:admin = %v, want %v", scope, got, want)
			}
			exp, err := claims.GetExpirationTime()
			if err != nil || exp == nil {
				t.Fatalf("exp = %v (%v), want one hour ahead", exp, err)
			}
			if d := time.Until(exp.Time); d < 59*time.Minute || d > 61*time.Minute {
				t.Errorf("exp in %v, want one hour", d)
			}
		})
	}

	t.Run("exp", func(t *testing.T) {
		want := time.Now().Add(10 * time.Minute).Unix()
		claims := jwt.MapClaims{}
		if _, err := jwt.ParseWithClaims(ts.token(map[string]any{"sub": "u1", "exp": want}), claims,
			func(*jwt.Token) (any, error) { return ts.stack.auth.key, nil }); err != nil {
			t.Fatal(err)
		}
		if got := claims["exp"]; got != float64(want) {
			t.Errorf("exp = %v, want %d", got, want)
		}
	})

	bad := []struct{ name, body string }{
		{"missing sub", `{"email":"a@example.com","admin":true}`},
		{"blank sub", `{"sub":"  "}`},
		{"empty body", ``},
		{"not JSON", `sub=u1`},
		{"unknown field", `{"sub":"u1","role":"admin"}`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, ts.do(http.MethodPost, "/_local/token", nil, tt.body), http.StatusBadRequest, "invalid_request")
		})
	}
}
