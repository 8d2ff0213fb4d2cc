package email

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"partnerkit/shared/email/sestest"
)

func testMessage(to string) Message {
	return Message{
		From:    "partners@example.com",
		To:      []string{to},
		ReplyTo: []string{"jane@example.com"},
		Subject: "Jane sent you an invitation — ünïcode",
		Text:    "Hello,\nplain part.",
		HTML:    "<p>Hello, <b>HTML</b> part.</p>",
		Headers: []Header{
			{Name: "List-Unsubscribe", Value: "<https://go.example.com/u/tok>"},
			{Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click"},
		},
	}
}

// TestSendThroughSES sends through the real SDK to aws-ses-v2-local and
// reads back what it captured.
func TestSendThroughSES(t *testing.T) {
	endpoint := sestest.Endpoint(t)
	to := sestest.Recipient("adapter")
	m := testMessage(to)
	id, err := NewSES(sestest.Client(endpoint), "partnerkit-test").Send(context.Background(), m)
	if err != nil || id == "" {
		t.Fatalf("Send = %q, %v; want a message id", id, err)
	}
	got := sestest.SentTo(t, endpoint, to)
	if len(got) != 1 {
		t.Fatalf("captured %d emails to %s, want 1", len(got), to)
	}
	c := got[0]
	if c.MessageID != id || c.From != m.From || len(c.ReplyTo) != 1 || c.ReplyTo[0] != "jane@example.com" {
		t.Errorf("captured id %q from %q reply-to %v; want %q from %q reply-to jane@example.com", c.MessageID, c.From, c.ReplyTo, id, m.From)
	}
	if c.Subject != m.Subject || c.Body.Text != m.Text || c.Body.HTML != m.HTML {
		t.Errorf("captured subject %q text %q html %q; want the message's", c.Subject, c.Body.Text, c.Body.HTML)
	}
	for _, h := range m.Headers {
		if got := c.Header(h.Name); got != h.Value {
			t.Errorf("header %s = %q, want %q", h.Name, got, h.Value)
		}
	}
}

// TestSendRefused: an endpoint that refuses the call is an error, never a
// message id.
func TestSendRefused(t *testing.T) {
	endpoint := sestest.Endpoint(t)
	ses := NewSES(sestest.Client(endpoint+"/no-such-api"), "")
	if id, err := ses.Send(context.Background(), testMessage(sestest.Recipient("refused"))); err == nil {
		t.Errorf("Send to a refusing endpoint = %q, nil; want an error", id)
	}
}

type recordingAPI struct{ in *sesv2.SendEmailInput }

func (r *recordingAPI) SendEmail(_ context.Context, in *sesv2.SendEmailInput, _ ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	r.in = in
	return &sesv2.SendEmailOutput{MessageId: aws.String("m-1")}, nil
}

func TestConfigurationSet(t *testing.T) {
	for _, set := range []string{"", "invites"} {
		api := &recordingAPI{}
		if _, err := NewSES(api, set).Send(context.Background(), testMessage("bob@example.com")); err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(api.in.ConfigurationSetName); got != set {
			t.Errorf("ConfigurationSetName = %q, want %q", got, set)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(m *Message)
	}{
		{"no sender", func(m *Message) { m.From = "" }},
		{"no recipient", func(m *Message) { m.To = nil }},
		{"CRLF in recipient", func(m *Message) { m.To = []string{"a@example.com\r\nBcc: x@example.com"} }},
		{"comma in recipient", func(m *Message) { m.To = []string{"a@example.com,b@example.com"} }},
		{"display name in reply-to", func(m *Message) { m.ReplyTo = []string{"Jane <jane@example.com>"} }},
		{"line break in subject", func(m *Message) { m.Subject = "hi\nBcc: x@example.com" }},
		{"empty subject", func(m *Message) { m.Subject = "" }},
		{"no body", func(m *Message) { m.Text, m.HTML = "", "" }},
		{"colon in header name", func(m *Message) { m.Headers = []Header{{Name: "X:Y", Value: "v"}} }},
		{"line break in header value", func(m *Message) { m.Headers = []Header{{Name: "X-Y", Value: "v\r\nBcc: x@example.com"}} }},
		{"non-ASCII header value", func(m *Message) { m.Headers = []Header{{Name: "X-Y", Value: "ü"}} }},
		{"oversize header", func(m *Message) { m.Headers = []Header{{Name: "X-Y", Value: strings.Repeat("v", 995)}} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := testMessage("bob@example.com")
			tt.edit(&m)
			if err := m.Validate(); !errors.Is(err, ErrInvalidMessage) {
				t.Errorf("Validate() = %v, want ErrInvalidMessage", err)
			}
			api := &recordingAPI{}
			if _, err := NewSES(api, "").Send(context.Background(), m); err == nil || api.in != nil {
				t.Errorf("Send sent an invalid message (err %v)", err)
			}
		})
	}
	if err := testMessage("bob@example.com").Validate(); err != nil {
		t.Errorf("Validate(valid) = %v", err)
	}
}
