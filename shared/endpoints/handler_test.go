package endpoints_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/delivery"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/endpoints"
)

type resolver map[string]string

func (r resolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return []netip.Addr{netip.MustParseAddr(a)}, nil
	}
	return nil, errors.New("no such host")
}

func request(route, body string, admin bool) events.APIGatewayV2HTTPRequest {
	scope := ""
	if admin {
		scope = "partners:admin"
	}
	method, path, _ := strings.Cut(route, " ")
	return events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: route, RawPath: path, Body: body,
		Headers: map[string]string{"content-type": "application/json"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path},
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
				JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"sub": "u1", "scope": scope}},
			},
		},
	}
}

func invoke(t *testing.T, h lambda.Handler, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	t.Helper()
	in, _ := json.Marshal(req)
	out, err := h.Invoke(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	var resp events.APIGatewayV2HTTPResponse
	json.Unmarshal(out, &resp)
	return resp
}

// Names are resolved when an endpoint is registered: one that points into
// the network is refused, whatever its spelling.
func TestRegisterResolvesTheHost(t *testing.T) {
	b := dynamotest.Embedded(t)
	st := dynamo.New(b.Client, b.Table)
	h := lambda.NewHandler((&endpoints.Handler{Store: st, Sender: delivery.NewHTTPSender(false),
		Resolver: resolver{"hooks.example.com": "93.184.215.14", "intranet.example.com": "10.0.0.5", "meta.example.com": "169.254.169.254"},
		Now:      time.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handle)
	for _, host := range []string{"intranet.example.com", "meta.example.com", "unknown.example.com"} {
		resp := invoke(t, h, request("POST /webhook-endpoints", `{"url":"https://`+host+`/hook","events":["payout.paid"]}`, true))
		if resp.StatusCode != 400 || !strings.Contains(resp.Body, "invalid_request") {
			t.Errorf("%s: %d %s, want 400", host, resp.StatusCode, resp.Body)
		}
	}
	resp := invoke(t, h, request("POST /webhook-endpoints", `{"url":"https://hooks.example.com/hook","events":["payout.paid"]}`, true))
	if resp.StatusCode != 201 || !strings.Contains(resp.Body, `"secret":"whsec_`) {
		t.Fatalf("public host: %d %s", resp.StatusCode, resp.Body)
	}
	eps, _ := st.Endpoints(context.Background())
	if len(eps) != 1 {
		t.Errorf("%d endpoints stored, want only the accepted one", len(eps))
	}
	if resp := invoke(t, h, request("GET /webhook-endpoints", "", false)); resp.StatusCode != 403 {
		t.Errorf("a partner listed endpoints: %d", resp.StatusCode)
	}
}
