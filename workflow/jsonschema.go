package workflow

import (
	"encoding/json"
	"reflect"
	"time"
)

// SchemaProvider is implemented by config types with a custom YAML shape
// (see Unmarshaler) to describe that shape in the JSON Schema.
type SchemaProvider interface {
	RecipeSchema() map[string]any
}

// interpolated is the schema alternative that lets any non-string value be
// written as a ${params.x} reference.
var interpolated = map[string]any{"type": "string", "pattern": `^\$\{[^}]+\}$`, "description": "A ${params.NAME} reference."}

// JSONSchema returns the JSON Schema (draft-07) of recipes, generated from
// the registered step specs: the same struct tags that drive decoding
// drive the schema, so the two cannot drift.
func JSONSchema() ([]byte, error) {
	defs := map[string]any{}
	var allOf []any
	types := []any{}
	for _, s := range Specs() {
		types = append(types, s.Type)
		cfg := s.New()
		obj := structSchema(reflect.TypeOf(cfg).Elem(), reflect.ValueOf(cfg).Elem())
		props := obj["properties"].(map[string]any)
		props["id"] = map[string]any{"type": "string", "pattern": stepIDRE.String(), "description": "Step id, referenced by other steps."}
		props["type"] = map[string]any{"const": s.Type}
		props["description"] = map[string]any{"type": "string", "description": "What this step is for."}
		props["after"] = map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "description": "Steps that must finish before this one, beyond those it reads from."}
		req, _ := obj["required"].([]any)
		obj["required"] = append([]any{"id", "type"}, req...)
		obj["description"] = s.Summary
		defs[s.Type] = obj
		allOf = append(allOf, map[string]any{
			"if":   map[string]any{"properties": map[string]any{"type": map[string]any{"const": s.Type}}, "required": []any{"type"}},
			"then": map[string]any{"$ref": "#/definitions/" + s.Type},
		})
	}
	defs["step"] = map[string]any{
		"type":     "object",
		"required": []any{"id", "type"},
		"properties": map[string]any{
			"id":   map[string]any{"type": "string"},
			"type": map[string]any{"enum": types, "description": "Step type; `aftercare list` describes each."},
		},
		"allOf": allOf,
	}
	param := structSchema(reflect.TypeFor[paramDecl](), reflect.Value{})
	param["required"] = []any{"type"}
	defs["param"] = param
	root := map[string]any{
		"$schema":              "http://json-schema.org/draft-07/schema#",
		"$id":                  "https://github.com/aftercare/aftercare/schemas/recipe.schema.json",
		"title":                "aftercare recipe",
		"description":          "A declarative customer-segmentation workflow: read data, extract features, cluster or model, name segments, plan support actions.",
		"type":                 "object",
		"required":             []any{"version", "name", "steps"},
		"additionalProperties": false,
		"properties": map[string]any{
			"version":     map[string]any{"const": 1, "description": "Recipe language version."},
			"name":        map[string]any{"type": "string", "pattern": nameRE.String(), "description": "Recipe name; names the default output folder."},
			"description": map[string]any{"type": "string"},
			"params": map[string]any{
				"type":                 "object",
				"description":          "Typed parameters, overridable with --set NAME=VALUE and used as ${params.NAME} or params.NAME in expressions.",
				"additionalProperties": map[string]any{"$ref": "#/definitions/param"},
			},
			"steps": map[string]any{"type": "array", "minItems": 1, "items": map[string]any{"$ref": "#/definitions/step"}},
		},
		"definitions": defs,
	}
	b, err := json.MarshalIndent(root, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func structSchema(t reflect.Type, v reflect.Value) map[string]any {
	props := map[string]any{}
	var req []any
	for _, f := range structFields(t).list {
		var fv reflect.Value
		if v.IsValid() {
			fv = v.FieldByIndex(f.index)
		}
		s := typeSchema(f.typ, fv)
		if f.doc != "" {
			s["description"] = f.doc
		}
		if f.min != nil {
			s["minimum"] = *f.min
		}
		if f.max != nil {
			s["maximum"] = *f.max
		}
		if len(f.enum) > 0 {
			s["enum"] = f.enum
		}
		if f.minItems > 0 {
			s["minItems"] = f.minItems
		}
		if fv.IsValid() && !fv.IsZero() {
			if d := canonical(fv); d != nil {
				s["default"] = d
			}
		}
		props[f.name] = withInterpolation(s)
		if f.required {
			req = append(req, f.name)
		}
	}
	out := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(req) > 0 {
		out["required"] = req
	}
	return out
}

// withInterpolation lets a non-string value also be written as
// ${params.x}.
func withInterpolation(s map[string]any) map[string]any {
	if t, ok := s["type"]; !ok || t == "string" {
		return s
	}
	desc := s["description"]
	delete(s, "description")
	out := map[string]any{"anyOf": []any{s, interpolated}}
	if desc != nil {
		out["description"] = desc
	}
	if d, ok := s["default"]; ok {
		out["default"] = d
	}
	return out
}

func typeSchema(t reflect.Type, v reflect.Value) map[string]any {
	if reflect.PointerTo(t).Implements(reflect.TypeFor[SchemaProvider]()) {
		return reflect.New(t).Interface().(SchemaProvider).RecipeSchema()
	}
	switch t {
	case refType:
		return map[string]any{"type": "string", "description": "A step id, or step.output for a named output."}
	case columnType:
		return map[string]any{"type": "string"}
	case exprType:
		return map[string]any{"type": "string", "description": "An expression (expr-lang syntax) over the input's columns and params."}
	case reflect.TypeFor[time.Duration]():
		return map[string]any{"type": "string", "description": "A duration like 90d, 2w or 36h."}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return typeSchema(t.Elem(), reflect.Value{})
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint, reflect.Uint64, reflect.Uint32:
		return map[string]any{"type": "integer"}
	case reflect.Float64, reflect.Float32:
		return map[string]any{"type": "number"}
	case reflect.Slice:
		if t.Implements(orderedMapType) {
			elem := t.Elem().Field(2).Type // Entry.Value
			return map[string]any{"type": "object", "additionalProperties": withInterpolation(typeSchema(elem, reflect.Value{}))}
		}
		return map[string]any{"type": "array", "items": withInterpolation(typeSchema(t.Elem(), reflect.Value{}))}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": withInterpolation(typeSchema(t.Elem(), reflect.Value{}))}
	case reflect.Struct:
		return structSchema(t, v)
	}
	return map[string]any{}
}
