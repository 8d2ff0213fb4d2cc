package samtemplate

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// openAPI is the part of infra/openapi.yaml the sync test reads.
type openAPI struct {
	OpenAPI  string                          `yaml:"openapi"`
	Security []map[string][]string           `yaml:"security"`
	Paths    map[string]map[string]yaml.Node `yaml:"paths"`
}

// operation is the part of an OpenAPI operation the sync test reads.
type operation struct {
	// Security is nil when the operation inherits the document's.
	Security   *[]map[string][]string `yaml:"security"`
	Parameters []parameter            `yaml:"parameters"`
}

type parameter struct {
	Ref  string `yaml:"$ref"`
	Name string `yaml:"name"`
	In   string `yaml:"in"`
}

// openAPIMethods are the keys of an OpenAPI path item that are operations;
// the others (parameters, summary, ...) are not routes.
var openAPIMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

var pathParam = regexp.MustCompile(`\{([^}+]+)\+?\}`)

// TestOpenAPIMatchesTemplate keeps infra/openapi.yaml and template.yaml
// describing the same routes, each public or behind the JWT authorizer
// alike, with every path parameter declared.
func TestOpenAPIMatchesTemplate(t *testing.T) {
	tplPath, err := Find()
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := Load(tplPath)
	if err != nil {
		t.Fatal(err)
	}
	routes, err := tpl.Routes()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(filepath.Dir(tplPath), "infra", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc openAPI
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("infra/openapi.yaml: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", doc.OpenAPI)
	}
	components := componentParameters(t, b)

	// Public reports, per "METHOD /path", whether the operation needs no token.
	got := map[string]bool{}
	for path, item := range doc.Paths {
		var shared []parameter
		if n, ok := item["parameters"]; ok {
			if err := n.Decode(&shared); err != nil {
				t.Fatalf("%s parameters: %v", path, err)
			}
		}
		for key, n := range item {
			if !slices.Contains(openAPIMethods, key) {
				continue
			}
			route := strings.ToUpper(key) + " " + path
			var op operation
			if err := n.Decode(&op); err != nil {
				t.Fatalf("%s: %v", route, err)
			}
			security := doc.Security
			if op.Security != nil {
				security = *op.Security
			}
			got[route] = len(security) == 0

			declared := map[string]bool{}
			for _, p := range slices.Concat(shared, op.Parameters) {
				if p.Ref != "" {
					p = components[strings.TrimPrefix(p.Ref, "#/components/parameters/")]
				}
				if p.In == "path" {
					declared[p.Name] = true
				}
			}
			for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
				if !declared[m[1]] {
					t.Errorf("%s: path parameter %q is not declared", route, m[1])
				}
			}
		}
	}

	// OpenAPI has no greedy parameters: API Gateway's {file+} is {file}
	// there, its description saying it spans several segments.
	want := map[string]bool{}
	for _, r := range routes {
		want[r.Method+" "+strings.ReplaceAll(r.Path, "+}", "}")] = r.Public
	}
	for route, public := range want {
		g, ok := got[route]
		switch {
		case !ok:
			t.Errorf("template route %s is missing from infra/openapi.yaml", route)
		case g != public:
			t.Errorf("%s: public in infra/openapi.yaml = %v, want %v as in template.yaml", route, g, public)
		}
	}
	for route := range got {
		if _, ok := want[route]; !ok {
			t.Errorf("infra/openapi.yaml has %s, which template.yaml does not route", route)
		}
	}
}

// componentParameters returns the document's reusable parameters by name,
// so $refs to them count as declared.
func componentParameters(t *testing.T, b []byte) map[string]parameter {
	t.Helper()
	var doc struct {
		Components struct {
			Parameters map[string]parameter `yaml:"parameters"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Components.Parameters
}
