package fetchtest

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Sparse is a file of Size bytes that holds Head at offset 0 and zeros
// after it, served without ever being materialised.
type Sparse struct {
	Head []byte
	Size int64
	off  int64
}

// SparseSafetensors returns a safetensors shard declaring size bytes:
// a real header of tensors F32 tensors covering the data, then zeros.
func SparseSafetensors(size int64, tensors int) *Sparse {
	hdr := map[string]any{"__metadata__": map[string]string{"format": "pt"}}
	var head []byte
	for pass := 0; pass < 2; pass++ {
		data := size - int64(len(head))
		per := data / int64(tensors) / 4 * 4
		var off int64
		for i := 0; i < tensors; i++ {
			end := off + per
			if i == tensors-1 {
				end = data
			}
			hdr[fmt.Sprintf("model.layers.%d.weight", i)] = map[string]any{"dtype": "F32", "shape": []int64{(end - off) / 4}, "data_offsets": []int64{off, end}}
			off = end
		}
		js, _ := json.Marshal(hdr)
		for (len(js)+8)%8 != 0 {
			js = append(js, ' ')
		}
		head = binary.LittleEndian.AppendUint64(nil, uint64(len(js)))
		head = append(head, js...)
	}
	return &Sparse{Head: head, Size: size}
}

// ReadAt implements io.ReaderAt.
func (s *Sparse) ReadAt(p []byte, off int64) (int, error) {
	if off >= s.Size {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), s.Size-off))
	clear(p[:n])
	if off < int64(len(s.Head)) {
		copy(p[:n], s.Head[off:])
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Read implements io.Reader.
func (s *Sparse) Read(p []byte) (int, error) {
	n, err := s.ReadAt(p, s.off)
	s.off += int64(n)
	return n, err
}

// Seek implements io.Seeker.
func (s *Sparse) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		off += s.off
	case io.SeekEnd:
		off += s.Size
	}
	if off < 0 {
		return 0, errors.New("negative seek")
	}
	s.off = off
	return off, nil
}
