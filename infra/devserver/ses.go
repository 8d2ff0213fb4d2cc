package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// localSES is a minimal SES v2 endpoint: SendEmail with simple content,
// recorded into the outbox instead of sent. With SES_ENDPOINT empty the
// invites function's SES v2 client points at it, so the local stack runs
// the same client code as Lambda. It serves on a loopback port of its own
// (the stack's functions are built before the stack listens) and under
// /_local/ses/ on the stack itself.
type localSES struct {
	outbox *outbox
	srv    *http.Server
	url    string
}

// refusedDomain makes the local SES refuse a recipient, as SES refuses
// unverified recipients in its sandbox: addresses at a domain under the
// reserved .invalid top-level domain (RFC 2606), e.g. x@refused.invalid.
const refusedDomain = ".invalid"

// startLocalSES serves the endpoint on a free loopback port.
func startLocalSES(o *outbox) (*localSES, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &localSES{outbox: o, url: "http://" + ln.Addr().String()}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

func (s *localSES) close() { s.srv.Close() }

// outboxEmail is one email of GET /_local/outbox.
type outboxEmail struct {
	To      []string          `json:"to"`
	From    string            `json:"from"`
	ReplyTo []string          `json:"reply_to"`
	Subject string            `json:"subject"`
	Text    string            `json:"text"`
	HTML    string            `json:"html"`
	Headers map[string]string `json:"headers"`
}

func (o *outbox) add(e outboxEmail) {
	b, err := json.Marshal(e)
	if err != nil {
		panic("devserver: encoding an outbox email: " + err.Error())
	}
	o.mu.Lock()
	o.emails = append(o.emails, b)
	o.mu.Unlock()
}

// sendEmailInput is the part of SES v2's SendEmail request (REST-JSON)
// that the outbox keeps.
type sendEmailInput struct {
	FromEmailAddress string
	ReplyToAddresses []string
	Destination      struct {
		ToAddresses []string
	}
	Content struct {
		Simple *struct {
			Subject struct{ Data string }
			Body    struct {
				Text *struct{ Data string }
				Html *struct{ Data string }
			}
			Headers []struct{ Name, Value string }
		}
	}
}

// sesError answers like SES: the error type in X-Amzn-ErrorType, which the
// SDK turns into its typed error.
func sesError(w http.ResponseWriter, status int, errorType, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", errorType)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"message": message})
}

func (s *localSES) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/_local/ses")
	if path != "/v2/email/outbound-emails" || r.Method != http.MethodPost {
		sesError(w, http.StatusNotFound, "NotFoundException", "The local SES endpoint serves only SendEmail (POST /v2/email/outbound-emails).")
		return
	}
	var in sendEmailInput
	body, err := io.ReadAll(io.LimitReader(r.Body, 10<<20))
	if err == nil {
		err = json.Unmarshal(body, &in)
	}
	simple := in.Content.Simple
	switch {
	case err != nil:
		sesError(w, http.StatusBadRequest, "BadRequestException", "The request is not a SendEmail JSON body.")
		return
	case simple == nil:
		sesError(w, http.StatusBadRequest, "BadRequestException", "The local SES endpoint takes simple content only.")
		return
	case in.FromEmailAddress == "" || len(in.Destination.ToAddresses) == 0 || simple.Subject.Data == "":
		sesError(w, http.StatusBadRequest, "BadRequestException", "A sender, a recipient and a subject are required.")
		return
	}
	for _, to := range in.Destination.ToAddresses {
		if strings.HasSuffix(strings.ToLower(to), refusedDomain) {
			sesError(w, http.StatusBadRequest, "MessageRejected", "Email address is not verified (the local SES refuses .invalid domains).")
			return
		}
	}
	e := outboxEmail{
		To: in.Destination.ToAddresses, From: in.FromEmailAddress, ReplyTo: in.ReplyToAddresses,
		Subject: simple.Subject.Data, Headers: map[string]string{},
	}
	if e.ReplyTo == nil {
		e.ReplyTo = []string{}
	}
	if simple.Body.Text != nil {
		e.Text = simple.Body.Text.Data
	}
	if simple.Body.Html != nil {
		e.HTML = simple.Body.Html.Data
	}
	for _, h := range simple.Headers {
		e.Headers[h.Name] = h.Value
	}
	s.outbox.add(e)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"MessageId": messageID()})
}

// messageID returns an SES-like message id.
func messageID() string {
	return "local-" + requestID()
}
