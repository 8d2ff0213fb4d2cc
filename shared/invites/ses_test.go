package invites

import (
	"context"
	"testing"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/email"
	"partnerkit/shared/email/sestest"
	"partnerkit/shared/partner"
)

// TestInviteThroughSES sends an invite through the real SES v2 SDK to
// aws-ses-v2-local and checks what arrived: recipient, Reply-To, subject,
// both parts, the RFC 8058 headers and the escaped message.
func TestInviteThroughSES(t *testing.T) {
	endpoint := sestest.Endpoint(t)
	b := dynamotest.Embedded(t)
	st := dynamo.New(b.Client, b.Table)
	p := partner.Partner{ID: "pt_jane", Code: "jane", Name: "Jane <b>Doe</b>", Subject: "user-123", Email: "jane@example.com", Status: partner.StatusActive, CreatedAt: testNow}
	if _, _, err := st.CreatePartner(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	h := newTestHandler(t, st, email.NewSES(sestest.Client(endpoint), "partnerkit-test"), 50)
	to := sestest.Recipient("bob")
	message := "Hi Bob,\r\nclick <a href=\"/win\">here</a> & <script>alert(1)</script>"
	resp, got := call(t, h, request{body: body([]string{to}, &message)})
	if resp.StatusCode != 200 || got.Results[0].Status != StatusSent {
		t.Fatalf("invite: %d %s, want sent", resp.StatusCode, resp.Body)
	}
	captured := sestest.SentTo(t, endpoint, to)
	if len(captured) != 1 {
		t.Fatalf("aws-ses-v2-local captured %d emails to %s, want 1", len(captured), to)
	}
	c := captured[0]
	m := email.Message{From: c.From, To: c.Destination.To, ReplyTo: c.ReplyTo, Subject: c.Subject, Text: c.Body.Text, HTML: c.Body.HTML}
	for _, hd := range c.Headers {
		m.Headers = append(m.Headers, email.Header{Name: hd.Name, Value: hd.Value})
	}
	checkInvite(t, h, m, p, to)
}
