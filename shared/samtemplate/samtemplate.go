package samtemplate

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"gopkg.in/yaml.v3"
)

// Template is a parsed SAM template. Intrinsic functions (!Ref, !Sub, ...)
// are kept as one-key maps ("Ref", "Fn::Sub", ...), as in JSON templates.
type Template struct {
	Resources map[string]Resource
	Globals   map[string]any
}

// Resource is one template resource.
type Resource struct {
	Type       string
	Properties map[string]any
}

// Route is one HttpApi event of a function.
type Route struct {
	Method   string // GET, HEAD, POST, ...
	Path     string // /r/{code}
	Function string // logical id
	Public   bool   // Auth.Authorizer NONE
}

// Load reads and parses a template file.
func Load(path string) (*Template, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(b)
}

// Find walks up from the working directory to the first template.yaml, so
// tests in any package can load the repository's template.
func Find() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "template.yaml")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("samtemplate: no template.yaml above the working directory")
		}
		dir = parent
	}
}

// Parse parses template YAML.
func Parse(b []byte) (*Template, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, fmt.Errorf("samtemplate: %w", err)
	}
	doc, _ := plain(&root).(map[string]any)
	if doc == nil {
		return nil, errors.New("samtemplate: template is not a mapping")
	}
	t := &Template{Resources: map[string]Resource{}}
	t.Globals, _ = doc["Globals"].(map[string]any)
	res, _ := doc["Resources"].(map[string]any)
	for id, v := range res {
		m, _ := v.(map[string]any)
		r := Resource{}
		r.Type, _ = m["Type"].(string)
		r.Properties, _ = m["Properties"].(map[string]any)
		t.Resources[id] = r
	}
	return t, nil
}

// plain turns a YAML node into maps, slices and strings, turning tags of
// CloudFormation's short form into their long form.
func plain(n *yaml.Node) any {
	var v any
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return plain(n.Content[0])
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = plain(n.Content[i+1])
		}
		v = m
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			s = append(s, plain(c))
		}
		v = s
	case yaml.AliasNode:
		return plain(n.Alias)
	default:
		v = n.Value
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		name := strings.TrimPrefix(n.Tag, "!")
		if name != "Ref" && name != "Condition" {
			name = "Fn::" + name
		}
		return map[string]any{name: v}
	}
	return v
}

// Functions returns the logical ids of the template's functions, sorted.
func (t *Template) Functions() []string {
	var ids []string
	for id, r := range t.Resources {
		if r.Type == "AWS::Serverless::Function" {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// Routes returns every HttpApi route of every function.
func (t *Template) Routes() ([]Route, error) {
	var routes []Route
	for _, fn := range t.Functions() {
		events, _ := t.Resources[fn].Properties["Events"].(map[string]any)
		for name, e := range events {
			ev, _ := e.(map[string]any)
			if ev["Type"] != "HttpApi" {
				continue
			}
			p, _ := ev["Properties"].(map[string]any)
			method, _ := p["Method"].(string)
			path, _ := p["Path"].(string)
			if method == "" || path == "" {
				return nil, fmt.Errorf("samtemplate: %s event %s needs Method and Path", fn, name)
			}
			auth, _ := p["Auth"].(map[string]any)
			routes = append(routes, Route{
				Method: strings.ToUpper(method), Path: path, Function: fn,
				Public: auth["Authorizer"] == "NONE",
			})
		}
	}
	sort.Slice(routes, func(i, j int) bool {
		if routes[i].Path != routes[j].Path {
			return routes[i].Path < routes[j].Path
		}
		return routes[i].Method < routes[j].Method
	})
	return routes, nil
}

// TableInput returns a CreateTableInput for the template's one DynamoDB
// table (keys, attributes, indexes), named name.
func (t *Template) TableInput(name string) (*dynamodb.CreateTableInput, error) {
	var props map[string]any
	for _, r := range t.Resources {
		if r.Type == "AWS::DynamoDB::Table" {
			if props != nil {
				return nil, errors.New("samtemplate: more than one table")
			}
			props = r.Properties
		}
	}
	if props == nil {
		return nil, errors.New("samtemplate: no AWS::DynamoDB::Table")
	}
	in := &dynamodb.CreateTableInput{TableName: aws.String(name), BillingMode: types.BillingModePayPerRequest}
	for _, a := range list(props["AttributeDefinitions"]) {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(field(a, "AttributeName")),
			AttributeType: types.ScalarAttributeType(field(a, "AttributeType")),
		})
	}
	in.KeySchema = keySchema(props["KeySchema"])
	for _, g := range list(props["GlobalSecondaryIndexes"]) {
		gm, _ := g.(map[string]any)
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName:  aws.String(field(g, "IndexName")),
			KeySchema:  keySchema(gm["KeySchema"]),
			Projection: &types.Projection{ProjectionType: types.ProjectionType(field(gm["Projection"], "ProjectionType"))},
		})
	}
	if len(in.KeySchema) == 0 || len(in.AttributeDefinitions) == 0 {
		return nil, errors.New("samtemplate: the table has no KeySchema or AttributeDefinitions")
	}
	return in, nil
}

func keySchema(v any) []types.KeySchemaElement {
	var ks []types.KeySchemaElement
	for _, k := range list(v) {
		ks = append(ks, types.KeySchemaElement{
			AttributeName: aws.String(field(k, "AttributeName")),
			KeyType:       types.KeyType(field(k, "KeyType")),
		})
	}
	return ks
}

func list(v any) []any { l, _ := v.([]any); return l }

func field(v any, name string) string {
	m, _ := v.(map[string]any)
	s, _ := m[name].(string)
	return s
}

// Cors is the HTTP API's CORS configuration apart from its origins, which
// are a deployment parameter (ALLOWED_ORIGINS locally).
type Cors struct {
	AllowMethods  []string
	AllowHeaders  []string
	ExposeHeaders []string
	MaxAge        string
}

// Cors returns the CorsConfiguration of the template's HttpApi, so the
// local stack answers browsers as API Gateway will.
func (t *Template) Cors() (Cors, error) {
	for id, r := range t.Resources {
		if r.Type != "AWS::Serverless::HttpApi" {
			continue
		}
		cfg, ok := r.Properties["CorsConfiguration"].(map[string]any)
		if !ok {
			return Cors{}, fmt.Errorf("samtemplate: %s has no CorsConfiguration", id)
		}
		strs := func(name string) []string {
			var out []string
			for _, v := range list(cfg[name]) {
				if s, ok := v.(string); ok {
					out = append(out, s)
				}
			}
			return out
		}
		return Cors{AllowMethods: strs("AllowMethods"), AllowHeaders: strs("AllowHeaders"),
			ExposeHeaders: strs("ExposeHeaders"), MaxAge: field(cfg, "MaxAge")}, nil
	}
	return Cors{}, errors.New("samtemplate: no AWS::Serverless::HttpApi")
}
