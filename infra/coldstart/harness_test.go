package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// buildBootstrap compiles a function package the way the benchmark and
// the deployment do (release flags, no cgo), so the tests run the shipped
// binary against the fake Runtime API.
func buildBootstrap(t *testing.T, pkg string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", bin, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// buildHello builds the hello function, which proves the fake Runtime
// API against real aws-lambda-go code.
func buildHello(t *testing.T) string { return buildBootstrap(t, "./hello") }

func TestHarnessWithHello(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a binary")
	}
	bin := buildHello(t)

	h, err := newHarness([]string{"TABLE_NAME=partnerkit"}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer h.close()

	targets := []*target{{name: helloName, path: bin}}
	if err := measureAll(h, targets, 2, 0, 1, nil); err != nil {
		t.Fatal(err)
	}
	if got := len(targets[0].cold); got != 2 {
		t.Fatalf("recorded %d cold starts, want 2", got)
	}
	for _, d := range targets[0].cold {
		if d <= 0 {
			t.Errorf("cold start %v, want a positive time until /next", d)
		}
	}

	inv, err := h.invokeOnce(helloName, bin, []byte(`{"ping":true}`))
	if err != nil {
		t.Fatal(err)
	}
	if inv.kind != "response" {
		t.Fatalf("reply kind %q, want response; body %s", inv.kind, inv.body)
	}
	if got := string(bytes.TrimSpace(inv.body)); got != `"hello"` {
		t.Errorf("response body %s, want \"hello\"", got)
	}
	if inv.coldStart <= 0 || inv.invoke <= 0 {
		t.Errorf("cold start %v, invoke %v: want both positive", inv.coldStart, inv.invoke)
	}
}

func TestRunReportsJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a binary")
	}
	bin := buildHello(t)
	var out, errOut bytes.Buffer
	if err := run([]string{"-rounds", "2", "-warmup", "0", "-json", "hello=" + bin, "floor=" + bin}, &out, &errOut); err != nil {
		t.Fatalf("run: %v\n%s", err, errOut.String())
	}
	var rep Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("decode report: %v\n%s", err, out.String())
	}
	if len(rep.Results) != 2 || !rep.Pass {
		t.Fatalf("report %+v, want two passing results", rep)
	}
	for _, r := range rep.Results {
		if len(r.ColdStart.Samples) != 2 || r.VsFloor == nil || r.VsHello == nil {
			t.Errorf("%s: %+v, want 2 samples and both ratios", r.Name, r)
		}
	}
}

func TestSummarize(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 10; i++ {
		ds = append(ds, time.Duration(11-i)*time.Millisecond)
	}
	s := summarize(ds)
	if s.Median != 5.5 || s.P90 != 9 || s.Min != 1 || s.Max != 10 {
		t.Errorf("summary %+v, want median 5.5, p90 9, min 1, max 10", s)
	}
}

func TestProcessEnvIsControlled(t *testing.T) {
	t.Setenv("AWS_PROFILE", "should-not-leak")
	h := &harness{api: &runtimeAPI{addr: "127.0.0.1:9"}, home: "/nonexistent", env: []string{"AWS_REGION=eu-west-1", "X=a=b"}}
	env := strings.Join(h.processEnv("fn"), "\n")
	for _, want := range []string{"AWS_LAMBDA_RUNTIME_API=127.0.0.1:9", "AWS_LAMBDA_FUNCTION_NAME=fn", "AWS_REGION=eu-west-1", "X=a=b", "HOME=/nonexistent", "_HANDLER=bootstrap"} {
		if !strings.Contains(env, want+"\n") && !strings.HasSuffix(env, want) {
			t.Errorf("env lacks %s:\n%s", want, env)
		}
	}
	if strings.Contains(env, "AWS_PROFILE") {
		t.Errorf("env inherited AWS_PROFILE:\n%s", env)
	}
}

// A request written by a process that has since been replaced must count
// for that process, not as the next process's first /next.
func TestStaleConnectionKeepsItsSession(t *testing.T) {
	api, err := newRuntimeAPI()
	if err != nil {
		t.Fatal(err)
	}
	defer api.close()

	old := newSession("old")
	api.setSession(old)
	conn, err := net.Dial("tcp", api.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	// A completed round trip proves the connection was accepted under old.
	fmt.Fprintf(conn, "POST %s/init/error HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}", apiPrefix)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("init/error status %d, want 202", resp.StatusCode)
	}

	cur := newSession("new")
	api.setSession(cur)
	fmt.Fprintf(conn, "GET %s/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n", apiPrefix)
	select {
	case <-old.arrived:
	case <-cur.arrived:
		t.Fatal("stale /next was counted for the new process")
	case <-time.After(5 * time.Second):
		t.Fatal("stale /next never arrived")
	}
	close(old.done)
	close(cur.done)
}
