package samtemplate

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"partnerkit/shared/validate"
)

// schemaVisit is called with every schema of the document and the name
// it describes: a property's name or a parameter's.
type schemaVisit func(name string, schema map[string]any)

// walkSchemas visits the schemas under n; name is the property or
// parameter the enclosing schema describes.
func walkSchemas(n any, name string, visit schemaVisit) {
	switch v := n.(type) {
	case map[string]any:
		if v["type"] != nil || v["enum"] != nil || v["pattern"] != nil {
			visit(name, v)
		}
		for k, child := range v {
			switch props, _ := child.(map[string]any); {
			case k == "properties" && props != nil:
				for prop, s := range props {
					walkSchemas(s, prop, visit)
				}
			case k == "schema" && v["name"] != nil:
				walkSchemas(child, v["name"].(string), visit)
			default:
				walkSchemas(child, name, visit)
			}
		}
	case []any:
		for _, child := range v {
			walkSchemas(child, name, visit)
		}
	}
}

func loadOpenAPI(t *testing.T) any {
	t.Helper()
	tplPath, err := Find()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(filepath.Dir(tplPath), "infra", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("infra/openapi.yaml: %v", err)
	}
	return doc
}

// TestOpenAPISchemas checks the schemas' details that generated clients
// and validators rely on: enums are typed (a client generator makes an
// untyped enum an interface{}), periods are real months, and external ids
// follow the rule the handlers apply.
func TestOpenAPISchemas(t *testing.T) {
	doc := loadOpenAPI(t)
	var periods, ids int
	walkSchemas(doc, "", func(name string, s map[string]any) {
		if enum, ok := s["enum"].([]any); ok {
			if s["type"] != "string" {
				t.Errorf("%s: enum %v has type %v, want string", name, enum, s["type"])
			}
		}
		pattern, _ := s["pattern"].(string)
		if pattern == "" {
			return
		}
		re, err := regexp.Compile(pattern)
		if err != nil {
			t.Errorf("%s: pattern %q: %v", name, pattern, err)
			return
		}
		switch name {
		case "period":
			periods++
			for _, p := range []string{"2026-01", "2026-09", "2026-10", "2026-12"} {
				if !re.MatchString(p) {
					t.Errorf("period pattern %q refuses %s", pattern, p)
				}
			}
			for _, p := range []string{"2026-00", "2026-13", "2026-19", "2026-1", "26-01", "2026-011"} {
				if re.MatchString(p) {
					t.Errorf("period pattern %q admits %s", pattern, p)
				}
			}
		case "customer_id", "payment_id", "refund_id":
			ids++
			for _, id := range []string{"cus_1", "in_1.2:3-4_5/6~!\"", strings.Repeat("a", 255), strings.Repeat("a", 256), "", "a#b", "a b", " ", "café", "a\tb", "a\x7f"} {
				// maxLength bounds the length; the pattern, the characters.
				want := validate.ExternalID(id) == nil || len(id) > validate.MaxIDLen
				if got := re.MatchString(id); got != want {
					t.Errorf("%s pattern %q on %q = %v, want %v", name, pattern, id, got, want)
				}
			}
			if s["maxLength"] != validate.MaxIDLen {
				t.Errorf("%s maxLength = %v, want %d", name, s["maxLength"], validate.MaxIDLen)
			}
		}
	})
	if periods < 2 {
		t.Errorf("checked %d period patterns, want at least 2", periods)
	}
	// The attribution path, the signup webhook's customer_id, and the
	// billing webhook's three ids.
	if ids < 5 {
		t.Errorf("checked %d external id patterns, want at least 5", ids)
	}
}
