package workflow

import (
	"reflect"
	"time"
)

func reflectValue(v any) reflect.Value { return reflect.ValueOf(v) }

// canonical converts a decoded config into plain values for hashing:
// positions dropped, references and columns as their names, ordered maps
// as [key, value] pairs. encoding/json sorts map keys, so the result
// hashes the same whatever the recipe's formatting.
func canonical(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Invalid:
		return nil
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return canonical(v.Elem())
	case reflect.Struct:
		switch v.Type() {
		case refType:
			return v.Interface().(Ref).String()
		case columnType:
			return v.Interface().(Column).Name
		case exprType:
			return v.Interface().(Expr).Src
		case reflect.TypeFor[time.Time]():
			return v.Interface().(time.Time).UTC().Format(time.RFC3339Nano)
		}
		out := map[string]any{}
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() || f.Type == posType {
				continue
			}
			name := fieldName(f)
			if name == "-" {
				continue
			}
			if f.Anonymous && f.Type.Kind() == reflect.Struct && f.Tag.Get("yaml") == "" {
				if m, ok := canonical(v.Field(i)).(map[string]any); ok {
					for k, x := range m {
						out[k] = x
					}
				}
				continue
			}
			out[name] = canonical(v.Field(i))
		}
		return out
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		if v.Type().Implements(orderedMapType) {
			out := make([]any, v.Len())
			for i := range v.Len() {
				e := v.Index(i)
				out[i] = []any{e.FieldByName("Key").String(), canonical(e.FieldByName("Value"))}
			}
			return out
		}
		out := make([]any, v.Len())
		for i := range v.Len() {
			out[i] = canonical(v.Index(i))
		}
		return out
	case reflect.Map:
		out := map[string]any{}
		for _, k := range v.MapKeys() {
			out[k.String()] = canonical(v.MapIndex(k))
		}
		return out
	}
	return v.Interface()
}
