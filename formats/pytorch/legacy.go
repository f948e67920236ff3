package pytorch

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/modelgate/modelgate/formats"
	"github.com/modelgate/modelgate/formats/pickle"
)

// legacyPickles is how many pickles a legacy file stacks before its
// storages: magic number, protocol version, sys_info, data, storage keys.
const legacyPickles = 5

// legacyProtocolVersion is what torch.save writes as the second pickle.
const legacyProtocolVersion = 1001

// maxKept bounds the container elements the machine keeps, so that the
// storage-key list of a large model is read whole; memory stays bounded
// by the file's own size.
const maxKept = 1 << 20

// analyzeLegacy checks a legacy torch.save file: its five pickles through
// the pickle machine, then each raw storage record against the key order
// and sizes the pickles declare, then whatever follows the last storage.
func analyzeLegacy(ctx context.Context, in *formats.Input, s formats.Scope) error {
	rc, err := in.Open()
	if err != nil {
		return &formats.ReadError{Err: err}
	}
	defer rc.Close()
	decl := map[string]storage{}
	opt := pickle.Options{Multiple: true, MaxStreams: legacyPickles, MaxItems: maxKept}
	if in.RandomAccess() {
		opt.Source, _, _ = in.ReaderAt(0)
	}
	opt.Hooks.OnPersistentID = func(off int64, pid pickle.Value) error {
		// persistent_load (torch 1.13 _legacy_load) creates a storage the
		// first time its key appears; later IDs of the key reuse it, with
		// its first type and size.
		one := map[string]storage{}
		declared(off, pid, one)
		for k, v := range one {
			if _, ok := decl[k]; !ok {
				decl[k] = v
			}
		}
		return nil
	}
	opt.Hooks.PersistentLoad = moduleClass
	res, err := pickle.Scan(ctx, rc, s, opt)
	if err != nil {
		return fmt.Errorf("legacy torch pickles: %w", err)
	}
	if res.Streams < legacyPickles {
		return fmt.Errorf("legacy torch file ends after %d of its %d pickles", res.Streams, legacyPickles)
	}
	if v, ok := res.Values[1].Int(); !ok || v != legacyProtocolVersion {
		s.Report(formats.NewFinding(RuleLegacyHeader, formats.NoOffset,
			"protocol version pickle holds %s, not %d", res.Values[1], legacyProtocolVersion))
	}
	if res.Values[2].Kind() != pickle.KindDict {
		s.Report(formats.NewFinding(RuleLegacyHeader, formats.NoOffset, "sys_info pickle holds %s, not a dict", res.Values[2]))
	}
	keys := res.Values[4]
	if keys.Kind() != pickle.KindList || keys.Len() > int64(maxKept) {
		return fmt.Errorf("legacy torch storage-key pickle holds %s, not a list of keys", keys)
	}
	return checkStorages(ctx, in, s, res.End, keys, decl)
}

// moduleClass is legacy torch.load's persistent_load for a saved module:
// ("module", class, source file, source) loads as the class itself, which
// the pickle machine then judges like any global.
func moduleClass(pid pickle.Value) (pickle.Value, bool) {
	tag, _ := pid.Index(0)
	if t, _ := tag.Text(); t != "module" || pid.Kind() != pickle.KindTuple {
		return pickle.Value{}, false
	}
	class, _ := pid.Index(1)
	return class, class.Kind() == pickle.KindGlobal
}

// checkStorages walks the raw storage records after the pickles: each is
// an int64 element count and that many elements, in storage-key order.
// Only the counts are read; the elements are skipped (by offset when the
// input is random access, so a structure-only scan reads no tensor data).
func checkStorages(ctx context.Context, in *formats.Input, s formats.Scope, start int64, keys pickle.Value, decl map[string]storage) error {
	recs, err := openRecords(in, start)
	if err != nil {
		return err
	}
	defer recs.Close()
	off := start
	for i := range int(keys.Len()) {
		if err := ctx.Err(); err != nil {
			return err
		}
		kv, _ := keys.Index(i)
		key, ok := kv.Text()
		if !ok {
			return fmt.Errorf("storage key %d is %s, not a string", i, kv)
		}
		st, ok := decl[key]
		if !ok {
			s.Report(formats.NewFinding(RuleMissingStorage, off, "storage key %q is listed but no tensor declares it", key))
		}
		size, known := elementSize[st.typ]
		if !known {
			return fmt.Errorf("storage %q has type %q, whose element size is unknown", key, st.typ)
		}
		var hdr [8]byte
		if err := recs.header(hdr[:]); err != nil {
			return fmt.Errorf("storage %q record at offset %d: %w", key, off, eofIsTruncation(err))
		}
		numel := int64(binary.LittleEndian.Uint64(hdr[:]))
		if numel != st.numel {
			s.Report(formats.NewFinding(RuleStorageSize, off, "storage %q records %d elements, the pickle declares %d", key, numel, st.numel).
				With("key", key))
		}
		n := numel * size
		if numel < 0 || numel > 1<<60 || n/size != numel {
			return fmt.Errorf("storage %q at offset %d declares %d elements", key, off, numel)
		}
		if !recs.skip(n) {
			// A storage that claims more bytes than the file holds.
			s.Report(formats.NewFinding(RuleStorageSize, off, "storage %q needs %d bytes, the file ends first", key, n).With("key", key))
			return nil
		}
		off += 8 + n
	}
	if more, err := recs.more(); err != nil {
		return &formats.ReadError{Err: err}
	} else if !more {
		return nil
	}
	s.Report(formats.NewFinding(RuleTrailingData, off, "data follows the last of %d storages", keys.Len()))
	return s.Scan(ctx, tail(in, off))
}

// records reads the storage records from where the pickles end.
type records struct {
	// ra and size are the input when it is random access; off is then
	// the position.
	ra   io.ReaderAt
	size int64
	off  int64
	// br reads a stream input.
	br *bufio.Reader
	rc io.Closer
}

func openRecords(in *formats.Input, start int64) (*records, error) {
	if in.RandomAccess() && in.Size >= 0 {
		ra, size, _ := in.ReaderAt(0)
		return &records{ra: ra, size: size, off: start}, nil
	}
	rc, err := openAt(in, start)
	if err != nil {
		return nil, err
	}
	return &records{br: bufio.NewReaderSize(rc, 64<<10), rc: rc}, nil
}

// header reads the next len(p) bytes; io.EOF when none remain.
func (r *records) header(p []byte) error {
	if r.br != nil {
		_, err := io.ReadFull(r.br, p)
		return err
	}
	n, err := r.ra.ReadAt(p, r.off)
	r.off += int64(n)
	switch {
	case n == len(p):
		return nil
	case n == 0 && (err == nil || errors.Is(err, io.EOF)):
		return io.EOF
	case err == nil || errors.Is(err, io.EOF):
		return io.ErrUnexpectedEOF
	}
	return err
}

// skip passes over n bytes and reports whether the input holds them.
func (r *records) skip(n int64) bool {
	if r.br != nil {
		k, err := r.br.Discard(int(min(n, 1<<62)))
		return err == nil && int64(k) == n
	}
	if n > r.size-r.off {
		return false
	}
	r.off += n
	return true
}

// more reports whether bytes follow.
func (r *records) more() (bool, error) {
	if r.br != nil {
		_, err := r.br.Peek(1)
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		return err == nil, err
	}
	return r.off < r.size, nil
}

func (r *records) Close() error {
	if r.rc != nil {
		return r.rc.Close()
	}
	return nil
}

func eofIsTruncation(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// openAt returns a reader over in from offset off.
func openAt(in *formats.Input, off int64) (io.ReadCloser, error) {
	if in.RandomAccess() {
		ra, size, _ := in.ReaderAt(0)
		return io.NopCloser(io.NewSectionReader(ra, off, size-off)), nil
	}
	rc, err := in.Open()
	if err != nil {
		return nil, &formats.ReadError{Err: err}
	}
	if _, err := io.CopyN(io.Discard, rc, off); err != nil {
		rc.Close()
		return nil, &formats.ReadError{Err: err}
	}
	return rc, nil
}

// tail is in from off to its end, as a member of its own.
func tail(in *formats.Input, off int64) *formats.Input {
	size := int64(-1)
	if in.Size >= 0 {
		size = in.Size - off
	}
	return formats.NewStreamInput("trailing-data", size, 0, func() (io.ReadCloser, error) { return openAt(in, off) })
}
