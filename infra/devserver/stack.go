package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"partnerkit/shared/accrual"
	"partnerkit/shared/awsconf"
	"partnerkit/shared/billing"
	"partnerkit/shared/center"
	"partnerkit/shared/config"
	deliver "partnerkit/shared/delivery"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/endpoints"
	"partnerkit/shared/httpapi"
	"partnerkit/shared/invites"
	"partnerkit/shared/lambdamain"
	"partnerkit/shared/localdynamo"
	"partnerkit/shared/notify"
	"partnerkit/shared/partners"
	"partnerkit/shared/redirect"
	"partnerkit/shared/requestlog"
	"partnerkit/shared/samtemplate"
	"partnerkit/shared/signup"
	"partnerkit/shared/stripehook"
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
	"StripeFunction":      stripehook.FromConfig,
	"AccrualFunction":     accrual.FromConfig,
	"InvitesFunction":     invites.FromConfig,
	"UnsubscribeFunction": unsubscribe.FromConfig,
	"CenterFunction":      center.FromConfig,
	"EndpointsFunction":   endpoints.FromConfig,
	"EventsFunction":      deliver.FromConfig,
}

// DrainInterval is how often the local stack delivers events: its
// stand-in for the table's stream and the every-minute schedule.
const DrainInterval = 500 * time.Millisecond

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
	// stopDrain ends the loop that delivers the outbox's events.
	stopDrain context.CancelFunc
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
	db := awsconf.DynamoDB(awsCfg, cfg.DynamoDBEndpoint)
	if err := dynamo.EnsureTable(ctx, db, in); err != nil {
		return nil, err
	}
	// Events leave the outbox as in AWS, through the same worker; loopback
	// receivers are allowed locally.
	drainCtx, stop := context.WithCancel(context.Background())
	s.stopDrain = stop
	// The partner emails take the outbox's events as in AWS, through the
	// local SES endpoint.
	notifier, err := notify.FromConfig(ctx, cfg, log.With("function", "EventsFunction"))
	if err != nil {
		return nil, err
	}
	w := &deliver.Worker{Store: dynamo.New(db, cfg.TableName), Sender: deliver.NewHTTPSender(true), Now: time.Now,
		Log: log.With("function", "EventsFunction"), Consumers: []deliver.Consumer{notifier.Consume}}
	go w.Run(drainCtx, DrainInterval)
	for _, id := range tpl.Functions() {
		build, ok := functions[id]
		if !ok {
			return nil, fmt.Errorf("template function %s has no local handler: add it to the functions map", id)
		}
		h, err := build(ctx, cfg, log.With("function", id))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", id, err)
		}
		// Wrapped as lambdamain wraps it in Lambda: the same request lines.
		s.handlers[id] = requestlog.Wrap(h, log)
	}
	return s, nil
}

// Close stops the embedded store and the local SES endpoint.
func (s *stack) Close() {
	if s.stopDrain != nil {
		s.stopDrain()
	}
	if s.store != nil {
		s.store.Close()
	}
	if s.ses != nil {
		s.ses.close()
	}
}

// ServeHTTP routes /_local/ helpers, then template routes. Like API
// Gateway it gives every request an id up front, so the requests it refuses
// itself (no route, no valid token) log and answer like the rest.
func (s *stack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_local/") || r.URL.Path == "/_local" {
		s.serveLocal(w, r)
		return
	}
	if s.applyCORS(w, r) {
		return
	}
	g := gatewayRequest{r: r, id: requestID(), start: time.Now()}
	route, params, ok := match(s.routes, r.Method, r.URL.EscapedPath())
	if !ok {
		s.refuse(w, g, http.StatusNotFound, "Not Found")
		return
	}
	g.route = route
	var claims *jwtClaims
	if !route.Public {
		c, err := s.auth.check(r.Header.Get("Authorization"))
		if err != nil {
			s.refuse(w, g, http.StatusUnauthorized, "Unauthorized")
			return
		}
		claims = c
	}
	s.invokeRoute(w, g, params, claims)
}

// gatewayRequest is a request the gateway has taken: its id, when it
// arrived and, once matched, its route.
type gatewayRequest struct {
	r     *http.Request
	id    string
	start time.Time
	route samtemplate.Route
}

// refuse answers as API Gateway does when it refuses a request before any
// function runs, and logs the request line a function's wrapper would.
func (s *stack) refuse(w http.ResponseWriter, g gatewayRequest, status int, message string) {
	w.Header().Set(requestlog.Header, g.id)
	gatewayError(w, status, message)
	requestlog.Log(g.r.Context(), s.log, requestlog.Entry{
		Method: g.r.Method, Route: g.route.Path, Status: status, Latency: time.Since(g.start),
		RequestID: g.id, Error: gatewayCode(status),
	})
}

// gatewayCode names the gateway's own refusals in the request line, in the
// style of the contract's error codes.
func gatewayCode(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusNotFound:
		return httpapi.CodeNotFound
	case http.StatusRequestEntityTooLarge:
		return httpapi.CodePayloadTooLarge
	case http.StatusBadRequest:
		return httpapi.CodeInvalidRequest
	default:
		return httpapi.CodeInternal
	}
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
