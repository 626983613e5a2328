package geom

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// MarshalJSON encodes a as the array [x, y].
func (a Vec2) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 32)
	b = append(b, '[')
	b = strconv.AppendFloat(b, a.X, 'g', -1, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, a.Y, 'g', -1, 64)
	return append(b, ']'), nil
}

// UnmarshalJSON decodes the array [x, y].
func (a *Vec2) UnmarshalJSON(data []byte) error {
	// Pointers, because encoding/json decodes a null element into a float64 as 0 without complaint.
	var v []*float64
	if err := json.Unmarshal(data, &v); err != nil {
		return fmt.Errorf("point: want [x, y]: %w", err)
	}
	if len(v) != 2 {
		return fmt.Errorf("point: want [x, y], got %d numbers", len(v))
	}
	if v[0] == nil || v[1] == nil {
		return fmt.Errorf("point: want [x, y], got null")
	}
	a.X, a.Y = *v[0], *v[1]
	return nil
}
