// Package inventory lists the tensors of a PyTorch checkpoint (a torch.save
// zip archive or the legacy single-stream format) for the model card: names,
// shapes, dtypes and the parameter count, with every storage's size checked
// against the bytes the file holds for it.
//
// It decodes data.pkl with gopickle under two rules: FindClass admits only
// globals the pickle allowlist allows (and resolves none of them to code:
// the few torch rebuild functions are modelled, every other allowed global
// is an inert placeholder that records its arguments), and PersistentLoad
// returns a placeholder for each storage, so no tensor data is read and
// nothing runs. For a TorchScript archive it also names the top-level
// module's class (data.pkl's first GLOBAL) and its forward signature, read
// as text from the archive's code/. It is meant for files the scan found
// clean; it never judges a file, and an error only means there are no
// facts to record.
package inventory

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"math/bits"
	"slices"
	"strings"

	"github.com/nlpodyssey/gopickle/pickle"
	"github.com/nlpodyssey/gopickle/types"

	"github.com/modelgate/modelgate/formats/pickle/globals"
)

// Bounds of a decode.
const (
	// MaxPickle caps the data.pkl bytes decoded.
	MaxPickle = 64 << 20
	// MaxTensors caps the tensors listed; more is an error, not a partial
	// inventory, so a parameter count is never an undercount.
	MaxTensors = 1 << 17
	maxDepth   = 64
	maxNodes   = 1 << 22
)

// Tensor is one tensor of the checkpoint.
type Tensor struct {
	Name  string // the dotted path of keys that leads to it ("model.fc.weight")
	Dtype string // torch's name: float32, bfloat16, int64...
	Shape []uint64
}

// Inventory is what a checkpoint's pickle says about its tensors.
type Inventory struct {
	Tensors []Tensor
	Params  uint64 // sum of the tensors' element counts
}

// Dtypes lists the inventory's distinct dtypes, sorted.
func (inv *Inventory) Dtypes() []string {
	var out []string
	for _, t := range inv.Tensors {
		out = append(out, t.Dtype)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// storageTypes maps torch's typed storage classes to a dtype and its
// element size.
var storageTypes = map[string]struct {
	dtype string
	size  uint64
}{
	"DoubleStorage": {"float64", 8}, "FloatStorage": {"float32", 4}, "HalfStorage": {"float16", 2},
	"BFloat16Storage": {"bfloat16", 2}, "LongStorage": {"int64", 8}, "IntStorage": {"int32", 4},
	"ShortStorage": {"int16", 2}, "CharStorage": {"int8", 1}, "ByteStorage": {"uint8", 1},
	"BoolStorage": {"bool", 1}, "ComplexDoubleStorage": {"complex128", 16},
	"ComplexFloatStorage": {"complex64", 8}, "QInt8Storage": {"qint8", 1},
	"QUInt8Storage": {"quint8", 1}, "QInt32Storage": {"qint32", 4},
}

type storageType struct {
	dtype string
	size  uint64
}

type storage struct {
	key   string
	typ   storageType
	numel uint64
}

type tensor struct {
	st    *storage
	shape []uint64
	numel uint64
}

// opaque stands for an allowlisted global and anything built from it; it
// keeps its arguments and state so tensors inside it are still found.
type opaque struct{ children []any }

func (o *opaque) Call(args ...any) (any, error)  { return &opaque{children: args}, nil }
func (o *opaque) PyNew(args ...any) (any, error) { return &opaque{children: args}, nil }
func (o *opaque) PySetState(state any) error {
	o.children = append(o.children, state)
	return nil
}
func (o *opaque) PyDictSet(_, v any) error {
	o.children = append(o.children, v)
	return nil
}
func (o *opaque) PySetAttr(_ string, v any) error {
	o.children = append(o.children, v)
	return nil
}

// callable adapts a modelled torch function.
type callable func(args ...any) (any, error)

func (c callable) Call(args ...any) (any, error) { return c(args...) }

type decoder struct {
	storages map[string]*storage
	ntensors int
}

func (d *decoder) findClass(module, name string) (any, error) {
	m, n := globals.MapCompat(module, name)
	if v := globals.Judge(m, n); v.Class != globals.Allowed {
		return nil, fmt.Errorf("global %s.%s is not allowlisted", m, n)
	}
	switch {
	case m == "torch._utils" && (n == "_rebuild_tensor_v2" || n == "_rebuild_tensor"):
		return callable(d.rebuildTensor), nil
	case m == "torch._utils" && (n == "_rebuild_parameter" || n == "_rebuild_parameter_with_state"):
		return callable(func(args ...any) (any, error) {
			if len(args) == 0 {
				return nil, errors.New("_rebuild_parameter without arguments")
			}
			return args[0], nil
		}), nil
	case m == "collections" && n == "OrderedDict":
		return &types.OrderedDictClass{}, nil
	case m == "torch":
		if st, ok := storageTypes[n]; ok {
			return storageType{st.dtype, st.size}, nil
		}
	}
	return &opaque{}, nil
}

func (d *decoder) persistentLoad(pid any) (any, error) {
	t, ok := pid.(*types.Tuple)
	if !ok || t.Len() < 5 {
		return nil, fmt.Errorf("persistent id %T is not a storage tuple", pid)
	}
	if tag, _ := t.Get(0).(string); tag != "storage" {
		return nil, fmt.Errorf("persistent id tag %v is not storage", t.Get(0))
	}
	typ, ok := t.Get(1).(storageType)
	if !ok {
		return nil, fmt.Errorf("persistent id storage type %T is not a typed torch storage", t.Get(1))
	}
	key, ok := t.Get(2).(string)
	if !ok {
		return nil, fmt.Errorf("persistent id key %T is not a string", t.Get(2))
	}
	numel, ok := uintOf(t.Get(4))
	if !ok {
		return nil, fmt.Errorf("storage %q: element count %v is not a count", key, t.Get(4))
	}
	if s, ok := d.storages[key]; ok {
		if s.typ != typ || s.numel != numel {
			return nil, fmt.Errorf("storage %q is declared twice differently", key)
		}
		return s, nil
	}
	if len(d.storages) >= MaxTensors {
		return nil, fmt.Errorf("more than %d storages", MaxTensors)
	}
	s := &storage{key: key, typ: typ, numel: numel}
	d.storages[key] = s
	return s, nil
}

// rebuildTensor models torch._utils._rebuild_tensor(_v2)(storage, offset,
// size, stride, ...): the tensor's shape, and that its view lies inside its
// storage.
func (d *decoder) rebuildTensor(args ...any) (any, error) {
	if len(args) < 4 {
		return nil, fmt.Errorf("_rebuild_tensor with %d arguments", len(args))
	}
	st, ok := args[0].(*storage)
	if !ok {
		return nil, fmt.Errorf("_rebuild_tensor on %T, not a storage", args[0])
	}
	off, ok1 := uintOf(args[1])
	size, ok2 := uints(args[2])
	stride, ok3 := uints(args[3])
	if !ok1 || !ok2 || !ok3 || len(size) != len(stride) {
		return nil, fmt.Errorf("tensor on storage %q: bad offset, size or stride", st.key)
	}
	d.ntensors++
	if d.ntensors > MaxTensors {
		return nil, fmt.Errorf("more than %d tensors", MaxTensors)
	}
	numel, last := uint64(1), off
	for i, n := range size {
		hi, lo := bits.Mul64(numel, n)
		if hi != 0 {
			return nil, fmt.Errorf("tensor on storage %q: element count overflows", st.key)
		}
		numel = lo
		if n > 0 {
			hi, lo := bits.Mul64(n-1, stride[i])
			sum, carry := bits.Add64(last, lo, 0)
			if hi != 0 || carry != 0 {
				return nil, fmt.Errorf("tensor on storage %q: extent overflows", st.key)
			}
			last = sum
		}
	}
	if numel > 0 && last >= st.numel {
		return nil, fmt.Errorf("tensor on storage %q reaches element %d of %d", st.key, last, st.numel)
	}
	return &tensor{st: st, shape: size, numel: numel}, nil
}

func uintOf(v any) (uint64, bool) {
	switch x := v.(type) {
	case int:
		return uint64(x), x >= 0
	case *big.Int:
		return x.Uint64(), x.Sign() >= 0 && x.IsUint64()
	}
	return 0, false
}

func uints(v any) ([]uint64, bool) {
	t, ok := v.(*types.Tuple)
	if !ok || t.Len() > 64 {
		return nil, false
	}
	out := make([]uint64, t.Len())
	for i := range out {
		if out[i], ok = uintOf(t.Get(i)); !ok {
			return nil, false
		}
	}
	return out, true
}

// load decodes the pickle at the start of data and returns it and where
// it ends. gopickle is not written for hostile input (an unhashable dict
// key panics), so a panic is an error here.
func (d *decoder) load(data []byte) (v any, end int, err error) {
	end, err = pickleEnd(data)
	if err != nil {
		return nil, 0, fmt.Errorf("decode pickle: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			v, err = nil, fmt.Errorf("decode pickle: %v", p)
		}
	}()
	u := pickle.NewUnpickler(bytes.NewReader(data[:end]))
	u.FindClass = d.findClass
	u.PersistentLoad = d.persistentLoad
	u.GetExtension = func(code int) (any, error) { return nil, fmt.Errorf("extension code %d", code) }
	u.NextBuffer = func() (any, error) { return nil, errors.New("out-of-band buffer") }
	v, err = u.Load()
	if err != nil {
		return nil, 0, fmt.Errorf("decode pickle: %w", err)
	}
	return v, end, nil
}

// collect walks the decoded object for tensors, naming each by the keys
// that lead to it.
type collector struct {
	ctx   context.Context
	inv   *Inventory
	seen  map[any]bool
	nodes int
}

func (c *collector) walk(v any, name string, depth int) error {
	c.nodes++
	if c.nodes > maxNodes || depth > maxDepth {
		return fmt.Errorf("object deeper than %d or larger than %d nodes", maxDepth, maxNodes)
	}
	if c.nodes%4096 == 0 {
		if err := c.ctx.Err(); err != nil {
			return err
		}
	}
	join := func(k any) string {
		var s string
		switch x := k.(type) {
		case string:
			s = x
		case int:
			s = fmt.Sprint(x)
		default:
			s = "?"
		}
		if name == "" {
			return s
		}
		return name + "." + s
	}
	switch x := v.(type) {
	case *tensor:
		if c.seen[x] {
			return nil
		}
		c.seen[x] = true
		sum, carry := bits.Add64(c.inv.Params, x.numel, 0)
		if carry != 0 {
			return errors.New("parameter count overflows")
		}
		c.inv.Params = sum
		c.inv.Tensors = append(c.inv.Tensors, Tensor{Name: name, Dtype: x.st.typ.dtype, Shape: x.shape})
		return nil
	case *types.OrderedDict:
		if c.seen[x] {
			return nil
		}
		c.seen[x] = true
		for e := x.List.Front(); e != nil; e = e.Next() {
			ent := e.Value.(*types.OrderedDictEntry)
			if err := c.walk(ent.Value, join(ent.Key), depth+1); err != nil {
				return err
			}
		}
	case *types.Dict:
		if c.seen[x] {
			return nil
		}
		c.seen[x] = true
		for _, ent := range *x {
			if err := c.walk(ent.Value, join(ent.Key), depth+1); err != nil {
				return err
			}
		}
	case *types.List:
		if c.seen[x] {
			return nil
		}
		c.seen[x] = true
		for i, e := range *x {
			if err := c.walk(e, join(i), depth+1); err != nil {
				return err
			}
		}
	case *types.Tuple:
		if c.seen[x] {
			return nil
		}
		c.seen[x] = true
		for i, e := range *x {
			if err := c.walk(e, join(i), depth+1); err != nil {
				return err
			}
		}
	case *opaque:
		if c.seen[x] {
			return nil
		}
		c.seen[x] = true
		for _, e := range x.children {
			if err := c.walk(e, name, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func (d *decoder) inventory(ctx context.Context, v any) (*Inventory, error) {
	c := &collector{ctx: ctx, inv: &Inventory{}, seen: map[any]bool{}}
	if err := c.walk(v, "", 0); err != nil {
		return nil, err
	}
	return c.inv, nil
}

func nbytes(s *storage) (uint64, bool) {
	hi, lo := bits.Mul64(s.numel, s.typ.size)
	return lo, hi == 0
}

// Archive is a torch zip archive whose directory was read once, for both
// its inventory and its TorchScript facts. Torch reads every record under
// the folder of the first entry, whatever its case, so members are keyed
// by their lower-cased names.
type Archive struct {
	root    string
	members map[string]*zip.File
	// pkl is data.pkl as Inventory read it, so that TorchScript reads
	// its head from there rather than from the file again.
	pkl []byte
}

// OpenZip reads the directory of a torch zip archive.
func OpenZip(ra io.ReaderAt, size int64) (*Archive, error) {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return nil, fmt.Errorf("open zip: %w", err)
	}
	if len(zr.File) == 0 {
		return nil, errors.New("empty zip")
	}
	a := &Archive{members: map[string]*zip.File{}}
	a.root, _, _ = strings.Cut(zr.File[0].Name, "/")
	for _, f := range zr.File {
		a.members[strings.ToLower(f.Name)] = f
	}
	return a, nil
}

// Zip lists the tensors of a torch.save zip archive from its data.pkl,
// and checks each storage against its data/<key> member's size.
func Zip(ctx context.Context, ra io.ReaderAt, size int64) (*Inventory, error) {
	a, err := OpenZip(ra, size)
	if err != nil {
		return nil, err
	}
	return a.Inventory(ctx)
}

// Inventory lists the tensors of the archive as Zip does.
func (a *Archive) Inventory(ctx context.Context) (*Inventory, error) {
	root, members := a.root, a.members
	pkl, ok := members[strings.ToLower(root+"/data.pkl")]
	if !ok {
		return nil, fmt.Errorf("no %s/data.pkl", root)
	}
	if pkl.UncompressedSize64 > MaxPickle {
		return nil, fmt.Errorf("data.pkl is %d bytes, over %d", pkl.UncompressedSize64, MaxPickle)
	}
	rc, err := pkl.Open()
	if err != nil {
		return nil, fmt.Errorf("open data.pkl: %w", err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, MaxPickle+1))
	if err != nil {
		return nil, fmt.Errorf("read data.pkl: %w", err)
	}
	a.pkl = data
	d := &decoder{storages: map[string]*storage{}}
	v, _, err := d.load(data)
	if err != nil {
		return nil, err
	}
	for _, s := range d.storages {
		m, ok := members[strings.ToLower(root+"/data/"+s.key)]
		if !ok {
			return nil, fmt.Errorf("storage %q has no member %s/data/%s", s.key, root, s.key)
		}
		if n, ok := nbytes(s); !ok || m.UncompressedSize64 != n {
			return nil, fmt.Errorf("storage %q of %d %s elements: member holds %d bytes", s.key, s.numel, s.typ.dtype, m.UncompressedSize64)
		}
	}
	return d.inventory(ctx, v)
}

// Legacy lists the tensors of a legacy torch.save stream: the magic
// number, protocol version and system-info pickles, the object's pickle,
// the list of storage keys, then each storage as a little-endian element
// count and its bytes. Each storage's count is checked against the
// pickle's, and the storages against the file's size.
func Legacy(ctx context.Context, ra io.ReaderAt, size int64) (*Inventory, error) {
	head := make([]byte, min(size, MaxPickle))
	if n, err := ra.ReadAt(head, 0); n < len(head) {
		return nil, fmt.Errorf("read legacy stream: %w", err)
	}
	d := &decoder{storages: map[string]*storage{}}
	var v any
	off := 0
	for i := range 5 {
		x, n, err := d.load(head[off:])
		if err != nil {
			return nil, fmt.Errorf("pickle %d of the legacy stream: %w", i+1, err)
		}
		off += n
		if i == 3 {
			v = x
		}
		if i == 4 {
			keys, ok := x.(*types.List)
			if !ok {
				return nil, fmt.Errorf("storage key list is %T", x)
			}
			if err := d.checkLegacyStorages(ra, size, int64(off), *keys); err != nil {
				return nil, err
			}
		}
	}
	return d.inventory(ctx, v)
}

// checkLegacyStorages reads each storage's element count, in the order of
// keys, from off on.
func (d *decoder) checkLegacyStorages(ra io.ReaderAt, size, off int64, keys []any) error {
	if len(keys) != len(d.storages) {
		return fmt.Errorf("%d storage keys for %d storages", len(keys), len(d.storages))
	}
	for _, k := range keys {
		ks, _ := k.(string)
		s, ok := d.storages[ks]
		if !ok {
			return fmt.Errorf("storage key %v names no storage", k)
		}
		var hdr [8]byte
		if _, err := ra.ReadAt(hdr[:], off); err != nil {
			return fmt.Errorf("storage %q header at %d: %w", ks, off, err)
		}
		if n := binary.LittleEndian.Uint64(hdr[:]); n != s.numel {
			return fmt.Errorf("storage %q: file says %d elements, pickle %d", ks, n, s.numel)
		}
		n, ok := nbytes(s)
		if !ok || n > uint64(size-off-8) {
			return fmt.Errorf("storage %q runs past the end of the file", ks)
		}
		off += 8 + int64(n)
	}
	return nil
}
