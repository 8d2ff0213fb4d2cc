package metrics

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// capture sends output to a buffer for the test and restores it after.
func capture(t *testing.T) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	SetOutput(&buf)
	now = func() time.Time { return time.UnixMilli(1795515330123) }
	t.Cleanup(func() { SetOutput(nil); now = time.Now })
	return &buf
}

func TestLines(t *testing.T) {
	tests := []struct {
		name string
		emit func()
		want string
	}{
		{"count", func() { Count(Clicks, 1) },
			`{"_aws":{"Timestamp":1795515330123,"CloudWatchMetrics":[{"Namespace":"partnerkit","Dimensions":[[]],"Metrics":[{"Name":"Clicks","Unit":"Count"}]}]},"Clicks":1}`},
		{"by dimension", func() { CountBy(Attributions, Source, "cookie", 1) },
			`{"_aws":{"Timestamp":1795515330123,"CloudWatchMetrics":[{"Namespace":"partnerkit","Dimensions":[["Source"]],"Metrics":[{"Name":"Attributions","Unit":"Count"}]}]},"Source":"cookie","Attributions":1}`},
		{"many", func() { Count(StatementsClosed, 1200) },
			`{"_aws":{"Timestamp":1795515330123,"CloudWatchMetrics":[{"Namespace":"partnerkit","Dimensions":[[]],"Metrics":[{"Name":"StatementsClosed","Unit":"Count"}]}]},"StatementsClosed":1200}`},
		{"escaped", func() { CountBy(Invites, Status, "a\"b\n", 2) },
			`{"_aws":{"Timestamp":1795515330123,"CloudWatchMetrics":[{"Namespace":"partnerkit","Dimensions":[["Status"]],"Metrics":[{"Name":"Invites","Unit":"Count"}]}]},"Status":"a\"b\u000a","Invites":2}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf := capture(t)
			tt.emit()
			if got := buf.String(); got != tt.want+"\n" {
				t.Errorf("line = %s, want %s", got, tt.want)
			}
			checkEMF(t, buf.Bytes())
		})
	}
}

// checkEMF checks a line against the Embedded Metric Format specification:
// one JSON object; _aws with a millisecond Timestamp and CloudWatchMetrics
// directives, each with a Namespace, Dimensions whose every key is a
// string member of the root, and Metrics whose every Name is a number
// member of the root.
func checkEMF(t *testing.T, line []byte) {
	t.Helper()
	if bytes.Count(line, []byte("\n")) != 1 || !bytes.HasSuffix(line, []byte("\n")) {
		t.Fatalf("%q is not one line", line)
	}
	var root map[string]any
	if err := json.Unmarshal(line, &root); err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	aws, _ := root["_aws"].(map[string]any)
	if ts, ok := aws["Timestamp"].(float64); !ok || ts < 1e12 {
		t.Errorf("_aws.Timestamp = %v, want epoch milliseconds", aws["Timestamp"])
	}
	directives, _ := aws["CloudWatchMetrics"].([]any)
	if len(directives) == 0 {
		t.Fatalf("no CloudWatchMetrics in %s", line)
	}
	for _, d := range directives {
		dir, _ := d.(map[string]any)
		if ns, _ := dir["Namespace"].(string); ns == "" || len(ns) > 255 {
			t.Errorf("Namespace = %v", dir["Namespace"])
		}
		sets, ok := dir["Dimensions"].([]any)
		if !ok {
			t.Errorf("Dimensions = %v, want an array of dimension sets", dir["Dimensions"])
		}
		for _, set := range sets {
			keys, ok := set.([]any)
			if !ok || len(keys) > 30 {
				t.Errorf("dimension set %v", set)
			}
			for _, k := range keys {
				name, _ := k.(string)
				if v, ok := root[name].(string); !ok || v == "" {
					t.Errorf("dimension %v has no string value in the root", k)
				}
			}
		}
		metrics, _ := dir["Metrics"].([]any)
		if len(metrics) == 0 || len(metrics) > 100 {
			t.Errorf("Metrics = %v", dir["Metrics"])
		}
		for _, m := range metrics {
			def, _ := m.(map[string]any)
			name, _ := def["Name"].(string)
			if _, ok := root[name].(float64); !ok {
				t.Errorf("metric %q has no number value in the root", name)
			}
			if unit := def["Unit"]; unit != nil && unit != "Count" {
				t.Errorf("Unit = %v", unit)
			}
		}
	}
}

func TestOff(t *testing.T) {
	SetOutput(nil)
	Count(Clicks, 1) // must not panic or write anywhere
	buf := capture(t)
	SetOutput(nil)
	Count(Clicks, 1)
	if buf.Len() != 0 {
		t.Errorf("wrote %s with output off", buf.Bytes())
	}
}

// TestConcurrentLines checks that lines from concurrent requests never
// interleave.
func TestConcurrentLines(t *testing.T) {
	buf := capture(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				CountBy(WebhooksRefused, Reason, "invalid_signature", 1)
			}
		})
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 400 {
		t.Fatalf("%d lines, want 400", len(lines))
	}
	for _, l := range lines {
		if !json.Valid([]byte(l)) {
			t.Fatalf("line %q is not JSON", l)
		}
	}
}

// BenchmarkCountBy is the cost a count adds to a request.
func BenchmarkCountBy(b *testing.B) {
	SetOutput(io.Discard)
	b.Cleanup(func() { SetOutput(nil) })
	b.ReportAllocs()
	for b.Loop() {
		CountBy(Attributions, Source, "cookie", 1)
	}
}
