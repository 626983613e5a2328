package runlog

import (
	"encoding/json"
	"reflect"
	"strings"
)

// jsonSchema returns the JSON Schema of the JSON encoding of type t, as Foxglove reads it: every object has
// "type": "object" and "properties"; arrays have "items". Types with their own JSON encoding (points and
// states, encoded as arrays of numbers) are arrays of numbers.
func jsonSchema(t reflect.Type) map[string]any {
	return schemaOf(t, map[reflect.Type]bool{})
}

var marshalerType = reflect.TypeFor[json.Marshaler]()

func schemaOf(t reflect.Type, seen map[reflect.Type]bool) map[string]any {
	if t.Implements(marshalerType) {
		return map[string]any{"type": "array", "items": map[string]any{"type": "number"}}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return schemaOf(t.Elem(), seen)
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), seen)}
	case reflect.Map:
		return map[string]any{"type": "object", "properties": map[string]any{}, "additionalProperties": schemaOf(t.Elem(), seen)}
	case reflect.Struct:
		props := map[string]any{}
		if !seen[t] {
			seen[t] = true
			for i := 0; i < t.NumField(); i++ {
				f := t.Field(i)
				if !f.IsExported() {
					continue
				}
				name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				if name == "-" {
					continue
				}
				if name == "" {
					name = f.Name
				}
				props[name] = schemaOf(f.Type, seen)
			}
			delete(seen, t)
		}
		return map[string]any{"type": "object", "properties": props}
	}
	return map[string]any{"type": "object", "properties": map[string]any{}}
}
