package samtemplate

import (
	"encoding/json"
	"strings"
	"testing"
)

// repositoryTemplate loads the repository's template.yaml.
func repositoryTemplate(t *testing.T) *Template {
	t.Helper()
	path, err := Find()
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// ref returns the logical id v refers to with !Ref or !GetAtt, or "".
func ref(v any) string {
	m, _ := v.(map[string]any)
	if id, ok := m["Ref"].(string); ok {
		return id
	}
	if att, ok := m["Fn::GetAtt"].(string); ok {
		id, _, _ := strings.Cut(att, ".")
		return id
	}
	return ""
}

func get(v any, keys ...string) any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}

// TestFunctionLogGroups checks every function logs JSON to a log group of
// its own whose retention is the LogRetentionDays parameter: without one,
// Lambda creates a group that keeps logs forever.
func TestFunctionLogGroups(t *testing.T) {
	tpl := repositoryTemplate(t)
	owner := map[string]string{}
	for _, fn := range tpl.Functions() {
		lc := get(tpl.Resources[fn].Properties, "LoggingConfig")
		if got := get(lc, "LogFormat"); got != "JSON" {
			t.Errorf("%s: LogFormat = %v, want JSON", fn, got)
		}
		group := ref(get(lc, "LogGroup"))
		if tpl.Resources[group].Type != "AWS::Logs::LogGroup" {
			t.Errorf("%s: LogGroup = %v, want a !Ref to an AWS::Logs::LogGroup", fn, get(lc, "LogGroup"))
			continue
		}
		if other, ok := owner[group]; ok {
			t.Errorf("%s and %s share the log group %s", fn, other, group)
		}
		owner[group] = fn
	}
	for id, r := range tpl.Resources {
		if r.Type != "AWS::Logs::LogGroup" {
			continue
		}
		if got := ref(r.Properties["RetentionInDays"]); got != "LogRetentionDays" {
			t.Errorf("%s: RetentionInDays = %v, want !Ref LogRetentionDays", id, r.Properties["RetentionInDays"])
		}
	}
}

// TestHttpApiOperations checks the API's access log and default throttling.
func TestHttpApiOperations(t *testing.T) {
	tpl := repositoryTemplate(t)
	api := tpl.Resources["HttpApi"].Properties
	access := get(api, "AccessLogSettings")
	if id := ref(get(access, "DestinationArn")); tpl.Resources[id].Type != "AWS::Logs::LogGroup" {
		t.Errorf("access log destination = %v, want a log group", get(access, "DestinationArn"))
	}
	format, _ := get(access, "Format").(string)
	var fields map[string]string
	if err := json.Unmarshal([]byte(format), &fields); err != nil {
		t.Fatalf("access log format %q is not one JSON object: %v", format, err)
	}
	for _, want := range []string{"$context.requestId", "$context.routeKey", "$context.status", "$context.authorizer.error"} {
		if !strings.Contains(format, want) {
			t.Errorf("access log format lacks %s", want)
		}
	}
	// Paths hold unsubscribe tokens; IPs are personal data.
	for _, never := range []string{"$context.path", "$context.identity.sourceIp", "$context.http.path"} {
		if strings.Contains(format, never) {
			t.Errorf("access log format logs %s", never)
		}
	}
	for k, param := range map[string]string{"ThrottlingBurstLimit": "ThrottlingBurstLimit", "ThrottlingRateLimit": "ThrottlingRateLimit"} {
		if got := ref(get(api, "DefaultRouteSettings", k)); got != param {
			t.Errorf("DefaultRouteSettings.%s = %v, want !Ref %s", k, get(api, "DefaultRouteSettings", k), param)
		}
	}
}

// TestPublicFunctionsReserveConcurrency checks every function serving a
// route without the JWT authorizer has a ReservedConcurrentExecutions, a
// condition on a parameter so that "none" stays possible.
func TestPublicFunctionsReserveConcurrency(t *testing.T) {
	tpl := repositoryTemplate(t)
	routes, err := tpl.Routes()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range routes {
		if !r.Public {
			continue
		}
		v := tpl.Resources[r.Function].Properties["ReservedConcurrentExecutions"]
		branches, _ := get(v, "Fn::If").([]any)
		if len(branches) != 3 || ref(branches[1]) == "" || ref(branches[2]) != "AWS::NoValue" {
			t.Errorf("%s (%s %s): ReservedConcurrentExecutions = %v, want !If [cond, !Ref param, !Ref AWS::NoValue]", r.Function, r.Method, r.Path, v)
		}
	}
}

// TestAlarms checks the alarms an operator needs exist, and notify the
// optional topic only when it is set.
func TestAlarms(t *testing.T) {
	tpl := repositoryTemplate(t)
	// watched[metric] is the set of resources alarms watch that metric of.
	watched := map[string]map[string]bool{}
	watch := func(metric, id string) {
		if watched[metric] == nil {
			watched[metric] = map[string]bool{}
		}
		watched[metric][id] = true
	}
	dims := func(metric string, d any) {
		for _, dim := range list(d) {
			if id := ref(get(dim, "Value")); id != "" {
				watch(metric, id)
			}
		}
	}
	for id, r := range tpl.Resources {
		if r.Type != "AWS::CloudWatch::Alarm" {
			continue
		}
		p := r.Properties
		if name, ok := p["MetricName"].(string); ok {
			dims(name, p["Dimensions"])
		}
		for _, m := range list(p["Metrics"]) {
			metric := get(m, "MetricStat", "Metric")
			name, _ := get(metric, "MetricName").(string)
			dims(name, get(metric, "Dimensions"))
		}
		for _, actions := range []string{"AlarmActions", "OKActions"} {
			branches, _ := get(p[actions], "Fn::If").([]any)
			if len(branches) != 3 || branches[0] != "HasAlarmTopic" || ref(branches[2]) != "AWS::NoValue" {
				t.Errorf("%s: %s = %v, want !If [HasAlarmTopic, [!Ref AlarmTopicArn], !Ref AWS::NoValue]", id, actions, p[actions])
			}
		}
	}
	for _, fn := range tpl.Functions() {
		if !watched["Throttles"][fn] {
			t.Errorf("no alarm on %s throttles", fn)
		}
		// The monthly run fails on purpose between shards; its failure is
		// the on-failure queue's depth.
		if fn != "AccrualFunction" && !watched["Errors"][fn] {
			t.Errorf("no alarm on %s errors", fn)
		}
	}
	for id, r := range tpl.Resources {
		if r.Type == "AWS::SQS::Queue" && !watched["ApproximateNumberOfMessagesVisible"][id] {
			t.Errorf("no alarm on the depth of queue %s", id)
		}
	}
	onFailure := ref(get(tpl.Resources["AccrualFunction"].Properties, "EventInvokeConfig", "DestinationConfig", "OnFailure", "Destination"))
	if tpl.Resources[onFailure].Type != "AWS::SQS::Queue" {
		t.Errorf("the monthly run's on-failure destination %q is not a queue of the template", onFailure)
	}
	if !watched["5xx"]["HttpApi"] {
		t.Errorf("no alarm on the API's 5xx answers")
	}
}
