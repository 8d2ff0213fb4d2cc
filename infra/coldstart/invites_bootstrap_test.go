package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/email/sestest"
	"partnerkit/shared/emailaddr"
	"partnerkit/shared/partner"
)

// TestInvitesBootstrap runs the invites and unsubscribe functions as
// deployed (release flags, configured from the environment as in AWS)
// through the fake Runtime API, against DynamoDB Local and aws-ses-v2-local:
// one invite goes out through the real SES v2 client with its endpoint
// overridden, and the email's one-click unsubscribe URL, posted to the
// unsubscribe bootstrap, suppresses the address.
func TestInvitesBootstrap(t *testing.T) {
	b := dynamotest.DynamoDBLocal(t)
	sesEndpoint := sestest.Endpoint(t)
	ctx := context.Background()
	st := dynamo.New(b.Client, b.Table)
	p := partner.Partner{ID: "pt_inviter", Code: "inviter", Subject: "user-123", Email: "jane@example.com", Status: partner.StatusActive, CreatedAt: time.Now()}
	if _, _, err := st.CreatePartner(ctx, p); err != nil {
		t.Fatal(err)
	}
	const hashSecret = "bootstrap-hash-secret"
	h, err := newHarness([]string{
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_SESSION_TOKEN=",
		"TABLE_NAME=" + b.Table,
		"DYNAMODB_ENDPOINT=" + os.Getenv(dynamotest.EndpointEnv),
		"SES_ENDPOINT=" + sesEndpoint,
		"SES_CONFIGURATION_SET=partnerkit-invites",
		"FROM_EMAIL=partners@example.com",
		"INVITES_PER_DAY=5",
		"COOKIE_SECRET=k2:bootstrap-test-secret-0123",
		"HASH_SECRET=" + hashSecret,
		"LANDING_URL=https://www.example.com/",
		"PUBLIC_BASE_URL=https://go.example.com",
	}, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer h.close()

	to := sestest.Recipient("bootstrap")
	event, err := os.ReadFile(repoPath(t, "shared/invites/testdata/apigw-v2-invite.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(event, &ev); err != nil {
		t.Fatal(err)
	}
	ev["body"] = `{"emails":["` + to + `"]}`
	event, _ = json.Marshal(ev)
	inv, err := h.invokeOnce("invites", buildBootstrap(t, repoPath(t, "functions/invites")), event)
	if err != nil {
		t.Fatal(err)
	}
	var resp struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	if err := json.Unmarshal(inv.body, &resp); err != nil || inv.kind != "response" {
		t.Fatalf("reply %q: %s", inv.kind, inv.body)
	}
	if resp.StatusCode != 200 || resp.Body != `{"results":[{"email":"`+to+`","status":"sent"}]}` {
		t.Fatalf("invite: %d %s, want one sent", resp.StatusCode, resp.Body)
	}
	mails := sestest.SentTo(t, sesEndpoint, to)
	if len(mails) != 1 || mails[0].From != "partners@example.com" || mails[0].ReplyTo[0] != p.Email {
		t.Fatalf("aws-ses-v2-local captured %+v, want one invite from partners@example.com replying to %s", mails, p.Email)
	}
	unsubscribeURL := strings.Trim(mails[0].Header("List-Unsubscribe"), "<>")
	token, ok := strings.CutPrefix(unsubscribeURL, "https://go.example.com/u/")
	if !ok || !strings.HasPrefix(token, "k2.") {
		t.Fatalf("List-Unsubscribe %q, want a k2 token under PUBLIC_BASE_URL/u/", unsubscribeURL)
	}

	post, err := os.ReadFile(repoPath(t, "shared/unsubscribe/testdata/apigw-v2-unsubscribe-post.json"))
	if err != nil {
		t.Fatal(err)
	}
	post = []byte(strings.ReplaceAll(string(post), "k1.TOKEN", token))
	inv, err = h.invokeOnce("unsubscribe", buildBootstrap(t, repoPath(t, "functions/unsubscribe")), post)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(inv.body, &resp); err != nil || resp.StatusCode != 200 {
		t.Fatalf("unsubscribe reply %q: %s", inv.kind, inv.body)
	}
	if ok, err := st.Suppressed(ctx, emailaddr.NewHasher(hashSecret).Hash(to)); err != nil || !ok {
		t.Errorf("after the one-click POST, Suppressed = %v, %v; want true", ok, err)
	}
}
