package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/partner"
	"partnerkit/shared/samtemplate"
)

// TestRedirectBootstrap builds the redirect function as deployed (release
// flags, for this host) and invokes the binary once through the fake
// Runtime API with the realistic browser event, against DynamoDB Local:
// the shipped bootstrap, not only its handler, starts, reads the code and
// records the click.
func TestRedirectBootstrap(t *testing.T) {
	b := dynamotest.DynamoDBLocal(t)
	ctx := context.Background()
	st := dynamo.New(b.Client, b.Table)
	p := partner.Partner{ID: "pt_bootstrap", Code: "abcd2345", Subject: "u-boot", Status: partner.StatusActive, CreatedAt: time.Now()}
	if _, _, err := st.CreatePartner(ctx, p); err != nil {
		t.Fatal(err)
	}

	bin := buildBootstrap(t, repoPath(t, "functions/redirect"))
	event, err := os.ReadFile(repoPath(t, "shared/redirect/testdata/apigw-v2-redirect-browser.json"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := newHarness([]string{
		// DynamoDB Local keeps one database per access key unless -sharedDb.
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_SESSION_TOKEN=",
		"TABLE_NAME=" + b.Table,
		"DYNAMODB_ENDPOINT=" + os.Getenv(dynamotest.EndpointEnv),
		"COOKIE_SECRET=k2:bootstrap-test-secret-0123",
		"LANDING_URL=https://www.example.com/",
		"PUBLIC_BASE_URL=https://go.example.com",
	}, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer h.close()
	inv, err := h.invokeOnce("redirect", bin, event)
	if err != nil {
		t.Fatal(err)
	}
	if inv.kind != "response" {
		t.Fatalf("reply %q: %s", inv.kind, inv.body)
	}
	var resp struct {
		StatusCode int               `json:"statusCode"`
		Headers    map[string]string `json:"headers"`
		Cookies    []string          `json:"cookies"`
	}
	if err := json.Unmarshal(inv.body, &resp); err != nil {
		t.Fatalf("response %s: %v", inv.body, err)
	}
	if resp.StatusCode != 302 || !strings.HasPrefix(resp.Headers["Location"], "https://www.example.com/pricing?utm_source=x&pk_vid=v_") {
		t.Errorf("response %s: want 302 to /pricing with the link's utm_source and a visitor id", inv.body)
	}
	if len(resp.Cookies) != 1 || !strings.HasPrefix(resp.Cookies[0], "pk_ref=k2.") || !strings.Contains(resp.Cookies[0], "; Secure") {
		t.Errorf("cookies %v: want one Secure pk_ref signed with k2", resp.Cookies)
	}
	if counts, err := st.Counts(ctx, p.ID); err != nil || counts.Clicks != 1 {
		t.Errorf("clicks = %d, %v; want 1 recorded by the bootstrap", counts.Clicks, err)
	}
}

// repoPath returns a path inside this repository (the folder holding
// template.yaml), so tests do not depend on their working directory.
func repoPath(t *testing.T, rel string) string {
	t.Helper()
	tpl, err := samtemplate.Find()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(filepath.Dir(tpl), filepath.FromSlash(rel))
}
