package xgboost

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/modelgate/modelgate/formats"
)

// frame is one open container of a walk: its key in its parent, and for
// an object whether the next string is a key.
type frame struct {
	key     string
	object  bool
	wantKey bool
}

// pathOf returns the keys from the root to the value being read.
func pathOf(stack []frame, key string) []string {
	p := make([]string, 0, len(stack))
	for _, f := range stack[1:] {
		p = append(p, f.key)
	}
	return append(p, key)
}

// walkJSON streams a JSON model token by token: memory stays flat however
// large the trees are.
func walkJSON(ctx context.Context, in *formats.Input, c *checker) error {
	rc, err := in.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	dec := json.NewDecoder(bufio.NewReaderSize(rc, 64<<10))
	dec.UseNumber()
	var stack []frame
	cur := "" // the key of the value about to be read
	// children collects a tree's left_children or right_children array.
	var children []int64
	var childrenAt int64
	for n := 0; ; n++ {
		if n&0xfff == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		off := dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF {
			if len(stack) != 0 {
				return io.ErrUnexpectedEOF
			}
			break
		}
		if err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) {
				return fmt.Errorf("JSON syntax error at byte %d: %w", se.Offset, err)
			}
			return err
		}
		if len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.object && top.wantKey {
				if d, ok := tok.(json.Delim); ok && d == '}' {
					stack = stack[:len(stack)-1]
					continue
				}
				k, _ := tok.(string)
				cur, top.wantKey = k, false
				if len(stack) == 1 {
					c.key(k)
				}
				continue
			}
			if top.object {
				top.wantKey = true
			} else {
				cur = "[]"
			}
		} else if n > 0 {
			return fmt.Errorf("data after the model document at byte %d", off)
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if len(stack) >= maxDepth {
					return &formats.LimitError{Limit: "xgboost-nesting-depth", Max: maxDepth}
				}
				if len(stack) == 0 && t != '{' {
					return fmt.Errorf("model document is not an object")
				}
				stack = append(stack, frame{key: cur, object: t == '{', wantKey: t == '{'})
				if t == '[' && isChildren(pathOf(stack[:len(stack)-1], cur)) {
					children, childrenAt = []int64{}, off
				}
			case ']':
				if children != nil {
					c.children(pathOf(stack[:len(stack)-1], stack[len(stack)-1].key), children, childrenAt)
					children = nil
				}
				stack = stack[:len(stack)-1]
			}
		case string:
			c.str(pathOf(stack, cur), t, off)
		case json.Number:
			if children != nil {
				v, err := t.Int64()
				if err != nil {
					v = math.MinInt64
				}
				children = append(children, v)
			}
		}
	}
	return nil
}
