package samtemplate

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func TestRepositoryTemplate(t *testing.T) {
	path, err := Find()
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	routes, err := tpl.Routes()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Route{
		"GET /r/{code}":  {Method: "GET", Path: "/r/{code}", Function: "RedirectFunction", Public: true},
		"HEAD /r/{code}": {Method: "HEAD", Path: "/r/{code}", Function: "RedirectFunction", Public: true},
		"POST /partners": {Method: "POST", Path: "/partners", Function: "PartnersFunction"},
	}
	got := map[string]Route{}
	for _, r := range routes {
		got[r.Method+" "+r.Path] = r
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("route %s = %+v, want %+v", k, got[k], w)
		}
	}
	in, err := tpl.TableInput("t1")
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(in.KeySchema[0].AttributeName) != "pk" || aws.ToString(in.KeySchema[1].AttributeName) != "sk" {
		t.Errorf("table keys = %+v, want pk, sk", in.KeySchema)
	}
}

func TestIntrinsicTags(t *testing.T) {
	tpl, err := Parse([]byte("Resources:\n  F:\n    Type: X\n    Properties:\n      A: !Ref B\n      C: !GetAtt T.Arn\n      D: !Sub \"x${Y}\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := tpl.Resources["F"].Properties
	if m, _ := p["A"].(map[string]any); m["Ref"] != "B" {
		t.Errorf("!Ref = %v", p["A"])
	}
	if m, _ := p["C"].(map[string]any); m["Fn::GetAtt"] != "T.Arn" {
		t.Errorf("!GetAtt = %v", p["C"])
	}
	if m, _ := p["D"].(map[string]any); m["Fn::Sub"] != "x${Y}" {
		t.Errorf("!Sub = %v", p["D"])
	}
}
