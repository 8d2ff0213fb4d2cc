// Package metrics publishes partnerkit's business metrics to CloudWatch in
// the Embedded Metric Format: each count is one JSON line on standard
// output that CloudWatch Logs turns into a metric, so counting costs no
// API call, no permission and no latency beyond a write.
//
// Every metric is in the namespace partnerkit. A dimension's values must
// come from a fixed, small set (a source, a reason, a status), never from
// ids or input: each distinct value is a metric CloudWatch bills for.
//
// Output is off until SetOutput names a writer; lambdamain sets standard
// output, so tests and the local stack print nothing unless they ask.
package metrics
