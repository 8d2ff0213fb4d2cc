package metrics

import (
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Namespace is the CloudWatch namespace of every metric.
const Namespace = "partnerkit"

// The metrics partnerkit counts, with the dimension each is counted by.
const (
	// Clicks counts referral link clicks that were recorded.
	Clicks = "Clicks"
	// Attributions counts signups attributed to a partner, by Source.
	Attributions = "Attributions"
	// WebhooksRefused counts webhooks refused before parsing, by Reason.
	WebhooksRefused = "WebhooksRefused"
	// CommissionsRecorded counts commission lines written for payments.
	CommissionsRecorded = "CommissionsRecorded"
	// RefundsRecorded counts clawback lines written for refunds.
	RefundsRecorded = "RefundsRecorded"
	// StatementsClosed counts payout statements the monthly run closed.
	StatementsClosed = "StatementsClosed"
	// Invites counts invite emails by Status.
	Invites = "Invites"
)

// Dimension names.
const (
	// Source is how a signup was attributed.
	Source = "Source"
	// Reason is why a webhook was refused.
	Reason = "Reason"
	// Status is what became of an invite.
	Status = "Status"
)

// out is where lines go; nil drops them. An atomic pointer keeps the hot
// path free of locks when output is off.
var out atomic.Pointer[sink]

type sink struct {
	mu sync.Mutex // one line per Write, never interleaved
	w  io.Writer
}

// SetOutput sends every following line to w; nil turns output off.
func SetOutput(w io.Writer) {
	if w == nil {
		out.Store(nil)
		return
	}
	out.Store(&sink{w: w})
}

// now is replaced in tests.
var now = time.Now

var buffers = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// Count adds n to the metric name.
func Count(name string, n int) { emit(name, "", "", n) }

// CountBy adds n to the metric name with dimension set to value. value
// must come from a fixed set: see the package documentation.
func CountBy(name, dimension, value string, n int) { emit(name, dimension, value, n) }

// emit writes one EMF document:
//
//	{"_aws":{"Timestamp":<ms>,"CloudWatchMetrics":[{"Namespace":"partnerkit",
//	"Dimensions":[["<dimension>"]],"Metrics":[{"Name":"<name>","Unit":"Count"}]}]},
//	"<dimension>":"<value>","<name>":<n>}
//
// built by hand into a pooled buffer, so a count allocates nothing.
func emit(name, dimension, value string, n int) {
	s := out.Load()
	if s == nil {
		return
	}
	bp := buffers.Get().(*[]byte)
	b := (*bp)[:0]
	b = append(b, `{"_aws":{"Timestamp":`...)
	b = strconv.AppendInt(b, now().UnixMilli(), 10)
	b = append(b, `,"CloudWatchMetrics":[{"Namespace":"`+Namespace+`","Dimensions":[[`...)
	if dimension != "" {
		b = appendString(b, dimension)
	}
	b = append(b, `]],"Metrics":[{"Name":`...)
	b = appendString(b, name)
	b = append(b, `,"Unit":"Count"}]}]},`...)
	if dimension != "" {
		b = appendString(b, dimension)
		b = append(b, ':')
		b = appendString(b, value)
		b = append(b, ',')
	}
	b = appendString(b, name)
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, "}\n"...)
	s.mu.Lock()
	s.w.Write(b)
	s.mu.Unlock()
	*bp = b
	buffers.Put(bp)
}

// appendString appends s as a JSON string. Names and values are plain
// words; escaping only keeps a stray quote from breaking the line.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
