package email

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

// Header is one custom header of a message, such as List-Unsubscribe.
type Header struct {
	Name  string
	Value string
}

// Message is one email: bare addresses, a subject and both bodies.
type Message struct {
	From    string
	To      []string
	ReplyTo []string
	Subject string
	Text    string
	HTML    string
	Headers []Header
}

// ErrInvalidMessage is returned (wrapped) by Validate.
var ErrInvalidMessage = errors.New("email: invalid message")

// Validate checks what SES would refuse or what could smuggle in headers:
// addresses and the subject hold no line breaks, header names are
// printable ASCII without colons and values printable ASCII. It does not
// judge addresses further; callers pass normalized ones.
func (m Message) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidMessage, fmt.Sprintf(format, args...))
	}
	if m.From == "" || len(m.To) == 0 {
		return bad("a sender and at least one recipient are required")
	}
	for _, a := range append(append([]string{m.From}, m.To...), m.ReplyTo...) {
		if a == "" || strings.ContainsAny(a, "\r\n,;<>\" ") {
			return bad("address %q is not a bare address", a)
		}
	}
	if m.Subject == "" || strings.ContainsAny(m.Subject, "\r\n") {
		return bad("the subject must be one non-empty line")
	}
	if m.Text == "" && m.HTML == "" {
		return bad("a text or HTML body is required")
	}
	for _, h := range m.Headers {
		if h.Name == "" || len(h.Name) > 126 || !printable(h.Name, false) || strings.Contains(h.Name, ":") || !printable(h.Value, true) || len(h.Name)+len(h.Value) > 996 {
			return bad("header %q is not a printable ASCII name and value", h.Name)
		}
	}
	return nil
}

// printable reports whether s is printable ASCII (33–126, plus the space
// when space is true).
func printable(s string, space bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 33 && !(space && c == ' ') || c > 126 {
			return false
		}
	}
	return true
}

// API is the part of the SES v2 client the adapter uses; its method copies
// the SDK's signature so *sesv2.Client satisfies it.
type API interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, optFns ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

var _ API = (*sesv2.Client)(nil)

// SES sends messages through SES v2 SendEmail. It is safe for concurrent use.
type SES struct {
	api              API
	configurationSet string
}

// NewSES returns an SES sender; configurationSet (SES_CONFIGURATION_SET) is
// named on every message when it is not empty.
func NewSES(api API, configurationSet string) *SES {
	return &SES{api: api, configurationSet: configurationSet}
}

// NewClient returns an SES v2 client, pointed at endpoint when it is set
// (SES_ENDPOINT: a local server or a test emulator).
func NewClient(cfg aws.Config, endpoint string) *sesv2.Client {
	return sesv2.NewFromConfig(cfg, func(o *sesv2.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
}

// Send validates m and sends it as simple content: UTF-8 subject, text
// and HTML parts and m's headers. It returns SES's message id. Every error
// means SES did not take the message (or did not say it did).
func (s *SES) Send(ctx context.Context, m Message) (string, error) {
	if err := m.Validate(); err != nil {
		return "", err
	}
	utf8 := aws.String("UTF-8")
	body := &types.Body{}
	if m.Text != "" {
		body.Text = &types.Content{Data: aws.String(m.Text), Charset: utf8}
	}
	if m.HTML != "" {
		body.Html = &types.Content{Data: aws.String(m.HTML), Charset: utf8}
	}
	simple := &types.Message{Subject: &types.Content{Data: aws.String(m.Subject), Charset: utf8}, Body: body}
	for _, h := range m.Headers {
		simple.Headers = append(simple.Headers, types.MessageHeader{Name: aws.String(h.Name), Value: aws.String(h.Value)})
	}
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(m.From),
		Destination:      &types.Destination{ToAddresses: m.To},
		ReplyToAddresses: m.ReplyTo,
		Content:          &types.EmailContent{Simple: simple},
	}
	if s.configurationSet != "" {
		in.ConfigurationSetName = aws.String(s.configurationSet)
	}
	out, err := s.api.SendEmail(ctx, in)
	if err != nil {
		return "", fmt.Errorf("email: SES SendEmail: %w", err)
	}
	return aws.ToString(out.MessageId), nil
}
