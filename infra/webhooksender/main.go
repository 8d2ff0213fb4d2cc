// Command webhooksender sends one signed webhook (a customer.created
// signup, or a payment.succeeded or payment.refunded billing event) to
// partnerkit, the way your SaaS backend should: Standard Webhooks 1.0
// headers, an HMAC-SHA256 signature over "{id}.{timestamp}.{body}", and a
// webhook-id that stays the same when a delivery is retried.
//
// It uses only the standard library so it can be copied into any Go
// backend; sign is the part to keep.
//
//	go run ./infra/webhooksender -body '{"type":"customer.created",...}'
//	go run ./infra/webhooksender < signup.json
//	go run ./infra/webhooksender -url /webhooks/billing < payment.json
//
// It finds partnerkit where the local stack listens: $PUBLIC_BASE_URL,
// else http://127.0.0.1:$PORT (PORT 3000 by default), so
// `PORT=3100 make run` and `PORT=3100 go run ./infra/webhooksender` agree.
package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// localSecret is the local stack's default WEBHOOK_SECRET (the Standard
// Webhooks test secret). Never use it in production.
const localSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("webhooksender", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "/webhooks/signup", "endpoint to POST to: a URL, or a path on $PUBLIC_BASE_URL, else on http://127.0.0.1:$PORT (PORT 3000 by default), as make run")
	// The default is resolved after parsing so -h never prints a secret.
	secret := fs.String("secret", "", "whsec_ signing secret (default: $WEBHOOK_SECRET, else the local stack's test secret)")
	id := fs.String("id", "", "webhook-id; reuse it when retrying a delivery (default: a new random msg_ id)")
	bodyFlag := fs.String("body", "", "JSON body (default: read from stdin)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if strings.HasPrefix(*url, "/") {
		base, err := baseURL(getenv)
		if err != nil {
			fmt.Fprintln(stderr, "webhooksender:", err)
			return 2
		}
		*url = base + *url
	}
	if *secret == "" {
		*secret = localSecret
		// WEBHOOK_SECRET may list several secrets (rotation); the first signs.
		if f := strings.Fields(getenv("WEBHOOK_SECRET")); len(f) > 0 {
			*secret = f[0]
		}
	}
	body := []byte(*bodyFlag)
	if *bodyFlag == "" {
		b, err := io.ReadAll(stdin)
		if err != nil {
			fmt.Fprintln(stderr, "webhooksender: reading stdin:", err)
			return 2
		}
		body = bytes.TrimSpace(b)
	}
	if len(body) == 0 {
		fmt.Fprintln(stderr, "webhooksender: no body: pass -body or pipe JSON on stdin")
		return 2
	}
	if *id == "" {
		*id = newID()
	}

	resp, err := send(ctx, *url, *secret, *id, body)
	if err != nil {
		fmt.Fprintln(stderr, "webhooksender:", err)
		return 1
	}
	fmt.Fprintf(stdout, "webhook-id %s: %s\n%s\n", *id, resp.Status, resp.Body)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return 1
	}
	return 0
}

// baseURL is where partnerkit is, read as the local stack reads it:
// PUBLIC_BASE_URL, else http://127.0.0.1:$PORT with PORT 3000 by default.
func baseURL(getenv func(string) string) (string, error) {
	if u := strings.TrimSpace(getenv("PUBLIC_BASE_URL")); u != "" {
		return strings.TrimRight(u, "/"), nil
	}
	port := strings.TrimSpace(getenv("PORT"))
	if port == "" {
		return "http://127.0.0.1:3000", nil
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("PORT must be an integer from 1 to 65535, not %q", port)
	}
	return "http://127.0.0.1:" + strconv.Itoa(n), nil
}

// response is partnerkit's answer to a delivery.
type response struct {
	StatusCode int
	Status     string // "200 OK"
	Body       []byte
}

// send signs body with the current time and POSTs it.
func send(ctx context.Context, url, secret, id string, body []byte) (response, error) {
	ts := time.Now().Unix()
	sig, err := sign(secret, id, ts, body)
	if err != nil {
		return response{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return response{}, err
	}
	return response{StatusCode: resp.StatusCode, Status: resp.Status, Body: respBody}, nil
}

// sign returns the webhook-signature header value for a delivery, per
// Standard Webhooks: "v1," + base64(HMAC-SHA256(key, id + "." + ts + "." +
// body)), where key is the base64-decoded part of secret after "whsec_".
// Sign the exact bytes you send: re-encoding the JSON breaks the signature.
func sign(secret, id string, ts int64, body []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || len(key) == 0 {
		return "", errors.New(`the secret must look like "whsec_<base64>"`)
	}
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s.%d.", id, ts)
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}

// newID returns a fresh webhook-id. Generate it once per event and keep
// it across retries: partnerkit answers a repeated id with its first
// response and changes nothing.
func newID() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return "msg_" + hex.EncodeToString(b[:])
}
