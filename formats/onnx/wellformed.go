package onnx

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// The walker only enters the messages it judges; protobuf's parser, which
// onnx.load and onnxruntime use, parses every message field of every
// message, and refuses the whole file when one does not parse (a string
// whose length runs past its value_info, say). wellFormed checks the
// messages the walker skips the same way, from this table of onnx.proto.

type msgKind uint8

const (
	mModel msgKind = iota + 1
	mGraph
	mNode
	mAttribute
	mTensor
	mSegment
	mSparseTensor
	mValueInfo
	mType
	mTypeTensor // TypeProto.Tensor and TypeProto.SparseTensor
	mTypeElem   // TypeProto.Sequence and TypeProto.Optional
	mTypeMap
	mShape
	mLeaf // messages of strings and scalars only
	mTensorAnnotation
	mTrainingInfo
	mFunction
	mNodeDevice
	mShardingSpec
	mIntIntList
	mShardedDim
)

// packing is how a repeated scalar field is laid out when packed.
type packing uint8

const (
	packVarint packing = iota + 1
	packFixed32
	packFixed64
)

// fieldKind is one field of the table: a message or a packable scalar.
type fieldKind struct {
	msg  msgKind
	pack packing
}

func sub(m msgKind) fieldKind    { return fieldKind{msg: m} }
func packed(p packing) fieldKind { return fieldKind{pack: p} }

var schema = map[msgKind]map[protowire.Number]fieldKind{
	mModel: {7: sub(mGraph), 8: sub(mLeaf), 14: sub(mLeaf), 20: sub(mTrainingInfo), 25: sub(mFunction), 26: sub(mLeaf)},
	mGraph: {1: sub(mNode), 5: sub(mTensor), 15: sub(mSparseTensor), 11: sub(mValueInfo), 12: sub(mValueInfo),
		13: sub(mValueInfo), 14: sub(mTensorAnnotation), 16: sub(mLeaf)},
	mNode: {5: sub(mAttribute), 9: sub(mLeaf), 10: sub(mNodeDevice)},
	mAttribute: {5: sub(mTensor), 6: sub(mGraph), 22: sub(mSparseTensor), 14: sub(mType), 10: sub(mTensor),
		11: sub(mGraph), 23: sub(mSparseTensor), 15: sub(mType), 7: packed(packFixed32), 8: packed(packVarint)},
	mTensor: {1: packed(packVarint), 3: sub(mSegment), 4: packed(packFixed32), 5: packed(packVarint), 7: packed(packVarint),
		13: sub(mLeaf), 10: packed(packFixed64), 11: packed(packVarint), 16: sub(mLeaf)},
	mSegment:          {},
	mSparseTensor:     {1: sub(mTensor), 2: sub(mTensor), 3: packed(packVarint)},
	mValueInfo:        {2: sub(mType), 4: sub(mLeaf)},
	mType:             {1: sub(mTypeTensor), 4: sub(mTypeElem), 5: sub(mTypeMap), 9: sub(mTypeElem), 8: sub(mTypeTensor), 7: sub(mLeaf)},
	mTypeTensor:       {2: sub(mShape)},
	mTypeElem:         {1: sub(mType)},
	mTypeMap:          {2: sub(mType)},
	mShape:            {1: sub(mLeaf)},
	mLeaf:             {},
	mTensorAnnotation: {2: sub(mLeaf)},
	mTrainingInfo:     {1: sub(mGraph), 2: sub(mGraph), 3: sub(mLeaf), 4: sub(mLeaf)},
	mFunction:         {11: sub(mAttribute), 7: sub(mNode), 9: sub(mLeaf), 12: sub(mValueInfo), 14: sub(mLeaf)},
	mNodeDevice:       {2: sub(mShardingSpec)},
	mShardingSpec:     {2: packed(packVarint), 3: sub(mIntIntList), 4: sub(mShardedDim)},
	mIntIntList:       {2: packed(packVarint)},
	mShardedDim:       {2: sub(mLeaf)},
}

// maxNesting is protobuf's default recursion limit.
const maxNesting = 100

// wellFormed parses the message of kind k in [c.pos, end) the way
// protobuf's parser does, descending into every message field; it returns
// an error where the parser would refuse the file.
func (c *cursor) wellFormed(ctx context.Context, k msgKind, end int64, depth int) error {
	if depth > maxNesting {
		return fmt.Errorf("messages nested deeper than %d at offset %d: %w", maxNesting, c.pos, errMalformed)
	}
	fields := schema[k]
	return c.walk(ctx, end, func(f field) error {
		fk, ok := fields[f.Num]
		if !ok || f.Type != protowire.BytesType {
			return nil // unknown fields and mismatched wire types are kept, not refused
		}
		if fk.msg != 0 {
			c.pos = f.Start
			return c.wellFormed(ctx, fk.msg, f.End, depth+1)
		}
		return c.packedOK(f, fk.pack)
	})
}

// packedOK checks a packed repeated scalar: whole fixed-size elements, or
// varints that end inside the field.
func (c *cursor) packedOK(f field, p packing) error {
	n := f.End - f.Start
	switch p {
	case packFixed32:
		if n%4 != 0 {
			return fmt.Errorf("packed field %d at offset %d is %d bytes, not whole 4-byte values: %w", f.Num, f.Start, n, errMalformed)
		}
		return nil
	case packFixed64:
		if n%8 != 0 {
			return fmt.Errorf("packed field %d at offset %d is %d bytes, not whole 8-byte values: %w", f.Num, f.Start, n, errMalformed)
		}
		return nil
	}
	c.pos = f.Start
	for c.pos < f.End {
		if _, err := c.varint(); err != nil {
			return err
		}
	}
	if c.pos > f.End {
		return fmt.Errorf("packed field %d at offset %d: a varint runs past its end: %w", f.Num, f.Start, errMalformed)
	}
	return nil
}
