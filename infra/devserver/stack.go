package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/accrual"
	"partnerkit/shared/awsconf"
	"partnerkit/shared/billing"
	"partnerkit/shared/center"
	"partnerkit/shared/config"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/invites"
	"partnerkit/shared/lambdamain"
	"partnerkit/shared/localdynamo"
	"partnerkit/shared/partners"
	"partnerkit/shared/redirect"
	"partnerkit/shared/samtemplate"
	"partnerkit/shared/signup"
	"partnerkit/shared/unsubscribe"
)

// functions maps template logical ids to their constructors. A function in
// the template without an entry here stops the local stack at start, so
// the two cannot drift apart.
var functions = map[string]lambdamain.Builder{
	"RedirectFunction":    redirect.FromConfig,
	"PartnersFunction":    partners.FromConfig,
	"SignupFunction":      signup.FromConfig,
	"BillingFunction":     billing.FromConfig,
	"AccrualFunction":     accrual.FromConfig,
	"InvitesFunction":     invites.FromConfig,
	"UnsubscribeFunction": unsubscribe.FromConfig,
	"CenterFunction":      center.FromConfig,
}

// stack is the local stack: the gateway in front of every function.
type stack struct {
	routes   []samtemplate.Route
	cors     samtemplate.Cors
	origins  []string // ALLOWED_ORIGINS
	handlers map[string]lambda.Handler
	auth     *authorizer
	outbox   *outbox
	store    *localdynamo.Server // nil when DYNAMODB_ENDPOINT points elsewhere
	ses      *localSES           // nil when SES_ENDPOINT points elsewhere
	log      *slog.Logger
}

func newStack(ctx context.Context, templatePath string, cfg config.Config, log *slog.Logger) (*stack, error) {
	tpl, err := samtemplate.Load(templatePath)
	if err != nil {
		return nil, err
	}
	routes, err := tpl.Routes()
	if err != nil {
		return nil, err
	}
	cors, err := tpl.Cors()
	if err != nil {
		return nil, err
	}
	s := &stack{routes: routes, cors: cors, origins: cfg.AllowedOrigins, handlers: map[string]lambda.Handler{}, outbox: &outbox{}, log: log}
	if s.auth, err = newAuthorizer(); err != nil {
		return nil, err
	}
	if cfg.DynamoDBEndpoint == "" {
		if s.store, err = localdynamo.Start(); err != nil {
			return nil, err
		}
		cfg.DynamoDBEndpoint = s.store.URL
	}
	if cfg.SESEndpoint == "" {
		if s.ses, err = startLocalSES(s.outbox); err != nil {
			return nil, err
		}
		cfg.SESEndpoint = s.ses.url
	}
	in, err := tpl.TableInput(cfg.TableName)
	if err != nil {
		return nil, err
	}
	awsCfg, err := awsconf.Load(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := dynamo.EnsureTable(ctx, awsconf.DynamoDB(awsCfg, cfg.DynamoDBEndpoint), in); err != nil {
		return nil, err
	}
	for _, id := range tpl.Functions() {
		build, ok := functions[id]
		if !ok {
			return nil, fmt.Errorf("template function %s has no local handler: add it to the functions map", id)
		}
		h, err := build(ctx, cfg, log.With("function", id))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", id, err)
		}
		s.handlers[id] = h
	}
	return s, nil
}

// Close stops the embedded store and the local SES endpoint.
func (s *stack) Close() {
	if s.store != nil {
		s.store.Close()
	}
	if s.ses != nil {
		s.ses.close()
	}
}

// ServeHTTP routes /_local/ helpers, then template routes.
func (s *stack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_local/") || r.URL.Path == "/_local" {
		s.serveLocal(w, r)
		return
	}
	if s.applyCORS(w, r) {
		return
	}
	route, params, ok := match(s.routes, r.Method, r.URL.Path)
	if !ok {
		gatewayError(w, http.StatusNotFound, "Not Found")
		return
	}
	var claims *jwtClaims
	if !route.Public {
		c, err := s.auth.check(r.Header.Get("Authorization"))
		if err != nil {
			gatewayError(w, http.StatusUnauthorized, "Unauthorized")
			return
		}
		claims = c
	}
	s.invokeRoute(w, r, route, params, claims)
}

// applyCORS does what API Gateway's CORS configuration does: a request
// from an allowed origin gets Access-Control-Allow-Origin, and a preflight
// is answered here (204) without reaching a function. It reports whether
// the request was answered.
func (s *stack) applyCORS(w http.ResponseWriter, r *http.Request) bool {
	preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
	origin := strings.ToLower(r.Header.Get("Origin"))
	allowed := origin != "" && slices.Contains(s.origins, origin)
	if allowed {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
		if preflight {
			h.Set("Access-Control-Allow-Methods", strings.Join(s.cors.AllowMethods, ", "))
			h.Set("Access-Control-Allow-Headers", strings.Join(s.cors.AllowHeaders, ", "))
			h.Set("Access-Control-Max-Age", s.cors.MaxAge)
		} else {
			h.Set("Access-Control-Expose-Headers", strings.Join(s.cors.ExposeHeaders, ", "))
		}
	}
	if preflight {
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	return false
}
