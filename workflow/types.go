package workflow

import (
	"fmt"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
)

// The canonical column types. Readers normalise what they read to these
// (narrower integers to int64, float32 to float64, large and dictionary
// strings to string, other timestamp units to microseconds in UTC), so
// every step type handles six physical types and nothing else.
var (
	Int64     arrow.DataType = arrow.PrimitiveTypes.Int64
	Float64   arrow.DataType = arrow.PrimitiveTypes.Float64
	String    arrow.DataType = arrow.BinaryTypes.String
	Bool      arrow.DataType = arrow.FixedWidthTypes.Boolean
	Date      arrow.DataType = arrow.FixedWidthTypes.Date32
	Timestamp arrow.DataType = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
)

// typeNames maps the type names a recipe may write to canonical types.
var typeNames = map[string]arrow.DataType{
	"int": Int64, "int64": Int64, "integer": Int64,
	"float": Float64, "float64": Float64, "double": Float64, "number": Float64,
	"string": String, "str": String, "text": String,
	"bool": Bool, "boolean": Bool,
	"date":      Date,
	"timestamp": Timestamp, "datetime": Timestamp,
}

// TypeNames lists the column type names a recipe may use, sorted.
func TypeNames() []string {
	names := make([]string, 0, len(typeNames))
	for n := range typeNames {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ParseType returns the canonical Arrow type for a recipe type name such
// as "float" or "timestamp".
func ParseType(name string) (arrow.DataType, error) {
	if t, ok := typeNames[name]; ok {
		return t, nil
	}
	return nil, fmt.Errorf("unknown column type %q%s", name, DidYouMean(name, TypeNames()))
}

// TypeName returns the recipe name of a canonical type ("int", "float",
// "string", "bool", "date", "timestamp"), or the Arrow name otherwise.
func TypeName(t arrow.DataType) string {
	switch t.ID() {
	case arrow.INT64:
		return "int"
	case arrow.FLOAT64:
		return "float"
	case arrow.STRING:
		return "string"
	case arrow.BOOL:
		return "bool"
	case arrow.DATE32:
		return "date"
	case arrow.TIMESTAMP:
		return "timestamp"
	}
	return t.String()
}

// IsNumeric reports whether t is int64 or float64.
func IsNumeric(t arrow.DataType) bool {
	return t.ID() == arrow.INT64 || t.ID() == arrow.FLOAT64
}
