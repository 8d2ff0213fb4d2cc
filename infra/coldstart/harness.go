package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// apiPrefix is the Runtime API version path aws-lambda-go speaks.
const apiPrefix = "/2018-06-01/runtime"

// reply is what a function process posted back to the fake Runtime API.
type reply struct {
	kind string // "response", "error" or "init-error"
	body []byte
	at   time.Time
}

// session is the fake Runtime API's view of one function process: it reports
// when the process first asks for work and hands it at most one event.
type session struct {
	requestID string
	arrived   chan time.Time // first /next only
	again     chan struct{}  // a later /next: the invoke is complete
	events    chan []byte
	replies   chan reply
	done      chan struct{}
	nexts     int
	mu        sync.Mutex
}

// sessionKey finds the session a connection was accepted under.
type sessionKey struct{}

func newSession(requestID string) *session {
	return &session{
		requestID: requestID,
		arrived:   make(chan time.Time, 1),
		again:     make(chan struct{}, 1),
		events:    make(chan []byte, 1),
		replies:   make(chan reply, 1),
		done:      make(chan struct{}),
	}
}

// runtimeAPI is a minimal in-process stand-in for the Lambda Runtime API,
// serving one function process at a time.
type runtimeAPI struct {
	addr string
	srv  *http.Server

	mu  sync.Mutex
	cur *session
}

// newRuntimeAPI listens on a free loopback port, so parallel runs and tests
// never collide.
func newRuntimeAPI() (*runtimeAPI, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	api := &runtimeAPI{addr: ln.Addr().String()}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+apiPrefix+"/invocation/next", api.next)
	mux.HandleFunc("POST "+apiPrefix+"/invocation/{id}/response", api.post("response"))
	mux.HandleFunc("POST "+apiPrefix+"/invocation/{id}/error", api.post("error"))
	mux.HandleFunc("POST "+apiPrefix+"/init/error", api.post("init-error"))
	api.srv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		// A connection belongs to the process that was running when it was
		// accepted. Without this, a request the previous process wrote just
		// before it was killed could be read after the switch and counted as
		// the next process's first /next.
		ConnContext: func(ctx context.Context, _ net.Conn) context.Context {
			return context.WithValue(ctx, sessionKey{}, api.session())
		},
	}
	go func() { _ = api.srv.Serve(ln) }()
	return api, nil
}

func (a *runtimeAPI) close() error { return a.srv.Close() }

func (a *runtimeAPI) session() *session {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cur
}

func (a *runtimeAPI) setSession(s *session) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.cur = s
}

// connSession returns the session of the process that sent r, or nil.
func connSession(r *http.Request) *session {
	s, _ := r.Context().Value(sessionKey{}).(*session)
	return s
}

func (a *runtimeAPI) next(w http.ResponseWriter, r *http.Request) {
	// Take the time first: this request is the end of the cold start.
	at := time.Now()
	s := connSession(r)
	if s == nil {
		http.Error(w, "no function is being measured", http.StatusServiceUnavailable)
		return
	}
	s.mu.Lock()
	s.nexts++
	first := s.nexts == 1
	s.mu.Unlock()
	if first {
		s.arrived <- at
	} else {
		select {
		case s.again <- struct{}{}:
		default:
		}
	}

	// Like the real API, hold the request until there is work; a process
	// that gets none is killed while it waits here.
	select {
	case ev := <-s.events:
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", s.requestID)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(30*time.Second).UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:coldstart")
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0")
		h.Set("Content-Type", "application/json")
		_, _ = w.Write(ev)
	case <-s.done:
	case <-r.Context().Done():
	}
}

func (a *runtimeAPI) post(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s := connSession(r)
		if s == nil || (kind != "init-error" && r.PathValue("id") != s.requestID) {
			http.Error(w, "unknown request id", http.StatusBadRequest)
			return
		}
		select {
		case s.replies <- reply{kind: kind, body: body, at: at}:
		default: // only the first reply of a process matters
		}
		// aws-lambda-go treats anything but 202 as a failed post.
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`{"status":"OK"}`))
	}
}

// harness runs function binaries one at a time against the fake Runtime API
// with a controlled environment.
type harness struct {
	api     *runtimeAPI
	home    string
	env     []string // KEY=VAL overrides applied after the defaults
	timeout time.Duration
	seq     int
}

// newHarness starts the fake Runtime API and creates the empty home
// directory every process runs with, so no ~/.aws files can be read.
func newHarness(env []string, timeout time.Duration) (*harness, error) {
	home, err := os.MkdirTemp("", "coldstart-home-")
	if err != nil {
		return nil, err
	}
	api, err := newRuntimeAPI()
	if err != nil {
		_ = os.RemoveAll(home)
		return nil, err
	}
	return &harness{api: api, home: home, env: env, timeout: timeout}, nil
}

func (h *harness) close() error {
	err := h.api.close()
	return errors.Join(err, os.RemoveAll(h.home))
}

// processEnv builds the whole environment from scratch rather than
// inheriting ours, so stray AWS_PROFILE, AWS_CONFIG_FILE or GODEBUG settings
// cannot change what is measured.
func (h *harness) processEnv(name string) []string {
	vars := map[string]string{
		"AWS_LAMBDA_RUNTIME_API":          h.api.addr,
		"AWS_LAMBDA_FUNCTION_NAME":        name,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_REGION":                      "us-east-1",
		"AWS_DEFAULT_REGION":              "us-east-1",
		"AWS_ACCESS_KEY_ID":               "AKIDCOLDSTART",
		"AWS_SECRET_ACCESS_KEY":           "coldstart-secret",
		"AWS_SESSION_TOKEN":               "coldstart-token",
		"_HANDLER":                        "bootstrap",
		"HOME":                            h.home,
		"PATH":                            "/usr/local/bin:/usr/bin:/bin",
		"TZ":                              ":UTC",
		"LANG":                            "en_US.UTF-8",
	}
	for _, kv := range h.env {
		k, v, _ := cutEnv(kv)
		vars[k] = v
	}
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, k+"="+vars[k])
	}
	return out
}

// invocation is the outcome of running one function process.
type invocation struct {
	coldStart time.Duration // cmd.Start to the first /next
	invoke    time.Duration // event handed over to reply posted; zero without an event
	kind      string        // reply kind; empty without an event
	body      []byte
}

// measure runs bin until it first asks for an event and returns how long
// that took; the process never gets an event and is killed afterwards.
func (h *harness) measure(name, bin string) (time.Duration, error) {
	inv, err := h.run(name, bin, nil)
	return inv.coldStart, err
}

// invokeOnce runs bin, hands it event once its cold start is over, and
// returns what it posted back.
func (h *harness) invokeOnce(name, bin string, event []byte) (invocation, error) {
	if event == nil {
		event = []byte("{}")
	}
	return h.run(name, bin, event)
}

func (h *harness) run(name, bin string, event []byte) (inv invocation, err error) {
	h.seq++
	s := newSession(fmt.Sprintf("coldstart-%08d", h.seq))
	h.api.setSession(s)
	defer func() {
		close(s.done)
		h.api.setSession(nil)
	}()

	var out tailBuffer
	cmd := exec.Command(bin)
	cmd.Env = h.processEnv(name)
	cmd.Dir = h.home
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.WaitDelay = time.Second

	timer := time.NewTimer(h.timeout)
	defer timer.Stop()

	start := time.Now()
	if err := cmd.Start(); err != nil {
		return inv, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Kill()
		if exited != nil {
			<-exited
		}
	}()
	fail := func(format string, args ...any) error {
		msg := fmt.Sprintf(format, args...)
		if o := bytes.TrimSpace(out.bytes()); len(o) > 0 {
			msg += "; output: " + string(o)
		}
		return fmt.Errorf("%s: %s", name, msg)
	}

	select {
	case at := <-s.arrived:
		inv.coldStart = at.Sub(start)
	case r := <-s.replies:
		return inv, fail("posted %s before asking for an event: %s", r.kind, r.body)
	case werr := <-exited:
		exited = nil
		return inv, fail("exited before asking for an event (%v)", werr)
	case <-timer.C:
		return inv, fail("no /next request within %v", h.timeout)
	}
	if event == nil {
		return inv, nil
	}

	sent := time.Now()
	s.events <- event
	select {
	case r := <-s.replies:
		inv.invoke = r.at.Sub(sent)
		inv.kind = r.kind
		inv.body = r.body
	case werr := <-exited:
		exited = nil
		return inv, fail("exited during the invoke (%v)", werr)
	case <-timer.C:
		return inv, fail("no reply to the invoke within %v", h.timeout)
	}

	// As on Lambda, the invoke ends when the process asks for the next
	// event (or exits after a fatal error); killing it earlier would cut
	// its post-invoke work short.
	select {
	case <-s.again:
	case <-exited:
		exited = nil
	case <-timer.C:
		return inv, fail("no /next after the invoke within %v", h.timeout)
	}
	return inv, nil
}

// tailBuffer keeps the last few KiB a process wrote, enough to explain a
// failure without holding on to chatty logs.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

const tailSize = 4 << 10

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > tailSize {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailSize:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) bytes() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]byte(nil), t.buf...)
}

// cutEnv splits KEY=VAL and reports whether the key is usable.
func cutEnv(kv string) (key, val string, ok bool) {
	key, val, found := strings.Cut(kv, "=")
	return key, val, found && key != ""
}
