package center

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func get(t *testing.T, h *Handler, rawPath, file, version string) events.APIGatewayV2HTTPResponse {
	t.Helper()
	req := events.APIGatewayV2HTTPRequest{RawPath: rawPath, PathParameters: map[string]string{}}
	if file != "" {
		req.PathParameters["file"] = file
	}
	if version != "" {
		req.QueryStringParameters = map[string]string{"v": version}
	}
	resp, err := h.Handle(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Headers["Content-Security-Policy"] != CSP {
		t.Errorf("%s: Content-Security-Policy = %q, want %q", rawPath, resp.Headers["Content-Security-Policy"], CSP)
	}
	return resp
}

func TestServesTheApp(t *testing.T) {
	h, err := New()
	if err != nil {
		t.Fatal(err)
	}
	v := h.Version()
	tests := []struct {
		name, rawPath, file, version string
		status                       int
		contentType, cache           string
	}{
		{"page", "/center/", "", "", 200, "text/html; charset=utf-8", "no-cache"},
		{"page without the slash", "/center", "", "", 308, "text/plain; charset=utf-8", "no-cache"},
		{"versioned script", "/center/app.js", "app.js", v, 200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"},
		{"stale version revalidates", "/center/app.js", "app.js", "0000", 200, "text/javascript; charset=utf-8", "no-cache"},
		{"styles", "/center/center.css", "center.css", v, 200, "text/css; charset=utf-8", "public, max-age=31536000, immutable"},
		{"embed loader", "/center/embed.js", "embed.js", "", 200, "text/javascript; charset=utf-8", "no-cache"},
		{"unknown file", "/center/nope.js", "nope.js", "", 404, "text/plain; charset=utf-8", "no-cache"},
		{"no directory walking", "/center/../go.mod", "../go.mod", "", 404, "text/plain; charset=utf-8", "no-cache"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, h, tt.rawPath, tt.file, tt.version)
			if r.StatusCode != tt.status || r.Headers["Content-Type"] != tt.contentType || r.Headers["Cache-Control"] != tt.cache {
				t.Errorf("got %d %q %q, want %d %q %q", r.StatusCode, r.Headers["Content-Type"], r.Headers["Cache-Control"], tt.status, tt.contentType, tt.cache)
			}
		})
	}
	if r := get(t, h, "/center", "", ""); r.Headers["Location"] != "/center/" {
		t.Errorf("Location = %q, want /center/", r.Headers["Location"])
	}
	// Pages load the assets of their own version, so a deployment never
	// mixes old and new files.
	for _, f := range []string{"index.html", "page.js", "embed.js"} {
		body := get(t, h, "/center/"+f, f, "").Body
		if strings.Contains(body, "__VERSION__") || !strings.Contains(body, "?v="+v) {
			t.Errorf("%s does not name the assets' version %s:\n%s", f, v, body)
		}
	}
}

// No asset names another host: the center makes no third-party request.
func TestNoThirdPartyURLs(t *testing.T) {
	h, err := New()
	if err != nil {
		t.Fatal(err)
	}
	url := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)
	allowed := map[string]bool{"http://www.w3.org": true} // the SVG namespace, never fetched
	for name, f := range h.files {
		for _, m := range url.FindAllString(f.body, -1) {
			if !allowed[m] {
				t.Errorf("%s refers to another host: %s", name, m)
			}
		}
	}
}

// Browsers that take gzip get it: API Gateway's HTTP APIs do not compress.
func TestGzip(t *testing.T) {
	h, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for accept, want := range map[string]bool{"gzip, deflate, br": true, "br;q=1.0, gzip;q=0.8": true, "gzip;q=0": false, "": false, "identity": false,
		"gzip;Q=0": false, "gzip; q=0.000": false, "gzip;q=0.001": true, "GZIP": true} {
		req := events.APIGatewayV2HTTPRequest{RawPath: "/center/app.js", PathParameters: map[string]string{"file": "app.js"},
			Headers: map[string]string{"accept-encoding": accept}}
		r, _ := h.Handle(context.Background(), req)
		if got := r.Headers["Content-Encoding"] == "gzip"; got != want || got != r.IsBase64Encoded {
			t.Errorf("Accept-Encoding %q: gzip %v (base64 %v), want %v", accept, got, r.IsBase64Encoded, want)
			continue
		}
		if !want {
			continue
		}
		raw, _ := base64.StdEncoding.DecodeString(r.Body)
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := io.ReadAll(zr)
		if string(plain) != h.files["app.js"].body || r.Headers["Vary"] != "Accept-Encoding" {
			t.Errorf("gzipped app.js does not inflate to app.js (Vary %q)", r.Headers["Vary"])
		}
	}
}
