package main

import (
	"encoding/json"
	"html/template"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"time"

	"partnerkit/shared/httpapi"
)

// outbox keeps the emails the local stack "sent".
type outbox struct {
	mu     sync.Mutex
	emails []json.RawMessage
}

func (o *outbox) list() []json.RawMessage {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]json.RawMessage{}, o.emails...)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, err *httpapi.Error) {
	writeJSON(w, httpapi.Status(err.Code), map[string]any{"error": map[string]string{"code": err.Code, "message": err.Message}})
}

func (s *stack) serveLocal(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/_local")
	switch {
	case path == "/token" && r.Method == http.MethodPost:
		s.token(w, r)
	case strings.HasPrefix(path, "/invoke/") && r.Method == http.MethodPost:
		s.invoke(w, r, strings.TrimPrefix(path, "/invoke/"))
	case strings.HasPrefix(path, "/ses/") && s.ses != nil:
		s.ses.ServeHTTP(w, r)
	case path == "/outbox" && r.Method == http.MethodGet:
		emails := s.outbox.list()
		writeJSON(w, http.StatusOK, map[string]any{"emails": emails})
	case path == "/landing" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		landing(w, r)
	default:
		writeError(w, httpapi.Errorf(httpapi.CodeNotFound, "No such local route."))
	}
}

func (s *stack) token(w http.ResponseWriter, r *http.Request) {
	var req tokenRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, httpapi.MaxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, httpapi.Errorf(httpapi.CodeInvalidRequest, `Send {"sub":"u1","email":"a@example.com","admin":false}.`))
		return
	}
	tok, err := s.auth.issue(req, time.Now())
	if err != nil {
		if e, ok := err.(*httpapi.Error); ok {
			writeError(w, e)
			return
		}
		writeError(w, httpapi.Errorf(httpapi.CodeInternal, "Could not sign the token."))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"token": tok})
}

// invoke runs a function with a JSON event, answering like Lambda's Invoke
// API: a function error is a 200 with X-Amz-Function-Error.
func (s *stack) invoke(w http.ResponseWriter, r *http.Request, id string) {
	h, ok := s.handlers[id]
	if !ok {
		writeError(w, httpapi.Errorf(httpapi.CodeNotFound, "No function %q in the template.", id))
		return
	}
	payload, err := io.ReadAll(io.LimitReader(r.Body, 6<<20))
	if err != nil || !json.Valid(payload) {
		writeError(w, httpapi.Errorf(httpapi.CodeInvalidRequest, "The event must be JSON."))
		return
	}
	out, err := h.Invoke(r.Context(), payload)
	if err != nil {
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		writeJSON(w, http.StatusOK, map[string]string{"errorMessage": err.Error(), "errorType": errorType(err)})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(out)
}

// errorType names an error's type as Lambda does: without package or pointer.
func errorType(err error) string {
	t := reflect.TypeOf(err)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

var landingPage = template.Must(template.New("landing").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>partnerkit local landing page</title></head>
<body>
<h1>Local landing page</h1>
<p>This stands in for your SaaS's landing page (LANDING_URL).</p>
{{if .}}<p>Visitor id from the referral link: <code id="pk_vid">{{.}}</code>. Your signup form passes it on as <code>visitor_id</code>.</p>
{{else}}<p>No <code>pk_vid</code> in the URL: this visit was not counted (bot, prefetch, HEAD, unknown or suspended code).</p>{{end}}
</body></html>
`))

func landing(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	landingPage.Execute(w, r.URL.Query().Get("pk_vid"))
}
