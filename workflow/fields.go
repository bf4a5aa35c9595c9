package workflow

import (
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// Config structs are described by struct tags, read once per type:
//
//	yaml:"name"       key in the recipe ("-" to skip the field)
//	doc:"..."         one-line description (JSON Schema, docs, list)
//	required:"true"   the key must be present
//	min:"0" max:"1"   numeric bounds (inclusive)
//	enum:"a|b|c"      allowed string values
//	minItems:"1"      minimum list length
type fieldInfo struct {
	name     string
	index    []int
	doc      string
	required bool
	min, max *float64
	enum     []string
	minItems int
	typ      reflect.Type
}

type structInfo struct {
	list   []fieldInfo
	byName map[string]fieldInfo
	names  []string
}

var structCache sync.Map // reflect.Type → *structInfo

func structFields(t reflect.Type) *structInfo {
	if si, ok := structCache.Load(t); ok {
		return si.(*structInfo)
	}
	si := &structInfo{byName: map[string]fieldInfo{}}
	var walk func(t reflect.Type, index []int)
	walk = func(t reflect.Type, index []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			idx := append(append([]int(nil), index...), i)
			if f.Anonymous && f.Type.Kind() == reflect.Struct && f.Tag.Get("yaml") == "" {
				walk(f.Type, idx)
				continue
			}
			if !f.IsExported() {
				continue
			}
			name := fieldName(f)
			if name == "-" || f.Type == posType && f.Name == "Pos" && f.Tag.Get("yaml") == "" {
				continue
			}
			fi := fieldInfo{name: name, index: idx, doc: f.Tag.Get("doc"), required: f.Tag.Get("required") == "true", typ: f.Type}
			if s := f.Tag.Get("min"); s != "" {
				v := mustFloat(s)
				fi.min = &v
			}
			if s := f.Tag.Get("max"); s != "" {
				v := mustFloat(s)
				fi.max = &v
			}
			if s := f.Tag.Get("enum"); s != "" {
				fi.enum = strings.Split(s, "|")
			}
			if s := f.Tag.Get("minItems"); s != "" {
				fi.minItems = int(mustFloat(s))
			}
			si.list = append(si.list, fi)
			si.byName[name] = fi
			si.names = append(si.names, name)
		}
	}
	walk(t, nil)
	structCache.Store(t, si)
	return si
}

func fieldName(f reflect.StructField) string {
	tag := f.Tag.Get("yaml")
	if tag == "" {
		return strings.ToLower(f.Name)
	}
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		return strings.ToLower(f.Name)
	}
	return name
}

func mustFloat(s string) float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		panic("workflow: bad numeric struct tag " + s)
	}
	return v
}
