package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// AdminScope is the JWT scope that makes a caller an admin.
const AdminScope = "partners:admin"

// Caller is who made an authenticated request, from the claims API
// Gateway's JWT authorizer checked.
type Caller struct {
	Subject string
	Email   string
	Admin   bool
}

// CallerOf reads the JWT claims of req. The authorizer has already refused
// requests without a valid token, so a missing subject means the route was
// wired without it: that is answered as forbidden rather than trusted.
func CallerOf(req *events.APIGatewayV2HTTPRequest) (Caller, error) {
	auth := req.RequestContext.Authorizer
	if auth == nil || auth.JWT == nil || auth.JWT.Claims["sub"] == "" {
		return Caller{}, Errorf(CodeForbidden, "The request carries no authenticated caller.")
	}
	claims := auth.JWT.Claims
	c := Caller{Subject: claims["sub"], Email: strings.ToLower(strings.TrimSpace(claims["email"]))}
	for _, s := range strings.Fields(claims["scope"]) {
		if s == AdminScope {
			c.Admin = true
		}
	}
	for _, s := range auth.JWT.Scopes {
		if s == AdminScope {
			c.Admin = true
		}
	}
	return c, nil
}

// Body returns the raw request body, decoding base64 when API Gateway
// encoded it, and refuses bodies over MaxBody before decoding them.
func Body(req *events.APIGatewayV2HTTPRequest) ([]byte, error) {
	if len(req.Body) > base64.StdEncoding.EncodedLen(MaxBody) || (!req.IsBase64Encoded && len(req.Body) > MaxBody) {
		return nil, tooLarge()
	}
	if !req.IsBase64Encoded {
		return []byte(req.Body), nil
	}
	raw, err := base64.StdEncoding.DecodeString(req.Body)
	if err != nil {
		return nil, Errorf(CodeInvalidRequest, "The request body is not valid base64.")
	}
	if len(raw) > MaxBody {
		return nil, tooLarge()
	}
	return raw, nil
}

func tooLarge() error {
	return Errorf(CodePayloadTooLarge, "The request body is larger than 64 KiB.")
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// jsonProblem describes a decoding error without echoing the body.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return "malformed JSON"
	case errors.As(err, &typ) && typ.Field == "":
		// DecodeBody refuses bodies that are not objects before decoding.
		return "the body must be a JSON object"
	case errors.As(err, &typ) && wholeNumber(typ):
		// 2000.0, 1e3 or a number past the field's range.
		return "field " + typ.Field + " must be a whole number within range"
	case errors.As(err, &typ):
		return "field " + typ.Field + " has the wrong type (" + jsonKind(typ.Value) + ")"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return strings.TrimPrefix(err.Error(), "json: ")
	default:
		return "malformed JSON"
	}
}

// jsonKind names a JSON value's kind as json.UnmarshalTypeError.Value
// gives it ("number", "string", "array"...), with its article.
// wholeNumber reports a number given for an integer field that is not
// one it can hold.
func wholeNumber(typ *json.UnmarshalTypeError) bool {
	if typ.Type == nil || !strings.HasPrefix(typ.Value, "number") {
		return false
	}
	switch typ.Type.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

func jsonKind(v string) string {
	if strings.HasPrefix(v, "number") {
		// Value may be "number 1.5" when the number does not fit.
		return "a number"
	}
	switch v {
	case "array", "object":
		return "an " + v
	}
	return "a " + v
}
