package center

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/config"
)

//go:embed static
var static embed.FS

// CSP is the Content-Security-Policy of every center response: the app's
// own scripts and styles only, API calls to its own origin, no framing.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// versionParam is the query parameter that names the assets' version.
const versionParam = "v"

// file is one asset, ready to serve, plain and gzipped.
type file struct {
	body        string
	gzipped     string // base64 of the gzip of body: HTTP APIs do not compress
	contentType string
}

// Handler serves GET /center and GET /center/{file+}. Build it with New.
type Handler struct {
	files   map[string]file
	version string
}

// New loads the embedded assets. The version is a hash of them all: pages
// reference assets with ?v=<version>, so a versioned URL can be cached
// for a year and a new deployment is fetched at once.
func New() (*Handler, error) {
	h := &Handler{files: map[string]file{}}
	sum := sha256.New()
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := static.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum.Write([]byte(name))
		sum.Write(b)
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		h.files[name] = file{body: string(b), contentType: ct}
		return nil
	})
	if err != nil {
		return nil, err
	}
	h.version = hex.EncodeToString(sum.Sum(nil))[:12]
	// Pages and the embed loader name the versioned assets.
	for _, name := range []string{"index.html", "page.js", "embed.js"} {
		f := h.files[name]
		f.body = strings.ReplaceAll(f.body, "__VERSION__", h.version)
		h.files[name] = f
	}
	for name, f := range h.files {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		zw.Write([]byte(f.body))
		if err := zw.Close(); err != nil {
			return nil, err
		}
		f.gzipped = base64.StdEncoding.EncodeToString(b.Bytes())
		h.files[name] = f
	}
	return h, nil
}

// Version is the assets' content hash.
func (h *Handler) Version() string { return h.version }

// Handle answers one request.
func (h *Handler) Handle(_ context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	name := req.PathParameters["file"]
	if name == "" {
		// Relative asset URLs need the trailing slash.
		if !strings.HasSuffix(req.RawPath, "/") {
			return respond(http.StatusPermanentRedirect, "text/plain; charset=utf-8", "", map[string]string{"Location": "/center/"}), nil
		}
		name = "index.html"
	}
	f, ok := h.files[name]
	if !ok || strings.HasPrefix(name, ".") {
		return respond(http.StatusNotFound, "text/plain; charset=utf-8", "Not found.\n", nil), nil
	}
	cache := "no-cache"
	if v := req.QueryStringParameters[versionParam]; v != "" && v == h.version {
		cache = "public, max-age=31536000, immutable"
	}
	extra := map[string]string{"Cache-Control": cache, "Vary": "Accept-Encoding"}
	if acceptsGzip(req.Headers["accept-encoding"]) {
		extra["Content-Encoding"] = "gzip"
		resp := respond(http.StatusOK, f.contentType, f.gzipped, extra)
		resp.IsBase64Encoded = true
		return resp, nil
	}
	return respond(http.StatusOK, f.contentType, f.body, extra), nil
}

// acceptsGzip reads Accept-Encoding: gzip listed without a zero weight
// (the q parameter's name is case-insensitive, RFC 9110 section 12.4.2).
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		for _, param := range strings.Split(params, ";") {
			name, value, _ := strings.Cut(strings.ReplaceAll(param, " ", ""), "=")
			if strings.EqualFold(name, "q") {
				q, err := strconv.ParseFloat(value, 64)
				return err == nil && q > 0
			}
		}
		return true
	}
	return false
}

func respond(status int, contentType, body string, extra map[string]string) events.APIGatewayV2HTTPResponse {
	headers := map[string]string{
		"Content-Type":            contentType,
		"Content-Security-Policy": CSP,
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-cache",
	}
	for k, v := range extra {
		headers[k] = v
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: headers, Body: body}
}

// FromConfig builds the center function's handler; it needs no
// configuration and no AWS client.
func FromConfig(_ context.Context, _ config.Config, _ *slog.Logger) (lambda.Handler, error) {
	h, err := New()
	if err != nil {
		return nil, err
	}
	return lambda.NewHandler(h.Handle), nil
}
