package main

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"partnerkit/shared/httpapi"
)

// Local JWTs name this issuer and audience; the template's authorizer
// takes the real ones as parameters.
const (
	localIssuer   = "partnerkit-local"
	localAudience = "partnerkit"
)

// authorizer issues and checks local JWTs the way API Gateway's JWT
// authorizer checks real ones: signature, algorithm, issuer, audience and
// expiry, before any function runs.
type authorizer struct {
	key []byte
}

// jwtClaims are a checked token's claims as API Gateway hands them to a
// function: every claim flattened to a string, scopes split.
type jwtClaims struct {
	flat   map[string]string
	scopes []string
}

func newAuthorizer() (*authorizer, error) {
	// A fresh key per start: local tokens never outlive the local stack.
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	return &authorizer{key: key}, nil
}

type tokenRequest struct {
	Sub   string `json:"sub"`
	Email string `json:"email"`
	Admin bool   `json:"admin"`
	Exp   *int64 `json:"exp"`
}

// issue signs an HS256 token for a token request.
func (a *authorizer) issue(req tokenRequest, now time.Time) (string, error) {
	if strings.TrimSpace(req.Sub) == "" {
		return "", httpapi.Errorf(httpapi.CodeInvalidRequest, "sub is required.")
	}
	exp := now.Add(time.Hour).Unix()
	if req.Exp != nil {
		exp = *req.Exp
	}
	scope := "partners"
	if req.Admin {
		scope += " " + httpapi.AdminScope
	}
	claims := jwt.MapClaims{
		"sub": req.Sub, "iss": localIssuer, "aud": localAudience,
		"iat": now.Unix(), "exp": exp, "scope": scope,
	}
	if req.Email != "" {
		claims["email"] = req.Email
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(a.key)
}

// check verifies an Authorization header value ("Bearer <jwt>" or the bare
// token, as API Gateway accepts both).
func (a *authorizer) check(header string) (*jwtClaims, error) {
	raw := strings.TrimSpace(header)
	if len(raw) > 7 && strings.EqualFold(raw[:7], "bearer ") {
		raw = strings.TrimSpace(raw[7:])
	}
	if raw == "" {
		return nil, errors.New("no token")
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return a.key, nil },
		jwt.WithValidMethods([]string{"HS256", "HS384", "HS512"}),
		jwt.WithIssuer(localIssuer),
		jwt.WithAudience(localAudience),
		jwt.WithExpirationRequired(),
		// API Gateway refuses tokens issued in the future; jwt checks iat
		// only when asked.
		jwt.WithIssuedAt(),
	)
	if err != nil {
		return nil, err
	}
	out := &jwtClaims{flat: map[string]string{}}
	for k, v := range claims {
		out.flat[k] = flatten(v)
	}
	out.scopes = strings.Fields(out.flat["scope"])
	return out, nil
}

// flatten renders a claim the way API Gateway passes claims: strings as
// they are, numbers in decimal, anything else as JSON.
func flatten(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(t)
	default:
		b, err := json.Marshal(t)
		if err != nil {
			return fmt.Sprint(t)
		}
		return string(b)
	}
}
