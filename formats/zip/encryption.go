package zip

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/modelgate/modelgate/formats"
)

// Traditional PKWARE encryption (APPNOTE 6.1) prefixes the data with a
// 12-byte encryption header; WinZip AES (AE-1/AE-2) stores method 99, an
// extra field 0x9901, and surrounds the data with a salt, a two-byte
// password verifier and a ten-byte authentication code.
const (
	pkwareHeader = 12
	methodAES    = 99
	aesExtraID   = 0x9901
	aesTrailer   = 2 + 10
)

// probeLimit caps how many bytes the plaintext reading of a flagged,
// compressed entry is decompressed to decide whether it is encrypted. A
// reading that gets this far without an error counts as plaintext.
const probeLimit = 16 << 20

// hasAESField reports whether extra holds a well-formed WinZip AES field:
// version 1 or 2, vendor "AE", key strength 1 to 3.
func hasAESField(extra []byte) bool {
	le := binary.LittleEndian
	for len(extra) >= 4 {
		id, n := le.Uint16(extra), int(le.Uint16(extra[2:]))
		if n > len(extra)-4 {
			return false
		}
		body := extra[4 : 4+n]
		extra = extra[4+n:]
		if id != aesExtraID || n != 7 {
			continue
		}
		v := le.Uint16(body)
		return (v == 1 || v == 2) && string(body[2:4]) == "AE" && body[4] >= 1 && body[4] <= 3
	}
	return false
}

func (e *Entry) encryptedFlag() bool {
	return (e.Flags|e.LocalFlags)&FlagEncrypted != 0
}

// storedEncrypted reports whether a flagged stored entry has exactly the
// 12 extra bytes traditional encryption adds. Read as plaintext, such an
// entry can never match its declared size, so it is encrypted data.
func storedEncrypted(e *Entry) bool {
	return e.encryptedFlag() && e.Method == Store && e.CompressedSize >= pkwareHeader &&
		e.CompressedSize-pkwareHeader == e.UncompressedSize
}

// checkEncryption decides, for every entry with the encrypted flag,
// whether its data is really encrypted. Loaders that ignore the flag
// (PyTorch's miniz reader) read the bytes as plaintext, so an entry whose
// plaintext reading gives its declared size is not encrypted: the flag only
// hides it from readers that refuse flagged entries (CVE-2025-1945), and
// checkNames reports it. An entry is encrypted only when its plaintext
// reading is not a valid member and its layout is what the encryption
// writes; it is then unreadable, and its Open fails with
// formats.ErrUnsupported. Anything in between stays readable as plaintext
// and flagged, so the doubt falls on the reported side.
func (r *Reader) checkEncryption(ctx context.Context) error {
	for _, e := range r.Entries {
		if !e.encryptedFlag() || !e.headerOK || e.err != nil {
			continue
		}
		kind := ""
		switch {
		case e.Method == methodAES:
			if e.aes && e.CompressedSize >= 8+aesTrailer {
				kind = "WinZip AES"
			}
		case e.Method == Store:
			if storedEncrypted(e) {
				kind = "traditional PKWARE"
			}
		case e.Supported() && e.CompressedSize >= pkwareHeader:
			plain, err := e.readsPlain(ctx)
			if err != nil {
				return err
			}
			if !plain {
				kind = "traditional PKWARE"
			}
		}
		if kind != "" {
			e.encryption = kind
			e.err = fmt.Errorf("zip: entry %q is encrypted (%s) and cannot be scanned: %w", e.Name, kind, formats.ErrUnsupported)
		}
	}
	return nil
}

// readsPlain reports whether the entry's data, decompressed as it stands,
// is what a loader ignoring the flag reads: it decompresses without error
// to its declared size, or runs past probeLimit without an error.
// Ciphertext read as a compressed stream almost always fails to decode,
// and essentially never decodes to exactly the declared size. Only a failure of the
// underlying file is returned as an error.
func (e *Entry) readsPlain(ctx context.Context) (bool, error) {
	rc, err := e.Open()
	if err != nil {
		return false, nil
	}
	defer rc.Close()
	n, err := io.CopyN(io.Discard, &ctxReader{ctx: ctx, r: rc}, probeLimit)
	var re *formats.ReadError
	switch {
	case errors.As(err, &re), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false, err
	case err == nil && n == probeLimit:
		return true, nil
	case err != io.EOF:
		return false, nil
	}
	// A wrong CRC alone does not make ciphertext: loaders that skip CRC
	// checks read such data (CVE-2025-10156), and verify reports it.
	_, size, ok := e.Checked()
	return ok && uint64(size) == e.UncompressedSize, nil
}
