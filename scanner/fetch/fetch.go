// Package fetch turns a scan target into a Source: a tree of files, each
// with a path, a size, random access to its bytes and, where the origin
// states one, the digest it should have. This package holds the Source
// contract and the local-filesystem source; remote origins live in
// sub-packages. A fetcher never interprets the bytes it serves.
package fetch

import (
	"context"
	"io"
)

// ReaderAtCloser is random access to one file's bytes.
type ReaderAtCloser interface {
	io.ReaderAt
	io.Closer
}

// File is one file of a Source.
type File struct {
	// Path is the file's display path: the target joined with the path
	// inside it.
	Path string
	// Rel is the path relative to the target's root, with forward slashes.
	Rel  string
	Size int64
	// Digest is the digest the origin states ("sha256:<hex>"), or "".
	Digest string
	// Local says the bytes are on this machine: reading them twice costs
	// no download.
	Local bool
	// Stamp, for a local file, describes its identity and last change
	// (device, inode, size, modification and change times) as the system
	// reports them now; two equal stamps around a scan mean no writer
	// touched the file in between. Nil when the origin has none.
	Stamp func() (string, error)
	// Open returns random access to the file's bytes; nil when Err or
	// Skip is set.
	Open func(ctx context.Context) (ReaderAtCloser, error)
	// Err, when set, says why this entry of the tree could not be read as
	// a file (a dangling link, a FIFO, a link leaving the target): the
	// scan reports it inconclusive rather than drop it.
	Err error
	// Skip, when set, says why this entry was deliberately not read
	// (version-control metadata): the scan lists it as skipped.
	Skip string
}

// Source is a tree of files to scan.
type Source interface {
	// Walk calls fn for every file in lexical order of Rel. An error from
	// fn stops the walk and is returned.
	Walk(ctx context.Context, fn func(File) error) error
}
