package partners

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strconv"

	"github.com/aws/aws-lambda-go/events"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/httpapi"
)

// List routes page their answers (contract section 2).
const (
	defaultLimit = 100
	maxLimit     = 1000
)

// cursorJSON is what an opaque cursor carries: a position in a listing.
type cursorJSON struct {
	Part  int    `json:"p"`
	After string `json:"a,omitempty"`
}

// limitParam reads limit: 1–1000, default 100; anything else is a 400.
func limitParam(req *events.APIGatewayV2HTTPRequest) (int, error) {
	v, ok := req.QueryStringParameters["limit"]
	if !ok {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxLimit {
		return 0, httpapi.Errorf(httpapi.CodeInvalidRequest, "limit must be an integer from 1 to %d.", maxLimit)
	}
	return n, nil
}

// pageParams reads limit and a cursor of a multi-partition listing;
// either one malformed is a 400.
func pageParams(req *events.APIGatewayV2HTTPRequest) (dynamo.Cursor, int, error) {
	limit, err := limitParam(req)
	if err != nil {
		return dynamo.Cursor{}, 0, err
	}
	v, ok := req.QueryStringParameters["cursor"]
	if !ok {
		return dynamo.Cursor{}, limit, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(v)
	// Strict: another list's cursor (other fields, or none) is as
	// malformed as garbage, never a silent restart from the first page.
	var c struct {
		Part  *int   `json:"p"`
		After string `json:"a"`
	}
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		err = dec.Decode(&c)
	}
	if err != nil || c.Part == nil || *c.Part < 0 || v == "" {
		return dynamo.Cursor{}, 0, httpapi.Errorf(httpapi.CodeInvalidRequest, "cursor is malformed: pass the next_cursor of the previous page as it is.")
	}
	return dynamo.Cursor{Part: *c.Part, After: c.After}, limit, nil
}

// encodeCursor makes a next page's opaque cursor; nil ends the listing.
func encodeCursor(c *dynamo.Cursor) string {
	if c == nil {
		return ""
	}
	b, _ := json.Marshal(cursorJSON{Part: c.Part, After: c.After})
	return base64.RawURLEncoding.EncodeToString(b)
}

// nextLink is the URL of the next page for a Link header: the request's
// path and query with the cursor replaced.
func nextLink(req *events.APIGatewayV2HTTPRequest, cursor string) string {
	q := url.Values{}
	for k, v := range req.QueryStringParameters {
		if k != "cursor" {
			q.Set(k, v)
		}
	}
	q.Set("cursor", cursor)
	path := req.RawPath
	if path == "" {
		path = "/payouts"
	}
	return path + "?" + q.Encode()
}
