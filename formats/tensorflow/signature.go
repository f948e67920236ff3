package tensorflow

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
)

// Signature is one SignatureDef of a meta graph: what serving calls it
// with, for a model card.
type Signature struct {
	// Method is the method name ("tensorflow/serving/predict").
	Method string
	// Inputs and Outputs are "key: dtype[shape]", sorted by key; an
	// unknown dimension is -1, an unknown rank "[?]".
	Inputs, Outputs []string
}

// maxSignatures bounds the signature defs kept per SavedModel.
const maxSignatures = 64

// signature reads one signature_def map entry. What it cannot read is left
// out: signatures are facts, never findings, and never fail the walk.
func (w *walker) signature(f fld) {
	if w.g.Signatures == nil {
		w.g.Signatures = map[string]Signature{}
	}
	if len(w.g.Signatures) >= maxSignatures {
		return
	}
	var sig Signature
	key, err := mapEntry(f, func(h fld) error {
		switch {
		case h.num == 3 && h.typ == protowire.BytesType:
			sig.Method = string(h.val)
		case (h.num == 1 || h.num == 2) && h.typ == protowire.BytesType:
			io, err := tensorInfoEntry(h)
			if err != nil {
				return err
			}
			if h.num == 1 {
				sig.Inputs = append(sig.Inputs, io)
			} else {
				sig.Outputs = append(sig.Outputs, io)
			}
		}
		return nil
	})
	if err == nil {
		slices.Sort(sig.Inputs)
		slices.Sort(sig.Outputs)
		w.g.Signatures[key] = sig
	}
}

// tensorInfoEntry reads a map<string, TensorInfo> entry as "key: dtype[shape]".
func tensorInfoEntry(f fld) (string, error) {
	var dtype string
	shape := "[?]"
	key, err := mapEntry(f, func(h fld) error {
		switch {
		case h.num == 2 && h.typ == protowire.VarintType:
			dtype = DTypeName(h.v)
		case h.num == 3 && h.typ == protowire.BytesType:
			s, err := shapeOf(h)
			if err != nil {
				return err
			}
			shape = s
		}
		return nil
	})
	return key + ": " + dtype + shape, err
}

// mapEntry reads a protobuf map<string, message> entry: the key (field 1),
// and the value (field 2) field by field with value.
func mapEntry(f fld, value func(fld) error) (key string, err error) {
	err = sub(f, func(g fld) error {
		switch {
		case g.num == 1 && g.typ == protowire.BytesType:
			key = string(g.val)
		case g.num == 2 && g.typ == protowire.BytesType:
			return sub(g, value)
		}
		return nil
	})
	return key, err
}

// shapeOf reads a TensorShapeProto.
func shapeOf(f fld) (string, error) {
	var dims []string
	unknown := false
	err := sub(f, func(g fld) error {
		switch {
		case g.num == 2 && g.typ == protowire.BytesType:
			size := int64(0)
			if err := sub(g, func(h fld) error {
				if h.num == 1 && h.typ == protowire.VarintType {
					size = int64(h.v)
				}
				return nil
			}); err != nil {
				return err
			}
			dims = append(dims, strconv.FormatInt(size, 10))
		case g.num == 3 && g.typ == protowire.VarintType:
			unknown = g.v != 0
		}
		return nil
	})
	if unknown {
		return "[?]", err
	}
	return "[" + strings.Join(dims, ",") + "]", err
}

// rootClass reads the Keras class_name from the metadata of the object
// graph's root (node 0) user object, as TF 2.x Keras writes it.
func (w *walker) rootClass(f fld) {
	first := true
	sub(f, func(g fld) error {
		if g.num != 1 || g.typ != protowire.BytesType || !first {
			return nil
		}
		first = false
		return sub(g, func(h fld) error {
			if h.num != 4 || h.typ != protowire.BytesType {
				return nil
			}
			return sub(h, func(u fld) error {
				if u.num != 3 || u.typ != protowire.BytesType {
					return nil
				}
				var m struct {
					ClassName string `json:"class_name"`
				}
				if json.Unmarshal(u.val, &m) == nil {
					w.g.Class = m.ClassName
				}
				return nil
			})
		})
	})
}

// dtypeNames are TensorFlow's DataType names.
var dtypeNames = map[uint64]string{1: "float32", 2: "float64", 3: "int32", 4: "uint8", 5: "int16", 6: "int8",
	7: "string", 8: "complex64", 9: "int64", 10: "bool", 14: "bfloat16", 17: "uint16", 18: "complex128",
	19: "float16", 20: "resource", 21: "variant", 22: "uint32", 23: "uint64"}

// DTypeName names a DataType value ("float32"); an unknown one is
// "dtype<n>".
func DTypeName(t uint64) string {
	if n, ok := dtypeNames[t]; ok {
		return n
	}
	return "dtype" + strconv.FormatUint(t, 10)
}
