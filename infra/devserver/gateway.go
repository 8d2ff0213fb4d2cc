package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"partnerkit/shared/requestlog"
	"partnerkit/shared/samtemplate"
)

// maxGatewayBody is API Gateway's own payload limit; the handlers refuse
// far smaller bodies themselves.
const maxGatewayBody = 10 << 20

// match finds the route for method and the escaped path; {name} segments
// capture one segment each, {name+} the rest of the path. Segments are
// split before they are decoded, as API Gateway does, so an encoded slash
// (%2F) stays inside its parameter: a customer id may hold one.
func match(routes []samtemplate.Route, method, path string) (samtemplate.Route, map[string]string, bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i, seg := range segs {
		dec, err := url.PathUnescape(seg)
		if err != nil {
			return samtemplate.Route{}, nil, false
		}
		segs[i] = dec
	}
	for _, r := range routes {
		if r.Method != method && r.Method != "ANY" {
			continue
		}
		pat := strings.Split(strings.Trim(r.Path, "/"), "/")
		params := map[string]string{}
		ok := true
		for i, p := range pat {
			if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "+}") {
				if i >= len(segs) {
					ok = false
					break
				}
				params[p[1:len(p)-2]] = strings.Join(segs[i:], "/")
				segs = segs[:i+1]
				pat = pat[:i+1]
				break
			}
			if i >= len(segs) {
				ok = false
				break
			}
			if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
				if segs[i] == "" {
					ok = false
					break
				}
				params[p[1:len(p)-1]] = segs[i]
				continue
			}
			if p != segs[i] {
				ok = false
				break
			}
		}
		if ok && len(pat) == len(segs) {
			return r, params, true
		}
	}
	return samtemplate.Route{}, nil, false
}

// toEvent builds the HTTP API payload format 2.0 event API Gateway would
// send for r, with id as its request id.
func toEvent(r *http.Request, id string, route samtemplate.Route, params map[string]string, claims *jwtClaims, body []byte) events.APIGatewayV2HTTPRequest {
	now := time.Now()
	ev := events.APIGatewayV2HTTPRequest{
		Version:        "2.0",
		RouteKey:       route.Method + " " + route.Path,
		RawPath:        r.URL.EscapedPath(),
		RawQueryString: r.URL.RawQuery,
		Headers:        map[string]string{},
		PathParameters: params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			AccountID:  "000000000000",
			APIID:      "local",
			DomainName: r.Host,
			RequestID:  id,
			RouteKey:   route.Method + " " + route.Path,
			Stage:      "$default",
			Time:       now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:  now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: r.Method, Path: r.URL.Path, Protocol: r.Proto, SourceIP: sourceIP(r), UserAgent: r.UserAgent(),
			},
		},
	}
	for name, values := range r.Header {
		lower := strings.ToLower(name)
		if lower == "cookie" {
			for _, v := range values {
				for _, c := range strings.Split(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						ev.Cookies = append(ev.Cookies, c)
					}
				}
			}
			continue
		}
		ev.Headers[lower] = strings.Join(values, ",")
	}
	ev.Headers["host"] = r.Host
	if q := r.URL.Query(); len(q) > 0 {
		ev.QueryStringParameters = map[string]string{}
		for k, v := range q {
			ev.QueryStringParameters[k] = strings.Join(v, ",")
		}
	}
	if len(body) > 0 {
		if utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	if claims != nil {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims.flat, Scopes: claims.scopes},
		}
	}
	return ev
}

func (s *stack) invokeRoute(w http.ResponseWriter, g gatewayRequest, params map[string]string, claims *jwtClaims) {
	r := g.r
	body, err := io.ReadAll(io.LimitReader(r.Body, maxGatewayBody+1))
	if err != nil {
		s.refuse(w, g, http.StatusBadRequest, "Bad Request")
		return
	}
	if len(body) > maxGatewayBody {
		s.refuse(w, g, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return
	}
	payload, err := json.Marshal(toEvent(r, g.id, g.route, params, claims, body))
	if err != nil {
		s.refuse(w, g, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	// The function's wrapper logs the request from here on, failures
	// included.
	out, err := s.handlers[g.route.Function].Invoke(r.Context(), payload)
	if err != nil {
		s.log.Error("function failed", "function", g.route.Function, "error", err.Error())
		w.Header().Set(requestlog.Header, g.id)
		gatewayError(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode == 0 {
		s.log.Error("function returned no HTTP response", "function", g.route.Function)
		w.Header().Set(requestlog.Header, g.id)
		gatewayError(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	writeResponse(w, resp)
}

func writeResponse(w http.ResponseWriter, resp events.APIGatewayV2HTTPResponse) {
	h := w.Header()
	for k, v := range resp.Headers {
		h.Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if b, err := base64.StdEncoding.DecodeString(resp.Body); err == nil {
			body = b
		}
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(body)
}

// gatewayError answers like API Gateway itself, before any function runs.
func gatewayError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"message": message})
}

func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func requestID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(errors.New("devserver: crypto/rand failed"))
	}
	return hex.EncodeToString(b[:])
}
